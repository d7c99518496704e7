//! The province's own report (the Sở Khoa học và Công nghệ to the province People's
//! Committee): the province's figures, every commune's headline figures and report status,
//! rankings, and the communes' difficulties and proposals. Aggregates only: no person is named.
//! Also the completeness of the communes' reports to the province, one level above the hamlets'.

use super::build::{number_sections, paragraphs_or, place_date};
use super::document::{Block, Cell, Chart, Document, Signature, Table};
use super::figures::{AreaFigures, IndicatorLine, Timeliness};
use super::input::{Kind, Letterhead, month_words, period_words};
use super::sections::{figure_blocks, text};

/// The shares the commune table and the rankings compare communes on (the plan's headline).
pub const HEADLINE: [(&str, &str); 4] = [
    ("adults_guided", "Người trưởng thành được hướng dẫn"),
    ("households_province_app", "Hộ có Tây Ninh Smart"),
    (
        "adults_province_app",
        "Người trưởng thành dùng Tây Ninh Smart",
    ),
    ("adults_digital_skills", "Phổ cập kỹ năng số"),
];

/// A commune report's status as shown.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "draft" => "Đang soạn",
        "submitted" => "Đã gửi, chờ Sở tiếp nhận",
        "returned" => "Bị trả lại",
        "acknowledged" => "Sở đã tiếp nhận",
        _ => "Chưa gửi",
    }
}

/// One commune's line in a month's completeness table.
#[derive(Clone, Debug, PartialEq)]
pub struct CommuneReportState {
    pub code: String,
    pub name: String,
    /// `none` when the commune has not started the report; else the workflow status.
    pub status: String,
    pub submitted_on: Option<String>,
    pub due: String,
    pub timeliness: Timeliness,
}

impl CommuneReportState {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
    pub fn submitted_display(&self) -> String {
        self.submitted_on
            .as_deref()
            .map(crate::text::format_date)
            .unwrap_or_default()
    }
}

/// Which communes sent the month's report to the province, and when.
#[derive(Clone, Debug, PartialEq)]
pub struct CommuneCompleteness {
    pub month: String,
    pub due: String,
    pub communes: Vec<CommuneReportState>,
}

impl CommuneCompleteness {
    pub fn due_display(&self) -> String {
        crate::text::format_date(&self.due)
    }
    pub fn expected(&self) -> usize {
        self.communes.len()
    }
    fn count(&self, t: Timeliness) -> usize {
        self.communes.iter().filter(|c| c.timeliness == t).count()
    }
    pub fn on_time(&self) -> usize {
        self.count(Timeliness::OnTime)
    }
    pub fn late(&self) -> usize {
        self.count(Timeliness::Late)
    }
    pub fn missing(&self) -> usize {
        self.count(Timeliness::Missing)
    }
    pub fn not_yet_due(&self) -> usize {
        self.count(Timeliness::NotYetDue)
    }
    pub fn submitted(&self) -> usize {
        self.on_time() + self.late()
    }
}

/// A commune's headline figures for the period and where its report for the period stands.
#[derive(Clone, Debug)]
pub struct CommuneLine {
    pub code: String,
    pub name: String,
    pub activities: i64,
    pub help_in_period: i64,
    pub indicators: Vec<IndicatorLine>,
    /// The status of the commune's report for the period (`none` if not started).
    pub report_status: String,
    pub submitted_on: Option<String>,
    /// The figures are those frozen when the province acknowledged the commune's report.
    pub frozen: bool,
}

impl CommuneLine {
    pub fn share(&self, code: &str) -> Option<f64> {
        self.indicators
            .iter()
            .find(|l| l.code == code)
            .and_then(|l| l.value)
    }
}

/// A commune's own words from its submitted report.
#[derive(Clone, Debug, PartialEq)]
pub struct CommuneText {
    pub commune: String,
    /// The report's period label when the province's period holds several (`Tháng 7/2026`).
    pub period_label: String,
    pub difficulties: String,
    pub proposals: String,
}

/// Everything the province's report is built from.
#[derive(Clone, Debug)]
pub struct ProvinceInput {
    pub kind: Kind,
    pub letterhead: Letterhead,
    pub figures: AreaFigures,
    pub trend: Option<Chart>,
    pub communes: Vec<CommuneLine>,
    pub completeness: Vec<CommuneCompleteness>,
    pub texts: Vec<CommuneText>,
}

impl Letterhead {
    /// The Sở Khoa học và Công nghệ's report to the province People's Committee, signed by
    /// its director. The signer's name is left for the official to write.
    pub fn province(province: &str, date: &str) -> Letterhead {
        Letterhead {
            issuer: vec![
                format!("UBND TỈNH {}", province.to_uppercase()),
                // Broken where an official breaks it, not as the column happens to wrap.
                "SỞ KHOA HỌC".to_string(),
                "VÀ CÔNG NGHỆ".to_string(),
            ],
            issuer_superior: 1,
            number: "Số:      /BC-SKHCN".to_string(),
            place: province.to_string(),
            date: date.to_string(),
            addressee: format!("Ủy ban nhân dân tỉnh {province}"),
            recipients: vec![
                format!("UBND tỉnh {province} (để báo cáo)"),
                "Giám đốc, các Phó Giám đốc Sở".to_string(),
                "UBND các xã, phường".to_string(),
                "Lưu: VT.".to_string(),
            ],
            signature: Signature {
                authority: vec!["GIÁM ĐỐC".to_string()],
                name: String::new(),
            },
        }
    }
}

/// Communes ranked on one share, best first; communes without a value come last, by name.
pub fn ranked<'a>(communes: &'a [CommuneLine], code: &str) -> Vec<&'a CommuneLine> {
    let mut v: Vec<&CommuneLine> = communes.iter().collect();
    v.sort_by(|a, b| {
        let (x, y) = (a.share(code), b.share(code));
        match (x, y) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.name.cmp(&b.name))
    });
    v
}

/// The province's report as a document.
pub fn document(input: &ProvinceInput) -> Document {
    let f = &input.figures;
    let lh = &input.letterhead;
    let when = period_words(f);
    let whose = format!(
        "các Tổ công nghệ số cộng đồng trên địa bàn tỉnh {}",
        f.area_name
    );
    let subtitle = match input.kind {
        Kind::Yearly => format!("Tổng kết hoạt động {whose} {when}"),
        _ => format!("Kết quả hoạt động {whose} {when}"),
    };
    let mut blocks = vec![Block::Heading("I. KẾT QUẢ THỰC HIỆN TOÀN TỈNH".into())];
    // Figures of a period still running are as of the report's day.
    let reference = crate::indicators::Period::parse(&f.period)
        .map(|p| crate::text::format_date(p.reference_date().min(lh.date.clone()).as_str()))
        .unwrap_or_default();
    blocks.push(Block::Paragraph(format!(
        "Toàn tỉnh có {} xã, phường; số liệu tổng hợp từ dữ liệu của các xã, tính đến ngày \
         {reference}. Báo cáo chỉ gồm số liệu tổng hợp, không có thông tin cá nhân.",
        input.communes.len(),
    )));
    figure_blocks(f, input.kind, &mut blocks);
    if let Some(chart) = &input.trend {
        blocks.push(Block::Chart(chart.clone()));
    }
    blocks.push(Block::Heading("II. KẾT QUẢ CỦA CÁC XÃ, PHƯỜNG".into()));
    commune_blocks(input, &mut blocks);
    blocks.push(Block::Heading("III. KHÓ KHĂN, VƯỚNG MẮC".into()));
    blocks.extend(paragraphs_or(
        &gathered(&input.texts, |t| &t.difficulties),
        "Chưa có xã, phường nào nêu khó khăn, vướng mắc trong báo cáo đã gửi Sở.",
    ));
    blocks.push(Block::Heading("IV. ĐỀ XUẤT, KIẾN NGHỊ".into()));
    blocks.extend(paragraphs_or(
        &gathered(&input.texts, |t| &t.proposals),
        "Chưa có xã, phường nào nêu đề xuất, kiến nghị trong báo cáo đã gửi Sở.",
    ));
    let next = match input.kind {
        Kind::Monthly => "PHƯƠNG HƯỚNG, NHIỆM VỤ THÁNG TỚI",
        Kind::Quarterly => "PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ TỚI",
        Kind::Yearly => "PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM TIẾP THEO",
    };
    blocks.push(Block::Heading(format!("V. {next}")));
    blocks.push(Block::Paragraph(
        "Tiếp tục hướng dẫn, đôn đốc UBND các xã, phường thực hiện Kế hoạch hoạt động của các Tổ \
         công nghệ số cộng đồng; theo dõi các xã, phường có chỉ tiêu thấp và báo cáo chưa đúng hạn."
            .into(),
    ));
    number_sections(&mut blocks);
    blocks.push(Block::Paragraph(format!(
        "Trên đây là báo cáo kết quả hoạt động {whose} {when} của Sở Khoa học và Công nghệ./."
    )));
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
        short_name: format!(
            "BC {} {}",
            f.period,
            crate::text::fold(&f.area_name).replace(' ', "-")
        ),
        date: lh.date.clone(),
    }
}

/// `Xã A (tháng 7/2026): …` lines, one per commune report that says something.
fn gathered(texts: &[CommuneText], pick: fn(&CommuneText) -> &str) -> String {
    texts
        .iter()
        .filter(|t| !pick(t).trim().is_empty())
        .map(|t| {
            let when = if t.period_label.is_empty() {
                String::new()
            } else {
                // "quý III/2026": only the first letter goes lower case.
                let mut label = t.period_label.chars();
                let first: String = label
                    .next()
                    .into_iter()
                    .flat_map(char::to_lowercase)
                    .collect();
                format!(" ({first}{})", label.as_str())
            };
            format!("{}{when}: {}", t.commune, pick(t).trim().replace('\n', " "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn commune_blocks(input: &ProvinceInput, out: &mut Vec<Block>) {
    let communes = &input.communes;
    out.push(Block::Subheading(
        "1. Kết quả chủ yếu của từng xã, phường".into(),
    ));
    out.push(Block::Paragraph(
        "Số liệu của xã có báo cáo đã được Sở tiếp nhận (ghi «đã tiếp nhận») là số liệu chốt khi \
         tiếp nhận; số liệu của các xã khác tính đến ngày lập báo cáo."
            .into(),
    ));
    let mut columns = vec!["STT", "Xã, phường", "Buổi hoạt động", "Lượt hỗ trợ"];
    columns.extend(HEADLINE.iter().map(|(_, l)| *l));
    out.push(Block::Table(Table {
        title: "Bảng 4. Kết quả chủ yếu của các xã, phường".into(),
        columns: columns.into_iter().map(String::from).collect(),
        widths: vec![1, 4, 2, 2, 3, 3, 3, 3],
        rows: communes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut row = vec![
                    Cell::Int(i as i64 + 1),
                    text(if c.frozen {
                        format!("{} (đã tiếp nhận)", c.name)
                    } else {
                        c.name.clone()
                    }),
                    Cell::Int(c.activities),
                    Cell::Int(c.help_in_period),
                ];
                row.extend(
                    HEADLINE
                        .iter()
                        .map(|(code, _)| Cell::Percent(c.share(code))),
                );
                row
            })
            .collect(),
    }));
    out.push(Block::Subheading(
        "2. Xếp hạng các xã, phường theo chỉ tiêu chủ yếu".into(),
    ));
    for (code, label) in HEADLINE {
        let order = ranked(communes, code);
        let name = |c: &&CommuneLine| match c.share(code) {
            Some(v) => format!("{} ({})", c.name, Cell::Percent(Some(v)).display()),
            None => c.name.clone(),
        };
        let top: Vec<String> = order.iter().take(3).map(name).collect();
        let with_value: Vec<&&CommuneLine> =
            order.iter().filter(|c| c.share(code).is_some()).collect();
        let bottom: Vec<String> = with_value
            .iter()
            .rev()
            .take(3.min(with_value.len().saturating_sub(3)))
            .map(|c| name(c))
            .collect();
        let mut p = format!("{label}: cao nhất {}", top.join(", "));
        if !bottom.is_empty() {
            p.push_str(&format!("; thấp nhất {}", bottom.join(", ")));
        }
        p.push('.');
        out.push(Block::Paragraph(p));
    }
    // Each commune's place on each share; the overall order is by the mean of those places.
    let places: Vec<Vec<i64>> = HEADLINE
        .iter()
        .map(|(code, _)| {
            let order = ranked(communes, code);
            communes
                .iter()
                .map(|c| {
                    order
                        .iter()
                        .position(|o| std::ptr::eq(*o, c))
                        .map_or(0, |p| p as i64 + 1)
                })
                .collect()
        })
        .collect();
    let mut overall: Vec<usize> = (0..communes.len()).collect();
    overall.sort_by_key(|i| {
        (
            places.iter().map(|p| p[*i]).sum::<i64>(),
            communes[*i].name.clone(),
        )
    });
    let mut columns = vec!["Hạng chung".to_string(), "Xã, phường".to_string()];
    columns.extend(HEADLINE.iter().map(|(_, l)| format!("Hạng: {l}")));
    out.push(Block::Table(Table {
        title: "Bảng 5. Xếp hạng các xã, phường".into(),
        columns,
        widths: vec![2, 4, 3, 3, 3, 3],
        rows: overall
            .iter()
            .enumerate()
            .map(|(rank, i)| {
                let mut row = vec![Cell::Int(rank as i64 + 1), text(&communes[*i].name)];
                row.extend(places.iter().map(|p| Cell::Int(p[*i])));
                row
            })
            .collect(),
    }));
    out.push(Block::Subheading(
        "3. Tình hình gửi báo cáo của các xã, phường".into(),
    ));
    for month in &input.completeness {
        let late: Vec<&str> = month
            .communes
            .iter()
            .filter(|c| c.timeliness == Timeliness::Late)
            .map(|c| c.name.as_str())
            .collect();
        let missing: Vec<&str> = month
            .communes
            .iter()
            .filter(|c| c.timeliness == Timeliness::Missing)
            .map(|c| c.name.as_str())
            .collect();
        let mut p = format!(
            "Báo cáo tháng {}: {} xã, phường phải báo cáo (hạn gửi {}); đã gửi {} (đúng hạn {}, trễ hạn {}); chưa gửi {}{}.",
            month_words(&month.month),
            month.expected(),
            month.due_display(),
            month.submitted(),
            month.on_time(),
            month.late(),
            month.missing() + month.not_yet_due(),
            if month.not_yet_due() > 0 {
                format!(" (chưa đến hạn {})", month.not_yet_due())
            } else {
                String::new()
            }
        );
        if !late.is_empty() {
            p.push_str(&format!(" Gửi trễ: {}.", late.join(", ")));
        }
        if !missing.is_empty() {
            p.push_str(&format!(" Quá hạn chưa gửi: {}.", missing.join(", ")));
        }
        out.push(Block::Paragraph(p));
    }
    out.push(Block::Table(Table {
        title: format!(
            "Bảng 6. Báo cáo {} của các xã, phường",
            period_words(&input.figures)
        ),
        columns: ["STT", "Xã, phường", "Trạng thái", "Ngày gửi"]
            .map(String::from)
            .to_vec(),
        widths: vec![1, 4, 4, 3],
        rows: communes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![
                    Cell::Int(i as i64 + 1),
                    text(&c.name),
                    text(status_label(&c.report_status)),
                    Cell::Date(c.submitted_on.clone().unwrap_or_default()),
                ]
            })
            .collect(),
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, guided: Option<f64>) -> CommuneLine {
        CommuneLine {
            code: name.to_lowercase(),
            name: name.to_string(),
            activities: 1,
            help_in_period: 2,
            indicators: vec![IndicatorLine {
                code: "adults_guided".into(),
                name: String::new(),
                kind: "ratio".into(),
                numerator: 0,
                denominator: Some(1),
                value: guided,
                target: None,
                target_when: None,
                met: None,
            }],
            report_status: "none".into(),
            submitted_on: None,
            frozen: false,
        }
    }

    #[test]
    fn communes_rank_best_first_and_those_without_a_value_last() {
        let v = vec![
            line("B", Some(40.0)),
            line("A", None),
            line("C", Some(90.0)),
        ];
        let names: Vec<&str> = ranked(&v, "adults_guided")
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["C", "B", "A"]);
    }

    #[test]
    fn the_letterhead_names_the_department_under_the_province() {
        let lh = Letterhead::province("Tây Ninh", "2026-12-02");
        assert_eq!(
            lh.issuer,
            ["UBND TỈNH TÂY NINH", "SỞ KHOA HỌC", "VÀ CÔNG NGHỆ"]
        );
        assert_eq!(lh.issuer_superior, 1);
        assert_eq!(lh.signature.authority, ["GIÁM ĐỐC"]);
        assert_eq!(lh.addressee, "Ủy ban nhân dân tỉnh Tây Ninh");
    }
}
