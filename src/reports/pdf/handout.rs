//! A guide (cẩm nang) printed as a handout: one A4 page in large type, its numbered steps with
//! their pictures, to leave with a resident or pin up at the cultural house. The type is as
//! large as lets everything fit on the one page (20 pt down to 10 pt; pictures shrink with it).

use printpdf::{Image, ImageFilter, ImageTransform, ImageXObject, Mm, Px};

use super::finish::finish;
use super::{Align, Col, MM, PAGE_H, PAGE_W, Style, Ty, Writer, col, pdf_err};
use crate::error::Result;

/// A step's picture as stored (JPEG) with its pixel size.
pub type Picture = (Vec<u8>, u32, u32);

/// What the handout shows.
pub struct Handout {
    pub title: String,
    /// The service's name, or the topic.
    pub subject: Option<String>,
    pub sample: bool,
    /// Each step's text and its picture (JPEG as stored, with its pixel size).
    pub steps: Vec<(String, Option<Picture>)>,
    pub tips: Option<String>,
    pub mistakes: Option<String>,
    /// The foot line: who issues it and the day it was checked.
    pub foot: String,
}

const MARGIN: f32 = 15.0 * MM;
const SIZES: [f32; 9] = [20.0, 18.0, 16.0, 15.0, 14.0, 13.0, 12.0, 11.0, 10.0];
/// The box a picture is fitted into beside its step at the largest type; smaller with smaller
/// type, and smaller again when the page is full.
const PICTURE_W: f32 = 55.0 * MM;
const PICTURE_SCALES: [f32; 3] = [1.0, 0.7, 0.5];
/// A picture's box is this much as high as it is wide (a portrait screenshot shrinks to it).
const BOX_RATIO: f32 = 1.3;
const GAP: f32 = 4.0 * MM;

struct Fit {
    size: f32,
    /// The picture box's width; 0: pictures left out.
    picture_w: f32,
}

impl Fit {
    /// The width and height a picture of `(pw, ph)` pixels is shown at, or None (left out).
    fn picture(&self, (pw, ph): (u32, u32)) -> Option<(f32, f32)> {
        if self.picture_w <= 0.0 {
            return None;
        }
        let (pw, ph) = (pw.max(1) as f32, ph.max(1) as f32);
        let k = (self.picture_w / pw).min(self.picture_w * BOX_RATIO / ph);
        Some((pw * k, ph * k))
    }
}

impl Fit {
    fn body(&self) -> Ty {
        Ty(Style::Regular, self.size)
    }
    fn bold(&self) -> Ty {
        Ty(Style::Bold, self.size)
    }
    fn title(&self) -> Ty {
        Ty(Style::Bold, self.size * 1.3)
    }
    fn small(&self) -> Ty {
        Ty(Style::Italic, (self.size * 0.7).max(9.0))
    }
}

const FULL: Col = col(MARGIN, PAGE_W - 2.0 * MARGIN);

pub fn render(h: &Handout) -> Result<Vec<u8>> {
    let mut w = Writer::new()?;
    let room = PAGE_H - 2.0 * MARGIN;
    let with_pictures = SIZES.iter().flat_map(|&size| {
        PICTURE_SCALES.iter().map(move |&k| Fit {
            size,
            picture_w: PICTURE_W * size / SIZES[0] * k,
        })
    });
    let without = SIZES.iter().map(|&size| Fit {
        size,
        picture_w: 0.0,
    });
    let smallest = Fit {
        size: SIZES[SIZES.len() - 1],
        picture_w: 0.0,
    };
    let fit = with_pictures
        .chain(without)
        .find(|f| height(&w, h, f) <= room)
        .unwrap_or(smallest);
    draw(&mut w, h, &fit);
    let bytes = w.pdf.save_to_bytes().map_err(pdf_err)?;
    finish(&bytes, &h.title)
}

/// The number column: "15." in bold fits.
fn number_w(w: &Writer, f: &Fit) -> f32 {
    w.width("15.", f.bold()) + 2.0 * MM
}

fn step_height(w: &Writer, f: &Fit, text: &str, picture: Option<(u32, u32)>) -> f32 {
    let nw = number_w(w, f);
    let shown = picture.and_then(|p| f.picture(p));
    let text_w = FULL.w - nw - shown.map_or(0.0, |_| f.picture_w + GAP);
    let text_h = w.wrap(text, f.body(), text_w, text_w).len() as f32 * f.body().lh();
    let pic_h = shown.map_or(0.0, |(_, ph)| ph);
    text_h.max(pic_h) + f.size * 0.6
}

fn note_height(w: &Writer, f: &Fit, text: &Option<String>) -> f32 {
    text.as_deref().map_or(0.0, |t| {
        let lines: usize = t
            .lines()
            .map(|l| w.wrap(l, f.body(), FULL.w, FULL.w).len())
            .sum();
        f.bold().lh() + lines as f32 * f.body().lh() + f.size * 0.6
    })
}

fn head_height(w: &Writer, h: &Handout, f: &Fit) -> f32 {
    let mut y = w.wrap(&h.title, f.title(), FULL.w, FULL.w).len() as f32 * f.title().lh();
    if h.subject.is_some() {
        y += f.small().lh();
    }
    if h.sample {
        y += f.small().lh();
    }
    y + f.size * 0.8
}

fn height(w: &Writer, h: &Handout, f: &Fit) -> f32 {
    let steps: f32 = h
        .steps
        .iter()
        .map(|(t, p)| step_height(w, f, t, p.as_ref().map(|p| (p.1, p.2))))
        .sum();
    head_height(w, h, f)
        + steps
        + note_height(w, f, &h.tips)
        + note_height(w, f, &h.mistakes)
        + f.small().lh() * 2.0
}

fn draw(w: &mut Writer, h: &Handout, f: &Fit) {
    let mut y = PAGE_H - MARGIN;
    if let Some(subject) = &h.subject {
        w.line(
            &format!("CẨM NANG · {subject}"),
            f.small(),
            FULL,
            y,
            Align::Left,
        );
        y -= f.small().lh();
    }
    if h.sample {
        w.line(crate::guides::SAMPLE_NOTE, f.small(), FULL, y, Align::Left);
        y -= f.small().lh();
    }
    let (after, _) = w.column(&h.title, f.title(), FULL, y, Align::Center);
    y = after - f.size * 0.8;
    let nw = number_w(w, f);
    for (i, (text, picture)) in h.steps.iter().enumerate() {
        let size = picture.as_ref().map(|p| (p.1, p.2));
        let shown = size.and_then(|p| f.picture(p));
        let text_w = FULL.w - nw - shown.map_or(0.0, |_| f.picture_w + GAP);
        w.line(
            &format!("{}.", i + 1),
            f.bold(),
            col(FULL.x, nw),
            y,
            Align::Left,
        );
        w.column(text, f.body(), col(FULL.x + nw, text_w), y, Align::Left);
        if let (Some((jpeg, pw, ph)), Some((sw, sh))) = (picture, shown) {
            let x = FULL.x + FULL.w - sw;
            picture_at(w, jpeg, (*pw, *ph), x, y - sh, sw);
        }
        y -= step_height(w, f, text, size);
    }
    for (label, text) in [("Mẹo", &h.tips), ("Lỗi thường gặp", &h.mistakes)] {
        if let Some(t) = text {
            w.line(label, f.bold(), FULL, y, Align::Left);
            y -= f.bold().lh();
            for l in t.lines() {
                y = w.column(l, f.body(), FULL, y, Align::Left).0;
            }
            y -= f.size * 0.6;
        }
    }
    w.line(
        &h.foot,
        f.small(),
        FULL,
        MARGIN + f.small().lh(),
        Align::Left,
    );
}

/// A JPEG as stored, drawn `width` points wide with its bottom left corner at (x, y).
fn picture_at(w: &Writer, jpeg: &[u8], (pw, ph): (u32, u32), x: f32, y: f32, width: f32) {
    let image = Image::from(ImageXObject {
        width: Px(pw as usize),
        height: Px(ph as usize),
        color_space: printpdf::ColorSpace::Rgb,
        bits_per_component: printpdf::ColorBits::Bit8,
        interpolate: true,
        image_data: jpeg.to_vec(),
        image_filter: Some(ImageFilter::DCT),
        smask: None,
        clipping_bbox: None,
    });
    // At 72 dpi one pixel is one point; the scale makes it `width` points wide.
    let scale = width / pw as f32;
    image.add_to_layer(
        w.layer.clone(),
        ImageTransform {
            translate_x: Some(Mm(x / MM)),
            translate_y: Some(Mm(y / MM)),
            scale_x: Some(scale),
            scale_y: Some(scale),
            dpi: Some(72.0),
            ..Default::default()
        },
    );
}
