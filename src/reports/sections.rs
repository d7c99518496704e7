//! The sections of a report, each built from its figures: activities, help, services,
//! dossiers, indicators, the hamlets' reports, the plan's tasks and the year-end.

use super::document::{Block, Cell, Table};
use super::figures::{AreaFigures, Completeness, IndicatorLine, Timeliness};
use super::input::{HamletLine, Input, Kind, month_words, period_words};

pub(super) fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

pub(super) fn indicator_table(title: &str, lines: &[IndicatorLine]) -> Block {
    let rows = lines
        .iter()
        .filter(|l| has_figures(l))
        .enumerate()
        .map(|(i, l)| {
            let (count, result) = if l.is_ratio() {
                (
                    Cell::Ratio(l.numerator, l.denominator.unwrap_or(0)),
                    Cell::Percent(l.value),
                )
            } else {
                // A count is its own result: written once, under "Số lượng".
                (Cell::Int(l.numerator), text(""))
            };
            let target = match (l.target, l.is_ratio()) {
                (Some(t), true) => Cell::Percent(Some(t as f64)),
                _ => text(l.target_display()),
            };
            vec![
                Cell::Int(i as i64 + 1),
                text(&l.name),
                count,
                result,
                target,
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
        widths: vec![2, 16, 7, 5, 5, 5],
        rows,
    })
}

/// A share with nothing to divide by (no business recorded yet) says nothing in a table row.
fn has_figures(l: &IndicatorLine) -> bool {
    !l.is_ratio() || l.denominator.unwrap_or(0) > 0
}

/// The ratios left out of the table for want of figures, named in a sentence under it.
fn without_figures(lines: &[IndicatorLine]) -> Option<Block> {
    let names: Vec<&str> = lines
        .iter()
        .filter(|l| !has_figures(l))
        .map(|l| l.name.as_str())
        .collect();
    (!names.is_empty()).then(|| {
        Block::Paragraph(format!(
            "Chưa có số liệu để tính các chỉ tiêu: {}.",
            names.join("; ")
        ))
    })
}

/// The sections every report has about its own area's figures.
pub(super) fn figure_blocks(f: &AreaFigures, kind: Kind, out: &mut Vec<Block>) {
    let when = period_words(f);
    let total = f.activities_total();
    out.push(Block::Subheading("Hoạt động của Tổ CNSCĐ".into()));
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

    out.push(Block::Subheading("Hướng dẫn, hỗ trợ người dân".into()));
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
    out.push(Block::Subheading("Hỗ trợ nộp hồ sơ trực tuyến".into()));
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
    out.push(Block::Subheading("Tập huấn, tuyên truyền".into()));
    out.push(Block::Paragraph(format!(
        "Số buổi tập huấn: {}{}. Số buổi tuyên truyền (họp ấp, hội, đoàn thể; an toàn thông tin, chống lừa đảo): {}. Số lượt tuyên truyền trên loa, mạng xã hội, trang thông tin: {}.",
        f.trainings,
        if f.training_attendances > 0 {
            format!(" ({} lượt thành viên Tổ tham dự)", f.training_attendances)
        } else {
            String::new()
        },
        f.propaganda_sessions,
        f.communications_total()
    )));
    out.push(Block::Table(Table {
        title: String::new(),
        columns: ["Hình thức tuyên truyền", "Số lượt trong kỳ"]
            .map(String::from)
            .to_vec(),
        widths: vec![6, 3],
        rows: f
            .communications
            .iter()
            .map(|c| vec![text(&c.label), Cell::Int(c.count)])
            .collect(),
    }));
    out.push(Block::Subheading("Kinh tế số: cơ sở kinh doanh".into()));
    out.push(Block::Paragraph(format!(
        "Số cơ sở kinh doanh (hộ kinh doanh, cơ sở sản xuất, hợp tác xã, doanh nghiệp) trong danh sách: {}, trong đó {} cơ sở mới trong kỳ.",
        crate::text::format_int(f.businesses),
        crate::text::format_int(f.businesses_new)
    )));
    if !f.business_steps.is_empty() {
        out.push(Block::Table(Table {
            title: String::new(),
            columns: ["Bước chuyển đổi số", "Trong kỳ", "Lũy kế"]
                .map(String::from)
                .to_vec(),
            widths: vec![6, 3, 3],
            rows: f
                .business_steps
                .iter()
                .map(|s| {
                    vec![
                        text(&s.label),
                        Cell::Int(s.done_in_period),
                        Cell::Int(s.done_to_date),
                    ]
                })
                .collect(),
        }));
    }
    out.push(Block::Subheading("Kết quả thực hiện các chỉ tiêu".into()));
    out.push(indicator_table(
        &format!("Bảng 3. Kết quả các chỉ tiêu {when} so với mục tiêu kế hoạch"),
        &f.indicators,
    ));
    out.extend(without_figures(&f.indicators));
}

pub(super) fn completeness_blocks(
    c: &[Completeness],
    hamlets: &[HamletLine],
    out: &mut Vec<Block>,
) {
    match c {
        [month] => month_completeness(month, out),
        [] => {}
        months => completeness_grid(months, out),
    }
    hamlet_table(hamlets, out);
}

/// One month: a sentence and each hamlet's report on a line.
fn month_completeness(month: &Completeness, out: &mut Vec<Block>) {
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
        widths: vec![2, 4, 5, 4, 5],
        rows: month
            .hamlets
            .iter()
            .enumerate()
            .map(|(i, h)| {
                vec![
                    Cell::Int(i as i64 + 1),
                    text(&h.hamlet_name),
                    text(crate::reports::figures::status_label(&h.status)),
                    Cell::Date(h.submitted_on.clone().unwrap_or_default()),
                    text(h.timeliness.label()),
                ]
            })
            .collect(),
    }));
}

/// The letter a month's cell of the grid shows for a hamlet's report.
fn grid_mark(t: &Timeliness) -> &'static str {
    match t {
        Timeliness::OnTime => "Đ",
        Timeliness::Late => "T",
        Timeliness::Missing => "C",
        Timeliness::NotYetDue => "…",
    }
}

/// Several months (a quarter, a year): one hamlet × month grid instead of a table a month,
/// with the period's totals in a sentence.
fn completeness_grid(months: &[Completeness], out: &mut Vec<Block>) {
    let sum = |f: fn(&Completeness) -> usize| months.iter().map(f).sum::<usize>();
    let (expected, on_time, late) = (
        sum(Completeness::expected),
        sum(Completeness::on_time),
        sum(Completeness::late),
    );
    let (missing, not_due) = (sum(Completeness::missing), sum(Completeness::not_yet_due));
    let mut p = format!(
        "Trong kỳ, các ấp phải nộp {expected} báo cáo tháng; đã nộp {} (đúng hạn {on_time}, trễ \
         hạn {late}); quá hạn chưa nộp {missing}.",
        on_time + late
    );
    if not_due > 0 {
        p.push_str(&format!(" Chưa đến hạn: {not_due}."));
    }
    out.push(Block::Paragraph(p));
    // Hamlets in the order they first appear: one opened mid-period joins the list there.
    let mut order: Vec<(&str, &str)> = Vec::new();
    for m in months {
        for h in &m.hamlets {
            if !order.iter().any(|(code, _)| *code == h.hamlet_code) {
                order.push((&h.hamlet_code, &h.hamlet_name));
            }
        }
    }
    let mut columns = vec!["STT".to_string(), "Ấp".to_string()];
    columns.extend(
        months
            .iter()
            .map(|m| format!("T{}", month_words(&m.month).split('/').next().unwrap_or(""))),
    );
    columns.push("Đúng hạn".to_string());
    // A month's column holds "T10" and one letter; the name and the total take the rest.
    let mut widths = vec![2, 5];
    widths.extend(months.iter().map(|_| 2));
    widths.push(3);
    let mut rows: Vec<Vec<Cell>> = order
        .iter()
        .enumerate()
        .map(|(i, (code, name))| {
            let mut row = vec![Cell::Int(i as i64 + 1), text(*name)];
            let mut on_time = 0;
            for m in months {
                let state = m.hamlets.iter().find(|h| h.hamlet_code == *code);
                on_time += state.is_some_and(|h| h.timeliness == Timeliness::OnTime) as i64;
                // Blank: the hamlet was not open that month, so no report was expected.
                row.push(text(state.map_or("", |h| grid_mark(&h.timeliness))));
            }
            row.push(Cell::Int(on_time));
            row
        })
        .collect();
    let mut total = vec![text(""), Cell::Strong("Đúng hạn".into())];
    total.extend(months.iter().map(|m| Cell::Int(m.on_time() as i64)));
    total.push(Cell::Int(on_time as i64));
    rows.push(total);
    out.push(Block::Table(Table {
        title: "Tình hình báo cáo tháng của các ấp trong kỳ".into(),
        columns,
        widths,
        rows,
    }));
    out.push(Block::Paragraph(
        "Ghi chú: Đ – nộp đúng hạn; T – nộp trễ hạn; C – quá hạn chưa nộp; … – chưa đến hạn; \
         ô trống – ấp chưa thành lập hoặc đã giải thể trong tháng."
            .into(),
    ));
}

/// Each hamlet's headline figures of the period.
fn hamlet_table(hamlets: &[HamletLine], out: &mut Vec<Block>) {
    if hamlets.is_empty() {
        return;
    }
    out.push(Block::Paragraph(
        "Số liệu của ấp có báo cáo đã duyệt (ghi «đã duyệt») là số liệu chốt khi duyệt; số liệu \
         của các ấp khác và số liệu tổng hợp của xã tính đến ngày lập báo cáo."
            .into(),
    ));
    let pct = |f: &AreaFigures, code: &str| Cell::Percent(f.indicator(code).and_then(|l| l.value));
    out.push(Block::Table(Table {
        title: "Kết quả của từng ấp".into(),
        columns: [
            "Ấp",
            "Buổi hoạt động",
            "Lượt hỗ trợ",
            "Người trưởng thành được hướng dẫn",
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

pub(super) fn year_end_blocks(input: &Input, out: &mut Vec<Block>) {
    out.push(Block::Heading("ĐÁNH GIÁ, BÌNH XÉT CUỐI NĂM".into()));
    out.push(Block::Subheading("Tự đánh giá của các Tổ CNSCĐ".into()));
    let (sent, waiting): (Vec<_>, Vec<_>) = input.evaluations.iter().partition(|e| e.submitted);
    out.push(Block::Paragraph(if waiting.is_empty() {
        format!(
            "{}/{} Tổ CNSCĐ đã nộp báo cáo tự đánh giá.",
            sent.len(),
            input.evaluations.len()
        )
    } else {
        // The teams still owing it are named in a sentence, not as rows of "Chưa nộp".
        format!(
            "{}/{} Tổ CNSCĐ đã nộp báo cáo tự đánh giá; chưa nộp: {}.",
            sent.len(),
            input.evaluations.len(),
            waiting
                .iter()
                .map(|e| e.team.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }));
    if !sent.is_empty() {
        out.push(Block::Table(Table {
            title: String::new(),
            columns: ["STT", "Tổ CNSCĐ", "Tự xếp loại", "Kết quả nổi bật"]
                .map(String::from)
                .to_vec(),
            widths: vec![2, 5, 4, 9],
            rows: sent
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    vec![
                        Cell::Int(i as i64 + 1),
                        text(&e.team),
                        text(&e.rating),
                        text(shorten(&e.results)),
                    ]
                })
                .collect(),
        }));
    }
    out.push(Block::Subheading("Đề xuất khen thưởng".into()));
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
                        text(shorten(&n.reason)),
                        text(&n.status),
                    ]
                })
                .collect(),
        }));
    }
    out.push(Block::Subheading(
        "Mô hình, cách làm hay đề xuất nhân rộng".into(),
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
    out.extend(super::score_table::blocks(input, "4."));
}

pub(super) fn task_blocks(input: &Input, out: &mut Vec<Block>) {
    out.push(Block::Subheading(
        "Tình hình thực hiện nhiệm vụ theo kế hoạch".into(),
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

/// Longest text put in a table cell: a cell cannot run over a page, and the full text is on
/// the page it came from.
const CELL_CHARS: usize = 600;

fn shorten(s: &str) -> String {
    if s.chars().count() <= CELL_CHARS {
        return s.to_string();
    }
    let cut: String = s.chars().take(CELL_CHARS).collect();
    format!("{}…", cut.trim_end())
}
