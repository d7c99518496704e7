//! Builds report documents from figures: the hamlet's monthly report and the commune's
//! monthly, quarterly and year-end reports, worded as the commune's plan words them.

use super::document::{Block, Cell, Chart, Document, Signature, Table};
use super::figures::{AreaFigures, Completeness, IndicatorLine, Timeliness};

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

/// Who issues the report and who signs it.
#[derive(Clone, Debug, Default)]
pub struct Letterhead {
    pub issuer: Vec<String>,
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
            number: "Số:      /BC-UBND".to_string(),
            place: commune.to_string(),
            date: date.to_string(),
            addressee: String::new(),
            recipients: vec![
                "Sở Khoa học và Công nghệ".to_string(),
                "TT ĐU; TT HĐND xã".to_string(),
                "CT, các PCT UBND xã".to_string(),
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
fn period_words(f: &AreaFigures) -> String {
    let l = &f.period_label;
    let mut chars = l.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn paragraph_or(s: &str, empty: &str) -> Block {
    if s.trim().is_empty() {
        Block::Paragraph(empty.to_string())
    } else {
        Block::Paragraph(s.trim().to_string())
    }
}

fn indicator_table(title: &str, lines: &[IndicatorLine]) -> Block {
    let rows = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                Cell::Int(i as i64 + 1),
                text(&l.name),
                if l.is_ratio() {
                    text(format!(
                        "{}/{}",
                        crate::text::format_int(l.numerator),
                        l.denominator.map_or("0".into(), crate::text::format_int)
                    ))
                } else {
                    Cell::Int(l.numerator)
                },
                if l.is_ratio() {
                    Cell::Percent(l.value)
                } else {
                    Cell::Int(l.numerator)
                },
                text(l.target_display()),
                text(l.judgement()),
            ]
        })
        .collect();
    Block::Table(Table {
        title: title.to_string(),
        columns: [
            "STT",
            "Chỉ tiêu",
            "Số lượng",
            "Kết quả",
            "Mục tiêu",
            "Đánh giá",
        ]
        .map(String::from)
        .to_vec(),
        widths: vec![1, 7, 3, 2, 2, 2],
        rows,
    })
}

/// The sections every report has about its own area's figures.
fn figure_blocks(f: &AreaFigures, kind: Kind, out: &mut Vec<Block>) {
    let when = period_words(f);
    let total = f.activities_total();
    out.push(Block::Subheading("1. Hoạt động của Tổ CNSCĐ".into()));
    let mut rows: Vec<Vec<Cell>> = f
        .activities
        .iter()
        .enumerate()
        .map(|(i, a)| vec![Cell::Int(i as i64 + 1), text(&a.label), Cell::Int(a.count)])
        .collect();
    rows.push(vec![
        text(""),
        Cell::Strong("Tổng cộng".into()),
        Cell::Int(total),
    ]);
    out.push(Block::Table(Table {
        title: format!("Bảng 1. Số buổi hoạt động {when} theo hình thức"),
        columns: ["STT", "Hình thức hoạt động", "Số buổi"]
            .map(String::from)
            .to_vec(),
        widths: vec![1, 8, 2],
        rows,
    }));
    let minimum = if f.level == "hamlet" && kind == Kind::Monthly {
        let verdict = if total >= f.minimum {
            "đạt"
        } else {
            "chưa đạt"
        };
        format!(
            "Tổ đã tổ chức {total} buổi hoạt động trong tháng, {verdict} yêu cầu tối thiểu {} lần/tháng.",
            f.minimum
        )
    } else {
        format!(
            "Số lượt tổ đạt yêu cầu tối thiểu {} lần/tháng: {}/{} (tổ × tháng).",
            f.minimum, f.months_meeting_minimum, f.months_counted
        )
    };
    out.push(Block::Paragraph(format!(
        "{minimum} Số lượt người dân được tiếp cận qua các buổi hoạt động: {}.",
        crate::text::format_int(f.residents_reached)
    )));

    out.push(Block::Subheading("2. Hướng dẫn, hỗ trợ người dân".into()));
    out.push(Block::Paragraph(format!(
        "Trong {when}, Tổ CNSCĐ đã thực hiện {} lượt hỗ trợ cho {} người dân; lũy kế đến cuối kỳ: {} lượt hỗ trợ.",
        crate::text::format_int(f.help_in_period),
        crate::text::format_int(f.people_helped),
        crate::text::format_int(f.help_to_date)
    )));
    out.push(Block::Table(Table {
        title: "Bảng 2. Người dân hoàn thành các nền tảng số".into(),
        columns: ["STT", "Nền tảng số", "Hoàn thành trong kỳ", "Lũy kế"]
            .map(String::from)
            .to_vec(),
        widths: vec![1, 7, 3, 3],
        rows: f
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                vec![
                    Cell::Int(i as i64 + 1),
                    text(&s.name),
                    Cell::Int(s.done_in_period),
                    Cell::Int(s.done_to_date),
                ]
            })
            .collect(),
    }));
    out.push(Block::Subheading("3. Hỗ trợ nộp hồ sơ trực tuyến".into()));
    let mut rows: Vec<Vec<Cell>> = f
        .dossiers
        .iter()
        .map(|d| vec![text(&d.label), Cell::Int(d.count)])
        .collect();
    rows.push(vec![
        Cell::Strong("Lũy kế đến cuối kỳ".into()),
        Cell::Int(f.dossiers_to_date),
    ]);
    out.push(Block::Table(Table {
        title: String::new(),
        columns: ["Loại hồ sơ", "Số hồ sơ trong kỳ"]
            .map(String::from)
            .to_vec(),
        widths: vec![6, 3],
        rows,
    }));
    out.push(Block::Subheading("4. Tập huấn, tuyên truyền".into()));
    out.push(Block::Paragraph(format!(
        "Số buổi tập huấn: {}. Số buổi tuyên truyền (họp ấp, hội, đoàn thể; an toàn thông tin, chống lừa đảo): {}.",
        f.trainings, f.communications
    )));
    out.push(Block::Subheading(
        "5. Kết quả thực hiện các chỉ tiêu".into(),
    ));
    out.push(indicator_table(
        &format!("Bảng 3. Kết quả các chỉ tiêu {when} so với mục tiêu kế hoạch"),
        &f.indicators,
    ));
}

fn completeness_blocks(c: &[Completeness], hamlets: &[HamletLine], out: &mut Vec<Block>) {
    for month in c {
        let names = |t: Timeliness| {
            month
                .hamlets
                .iter()
                .filter(|h| h.timeliness == t)
                .map(|h| h.hamlet_name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let missing = names(Timeliness::Missing);
        let not_due = names(Timeliness::NotYetDue);
        let mut p = format!(
            "Tháng {}: {} ấp phải báo cáo (hạn nộp {}); đã nộp {} (đúng hạn {}, trễ hạn {}); chưa nộp {}.",
            month_words(&month.month),
            month.expected(),
            crate::text::format_date(&month.due),
            month.submitted(),
            month.on_time(),
            month.late(),
            month.missing() + month.not_yet_due(),
        );
        if !missing.is_empty() {
            p.push_str(&format!(" Các ấp chưa báo cáo: {missing}."));
        }
        if !not_due.is_empty() {
            p.push_str(&format!(" Chưa đến hạn: {not_due}."));
        }
        out.push(Block::Paragraph(p));
        out.push(Block::Table(Table {
            title: format!(
                "Tình hình báo cáo của các ấp tháng {}",
                month_words(&month.month)
            ),
            columns: ["STT", "Ấp", "Trạng thái", "Ngày nộp", "Thời hạn"]
                .map(String::from)
                .to_vec(),
            widths: vec![1, 4, 4, 3, 3],
            rows: month
                .hamlets
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    vec![
                        Cell::Int(i as i64 + 1),
                        text(&h.hamlet_name),
                        text(super::figures::status_label(&h.status)),
                        text(
                            h.submitted_on
                                .as_deref()
                                .map(crate::text::format_date)
                                .unwrap_or_default(),
                        ),
                        text(h.timeliness.label()),
                    ]
                })
                .collect(),
        }));
    }
    if hamlets.is_empty() {
        return;
    }
    let pct = |f: &AreaFigures, code: &str| Cell::Percent(f.indicator(code).and_then(|l| l.value));
    out.push(Block::Table(Table {
        title: "Kết quả của từng ấp".into(),
        columns: [
            "Ấp",
            "Buổi hoạt động",
            "Lượt hỗ trợ",
            "Người TT được hướng dẫn",
            "Hộ có Tây Ninh Smart",
            "Phổ cập kỹ năng số",
        ]
        .map(String::from)
        .to_vec(),
        widths: vec![3, 2, 2, 3, 3, 3],
        rows: hamlets
            .iter()
            .map(|h| {
                let f = &h.figures;
                vec![
                    text(if h.frozen {
                        format!("{} (đã duyệt)", f.area_name)
                    } else {
                        f.area_name.clone()
                    }),
                    Cell::Int(f.activities_total()),
                    Cell::Int(f.help_in_period),
                    pct(f, "adults_guided"),
                    pct(f, "households_province_app"),
                    pct(f, "adults_digital_skills"),
                ]
            })
            .collect(),
    }));
}

/// `2026-05` → `5/2026`.
pub fn month_words(code: &str) -> String {
    match code.split_once('-') {
        Some((y, m)) => format!("{}/{y}", m.trim_start_matches('0')),
        None => code.to_string(),
    }
}

fn year_end_blocks(input: &Input, out: &mut Vec<Block>) {
    out.push(Block::Heading("II. ĐÁNH GIÁ, BÌNH XÉT CUỐI NĂM".into()));
    out.push(Block::Subheading("1. Tự đánh giá của các Tổ CNSCĐ".into()));
    out.push(Block::Table(Table {
        title: String::new(),
        columns: ["STT", "Tổ CNSCĐ", "Tự xếp loại", "Kết quả nổi bật"]
            .map(String::from)
            .to_vec(),
        widths: vec![1, 3, 3, 7],
        rows: input
            .evaluations
            .iter()
            .enumerate()
            .map(|(i, e)| {
                vec![
                    Cell::Int(i as i64 + 1),
                    text(&e.team),
                    text(if e.submitted {
                        e.rating.clone()
                    } else {
                        "Chưa nộp".to_string()
                    }),
                    text(&e.results),
                ]
            })
            .collect(),
    }));
    out.push(Block::Subheading("2. Đề xuất khen thưởng".into()));
    if input.nominations.is_empty() {
        out.push(Block::Paragraph("Chưa có đề xuất khen thưởng.".into()));
    } else {
        out.push(Block::Table(Table {
            title: String::new(),
            columns: ["STT", "Tập thể, cá nhân", "Thành tích", "Ý kiến lãnh đạo"]
                .map(String::from)
                .to_vec(),
            widths: vec![1, 4, 7, 3],
            rows: input
                .nominations
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    vec![
                        Cell::Int(i as i64 + 1),
                        text(format!("{} ({})", n.nominee, n.kind)),
                        text(&n.reason),
                        text(&n.status),
                    ]
                })
                .collect(),
        }));
    }
    out.push(Block::Subheading(
        "3. Mô hình, cách làm hay đề xuất nhân rộng".into(),
    ));
    if input.practices.is_empty() {
        out.push(Block::Paragraph(
            "Chưa có mô hình, cách làm hay được đề xuất.".into(),
        ));
    }
    for (i, p) in input.practices.iter().enumerate() {
        let at = if p.hamlet.is_empty() {
            String::new()
        } else {
            format!(" ({})", p.hamlet)
        };
        out.push(Block::Paragraph(format!(
            "{}. {}{at}: {}",
            i + 1,
            p.title,
            p.description
        )));
    }
}

fn task_blocks(input: &Input, out: &mut Vec<Block>) {
    out.push(Block::Subheading(
        "6. Tình hình thực hiện nhiệm vụ theo kế hoạch".into(),
    ));
    if input.tasks.is_empty() {
        out.push(Block::Paragraph(
            "Xã chưa lập kế hoạch năm trong hệ thống.".into(),
        ));
        return;
    }
    out.push(Block::Table(Table {
        title: String::new(),
        columns: [
            "Quý",
            "Nhiệm vụ",
            "Đơn vị thực hiện",
            "Kết quả cần đạt",
            "Tình trạng",
        ]
        .map(String::from)
        .to_vec(),
        widths: vec![1, 6, 3, 4, 2],
        rows: input
            .tasks
            .iter()
            .map(|t| {
                let status = if t.note.is_empty() {
                    t.status.clone()
                } else {
                    format!("{} ({})", t.status, t.note)
                };
                vec![
                    text(crate::indicators::period::roman(t.quarter)),
                    text(&t.content),
                    text(&t.unit),
                    text(&t.expected),
                    text(status),
                ]
            })
            .collect(),
    }));
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
    blocks.push(Block::Heading("I. KẾT QUẢ THỰC HIỆN".into()));
    figure_blocks(f, input.kind, &mut blocks);
    if let Some(chart) = &input.trend {
        blocks.push(Block::Chart(chart.clone()));
    }
    if input.kind != Kind::Monthly {
        task_blocks(input, &mut blocks);
    }
    if f.level == "commune" {
        blocks.push(Block::Subheading(
            "7. Tình hình báo cáo và kết quả của các ấp".into(),
        ));
        completeness_blocks(&input.completeness, &input.hamlets, &mut blocks);
    }
    if !input.narrative.results.trim().is_empty() {
        blocks.push(Block::Subheading("Kết quả nổi bật".into()));
        blocks.push(Block::Paragraph(input.narrative.results.trim().to_string()));
    }
    let mut n = 2;
    if input.kind == Kind::Yearly && f.level == "commune" {
        year_end_blocks(input, &mut blocks);
        n = 3;
    }
    let roman = |i: i64| crate::indicators::period::roman(i).to_string();
    blocks.push(Block::Heading(format!("{}. KHÓ KHĂN, VƯỚNG MẮC", roman(n))));
    blocks.push(paragraph_or(
        &input.narrative.difficulties,
        "Không có khó khăn, vướng mắc.",
    ));
    blocks.push(Block::Heading(format!(
        "{}. ĐỀ XUẤT, KIẾN NGHỊ",
        roman(n + 1)
    )));
    blocks.push(paragraph_or(
        &input.narrative.proposals,
        "Không có đề xuất, kiến nghị.",
    ));
    let next = match input.kind {
        Kind::Monthly => "PHƯƠNG HƯỚNG, NHIỆM VỤ THÁNG TỚI",
        Kind::Quarterly => "PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ TỚI",
        Kind::Yearly => "PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM TIẾP THEO",
    };
    blocks.push(Block::Heading(format!("{}. {next}", roman(n + 2))));
    blocks.push(paragraph_or(
        &input.narrative.next_plan,
        "Tiếp tục thực hiện các nhiệm vụ theo Kế hoạch hoạt động của Tổ công nghệ số cộng đồng.",
    ));
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
        number: lh.number.clone(),
        place_date: place_date(&lh.place, &lh.date),
        title: "BÁO CÁO".to_string(),
        subtitle,
        addressee: if lh.addressee.is_empty() {
            String::new()
        } else {
            format!("Kính gửi: {}", lh.addressee)
        },
        blocks,
        recipients: lh.recipients.clone(),
        signature: lh.signature.clone(),
        short_name: short,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::figures::{Count, HamletReportState, ServiceCount};

    fn figures(level: &str) -> AreaFigures {
        AreaFigures {
            area_code: "rach-kien-ap-03".into(),
            area_name: "Ấp 3".into(),
            level: level.into(),
            period: "2026-05".into(),
            period_label: "Tháng 5/2026".into(),
            activities: vec![Count {
                code: "door_to_door".into(),
                label: "Đi từng ngõ, gõ từng nhà".into(),
                count: 3,
            }],
            residents_reached: 40,
            months_meeting_minimum: 0,
            months_counted: 1,
            minimum: 4,
            help_in_period: 12,
            help_to_date: 120,
            people_helped: 10,
            services: vec![ServiceCount {
                code: "vneid".into(),
                name: "VNeID mức 2".into(),
                done_in_period: 5,
                done_to_date: 1234,
            }],
            dossiers: vec![],
            dossiers_to_date: 0,
            trainings: 0,
            communications: 1,
            indicators: vec![IndicatorLine {
                code: "adults_guided".into(),
                name: "Người trưởng thành được hướng dẫn trực tiếp".into(),
                kind: "ratio".into(),
                numerator: 799,
                denominator: Some(1000),
                value: Some(79.9),
                target: Some(80),
                target_when: None,
                met: Some(false),
            }],
        }
    }

    fn texts(d: &Document) -> String {
        let mut s = String::new();
        for b in &d.blocks {
            match b {
                Block::Heading(t) | Block::Subheading(t) | Block::Paragraph(t) => s += t,
                Block::Table(t) => {
                    for r in &t.rows {
                        for c in r {
                            s += &c.display();
                            s += "|";
                        }
                    }
                }
                Block::Chart(_) => {}
            }
            s += "\n";
        }
        s
    }

    #[test]
    fn dates_take_leading_zeros_as_the_decree_asks() {
        assert_eq!(
            place_date("Rạch Kiến", "2026-02-05"),
            "Rạch Kiến, ngày 05 tháng 02 năm 2026"
        );
        assert_eq!(
            place_date("Rạch Kiến", "2026-05-25"),
            "Rạch Kiến, ngày 25 tháng 5 năm 2026"
        );
    }

    #[test]
    fn a_hamlet_report_carries_its_figures_and_the_minimum_check() {
        let mut input = Input::new(
            Kind::Monthly,
            Letterhead::hamlet("Rạch Kiến", "Ấp 3", "Lê Văn Tư", "2026-05-20"),
            figures("hamlet"),
        );
        input.narrative.difficulties = "Sóng yếu ở xóm trong.".into();
        let d = document(&input);
        assert_eq!(d.issuer[1], "BAN NHÂN DÂN ẤP 3");
        assert_eq!(d.title, "BÁO CÁO");
        assert!(d.subtitle.contains("Ấp 3 tháng 5/2026"), "{}", d.subtitle);
        let t = texts(&d);
        assert!(t.contains("chưa đạt yêu cầu tối thiểu 4 lần/tháng"), "{t}");
        assert!(t.contains("1.234|"), "to-date services grouped: {t}");
        assert!(t.contains("79,9%|"), "{t}");
        assert!(t.contains("Chưa đạt|"));
        assert!(t.contains("Sóng yếu ở xóm trong."));
        assert_eq!(d.signature.name, "Lê Văn Tư");
    }

    #[test]
    fn a_commune_report_names_missing_hamlets() {
        let mut f = figures("commune");
        f.area_name = "Rạch Kiến".into();
        let mut input = Input::new(
            Kind::Monthly,
            Letterhead::commune("Rạch Kiến", "Đỗ Hồng Đăng", "2026-05-31"),
            f,
        );
        let state = |name: &str, t: Timeliness, on: Option<&str>| HamletReportState {
            hamlet_code: name.into(),
            hamlet_name: name.into(),
            status: if on.is_some() { "approved" } else { "none" }.into(),
            submitted_on: on.map(String::from),
            due: "2026-05-25".into(),
            timeliness: t,
        };
        input.completeness = vec![Completeness {
            month: "2026-05".into(),
            due: "2026-05-25".into(),
            hamlets: vec![
                state("Ấp 3", Timeliness::OnTime, Some("2026-05-20")),
                state("Ấp 4", Timeliness::Missing, None),
            ],
        }];
        let t = texts(&document(&input));
        assert!(t.contains("2 ấp phải báo cáo"), "{t}");
        assert!(t.contains("đúng hạn 1"));
        assert!(t.contains("Các ấp chưa báo cáo: Ấp 4."));
        assert!(t.contains("Ấp 3|Đã duyệt|20/05/2026|Đúng hạn|"), "{t}");
    }
}
