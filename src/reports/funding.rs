//! The papers of Kinh phí (issue 19), in the commune's letterhead: the monthly payment list
//! with a column for each recipient's signature (danh sách ký nhận), and the settlement report
//! (báo cáo quyết toán kinh phí hỗ trợ Tổ CNSCĐ) per source, team and kind.

use super::build::{Letterhead, number_sections, place_date};
use super::{Block, Cell, Document, Table};

/// One line of a payment list as printed.
pub struct PaidLine {
    pub team: String,
    /// Empty for a team's own allowance (the team leader signs for it).
    pub member: String,
    pub amount: i64,
    /// What is paid, short enough for a printed line: the kind, the month or day, the source.
    pub basis: String,
}

pub struct PaymentSheet {
    pub letterhead: Letterhead,
    /// `tháng 11/2026`
    pub month_words: String,
    /// Chờ duyệt, Đã duyệt, Đã chi …
    pub status: String,
    pub lines: Vec<PaidLine>,
}

fn doc(
    lh: &Letterhead,
    title: &str,
    subtitle: String,
    blocks: Vec<Block>,
    short: String,
) -> Document {
    Document {
        issuer: lh.issuer.clone(),
        issuer_superior: lh.issuer_superior,
        number: lh.number.clone(),
        place_date: place_date(&lh.place, &lh.date),
        title: title.to_string(),
        subtitle,
        addressee: lh.addressee.clone(),
        blocks,
        recipients: lh.recipients.clone(),
        signature: lh.signature.clone(),
        short_name: short,
        date: lh.date.clone(),
    }
}

/// The payment list to be signed by each recipient.
pub fn payment_list(p: &PaymentSheet) -> Document {
    let mut rows: Vec<Vec<Cell>> = p
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let who = if l.member.is_empty() {
                format!("{} (tổ trưởng nhận)", l.team)
            } else {
                format!("{} – {}", l.member, l.team)
            };
            vec![
                Cell::Int(i as i64 + 1),
                Cell::Text(who),
                Cell::Text(l.basis.clone()),
                Cell::Int(l.amount),
                Cell::Text(String::new()),
            ]
        })
        .collect();
    let total: i64 = p.lines.iter().map(|l| l.amount).sum();
    rows.push(vec![
        Cell::Text(String::new()),
        Cell::Strong("Cộng".into()),
        Cell::Text(String::new()),
        Cell::Int(total),
        Cell::Text(String::new()),
    ]);
    let blocks = vec![
        Block::Paragraph(format!(
            "Tình trạng danh sách: {}. Tổng số tiền: {} đồng ({} dòng).",
            p.status,
            crate::text::format_int(total),
            p.lines.len()
        )),
        Block::Table(Table {
            title: String::new(),
            columns: vec![
                "STT".into(),
                "Người nhận".into(),
                "Khoản chi".into(),
                "Số tiền (đồng)".into(),
                "Ký nhận".into(),
            ],
            widths: vec![1, 4, 5, 2, 3],
            rows,
        }),
    ];
    let mut lh = p.letterhead.clone();
    lh.addressee = String::new();
    doc(
        &lh,
        "DANH SÁCH",
        format!(
            "Ký nhận kinh phí hỗ trợ hoạt động Tổ công nghệ số cộng đồng {}",
            p.month_words
        ),
        blocks,
        format!("DS chi {}", p.month_words.replace('/', "-")),
    )
}

/// A source's figures over the settled period.
pub struct SourceFigures {
    pub name: String,
    /// The year's allotment.
    pub allotted: i64,
    pub approved: i64,
    pub paid: i64,
    pub spent: i64,
    /// The allotment less what was approved and spent from January to the period's end.
    pub remaining: i64,
}

/// A team's payments over the period, by kind: per team, per member, person-days, adjustments.
pub struct TeamFigures {
    pub name: String,
    pub by_kind: [i64; 4],
}

pub struct Settlement {
    pub letterhead: Letterhead,
    /// `quý III năm 2026`, `năm 2026`
    pub period_words: String,
    pub sources: Vec<SourceFigures>,
    pub teams: Vec<TeamFigures>,
    /// By kind of expense: its label and amount.
    pub expenses: Vec<(String, i64)>,
    /// Lists of the period approved, and paid.
    pub lists: (usize, usize),
}

/// The settlement report: sources, then payments per team and kind, then expenses.
pub fn settlement(s: &Settlement) -> Document {
    let mut blocks = Vec::new();
    blocks.push(Block::Heading("NGUỒN KINH PHÍ VÀ TÌNH HÌNH SỬ DỤNG".into()));
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut t = [0i64; 5];
    for src in &s.sources {
        t[0] += src.allotted;
        t[1] += src.approved;
        t[2] += src.paid;
        t[3] += src.spent;
        t[4] += src.remaining;
        rows.push(vec![
            Cell::Text(src.name.clone()),
            Cell::Int(src.allotted),
            Cell::Int(src.approved),
            Cell::Int(src.paid),
            Cell::Int(src.spent),
            Cell::Int(src.remaining),
        ]);
    }
    rows.push(vec![
        Cell::Strong("Cộng".into()),
        Cell::Int(t[0]),
        Cell::Int(t[1]),
        Cell::Int(t[2]),
        Cell::Int(t[3]),
        Cell::Int(t[4]),
    ]);
    blocks.push(Block::Paragraph(format!(
        "Trong {}, {} danh sách chi hỗ trợ đã được duyệt, trong đó {} danh sách đã chi trả. Số được giao là dự toán cả năm; số còn lại là số được giao trừ số đã duyệt chi và chi hoạt động từ đầu năm đến hết kỳ.",
        s.period_words, s.lists.0, s.lists.1
    )));
    blocks.push(Block::Table(Table {
        title: "Theo nguồn kinh phí (đồng)".into(),
        columns: vec![
            "Nguồn".into(),
            "Được giao".into(),
            "Đã duyệt chi".into(),
            "Đã chi trả".into(),
            "Chi hoạt động".into(),
            "Còn lại".into(),
        ],
        widths: vec![5, 2, 2, 2, 2, 2],
        rows,
    }));
    blocks.push(Block::Heading("CHI HỖ TRỢ THEO TỔ VÀ THEO KHOẢN".into()));
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut k = [0i64; 4];
    for team in &s.teams {
        for (i, v) in team.by_kind.iter().enumerate() {
            k[i] += v;
        }
        let mut row = vec![Cell::Text(team.name.clone())];
        row.extend(team.by_kind.iter().map(|v| Cell::Int(*v)));
        row.push(Cell::Int(team.by_kind.iter().sum()));
        rows.push(row);
    }
    let mut total = vec![Cell::Strong("Cộng".into())];
    total.extend(k.iter().map(|v| Cell::Int(*v)));
    total.push(Cell::Int(k.iter().sum()));
    rows.push(total);
    blocks.push(Block::Table(Table {
        title: "Theo tổ (đồng)".into(),
        columns: vec![
            "Tổ".into(),
            "Theo tổ/tháng".into(),
            "Theo thành viên/tháng".into(),
            "Ngày công huy động".into(),
            "Điều chỉnh".into(),
            "Cộng".into(),
        ],
        widths: vec![5, 2, 2, 2, 2, 2],
        rows,
    }));
    blocks.push(Block::Heading("CHI HOẠT ĐỘNG".into()));
    if s.expenses.is_empty() {
        blocks.push(Block::Paragraph(
            "Không có khoản chi hoạt động trong kỳ.".into(),
        ));
    } else {
        let mut rows: Vec<Vec<Cell>> = s
            .expenses
            .iter()
            .map(|(label, amount)| vec![Cell::Text(label.clone()), Cell::Int(*amount)])
            .collect();
        rows.push(vec![
            Cell::Strong("Cộng".into()),
            Cell::Int(s.expenses.iter().map(|(_, a)| a).sum()),
        ]);
        blocks.push(Block::Table(Table {
            title: "Theo nội dung chi (đồng)".into(),
            columns: vec!["Nội dung".into(), "Số tiền".into()],
            widths: vec![6, 2],
            rows,
        }));
    }
    number_sections(&mut blocks);
    blocks.push(Block::Paragraph(format!(
        "Trên đây là báo cáo quyết toán kinh phí hỗ trợ hoạt động Tổ công nghệ số cộng đồng {}./.",
        s.period_words
    )));
    doc(
        &s.letterhead,
        "BÁO CÁO",
        format!(
            "Quyết toán kinh phí hỗ trợ hoạt động Tổ công nghệ số cộng đồng {}",
            s.period_words
        ),
        blocks,
        format!(
            "QT kinh phi {}",
            crate::text::fold(&s.period_words).replace(' ', "-")
        ),
    )
}
