//! Cẩm nang (issue 20): the step-by-step guides a volunteer shows a resident at the door. Plain
//! rules here: how typed steps become numbered steps, how an uploaded picture is made small,
//! what the search reads, and which pictures the field app carries within its budget.

use crate::error::{AppError, Result};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{ImageReader, Limits};
use std::io::Cursor;

pub const MAX_TITLE: usize = 150;
pub const MAX_STEPS: usize = 12;
pub const MAX_STEP: usize = 200;
pub const MAX_NOTE: usize = 400;
/// An uploaded picture, before it is made small (a phone's photo is 2–6 MB).
pub const MAX_UPLOAD: usize = 8 << 20;
/// The longest side of a stored picture, in pixels: sharp on a phone, small on the wire.
pub const PICTURE_SIDE: u32 = 640;
/// A stored picture never exceeds this (a lower JPEG quality is tried before refusing).
pub const MAX_PICTURE: usize = 160 << 10;
/// What the field app keeps on the phone for guides: their text and as many pictures as fit.
pub const FIELD_BUDGET: usize = 2_000_000;
/// What decoding an upload may allocate: a 12-megapixel photo fits, a crafted 60,000² does not.
const DECODE_ALLOC: u64 = 96 << 20;
const DECODE_SIDE: u32 = 8000;

pub const SAMPLE_NOTE: &str = "Mẫu — cần kiểm tra lại trước khi dùng";

/// Steps typed one per line; a leading "1.", "2)", "Bước 3:" or "-" is the old numbering and
/// goes (the guide numbers its steps itself). Blank lines are dropped.
pub fn parse_steps(text: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = strip_number(crate::text::clean(line).as_str()).to_string();
        if line.is_empty() {
            continue;
        }
        if line.chars().count() > MAX_STEP {
            return Err(AppError::invalid(format!(
                "Bước {} dài quá {MAX_STEP} ký tự: hãy tách thành hai bước ngắn.",
                out.len() + 1
            )));
        }
        out.push(line);
    }
    if out.is_empty() {
        return Err(AppError::invalid(
            "Cần ít nhất một bước (mỗi bước một dòng).",
        ));
    }
    if out.len() > MAX_STEPS {
        return Err(AppError::invalid(format!(
            "Tối đa {MAX_STEPS} bước để in vừa một trang; đang có {}.",
            out.len()
        )));
    }
    Ok(out)
}

fn strip_number(line: &str) -> &str {
    let mut s = line.trim_start();
    for prefix in ["Bước", "bước", "BƯỚC"] {
        if let Some(rest) = s.strip_prefix(prefix)
            && rest.trim_start().starts_with(|c: char| c.is_ascii_digit())
        {
            s = rest.trim_start();
        }
    }
    let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 && digits <= 2 {
        let rest = &s[digits..];
        if let Some(r) = rest.strip_prefix(['.', ')', ':', '-']) {
            return r.trim_start();
        }
    }
    if let Some(r) = s.strip_prefix(['-', '•', '*', '+']) {
        return r.trim_start();
    }
    s
}

/// What the search matches: every word of the query, folded, within this.
pub fn search_text(parts: &[&str]) -> String {
    crate::text::fold(&parts.join(" "))
}

/// A picture as stored: JPEG, its longest side at most `PICTURE_SIDE`, at most `MAX_PICTURE`.
pub struct Picture {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Reads an uploaded JPEG or PNG (by its bytes, not its name) and makes it small. The decoder
/// is bounded, so a picture that would unpack to gigabytes is refused, not unpacked.
pub fn shrink_picture(bytes: &[u8]) -> Result<Picture> {
    if bytes.len() > MAX_UPLOAD {
        return Err(AppError::invalid(format!(
            "Ảnh lớn quá {} MB.",
            MAX_UPLOAD >> 20
        )));
    }
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| matches!(f, image::ImageFormat::Jpeg | image::ImageFormat::Png))
        .ok_or_else(|| {
            AppError::invalid("Ảnh phải là tệp JPEG hoặc PNG (ảnh chụp, ảnh màn hình).")
        })?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(DECODE_ALLOC);
    limits.max_image_width = Some(DECODE_SIDE);
    limits.max_image_height = Some(DECODE_SIDE);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => {
            AppError::invalid("Ảnh có kích thước quá lớn; hãy chụp lại hoặc thu nhỏ ảnh.")
        }
        _ => AppError::invalid("Không đọc được ảnh: tệp hỏng hoặc không phải ảnh."),
    })?;
    let img = if img.width() > PICTURE_SIDE || img.height() > PICTURE_SIDE {
        img.resize(PICTURE_SIDE, PICTURE_SIDE, FilterType::Triangle)
    } else {
        img
    };
    // JPEG has no transparency: a screenshot's clear parts become white, not black.
    let rgb = flatten(&img);
    for quality in [75u8, 55, 35] {
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, quality)
            .encode_image(&rgb)
            .map_err(|e| AppError::Internal(format!("jpeg: {e}")))?;
        if jpeg.len() <= MAX_PICTURE {
            return Ok(Picture {
                jpeg,
                width: rgb.width(),
                height: rgb.height(),
            });
        }
    }
    Err(AppError::invalid(
        "Ảnh quá nhiều chi tiết để lưu gọn; hãy cắt bớt phần không cần.",
    ))
}

fn flatten(img: &image::DynamicImage) -> image::RgbImage {
    let rgba = img.to_rgba8();
    let mut out = image::RgbImage::new(rgba.width(), rgba.height());
    for (x, y, p) in rgba.enumerate_pixels() {
        let a = u32::from(p[3]);
        let mix = |c: u8| ((u32::from(c) * a + 255 * (255 - a)) / 255) as u8;
        out.put_pixel(x, y, image::Rgb([mix(p[0]), mix(p[1]), mix(p[2])]));
    }
    out
}

/// The pixel size of a stored JPEG (for the printed handout), read from its header.
pub fn jpeg_size(jpeg: &[u8]) -> Option<(u32, u32)> {
    let reader = ImageReader::with_format(Cursor::new(jpeg), image::ImageFormat::Jpeg);
    reader.into_dimensions().ok()
}

/// A short name for a picture's content: its address changes when the picture does, so phones
/// and browsers may keep a copy for good.
pub fn picture_tag(jpeg: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(jpeg);
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Of pictures in the order a volunteer meets them (guide by guide, step by step), the ones the
/// phone keeps: each in turn while the running total stays within `budget`; a picture too large
/// for what is left is skipped, and smaller ones after it may still fit.
pub fn within_budget(sizes: &[usize], budget: usize) -> Vec<bool> {
    let mut used = 0usize;
    sizes
        .iter()
        .map(|&n| {
            let fits = used + n <= budget;
            if fits {
                used += n;
            }
            fits
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_steps_lose_their_old_numbers() {
        let steps = parse_steps(
            "1. Mở ứng dụng VNeID\n\n Bước 2: Chọn \"Đăng ký\"\n3) Nhập số CCCD\n- Chụp khuôn mặt\n2026 là năm",
        )
        .unwrap();
        assert_eq!(
            steps,
            [
                "Mở ứng dụng VNeID",
                "Chọn \"Đăng ký\"",
                "Nhập số CCCD",
                "Chụp khuôn mặt",
                "2026 là năm"
            ]
        );
    }

    #[test]
    fn steps_are_bounded_so_a_guide_prints_on_one_page() {
        assert!(parse_steps(" \n\n").is_err());
        let many = (0..=MAX_STEPS)
            .map(|i| format!("Bước {i}: làm"))
            .collect::<Vec<_>>();
        assert!(parse_steps(&many.join("\n")).is_err());
        assert!(parse_steps(&"a".repeat(MAX_STEP + 1)).is_err());
        let most = parse_steps(&many[..MAX_STEPS].join("\n")).unwrap();
        assert_eq!(most.len(), MAX_STEPS);
    }

    #[test]
    fn the_budget_takes_pictures_in_order_and_skips_what_does_not_fit() {
        assert_eq!(
            within_budget(&[800, 900, 400, 200], 1500),
            [true, false, true, true]
        );
        assert_eq!(within_budget(&[], 10), Vec::<bool>::new());
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| {
            image::Rgba([
                (x % 256) as u8,
                (y % 256) as u8,
                128,
                if x < 10 { 0 } else { 255 },
            ])
        });
        let mut out = Vec::new();
        image::DynamicImage::ImageRgba8(img)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_large_picture_is_stored_small_as_jpeg() {
        let p = shrink_picture(&png(1600, 1200)).unwrap();
        assert_eq!((p.width, p.height), (640, 480));
        assert!(p.jpeg.len() <= MAX_PICTURE);
        assert_eq!(jpeg_size(&p.jpeg), Some((640, 480)));
        // Transparent parts become white, not black.
        let back = image::load_from_memory(&p.jpeg).unwrap().to_rgb8();
        assert!(
            back.get_pixel(2, 100)[0] > 200,
            "{:?}",
            back.get_pixel(2, 100)
        );
    }

    #[test]
    fn what_is_not_a_picture_or_too_big_to_unpack_is_refused() {
        assert!(shrink_picture(b"%PDF-1.7 not a picture").is_err());
        assert!(shrink_picture(&png(10, 10)[..40]).is_err());
        // A PNG header claiming 60,000 × 60,000 pixels: refused before any pixel is unpacked.
        let mut huge = png(1, 1);
        huge[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let e = shrink_picture(&huge).err().unwrap();
        assert!(e.to_string().contains("quá lớn") || e.to_string().contains("Không đọc"));
    }
}
