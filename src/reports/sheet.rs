//! Writes a report as an Excel workbook: the letterhead and title on the first sheet, then a
//! sheet per section (each `Block::Heading` starts one), in the order of the document.
//!
//! Figures stay typed so they can be added up: counts are numbers, a percentage is 79.9 shown
//! `79.9%`, a ratio is two number columns (achieved, total), a date is a date. Every sheet
//! prints on A4, one page wide, in portrait unless its tables need landscape.

use rust_xlsxwriter::{
    ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use unicode_normalization::UnicodeNormalization;

use super::document::{Block, Cell, Chart, Document, Table};
use crate::error::{AppError, Result};

/// Excel refuses longer sheet names.
const SHEET_NAME_MAX: usize = 31;
const DEFAULT_SHEET_NAME: &str = "Báo cáo";
// Columns are sized to their table cells, within these bounds (in characters).
const MIN_WIDTH: usize = 4;
/// Text cells wrap: a long label makes its column this wide at most (unless one word is wider).
const TEXT_WIDTH_CAP: usize = 40;
const MAX_WIDTH: usize = 60;
/// A4 in Excel's paper codes.
const PAPER_A4: u8 = 9;
/// The printable width of A4 with Excel's default margins (0.7"), in pixels at 96 dpi: a
/// sheet wider than a little more than this would print too small in portrait.
const PORTRAIT_PIXELS: f64 = 660.0;
const SHRINK_TOLERATED: f64 = 1.15;
/// The headers of the two columns a ratio is written in.
const RATIO_PARTS: [&str; 2] = ["đạt", "tổng số"];

/// The report as the bytes of an .xlsx file.
pub fn render(doc: &Document) -> Result<Vec<u8>> {
    let styles = Styles::new();
    let mut wb = Workbook::new();
    let mut names: Vec<String> = Vec::new();
    for (i, section) in sections(doc).into_iter().enumerate() {
        let name = unique_name(&section.name, &names);
        names.push(name.clone());
        let ws = wb.add_worksheet();
        ws.set_name(&name).map_err(err)?;
        let mut out = Writer::new(ws, &styles, section.blocks);
        if i == 0 {
            out.letterhead(doc)?;
        }
        for block in section.blocks {
            out.block(block)?;
        }
        out.finish()?;
    }
    wb.save_to_buffer().map_err(err)
}

fn err(e: XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

/// A sheet's worth of the document.
struct Section<'a> {
    name: String,
    blocks: &'a [Block],
}

/// The letterhead sheet (with whatever comes before the first heading), then one per heading.
fn sections(doc: &Document) -> Vec<Section<'_>> {
    let starts: Vec<usize> = (doc.blocks.iter().enumerate())
        .filter(|(_, b)| matches!(b, Block::Heading(_)))
        .map(|(i, _)| i)
        .collect();
    let first_end = starts.first().copied().unwrap_or(doc.blocks.len());
    let mut out = vec![Section {
        name: sheet_name(&doc.short_name),
        blocks: &doc.blocks[..first_end],
    }];
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(doc.blocks.len());
        let name = match &doc.blocks[start] {
            Block::Heading(text) => section_name(text),
            _ => DEFAULT_SHEET_NAME.to_string(),
        };
        out.push(Section {
            name,
            blocks: &doc.blocks[start..end],
        });
    }
    out
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, not starting or
/// ending with an apostrophe, not the reserved `History`.
pub fn sheet_name(short_name: &str) -> String {
    let cleaned: String = short_name
        .nfc()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '-',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let truncated: String = cleaned
        .trim()
        .trim_matches('\'')
        .chars()
        .take(SHEET_NAME_MAX)
        .collect();
    let name = truncated.trim().trim_matches('\'').trim();
    if name.is_empty() || name.eq_ignore_ascii_case("history") {
        DEFAULT_SHEET_NAME.to_string()
    } else {
        name.to_string()
    }
}

/// A section's sheet name from its heading: `II. KHÓ KHĂN, VƯỚNG MẮC` → `II. Khó khăn, vướng
/// mắc`, cut after a whole word to fit Excel's 31 characters.
pub fn section_name(heading: &str) -> String {
    let heading: String = heading.nfc().collect();
    let (number, rest) = match heading.trim().split_once(". ") {
        Some((n, rest)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()) => {
            (format!("{n}. "), rest.to_string())
        }
        _ => (String::new(), heading.trim().to_string()),
    };
    let mut chars = rest.chars();
    let sentence: String = match chars.next() {
        Some(c) => c
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    };
    let full = sheet_name(&format!("{number}{sentence}"));
    if full.chars().count() < SHEET_NAME_MAX || !full.contains(' ') {
        return full;
    }
    // `sheet_name` cut mid-word: go back to the last whole word.
    let mut fitted = String::new();
    for word in format!("{number}{sentence}").split_whitespace() {
        let next = if fitted.is_empty() {
            word.to_string()
        } else {
            format!("{fitted} {word}")
        };
        if next.chars().count() > SHEET_NAME_MAX {
            break;
        }
        fitted = next;
    }
    let fitted = sheet_name(fitted.trim_end_matches([',', ';', '-']));
    if fitted == DEFAULT_SHEET_NAME {
        full
    } else {
        fitted
    }
}

/// `name`, or `name (2)`, `name (3)`… if a sheet already has it (Excel ignores case).
fn unique_name(name: &str, taken: &[String]) -> String {
    let free = |n: &str| !taken.iter().any(|t| t.to_lowercase() == n.to_lowercase());
    if free(name) {
        return name.to_string();
    }
    (2..)
        .map(|k| {
            let suffix = format!(" ({k})");
            let room = SHEET_NAME_MAX - suffix.chars().count();
            let stem: String = name.chars().take(room).collect();
            format!("{}{suffix}", stem.trim_end())
        })
        .find(|n| free(n))
        .unwrap_or_else(|| DEFAULT_SHEET_NAME.to_string())
}

struct Styles {
    plain: Format,
    title: Format,
    bold: Format,
    italic: Format,
    bold_italic: Format,
    header: Format,
    text: Format,
    strong: Format,
    int: Format,
    percent: Format,
    decimal: Format,
    date: Format,
    empty: Format,
}

impl Styles {
    fn new() -> Styles {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        Styles {
            plain: Format::new(),
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
            italic: Format::new().set_italic(),
            bold_italic: Format::new().set_bold().set_italic(),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center),
            text: cell.clone().set_text_wrap(),
            strong: cell.clone().set_bold().set_text_wrap(),
            int: cell.clone().set_num_format("#,##0"),
            // The value stays 79.9 (not 0.799); the quoted sign is only shown.
            percent: cell.clone().set_num_format("0.0\"%\""),
            decimal: cell.clone().set_num_format("0.0"),
            date: cell.clone().set_num_format("dd/mm/yyyy"),
            empty: cell,
        }
    }
}

/// Writes one sheet top to bottom.
struct Writer<'a> {
    ws: &'a mut Worksheet,
    styles: &'a Styles,
    row: u32,
    /// Widest content seen in each column, in characters; only table cells count, as other
    /// text spills over into the empty cells to its right.
    widths: Vec<usize>,
    /// Some table on the sheet numbers its rows (`STT`): column A is kept for those numbers,
    /// and the other tables start in column B, so column A stays narrow.
    numbered: bool,
    /// The header rows of the sheet's tables.
    headers: Vec<u32>,
}

/// A table numbering its rows in its first column.
fn is_numbered(table: &Table) -> bool {
    let first = table.columns.first().map(|c| c.trim().to_uppercase());
    matches!(first.as_deref(), Some("STT" | "TT"))
}

impl<'a> Writer<'a> {
    fn new(ws: &'a mut Worksheet, styles: &'a Styles, blocks: &[Block]) -> Writer<'a> {
        let numbered = blocks
            .iter()
            .any(|b| matches!(b, Block::Table(t) if is_numbered(t)));
        Writer {
            ws,
            styles,
            row: 0,
            widths: Vec::new(),
            numbered,
            headers: Vec::new(),
        }
    }

    /// The issuing body (its superior's lines regular, its own bold), the number, the
    /// national motto, place and date, the title, the addressee.
    fn letterhead(&mut self, doc: &Document) -> Result<()> {
        let s = self.styles;
        for (i, line) in doc.issuer.iter().enumerate() {
            let look = if i < doc.issuer_superior {
                &s.plain
            } else {
                &s.bold
            };
            self.line(line, look)?;
        }
        if !doc.number.trim().is_empty() {
            self.line(&doc.number, &s.plain)?;
        }
        self.row += 1;
        self.line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", &s.bold)?;
        self.line("Độc lập - Tự do - Hạnh phúc", &s.bold)?;
        if !doc.place_date.trim().is_empty() {
            self.line(&doc.place_date, &s.italic)?;
        }
        self.row += 1;
        self.line(doc.title.trim(), &s.title)?;
        for line in doc.subtitle.lines().filter(|l| !l.trim().is_empty()) {
            self.line(line.trim(), &s.bold)?;
        }
        let addressee = doc.addressee.trim();
        if !addressee.is_empty() {
            let line = if addressee.starts_with("Kính gửi") {
                addressee.to_string()
            } else {
                format!("Kính gửi: {addressee}")
            };
            self.line(&line, &s.plain)?;
        }
        Ok(())
    }

    fn block(&mut self, block: &Block) -> Result<()> {
        let s = self.styles;
        // One blank row before each block keeps them apart (not above a sheet's heading).
        if self.row > 0 {
            self.row += 1;
        }
        match block {
            Block::Heading(text) => self.line(text, &s.bold),
            Block::Subheading(text) => self.line(text, &s.bold_italic),
            Block::Paragraph(text) => {
                for line in text.split('\n').map(|l| l.trim_end_matches('\r')) {
                    if !line.trim().is_empty() {
                        self.line(line, &s.plain)?;
                    }
                }
                Ok(())
            }
            Block::Table(table) => self.table(table),
            Block::Chart(chart) => self.table(&chart_as_table(chart)),
        }
    }

    fn line(&mut self, text: &str, format: &Format) -> Result<()> {
        self.ws
            .write_string_with_format(self.row, 0, text, format)
            .map_err(err)?;
        self.row += 1;
        Ok(())
    }

    fn measure(&mut self, col: u16, chars: usize) {
        let col = usize::from(col);
        if self.widths.len() <= col {
            self.widths.resize(col + 1, 0);
        }
        self.widths[col] = self.widths[col].max(chars);
    }

    fn table(&mut self, table: &Table) -> Result<()> {
        let s = self.styles;
        if !table.title.trim().is_empty() {
            self.line(table.title.trim(), &s.bold)?;
        }
        let n = (table.rows.iter().map(Vec::len)).fold(table.columns.len(), usize::max);
        // A column holding any ratio is written as two: achieved and total.
        let split: Vec<bool> = (0..n)
            .map(|j| {
                table
                    .rows
                    .iter()
                    .any(|r| matches!(r.get(j), Some(Cell::Ratio(..))))
            })
            .collect();
        let first = u16::from(self.numbered && !is_numbered(table));
        let mut at = Vec::with_capacity(n);
        let mut c = first;
        for wide in &split {
            at.push(c);
            c += if *wide { 2 } else { 1 };
        }

        self.headers.push(self.row);
        for (j, &c) in at.iter().enumerate() {
            let title = table.columns.get(j).map(|t| t.trim()).unwrap_or("");
            if split[j] {
                for (k, part) in RATIO_PARTS.iter().enumerate() {
                    let title = format!("{title} ({part})");
                    self.header_cell(c + k as u16, &title)?;
                }
            } else {
                self.header_cell(c, title)?;
            }
        }
        self.row += 1;

        for cells in &table.rows {
            for (j, &c) in at.iter().enumerate() {
                match cells.get(j) {
                    Some(Cell::Ratio(num, den)) => {
                        self.cell(c, &Cell::Int(*num))?;
                        self.cell(c + 1, &Cell::Int(*den))?;
                    }
                    Some(cell) => self.cell(c, cell)?,
                    // Borders under missing cells too, so the grid stays whole.
                    None => self.blank(c)?,
                }
                if split[j] && !matches!(cells.get(j), Some(Cell::Ratio(..))) {
                    self.blank(c + 1)?;
                }
            }
            self.row += 1;
        }
        Ok(())
    }

    fn blank(&mut self, c: u16) -> Result<()> {
        self.ws
            .write_blank(self.row, c, &self.styles.empty)
            .map_err(err)?;
        Ok(())
    }

    /// Header cells wrap at spaces: the longest word (or a short header whole) sets the width.
    fn header_cell(&mut self, c: u16, title: &str) -> Result<()> {
        self.ws
            .write_string_with_format(self.row, c, title, &self.styles.header)
            .map_err(err)?;
        let word = title.split_whitespace().map(|w| w.chars().count()).max();
        let whole = title.chars().count();
        self.measure(
            c,
            if whole <= 12 {
                whole
            } else {
                word.unwrap_or(0)
            },
        );
        Ok(())
    }

    fn cell(&mut self, c: u16, cell: &Cell) -> Result<()> {
        let (row, s) = (self.row, self.styles);
        let ws = &mut *self.ws;
        match cell {
            Cell::Text(text) => ws.write_string_with_format(row, c, text, &s.text),
            Cell::Strong(text) => ws.write_string_with_format(row, c, text, &s.strong),
            // Counts of people and households are far below 2^53: exact as f64.
            Cell::Int(n) => ws.write_number_with_format(row, c, *n as f64, &s.int),
            Cell::Percent(Some(v)) => ws.write_number_with_format(row, c, *v, &s.percent),
            Cell::Percent(None) | Cell::Decimal(None) => ws.write_blank(row, c, &s.empty),
            Cell::Decimal(Some(v)) => ws.write_number_with_format(row, c, *v, &s.decimal),
            Cell::Ratio(num, den) => {
                // Only through `table`, which splits it; on its own, as its text.
                let text = format!("{num}/{den}");
                ws.write_string_with_format(row, c, text, &s.text)
            }
            Cell::Date(iso) => match ExcelDateTime::parse_from_str(iso) {
                Ok(date) => ws.write_datetime_with_format(row, c, &date, &s.date),
                Err(_) if iso.trim().is_empty() => ws.write_blank(row, c, &s.empty),
                Err(_) => ws.write_string_with_format(row, c, iso, &s.text),
            },
        }
        .map_err(err)?;
        let shown = cell.display();
        let chars = match cell {
            Cell::Text(_) | Cell::Strong(_) => {
                let word = shown.split_whitespace().map(|w| w.chars().count()).max();
                shown
                    .chars()
                    .count()
                    .min(TEXT_WIDTH_CAP)
                    .max(word.unwrap_or(0))
            }
            _ => shown.chars().count(),
        };
        self.measure(c, chars);
        Ok(())
    }

    /// Column widths, then the print setup: A4, one page wide, landscape only when the
    /// sheet's columns would shrink too much in portrait; a lone table's header repeats.
    fn finish(&mut self) -> Result<()> {
        let mut pixels = 0.0;
        for (c, chars) in self.widths.iter().enumerate() {
            let width = (chars + 2).clamp(MIN_WIDTH, MAX_WIDTH);
            // Excel's column width unit is a character of 7 pixels, plus 5 of padding.
            pixels += width as f64 * 7.0 + 5.0;
            self.ws
                .set_column_width(column(c)?, width as f64)
                .map_err(err)?;
        }
        self.ws.set_paper_size(PAPER_A4);
        if pixels > PORTRAIT_PIXELS * SHRINK_TOLERATED {
            self.ws.set_landscape();
        } else {
            self.ws.set_portrait();
        }
        self.ws.set_print_fit_to_pages(1, 0);
        // With several tables a repeated row would head the wrong table's rows.
        if let &[header] = self.headers.as_slice() {
            self.ws.set_repeat_rows(header, header).map_err(err)?;
        }
        Ok(())
    }
}

/// A chart as the table of its figures.
fn chart_as_table(chart: &Chart) -> Table {
    let mut columns = vec!["Chỉ tiêu".to_string()];
    columns.extend(chart.labels.iter().cloned());
    let rows = chart
        .series
        .iter()
        .map(|series| {
            let mut row = vec![Cell::Text(series.name.clone())];
            row.extend(
                (0..chart.labels.len())
                    .map(|i| Cell::Percent(series.values.get(i).copied().flatten())),
            );
            row
        })
        .collect();
    Table {
        title: chart.title.clone(),
        columns,
        widths: Vec::new(),
        rows,
    }
}

fn column(c: usize) -> Result<u16> {
    u16::try_from(c).map_err(|_| AppError::Internal("xlsx: quá nhiều cột".into()))
}

#[cfg(test)]
#[path = "tests/sheet.rs"]
mod tests;
