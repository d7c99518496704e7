//! Builds report documents from figures: the hamlet's monthly report and the commune's
//! monthly, quarterly and year-end reports, worded as the commune's plan words them.

use super::document::{Block, Chart, Document, Signature};
use super::figures::{AreaFigures, Completeness};
use super::sections::{completeness_blocks, figure_blocks, task_blocks, year_end_blocks};

/// What kind of report: the period it covers decides the sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Monthly,
    Quarterly,
    Yearly,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "monthly" => Some(Kind::Monthly),
            "quarterly" => Some(Kind::Quarterly),
            "yearly" => Some(Kind::Yearly),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Kind::Monthly => "monthly",
            Kind::Quarterly => "quarterly",
            Kind::Yearly => "yearly",
        }
    }
}

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

/// Who issues the report and who signs it.
#[derive(Clone, Debug, Default)]
pub struct Letterhead {
    pub issuer: Vec<String>,
    /// How many of the issuer's lines name its superior body (see `Document::issuer`).
    pub issuer_superior: usize,
    pub number: String,
    /// The place written before the date (the commune's name).
    pub place: String,
    /// The report's date, `yyyy-mm-dd`.
    pub date: String,
    pub addressee: String,
    pub recipients: Vec<String>,
    pub signature: Signature,
}

impl Letterhead {
    /// A hamlet team's report to the commune, signed by the hamlet head.
    pub fn hamlet(commune: &str, hamlet: &str, head: &str, date: &str) -> Letterhead {
        Letterhead {
            issuer: vec![
                format!("UBND XÃ {}", commune.to_uppercase()),
                format!("BAN NHÂN DÂN {}", hamlet.to_uppercase()),
            ],
            issuer_superior: 1,
            number: "Số:      /BC-BNDA".to_string(),
            place: commune.to_string(),
            date: date.to_string(),
            addressee: format!("Phòng Văn hóa – Xã hội xã {commune}"),
            recipients: vec![
                format!("Phòng Văn hóa – Xã hội xã {commune}"),
                format!("Tổ CNSCĐ {hamlet}"),
                "Lưu.".to_string(),
            ],
            signature: Signature {
                authority: vec!["TRƯỞNG ẤP".to_string()],
                name: head.to_string(),
            },
        }
    }

    /// The commune People's Committee's report, signed for it by its chair.
    pub fn commune(commune: &str, leader: &str, date: &str) -> Letterhead {
        Letterhead {
            issuer: vec![
                "ỦY BAN NHÂN DÂN".to_string(),
                format!("XÃ {}", commune.to_uppercase()),
            ],
            issuer_superior: 0,
            number: "Số:      /BC-UBND".to_string(),
            place: commune.to_string(),
            date: date.to_string(),
            addressee: String::new(),
            recipients: vec![
                "Sở Khoa học và Công nghệ".to_string(),
                "Thường trực Đảng ủy xã".to_string(),
                "Thường trực HĐND xã".to_string(),
                "Chủ tịch, các Phó Chủ tịch UBND xã".to_string(),
                "Phòng Văn hóa – Xã hội".to_string(),
                "Trưởng các ấp".to_string(),
                "Lưu: VT.".to_string(),
            ],
            signature: Signature {
                authority: vec!["TM. ỦY BAN NHÂN DÂN".to_string(), "CHỦ TỊCH".to_string()],
                name: leader.to_string(),
            },
        }
    }
}

/// The free text of a report: the hamlet head's, or for the commune the hamlets' collected.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Narrative {
    pub results: String,
    pub difficulties: String,
    pub proposals: String,
    pub next_plan: String,
}

/// A hamlet's line in the commune's table (its figures frozen if its report was approved).
#[derive(Clone, Debug)]
pub struct HamletLine {
    pub figures: AreaFigures,
    pub frozen: bool,
}

/// A plan task of the quarter (or year) and where it stands.
#[derive(Clone, Debug)]
pub struct TaskLine {
    pub quarter: i64,
    pub content: String,
    pub unit: String,
    pub expected: String,
    pub status: String,
    pub note: String,
}

#[derive(Clone, Debug)]
pub struct EvaluationLine {
    pub team: String,
    pub rating: String,
    pub results: String,
    pub submitted: bool,
}

#[derive(Clone, Debug)]
pub struct NominationLine {
    pub kind: String,
    pub nominee: String,
    pub reason: String,
    pub status: String,
}

#[derive(Clone, Debug)]
pub struct PracticeLine {
    pub title: String,
    pub hamlet: String,
    pub description: String,
}

/// Everything a report is built from.
#[derive(Clone, Debug)]
pub struct Input {
    pub kind: Kind,
    pub letterhead: Letterhead,
    pub figures: AreaFigures,
    pub narrative: Narrative,
    pub trend: Option<Chart>,
    /// The commune's hamlets (empty for a hamlet's report).
    pub hamlets: Vec<HamletLine>,
    /// Report completeness of each month of the period (commune reports).
    pub completeness: Vec<Completeness>,
    pub tasks: Vec<TaskLine>,
    pub evaluations: Vec<EvaluationLine>,
    pub nominations: Vec<NominationLine>,
    pub practices: Vec<PracticeLine>,
    /// The year-end scored sheet of the commune's teams (commune year-end reports).
    pub scores: Option<crate::scoring::Sheet>,
    /// Set while a hamlet report is not approved: the figures are still live.
    pub draft_note: String,
}

impl Input {
    pub fn new(kind: Kind, letterhead: Letterhead, figures: AreaFigures) -> Input {
        Input {
            kind,
            letterhead,
            figures,
            narrative: Narrative::default(),
            trend: None,
            hamlets: Vec::new(),
            completeness: Vec::new(),
            tasks: Vec::new(),
            evaluations: Vec::new(),
            nominations: Vec::new(),
            practices: Vec::new(),
            scores: None,
            draft_note: String::new(),
        }
    }
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

/// "tháng 5/2026", "quý II/2026", "năm 2026" from the figures' period label.
pub(super) fn period_words(f: &AreaFigures) -> String {
    let l = &f.period_label;
    let mut chars = l.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// `2026-05` → `5/2026`.
pub fn month_words(code: &str) -> String {
    match code.split_once('-') {
        Some((y, m)) => format!("{}/{y}", m.trim_start_matches('0')),
        None => code.to_string(),
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
