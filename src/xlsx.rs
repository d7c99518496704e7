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
/// Vietnamese right), CRLF line ends, text cells quoted, numbers and blank cells bare. A cell
/// that a spreadsheet would take for a formula (`=`, `+`, `-`, `@` first) gets a leading `'`,
/// so opening the file runs nothing.
pub fn csv(headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>> {
    // The `csv` crate quotes every field of a writer or only those that need it. Text is always
    // quoted (a reader that keeps quoted fields as text keeps a phone's leading 0) and a number
    // never, so each text cell is quoted by a field writer of its own and the lines are laid
    // out by one that adds no quotes.
    let mut text = csv_core::WriterBuilder::new()
        .quote_style(csv_core::QuoteStyle::Always)
        .build();
    let mut quote = |s: &str| {
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        // Room for the quotes around and every byte a doubled quote.
        let mut out = vec![0; 2 * s.len() + 2];
        let (_, _, n) = text.field(s.as_bytes(), &mut out);
        let (_, m) = text.finish(&mut out[n..]);
        out.truncate(n + m);
        out
    };
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Never)
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer("\u{feff}".as_bytes().to_vec());
    let err = |e: String| AppError::Internal(format!("csv: {e}"));
    w.write_record(headers.iter().map(|h| quote(h)))
        .map_err(|e| err(e.to_string()))?;
    for row in rows {
        w.write_record(row.iter().map(|c| match c {
            Cell::Text(s) => quote(s),
            // Numbers unquoted, with a dot: what every CSV reader parses.
            Cell::Number(n) => n.to_string().into_bytes(),
            Cell::Empty => Vec::new(),
        }))
        .map_err(|e| err(e.to_string()))?;
    }
    w.into_inner().map_err(|e| err(e.to_string()))
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
        )
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "\u{feff}\"Họ và tên\",\"Số\"\r\n\"Nguyễn \"\"Út\"\"\",3\r\n\"'=HYPERLINK(\"\"x\"\")\",\r\n"
        );
    }

    #[test]
    fn csv_quotes_all_text_and_keeps_line_breaks_in_cells() {
        let bytes = csv(
            &["Số điện thoại"],
            &[
                vec![Cell::Text("0912345678".into()), Cell::Number(-1.5)],
                vec![
                    Cell::Text("Ấp 1,\r\nxã A".into()),
                    Cell::Text(String::new()),
                ],
                vec![
                    Cell::Text("-3".into()),
                    Cell::Text("+84".into()),
                    Cell::Empty,
                ],
                vec![Cell::Empty, Cell::Empty],
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\u{feff}\"Số điện thoại\"\r\n\"0912345678\",-1.5\r\n\"Ấp 1,\r\nxã A\",\"\"\r\n\
             \"'-3\",\"'+84\",\r\n,\r\n"
        );
    }
}
