//! Builds report documents from figures: the hamlet's monthly report and the commune's
//! monthly, quarterly and year-end reports, worded as the commune's plan words them.

use super::document::{Block, Document};
use super::sections::{completeness_blocks, figure_blocks, task_blocks, year_end_blocks};

// The input lives in `input` so the section writers can read it without depending on the
// builder that calls them; re-exported because callers build an `Input` to pass to `document`.
use super::input::period_words;
pub use super::input::{
    EvaluationLine, HamletLine, Input, Kind, Letterhead, Narrative, NominationLine, PracticeLine,
    TaskLine, month_words,
};

/// The name a report is saved under, without diacritics so every phone, mail client and
/// archive keeps it: `bao-cao-thang-5-2026-ap-3.docx`, `bao-cao-quy-3-2026-rach-kien.pdf`.
pub fn file_name(area_name: &str, p: &crate::indicators::Period, extension: &str) -> String {
    use crate::indicators::{Period, period};
    let when = match *p {
        Period::Month(m) => format!("thang-{}-{}", period::month_number(m), period::year_of(m)),
        Period::Quarter { year, quarter } => format!("quy-{quarter}-{year}"),
        Period::Year(year) => format!("nam-{year}"),
    };
    let area: String = crate::text::fold(area_name)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let area = area
        .split('-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    format!("bao-cao-{when}-{area}.{extension}")
}

/// The same name as an official would write it: `Báo cáo tháng 5-2026 Ấp 3.docx`.
pub fn display_file_name(
    area_name: &str,
    p: &crate::indicators::Period,
    extension: &str,
) -> String {
    let when = p.label_lower().replace('/', "-");
    let area: String = area_name
        .chars()
        .filter(|c| !"/\\:*?\"<>|".contains(*c))
        .collect();
    format!("Báo cáo {when} {}.{extension}", area.trim())
}

/// `2026-05-25` at Rạch Kiến → `Rạch Kiến, ngày 25 tháng 5 năm 2026`; as Decree 30 asks, days
/// below 10 and the months January and February take a leading zero.
pub fn place_date(place: &str, iso: &str) -> String {
    let parts: Vec<i64> = iso.split('-').filter_map(|p| p.parse().ok()).collect();
    match parts.as_slice() {
        [y, m, d] => {
            let day = if *d < 10 {
                format!("0{d}")
            } else {
                d.to_string()
            };
            let month = if *m < 3 {
                format!("0{m}")
            } else {
                m.to_string()
            };
            format!("{place}, ngày {day} tháng {month} năm {y}")
        }
        _ => format!("{place}, ngày …… tháng …… năm ……"),
    }
}

/// Each line of a text as its own paragraph (the writers indent every paragraph's first line).
pub(super) fn paragraphs(s: &str) -> Vec<Block> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| Block::Paragraph(l.to_string()))
        .collect()
}

/// The text's paragraphs, or `empty` when it has none.
pub(super) fn paragraphs_or(s: &str, empty: &str) -> Vec<Block> {
    let p = paragraphs(s);
    if p.is_empty() {
        vec![Block::Paragraph(empty.to_string())]
    } else {
        p
    }
}

/// `14` → `XIV`: section numerals of any length.
pub fn roman_numeral(mut n: usize) -> String {
    const PARTS: [(usize, &str); 9] = [
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, numeral) in PARTS {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

/// `II. KHÓ KHĂN` → `KHÓ KHĂN`, `3. Hồ sơ` → `Hồ sơ`: a heading without the number it was
/// written with.
fn without_number(t: &str) -> &str {
    match t.split_once(". ") {
        Some((n, rest))
            if !n.is_empty()
                && (n.chars().all(|c| c.is_ascii_digit())
                    || n.chars().all(|c| "IVXLC".contains(c))) =>
        {
            rest.trim_start()
        }
        _ => t,
    }
}

/// Numbers the sections in the order they come: headings I, II, III…, sub-headings 1, 2, 3…
/// within each heading. Sections are written without numbers, so one a report leaves out (a
/// monthly report has no plan tasks, a hamlet no completeness) leaves no gap behind it.
pub fn number_sections(blocks: &mut [Block]) {
    let (mut heading, mut sub) = (0, 0);
    for block in blocks {
        match block {
            Block::Heading(t) => {
                heading += 1;
                sub = 0;
                *t = format!("{}. {}", roman_numeral(heading), without_number(t));
            }
            Block::Subheading(t) => {
                sub += 1;
                *t = format!("{sub}. {}", without_number(t));
            }
            _ => {}
        }
    }
}

/// The report as a document.
pub fn document(input: &Input) -> Document {
    let f = &input.figures;
    let lh = &input.letterhead;
    let when = period_words(f);
    let whose = if f.level == "hamlet" {
        format!("Tổ công nghệ số cộng đồng {}", f.area_name)
    } else {
        format!(
            "các Tổ công nghệ số cộng đồng trên địa bàn xã {}",
            f.area_name
        )
    };
    let subtitle = match input.kind {
        Kind::Yearly => format!("Tổng kết hoạt động {whose} {when}"),
        _ => format!("Kết quả hoạt động {whose} {when}"),
    };
    let mut blocks = Vec::new();
    if !input.draft_note.is_empty() {
        blocks.push(Block::Paragraph(input.draft_note.clone()));
    }
    blocks.push(Block::Heading("KẾT QUẢ THỰC HIỆN".into()));
    figure_blocks(f, input.kind, &mut blocks);
    if let Some(chart) = &input.trend {
        blocks.push(Block::Chart(chart.clone()));
    }
    if input.kind != Kind::Monthly {
        task_blocks(input, &mut blocks);
    }
    if f.level == "commune" {
        blocks.push(Block::Subheading(
            "Tình hình báo cáo và kết quả của các ấp".into(),
        ));
        completeness_blocks(&input.completeness, &input.hamlets, &mut blocks);
    }
    if !input.narrative.results.trim().is_empty() {
        blocks.push(Block::Subheading("Kết quả nổi bật".into()));
        blocks.extend(paragraphs(&input.narrative.results));
    }
    if input.kind == Kind::Yearly && f.level == "commune" {
        year_end_blocks(input, &mut blocks);
    }
    blocks.push(Block::Heading("KHÓ KHĂN, VƯỚNG MẮC".into()));
    blocks.extend(paragraphs_or(
        &input.narrative.difficulties,
        "Không có khó khăn, vướng mắc.",
    ));
    blocks.push(Block::Heading("ĐỀ XUẤT, KIẾN NGHỊ".into()));
    blocks.extend(paragraphs_or(
        &input.narrative.proposals,
        "Không có đề xuất, kiến nghị.",
    ));
    let next = match input.kind {
        Kind::Monthly => "PHƯƠNG HƯỚNG, NHIỆM VỤ THÁNG TỚI",
        Kind::Quarterly => "PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ TỚI",
        Kind::Yearly => "PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM TIẾP THEO",
    };
    blocks.push(Block::Heading(next.into()));
    blocks.extend(paragraphs_or(
        &input.narrative.next_plan,
        "Tiếp tục thực hiện các nhiệm vụ theo Kế hoạch hoạt động của Tổ công nghệ số cộng đồng.",
    ));
    number_sections(&mut blocks);
    let closing = if f.level == "hamlet" {
        format!("Trên đây là báo cáo kết quả hoạt động {whose} {when}./.")
    } else {
        format!(
            "Trên đây là báo cáo kết quả hoạt động {whose} {when} của UBND xã {}./.",
            f.area_name
        )
    };
    blocks.push(Block::Paragraph(closing));
    let short = format!(
        "BC {} {}",
        f.period,
        crate::text::fold(&f.area_name).replace(' ', "-")
    );
    Document {
        issuer: lh.issuer.clone(),
        issuer_superior: lh.issuer_superior,
        number: lh.number.clone(),
        place_date: place_date(&lh.place, &lh.date),
        title: "BÁO CÁO".to_string(),
        subtitle,
        addressee: lh.addressee.clone(),
        blocks,
        recipients: lh.recipients.clone(),
        signature: lh.signature.clone(),
        short_name: short,
        date: lh.date.clone(),
    }
}

#[cfg(test)]
#[path = "tests/build.rs"]
mod tests;
