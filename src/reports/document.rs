//! A report as a document: the parts an official report of Decree 30/2020/NĐ-CP has, in order,
//! independent of the file format. Builders fill it from figures; `docx`, `pdf` and `sheet`
//! write it out, so the three formats always carry the same content.

/// One report, top to bottom.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The issuing body, top left, e.g. `["UBND XÃ RẠCH KIẾN", "BAN NHÂN DÂN ẤP 3"]`. The first
    /// `issuer_superior` lines name the superior body (regular weight); the rest name the body
    /// itself (bold, a short rule under its last line). `["ỦY BAN NHÂN DÂN", "XÃ RẠCH KIẾN"]`
    /// with `issuer_superior: 0` is one body written over two lines, both bold.
    pub issuer: Vec<String>,
    pub issuer_superior: usize,
    /// Number and symbol, e.g. `Số: 05/BC-TCNSCĐ` (numbers are often left blank: `Số:     /BC-UBND`).
    pub number: String,
    /// Place and date, e.g. `Rạch Kiến, ngày 25 tháng 5 năm 2026` (written in italics).
    pub place_date: String,
    /// The kind of document: `BÁO CÁO`.
    pub title: String,
    /// What it is about, under the title (bold), e.g. `Kết quả hoạt động … tháng 5/2026`.
    pub subtitle: String,
    /// Whom the report is addressed to; the writers put `Kính gửi:` before it. Empty: nobody.
    pub addressee: String,
    pub blocks: Vec<Block>,
    /// `Nơi nhận:` list, bottom left (each line written as `- …;`).
    pub recipients: Vec<String>,
    pub signature: Signature,
    /// A short name for file names and the Excel sheet, e.g. `BC thang 05-2026 Ap 3`.
    pub short_name: String,
    /// The report's date, `yyyy-mm-dd`: the file's creation date in its properties.
    pub date: String,
}

/// The signature block, bottom right: authority lines (bold, upper case), a space for the
/// signature and stamp, then the signer's name (bold). An empty name leaves the space only.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Signature {
    pub authority: Vec<String>,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A section heading such as `I. KẾT QUẢ THỰC HIỆN` (bold).
    Heading(String),
    /// A sub-heading such as `1. Hoạt động của Tổ` (bold or italic).
    Subheading(String),
    /// Body text, justified, first line indented. A `\n` starts a new paragraph.
    Paragraph(String),
    Table(Table),
    Chart(Chart),
}

/// A table with a header row; numbers stay numbers so Excel can add them up.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Shown above the table (and names the Excel sheet's block); may be empty.
    pub title: String,
    pub columns: Vec<String>,
    /// Relative column widths, one per column (e.g. `[1, 6, 2, 2]`).
    pub widths: Vec<u16>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A percentage such as 79.9 (shown `79,9%`, always one decimal so a column lines up);
    /// `None` when there is nothing to divide by.
    Percent(Option<f64>),
    /// Bold text, for a total row.
    Strong(String),
    /// A part of a whole, `numerator/denominator` (shown `13.386/29.246`). Excel writes it as
    /// two number cells, so the sheet can add them up.
    Ratio(i64, i64),
    /// A date, `yyyy-mm-dd` (shown `25/05/2026`; a date cell in Excel). Empty: no date.
    Date(String),
    /// A number with one decimal, such as points (shown `22,9`); `None`: not given (`–`).
    Decimal(Option<f64>),
}

impl Cell {
    /// The cell as written in Word and PDF: Vietnamese number forms (`1.234`, `79,9%`).
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) | Cell::Strong(s) => s.clone(),
            Cell::Int(n) => group_thousands(*n),
            Cell::Percent(Some(v)) => format!("{}%", crate::text::decimal_comma(*v)),
            Cell::Percent(None) => "–".to_string(),
            Cell::Ratio(n, d) => format!("{}/{}", group_thousands(*n), group_thousands(*d)),
            Cell::Date(d) if d.is_empty() => String::new(),
            Cell::Date(d) => crate::text::format_date(d),
            Cell::Decimal(Some(v)) => crate::text::decimal_comma(*v),
            Cell::Decimal(None) => "–".to_string(),
        }
    }

    /// Numbers, percentages and ratios are right-aligned in a table.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Cell::Int(_) | Cell::Percent(_) | Cell::Ratio(..) | Cell::Decimal(_)
        )
    }
}

/// A line chart of percentages (0–100) over labelled positions, e.g. the last 12 months.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Chart {
    pub title: String,
    pub labels: Vec<String>,
    pub series: Vec<Series>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// `1234567` → `1.234.567` (Vietnamese groups thousands with dots).
pub fn group_thousands(n: i64) -> String {
    crate::text::format_int(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_vietnamese_way() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1234), "1.234");
        assert_eq!(group_thousands(-1234567), "-1.234.567");
        assert_eq!(Cell::Percent(Some(79.94)).display(), "79,9%");
        assert_eq!(Cell::Percent(Some(80.0)).display(), "80,0%");
        assert_eq!(Cell::Percent(Some(48.0)).display(), "48,0%");
        assert_eq!(Cell::Percent(Some(100.0)).display(), "100,0%");
        assert_eq!(Cell::Percent(None).display(), "–");
        assert_eq!(Cell::Ratio(13386, 29246).display(), "13.386/29.246");
        assert_eq!(Cell::Date("2026-05-25".into()).display(), "25/05/2026");
        assert_eq!(Cell::Decimal(Some(22.94)).display(), "22,9");
        assert_eq!(Cell::Decimal(None).display(), "–");
    }
}
