//! Excel files of tables: a title row, a header row and text or number cells.

use crate::error::{AppError, Result};
use rust_xlsxwriter::{Format, Workbook};

pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        s.map_or(Cell::Empty, Cell::Text)
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Number(n as f64)
    }
}

/// One sheet with the title on the first row and the headers on the third.
pub fn table(sheet: &str, title: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>> {
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(err)?;
    let bold = Format::new().set_bold();
    let title_format = Format::new().set_bold().set_font_size(14);
    ws.write_string_with_format(0, 0, title, &title_format)
        .map_err(err)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &bold)
            .map_err(err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 3;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, c as u16, s).map_err(err)?;
                }
                Cell::Number(n) => {
                    ws.write_number(r, c as u16, *n).map_err(err)?;
                }
                Cell::Empty => {}
            }
        }
    }
    for (c, h) in headers.iter().enumerate() {
        let widest = rows
            .iter()
            .filter_map(|row| match row.get(c) {
                Some(Cell::Text(s)) => Some(s.chars().count()),
                _ => None,
            })
            .chain(std::iter::once(h.chars().count()))
            .max()
            .unwrap_or(10);
        ws.set_column_width(c as u16, (widest as f64 + 2.0).min(50.0))
            .map_err(err)?;
    }
    ws.set_freeze_panes(3, 0).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}

/// The same table as CSV for any program: UTF-8 with a byte-order mark (so Excel reads the
/// Vietnamese right), CRLF line ends, every cell quoted. A cell that a spreadsheet would take
/// for a formula (`=`, `+`, `-`, `@` first) gets a leading `'`, so opening the file runs nothing.
pub fn csv(headers: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let quote = |s: &str| {
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        format!("\"{}\"", s.replace('"', "\"\""))
    };
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(headers.iter().map(|h| quote(h)).collect()));
    for row in rows {
        out.push_str(&line(
            row.iter()
                .map(|c| match c {
                    Cell::Text(s) => quote(s),
                    // Numbers unquoted, with a dot: what every CSV reader parses.
                    Cell::Number(n) => n.to_string(),
                    Cell::Empty => String::new(),
                })
                .collect(),
        ));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_disarms_formulas() {
        let bytes = csv(
            &["Họ và tên", "Số"],
            &[
                vec![Cell::Text("Nguyễn \"Út\"".into()), Cell::Number(3.0)],
                vec![Cell::Text("=HYPERLINK(\"x\")".into()), Cell::Empty],
            ],
        );
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "\u{feff}\"Họ và tên\",\"Số\"\r\n\"Nguyễn \"\"Út\"\"\",3\r\n\"'=HYPERLINK(\"\"x\"\")\",\r\n"
        );
    }
}
