//! What a report is built from: its kind, letterhead, figures and free text, and the lines of
//! its tables; and how its period and months are worded. Shared by the builder (`build`), the
//! section writers (`sections`, `score_table`) and the province's report (`province`), so none
//! of those needs another's internals.

use super::document::{Chart, Signature};
use super::figures::{AreaFigures, Completeness};

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

/// The commune's own details for the headers of its reports, as its commune admin set them;
/// an empty field keeps the default written by `Letterhead::commune`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommuneDetails {
    /// The issuing body, line by line, e.g. `ỦY BAN NHÂN DÂN` / `XÃ RẠCH KIẾN`.
    pub issuer: Vec<String>,
    /// The document symbol after the number, e.g. `BC-UBND` → `Số:      /BC-UBND`.
    pub number_symbol: String,
    /// The place name of the date line, e.g. `Rạch Kiến`.
    pub place: String,
    /// The signer's authority, line by line, e.g. `TM. ỦY BAN NHÂN DÂN` / `CHỦ TỊCH`.
    pub signer_title: Vec<String>,
    /// The signer's name (otherwise the commune leader account's name).
    pub signer_name: String,
    /// The `Nơi nhận:` list.
    pub recipients: Vec<String>,
}

impl CommuneDetails {
    /// The `Số:` line for a symbol: room left for the number the office writes in.
    pub fn number_line(symbol: &str) -> String {
        format!("Số:      /{}", symbol.trim().trim_start_matches('/'))
    }
}

impl Letterhead {
    /// The commune's report with the commune's own details where it set them.
    pub fn with_details(mut self, d: &CommuneDetails) -> Letterhead {
        if !d.issuer.is_empty() {
            self.issuer = d.issuer.clone();
            self.issuer_superior = 0;
        }
        if !d.number_symbol.trim().is_empty() {
            self.number = CommuneDetails::number_line(&d.number_symbol);
        }
        if !d.place.trim().is_empty() {
            self.place = d.place.trim().to_string();
        }
        if !d.signer_title.is_empty() {
            self.signature.authority = d.signer_title.clone();
        }
        if !d.signer_name.trim().is_empty() {
            self.signature.name = d.signer_name.trim().to_string();
        }
        if !d.recipients.is_empty() {
            self.recipients = d.recipients.clone();
        }
        self
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
