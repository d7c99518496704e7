//! Writes a report as a Word file laid out the way Decree 30/2020/NĐ-CP asks: A4 portrait,
//! Times New Roman, the issuer and the national motto side by side at the top, the
//! `Nơi nhận:` list and the signature side by side at the bottom.
//!
//! Also reads a .docx back (`paragraphs_text`, `layout_of`) so tests can check what a user
//! would actually open, not what we meant to write.

use std::collections::BTreeSet;
use std::io::Cursor;

use docx_rs::{
    AlignmentType, BorderType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph,
    ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts, SpecialIndentType,
    Table, TableBorder, TableBorderPosition, TableBorders, TableCell, TableCellContent,
    TableCellMargins, TableChild, TableLayoutType, TableRow, TableRowChild, VAlignType, WidthType,
};

use super::document::{Block, Cell, Chart, Document, Table as ReportTable, decimal_comma};
use crate::error::{AppError, Result};

const FONT: &str = "Times New Roman";

// A4 portrait and the Decree's margins (20/20/30/15 mm), in twips.
const PAGE_WIDTH: u32 = 11906;
const PAGE_HEIGHT: u32 = 16838;
const MARGIN_TOP: i32 = 1134;
const MARGIN_BOTTOM: i32 = 1134;
const MARGIN_LEFT: i32 = 1701;
const MARGIN_RIGHT: i32 = 850;
const TEXT_WIDTH: usize = PAGE_WIDTH as usize - MARGIN_LEFT as usize - MARGIN_RIGHT as usize;

// Font sizes in half-points.
const BODY: usize = 28;
const SMALL: usize = 26;
const TABLE_TEXT: usize = 26;
// A chart over a year has 13 columns: at 13 pt and Word's padding `79,9%` would wrap.
const WIDE_TABLE_COLUMNS: usize = 8;
const WIDE_TABLE_TEXT: usize = 22;
const NARROW_PADDING: usize = 57;
const RECIPIENTS_LABEL: usize = 24;
const RECIPIENTS: usize = 22;

/// About 1 cm.
const FIRST_LINE_INDENT: i32 = 567;
/// Word's own default left/right cell padding; the header rules are centred within it.
const CELL_PADDING: usize = 108;

// The two borderless tables that frame the page: issuer | motto, recipients | signature.
const HEADER_LEFT: usize = 3686;
const HEADER_RIGHT: usize = TEXT_WIDTH - HEADER_LEFT;
const FOOTER_LEFT: usize = 4535;
const FOOTER_RIGHT: usize = TEXT_WIDTH - FOOTER_LEFT;

/// Lines left blank between the authority and the name for the signature and the stamp.
const SIGNATURE_SPACE: usize = 4;

/// Page size, margins and fonts of a .docx as read back from the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub page_width: u32,
    pub page_height: u32,
    pub margin_top: i32,
    pub margin_bottom: i32,
    pub margin_left: i32,
    pub margin_right: i32,
    /// Every font named on a run that has text, over all four slots (ascii, hAnsi, eastAsia, cs).
    pub run_fonts: BTreeSet<String>,
    /// Runs with text that name no font and so fall back to the document default.
    pub runs_without_font: usize,
    /// The fonts of the document defaults (`w:docDefaults`).
    pub default_fonts: BTreeSet<String>,
}

/// The report as the bytes of a .docx file.
pub fn render(doc: &Document) -> Result<Vec<u8>> {
    let mut docx = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT)
                .header(567)
                .footer(567)
                .gutter(0),
        )
        .default_fonts(fonts())
        .default_size(BODY)
        .add_table(header_table(doc))
        .add_paragraph(spacer(BODY));

    docx = docx
        .add_paragraph(centred(&doc.title, BODY, Look::BOLD).line_spacing(spacing(240, 0, 240)));
    let subtitle_lines: Vec<&str> = lines(&doc.subtitle).collect();
    for line in &subtitle_lines {
        docx = docx.add_paragraph(centred(line, BODY, Look::BOLD));
    }
    if let Some(widest) = subtitle_lines.iter().map(|l| text_width(l, BODY)).max() {
        docx = docx.add_paragraph(rule(TEXT_WIDTH, widest.min(TEXT_WIDTH) * 2 / 5));
    }
    if !doc.addressee.trim().is_empty() {
        let addressee = doc.addressee.trim();
        let line = if addressee.starts_with("Kính gửi") {
            addressee.to_string()
        } else {
            format!("Kính gửi: {addressee}")
        };
        docx = docx
            .add_paragraph(centred(&line, BODY, Look::PLAIN).line_spacing(spacing(240, 120, 276)));
    }

    for block in &doc.blocks {
        docx = match block {
            Block::Heading(text) => docx.add_paragraph(body(text, Look::BOLD).keep_next(true)),
            Block::Subheading(text) => {
                docx.add_paragraph(body(text, Look::BOLD_ITALIC).keep_next(true))
            }
            Block::Paragraph(text) => {
                lines(text).fold(docx, |d, line| d.add_paragraph(body(line, Look::PLAIN)))
            }
            Block::Table(table) => {
                let docx = match table_title(&table.title) {
                    Some(p) => docx.add_paragraph(p),
                    None => docx,
                };
                // Word glues two tables with nothing between them into one.
                docx.add_table(data_table(table))
                    .add_paragraph(spacer(SMALL))
            }
            Block::Chart(chart) => {
                let docx = match table_title(&chart.title) {
                    Some(p) => docx.add_paragraph(p),
                    None => docx,
                };
                docx.add_table(data_table(&chart_as_table(chart)))
                    .add_paragraph(spacer(SMALL))
            }
        };
    }

    docx = docx
        .add_paragraph(spacer(BODY))
        .add_table(footer_table(doc));

    let mut out = Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|e| AppError::Internal(format!("docx: {e}")))?;
    deflate(&out.into_inner())
}

/// docx-rs stores its parts uncompressed; a commune report's XML shrinks about tenfold when
/// deflated, which matters when it is sent over Zalo or a slow line.
fn deflate(stored: &[u8]) -> Result<Vec<u8>> {
    use std::io::{Read, Write};
    let err = |e: &dyn std::fmt::Display| AppError::Internal(format!("docx zip: {e}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(stored)).map_err(|e| err(&e))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).map_err(|e| err(&e))?;
        let name = part.name().map_err(|e| err(&e))?.to_string();
        if part.is_dir() {
            out.add_directory(name, options).map_err(|e| err(&e))?;
            continue;
        }
        let mut data = Vec::new();
        part.read_to_end(&mut data).map_err(|e| err(&e))?;
        out.start_file(name, options).map_err(|e| err(&e))?;
        out.write_all(&data).map_err(|e| err(&e))?;
    }
    Ok(out.finish().map_err(|e| err(&e))?.into_inner())
}

/// The text of every paragraph of a .docx in document order, paragraphs in table cells
/// included (each on its own, row by row, cell by cell).
pub fn paragraphs_text(bytes: &[u8]) -> Result<Vec<String>> {
    let docx = read(bytes)?;
    let mut out = Vec::new();
    for child in &docx.document.children {
        match child {
            docx_rs::DocumentChild::Paragraph(p) => out.push(p.raw_text()),
            docx_rs::DocumentChild::Table(t) => table_paragraphs(t, &mut |p| {
                out.push(p.raw_text());
            }),
            _ => {}
        }
    }
    Ok(out)
}

/// The page size, margins and fonts of a .docx, read from the file.
pub fn layout_of(bytes: &[u8]) -> Result<Layout> {
    let docx = read(bytes)?;
    let section = &docx.document.section_property;
    // `PageSize` keeps its fields private; its serialisation is the only way to them.
    let size = serde_json::to_value(&section.page_size).map_err(json_error)?;
    let dimension = |key: &str| {
        size.get(key)
            .and_then(|v| v.as_u64())
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| AppError::Internal(format!("docx: no page {key}")))
    };
    let margin = &section.page_margin;

    let mut run_fonts = BTreeSet::new();
    let mut runs_without_font = 0;
    let mut visit = |p: &Paragraph| {
        for run in runs(p) {
            let has_text = run
                .children
                .iter()
                .any(|c| matches!(c, docx_rs::RunChild::Text(t) if !t.text.is_empty()));
            if !has_text {
                continue;
            }
            match &run.run_property.fonts {
                Some(f) => {
                    let names = font_names(f);
                    if names.is_empty() {
                        runs_without_font += 1;
                    }
                    run_fonts.extend(names);
                }
                None => runs_without_font += 1,
            }
        }
    };
    for child in &docx.document.children {
        match child {
            docx_rs::DocumentChild::Paragraph(p) => visit(p),
            docx_rs::DocumentChild::Table(t) => table_paragraphs(t, &mut visit),
            _ => {}
        }
    }

    // The defaults sit behind private fields too.
    let defaults = serde_json::to_value(&docx.styles.doc_defaults).map_err(json_error)?;
    let default_fonts = defaults
        .pointer("/runPropertyDefault/runProperty/fonts")
        .map(json_font_names)
        .unwrap_or_default();

    Ok(Layout {
        page_width: dimension("w")?,
        page_height: dimension("h")?,
        margin_top: margin.top,
        margin_bottom: margin.bottom,
        margin_left: margin.left,
        margin_right: margin.right,
        run_fonts,
        runs_without_font,
        default_fonts,
    })
}

fn read(bytes: &[u8]) -> Result<Docx> {
    docx_rs::read_docx(bytes).map_err(|e| AppError::Internal(format!("docx: {e}")))
}

fn json_error(e: serde_json::Error) -> AppError {
    AppError::Internal(format!("docx: {e}"))
}

fn table_paragraphs(table: &Table, visit: &mut dyn FnMut(&Paragraph)) {
    for TableChild::TableRow(row) in &table.rows {
        for TableRowChild::TableCell(cell) in &row.cells {
            for content in &cell.children {
                match content {
                    TableCellContent::Paragraph(p) => visit(p),
                    TableCellContent::Table(t) => table_paragraphs(t, visit),
                    _ => {}
                }
            }
        }
    }
}

fn runs(p: &Paragraph) -> impl Iterator<Item = &Run> {
    p.children.iter().filter_map(|c| match c {
        docx_rs::ParagraphChild::Run(r) => Some(r.as_ref()),
        _ => None,
    })
}

fn font_names(fonts: &RunFonts) -> BTreeSet<String> {
    serde_json::to_value(fonts)
        .map(|v| json_font_names(&v))
        .unwrap_or_default()
}

fn json_font_names(v: &serde_json::Value) -> BTreeSet<String> {
    ["ascii", "hiAnsi", "eastAsia", "cs"]
        .iter()
        .filter_map(|k| v.get(*k).and_then(|n| n.as_str()))
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// How a run of text looks.
#[derive(Clone, Copy)]
struct Look {
    bold: bool,
    italic: bool,
}

impl Look {
    const PLAIN: Look = Look {
        bold: false,
        italic: false,
    };
    const BOLD: Look = Look {
        bold: true,
        italic: false,
    };
    const ITALIC: Look = Look {
        bold: false,
        italic: true,
    };
    const BOLD_ITALIC: Look = Look {
        bold: true,
        italic: true,
    };
}

fn fonts() -> RunFonts {
    RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .east_asia(FONT)
        .cs(FONT)
}

fn run(text: &str, size: usize, look: Look) -> Run {
    let mut r = Run::new().add_text(text).size(size).fonts(fonts());
    if look.bold {
        r = r.bold();
    }
    if look.italic {
        r = r.italic();
    }
    r
}

fn spacing(before: u32, after: u32, line: i32) -> LineSpacing {
    LineSpacing::new()
        .before(before)
        .after(after)
        .line(line)
        .line_rule(LineSpacingType::Auto)
}

/// A paragraph whose mark carries the font and size too, so an empty one is as tall as a
/// line of that text.
fn paragraph(size: usize) -> Paragraph {
    Paragraph::new()
        .size(size)
        .fonts(fonts())
        .line_spacing(spacing(0, 0, 240))
}

fn centred(text: &str, size: usize, look: Look) -> Paragraph {
    paragraph(size)
        .align(AlignmentType::Center)
        .add_run(run(text, size, look))
}

fn spacer(size: usize) -> Paragraph {
    paragraph(size)
}

/// Body text: justified, first line indented, at least 6 pt between paragraphs.
fn body(text: &str, look: Look) -> Paragraph {
    paragraph(BODY)
        .align(AlignmentType::Both)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(FIRST_LINE_INDENT)),
            None,
            None,
        )
        .line_spacing(spacing(120, 0, 276))
        .add_run(run(text, BODY, look))
}

fn table_title(title: &str) -> Option<Paragraph> {
    let title = title.trim();
    if title.is_empty() {
        return None;
    }
    Some(
        centred(title, BODY, Look::BOLD)
            .line_spacing(spacing(120, 60, 240))
            .keep_next(true),
    )
}

/// Lines of a text, one per `\n`; blank lines are dropped because paragraph spacing already
/// separates paragraphs.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
}

/// A rough width of a line of Times New Roman, in twips, to size the short rules under the
/// issuer, the motto and the subtitle. Word has no "as long as the text above" border.
fn text_width(text: &str, size: usize) -> usize {
    // One em in twips is the size in half-points times ten.
    let em = size as f64 * 10.0;
    let ems: f64 = text
        .chars()
        .map(|c| {
            if c == ' ' {
                0.25
            } else if c.is_uppercase() {
                0.72
            } else if c.is_alphanumeric() {
                0.5
            } else {
                0.33
            }
        })
        .sum();
    (ems * em).round() as usize
}

/// A horizontal rule `length` twips long, centred in a column `width` twips wide: the bottom
/// border of an empty, very low paragraph indented from both sides.
fn rule(width: usize, length: usize) -> Paragraph {
    let room = width.saturating_sub(2 * CELL_PADDING);
    let length = length.clamp(1, room.max(1));
    let side = i32::try_from((room - length.min(room)) / 2).unwrap_or(0);
    let mut p = Paragraph::new()
        .size(4)
        .fonts(fonts())
        .align(AlignmentType::Center)
        .indent(Some(side), None, Some(side), None)
        .line_spacing(
            LineSpacing::new()
                .before(0)
                .after(60)
                .line(40)
                .line_rule(LineSpacingType::Exact),
        );
    // Bottom edge only: `set_border` would start from a box with all four sides.
    p.property = p.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .val(BorderType::Single)
                .size(6)
                .space(1)
                .color("000000"),
        ),
    );
    p
}

/// A table with no visible border, written explicitly as `nil` so no viewer adds one.
fn frame(cells: Vec<TableCell>, widths: Vec<usize>) -> Table {
    Table::new(vec![TableRow::new(cells)])
        .set_borders(TableBorders::new().clear_all())
        .set_grid(widths)
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

fn frame_cell(width: usize, paragraphs: Vec<Paragraph>) -> TableCell {
    paragraphs.into_iter().fold(
        TableCell::new()
            .width(width, WidthType::Dxa)
            .clear_all_border(),
        TableCell::add_paragraph,
    )
}

fn header_table(doc: &Document) -> Table {
    let mut left = Vec::new();
    let last = doc.issuer.len().saturating_sub(1);
    for (i, line) in doc.issuer.iter().enumerate() {
        let look = if i == last { Look::BOLD } else { Look::PLAIN };
        left.push(centred(line, SMALL, look));
    }
    if let Some(body_line) = doc.issuer.last() {
        left.push(rule(HEADER_LEFT, text_width(body_line, SMALL) * 2 / 5));
    }
    if !doc.number.trim().is_empty() {
        left.push(centred(&doc.number, SMALL, Look::PLAIN));
    }
    if left.is_empty() {
        left.push(paragraph(SMALL));
    }

    let motto = "Độc lập - Tự do - Hạnh phúc";
    let mut right = vec![
        centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", SMALL, Look::BOLD),
        centred(motto, BODY, Look::BOLD),
        rule(HEADER_RIGHT, text_width(motto, BODY)),
    ];
    if !doc.place_date.trim().is_empty() {
        right.push(centred(&doc.place_date, BODY, Look::ITALIC));
    }

    frame(
        vec![
            frame_cell(HEADER_LEFT, left),
            frame_cell(HEADER_RIGHT, right),
        ],
        vec![HEADER_LEFT, HEADER_RIGHT],
    )
}

fn footer_table(doc: &Document) -> Table {
    let mut left = Vec::new();
    if !doc.recipients.is_empty() {
        left.push(paragraph(RECIPIENTS_LABEL).add_run(run(
            "Nơi nhận:",
            RECIPIENTS_LABEL,
            Look::BOLD_ITALIC,
        )));
        let last = doc.recipients.len() - 1;
        for (i, r) in doc.recipients.iter().enumerate() {
            let end = if i == last { '.' } else { ';' };
            let r = r.trim().trim_end_matches([';', '.']);
            left.push(paragraph(RECIPIENTS).add_run(run(
                &format!("- {r}{end}"),
                RECIPIENTS,
                Look::PLAIN,
            )));
        }
    } else {
        left.push(paragraph(RECIPIENTS));
    }

    let mut right: Vec<Paragraph> = doc
        .signature
        .authority
        .iter()
        .map(|line| centred(line, BODY, Look::BOLD))
        .collect();
    right.extend((0..SIGNATURE_SPACE).map(|_| paragraph(BODY)));
    if !doc.signature.name.trim().is_empty() {
        right.push(centred(&doc.signature.name, BODY, Look::BOLD));
    }

    frame(
        vec![
            frame_cell(FOOTER_LEFT, left),
            frame_cell(FOOTER_RIGHT, right),
        ],
        vec![FOOTER_LEFT, FOOTER_RIGHT],
    )
}

/// Column widths in twips over the text width, in proportion to `weights`; columns without
/// a usable weight get an equal share. The last column takes the rounding so the table is
/// exactly as wide as the text.
fn column_widths(weights: &[u16], columns: usize) -> Vec<usize> {
    if columns == 0 {
        return Vec::new();
    }
    let weights: Vec<usize> = if weights.len() == columns && weights.iter().any(|w| *w > 0) {
        weights.iter().map(|w| usize::from(*w).max(1)).collect()
    } else {
        vec![1; columns]
    };
    let total: usize = weights.iter().sum();
    let mut widths: Vec<usize> = weights.iter().map(|w| TEXT_WIDTH * w / total).collect();
    let used: usize = widths[..columns - 1].iter().sum();
    widths[columns - 1] = TEXT_WIDTH - used;
    widths
}

fn is_number(cell: &Cell) -> bool {
    cell.is_numeric()
}

fn data_cell(text: &str, width: usize, size: usize, look: Look, align: AlignmentType) -> TableCell {
    TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center)
        .add_paragraph(
            paragraph(size)
                .align(align)
                .line_spacing(spacing(40, 40, 240))
                .add_run(run(text, size, look)),
        )
}

fn data_table(table: &ReportTable) -> Table {
    let columns = table
        .rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(table.columns.len()))
        .max()
        .unwrap_or(0)
        .max(1);
    let widths = column_widths(&table.widths, columns);
    let wide = columns > WIDE_TABLE_COLUMNS;
    let size = if wide { WIDE_TABLE_TEXT } else { TABLE_TEXT };

    let mut rows = Vec::with_capacity(table.rows.len() + 1);
    rows.push(TableRow::new(
        widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let title = table.columns.get(i).map(String::as_str).unwrap_or("");
                data_cell(title, *w, size, Look::BOLD, AlignmentType::Center)
            })
            .collect(),
    ));
    for row in &table.rows {
        rows.push(TableRow::new(
            widths
                .iter()
                .enumerate()
                .map(|(i, w)| match row.get(i) {
                    Some(cell) => {
                        let look = if matches!(cell, Cell::Strong(_)) {
                            Look::BOLD
                        } else {
                            Look::PLAIN
                        };
                        let align = if is_number(cell) {
                            AlignmentType::Right
                        } else {
                            AlignmentType::Left
                        };
                        data_cell(&cell.display(), *w, size, look, align)
                    }
                    None => data_cell("", *w, size, Look::PLAIN, AlignmentType::Left),
                })
                .collect(),
        ));
    }

    let borders = [
        TableBorderPosition::Top,
        TableBorderPosition::Left,
        TableBorderPosition::Bottom,
        TableBorderPosition::Right,
        TableBorderPosition::InsideH,
        TableBorderPosition::InsideV,
    ]
    .into_iter()
    .fold(TableBorders::new(), |b, position| {
        b.set(
            TableBorder::new(position)
                .border_type(BorderType::Single)
                .size(4),
        )
    });

    let mut out = Table::new(rows)
        .set_borders(borders)
        .set_grid(widths)
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed);
    if wide {
        out = out.margins(TableCellMargins::new().margin(0, NARROW_PADDING, 0, NARROW_PADDING));
    }
    out
}

/// A chart as the table of its figures: Word cannot take our SVG.
fn chart_as_table(chart: &Chart) -> ReportTable {
    let mut columns = vec!["Chỉ tiêu".to_string()];
    columns.extend(chart.labels.iter().cloned());
    // The series name column gives way when there are many positions to show.
    let mut widths = vec![if chart.labels.len() > WIDE_TABLE_COLUMNS {
        2
    } else {
        3
    }];
    widths.extend(std::iter::repeat_n(1, chart.labels.len()));
    let rows = chart
        .series
        .iter()
        .map(|s| {
            let mut row = vec![Cell::Text(s.name.clone())];
            row.extend((0..chart.labels.len()).map(|i| {
                Cell::Text(match s.values.get(i).copied().flatten() {
                    Some(v) => format!("{}%", decimal_comma(v)),
                    None => "–".to_string(),
                })
            }));
            row
        })
        .collect();
    ReportTable {
        title: String::new(),
        columns,
        widths,
        rows,
    }
}

#[cfg(test)]
#[path = "tests/docx.rs"]
mod tests;
