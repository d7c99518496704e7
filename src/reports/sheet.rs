//! Writes a report as one Excel sheet, top to bottom in the order of the document. Figures
//! stay numbers (a percentage is written as 79.9, shown `79.9%`) so they can be added up.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::document::{Block, Cell, Chart, Document, Table};
use crate::error::{AppError, Result};

/// Excel refuses longer sheet names.
const SHEET_NAME_MAX: usize = 31;
const DEFAULT_SHEET_NAME: &str = "Báo cáo";
// Columns are sized to their table cells, within these bounds (in characters).
const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 50;
/// Header cells wrap, so a long header should not widen a column of short figures.
const HEADER_WIDTH_CAP: usize = 20;
/// A4 in Excel's paper codes.
const PAPER_A4: u8 = 9;

/// The report as the bytes of an .xlsx file with one sheet.
pub fn render(doc: &Document) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(&doc.short_name)).map_err(err)?;
    ws.set_paper_size(PAPER_A4);
    ws.set_portrait();
    ws.set_print_fit_to_pages(1, 0);

    let styles = Styles::new();
    let mut out = Writer {
        ws,
        styles: &styles,
        row: 0,
        widths: Vec::new(),
    };
    out.write_top(doc)?;
    for block in &doc.blocks {
        // One blank row before each block keeps them apart.
        out.row += 1;
        match block {
            Block::Heading(text) => out.line(text, &styles.bold)?,
            Block::Subheading(text) => out.line(text, &styles.bold_italic)?,
            Block::Paragraph(text) => {
                for line in text.split('\n').map(|l| l.trim_end_matches('\r')) {
                    if !line.trim().is_empty() {
                        out.line(line, &styles.plain)?;
                    }
                }
            }
            Block::Table(table) => out.table(table)?,
            Block::Chart(chart) => out.chart(chart)?,
        }
    }
    out.set_widths()?;
    wb.save_to_buffer().map_err(err)
}

fn err(e: XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, not starting or
/// ending with an apostrophe, not the reserved `History`.
pub fn sheet_name(short_name: &str) -> String {
    let cleaned: String = short_name
        .chars()
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

struct Styles {
    plain: Format,
    title: Format,
    bold: Format,
    bold_italic: Format,
    date: Format,
    header: Format,
    text: Format,
    strong: Format,
    int: Format,
    percent: Format,
    empty: Format,
}

impl Styles {
    fn new() -> Styles {
        let cell = Format::new().set_border(FormatBorder::Thin);
        Styles {
            plain: Format::new(),
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
            bold_italic: Format::new().set_bold().set_italic(),
            // Right-aligned so it spills leftwards and sits at the right like on paper.
            date: Format::new().set_italic().set_align(FormatAlign::Right),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            text: cell
                .clone()
                .set_text_wrap()
                .set_align(FormatAlign::VerticalCenter),
            strong: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::VerticalCenter),
            int: cell
                .clone()
                .set_num_format("#,##0")
                .set_align(FormatAlign::VerticalCenter),
            // The value stays 79.9 (not 0.799); the quoted sign is only shown.
            percent: cell
                .clone()
                .set_num_format("0.0\"%\"")
                .set_align(FormatAlign::VerticalCenter),
            empty: cell,
        }
    }
}

struct Writer<'a> {
    ws: &'a mut Worksheet,
    styles: &'a Styles,
    row: u32,
    /// Widest cell seen in each column, in characters; only table cells count, as other
    /// text spills over into the empty cells to its right.
    widths: Vec<usize>,
}

impl Writer<'_> {
    fn write_top(&mut self, doc: &Document) -> Result<()> {
        let title = [doc.title.trim(), doc.subtitle.trim()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        self.ws
            .write_string_with_format(0, 0, title, &self.styles.title)
            .map_err(err)?;
        if let Some(issuer) = doc.issuer.last() {
            self.ws
                .write_string_with_format(1, 0, issuer, &self.styles.bold)
                .map_err(err)?;
        }
        if !doc.place_date.trim().is_empty() {
            let last = self.widest_block(doc).max(2) - 1;
            self.ws
                .write_string_with_format(1, last, &doc.place_date, &self.styles.date)
                .map_err(err)?;
        }
        self.row = 2;
        Ok(())
    }

    /// The number of columns of the widest table or chart.
    fn widest_block(&self, doc: &Document) -> u16 {
        doc.blocks
            .iter()
            .map(|b| match b {
                Block::Table(t) => t
                    .rows
                    .iter()
                    .map(Vec::len)
                    .chain(std::iter::once(t.columns.len()))
                    .max()
                    .unwrap_or(0),
                Block::Chart(c) => c.labels.len() + 1,
                _ => 0,
            })
            .max()
            .unwrap_or(0)
            .try_into()
            .unwrap_or(u16::MAX)
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

    fn header(&mut self, columns: &[String]) -> Result<()> {
        for (c, title) in columns.iter().enumerate() {
            let c = column(c)?;
            self.ws
                .write_string_with_format(self.row, c, title, &self.styles.header)
                .map_err(err)?;
            self.measure(c, title.chars().count().min(HEADER_WIDTH_CAP));
        }
        self.row += 1;
        Ok(())
    }

    fn table(&mut self, table: &Table) -> Result<()> {
        if !table.title.trim().is_empty() {
            self.line(table.title.trim(), &self.styles.bold)?;
        }
        self.header(&table.columns)?;
        for cells in &table.rows {
            for (c, cell) in cells.iter().enumerate() {
                self.cell(column(c)?, cell)?;
            }
            // Borders under missing cells too, so the grid stays whole.
            for c in cells.len()..table.columns.len() {
                self.ws
                    .write_blank(self.row, column(c)?, &self.styles.empty)
                    .map_err(err)?;
            }
            self.row += 1;
        }
        Ok(())
    }

    fn cell(&mut self, c: u16, cell: &Cell) -> Result<()> {
        let (row, s) = (self.row, self.styles);
        match cell {
            Cell::Text(text) => {
                self.ws
                    .write_string_with_format(row, c, text, &s.text)
                    .map_err(err)?;
            }
            Cell::Strong(text) => {
                self.ws
                    .write_string_with_format(row, c, text, &s.strong)
                    .map_err(err)?;
            }
            Cell::Int(n) => {
                // Counts of people and households are far below 2^53: exact as f64.
                self.ws
                    .write_number_with_format(row, c, *n as f64, &s.int)
                    .map_err(err)?;
            }
            Cell::Percent(Some(v)) => {
                self.ws
                    .write_number_with_format(row, c, *v, &s.percent)
                    .map_err(err)?;
            }
            Cell::Percent(None) => {
                self.ws.write_blank(row, c, &s.empty).map_err(err)?;
            }
            // Placeholders until the sheet writer types them (ratio as two numbers, dates).
            Cell::Ratio(..) | Cell::Date(_) => {
                self.ws
                    .write_string_with_format(row, c, cell.display(), &s.text)
                    .map_err(err)?;
            }
        }
        // The display form is about as wide as Excel's rendering of it.
        self.measure(c, cell.display().chars().count());
        Ok(())
    }

    fn chart(&mut self, chart: &Chart) -> Result<()> {
        if !chart.title.trim().is_empty() {
            self.line(chart.title.trim(), &self.styles.bold)?;
        }
        let mut columns = vec!["Chỉ tiêu".to_string()];
        columns.extend(chart.labels.iter().cloned());
        self.header(&columns)?;
        for series in &chart.series {
            self.cell(0, &Cell::Text(series.name.clone()))?;
            for i in 0..chart.labels.len() {
                let value = series.values.get(i).copied().flatten();
                self.cell(column(i + 1)?, &Cell::Percent(value))?;
            }
            self.row += 1;
        }
        Ok(())
    }

    fn set_widths(&mut self) -> Result<()> {
        for (c, chars) in self.widths.iter().enumerate() {
            let width = (chars + 2).clamp(MIN_WIDTH, MAX_WIDTH);
            self.ws
                .set_column_width(column(c)?, width as f64)
                .map_err(err)?;
        }
        Ok(())
    }
}

fn column(c: usize) -> Result<u16> {
    u16::try_from(c).map_err(|_| AppError::Internal("xlsx: quá nhiều cột".into()))
}

#[cfg(test)]
#[path = "tests/sheet.rs"]
mod tests;
