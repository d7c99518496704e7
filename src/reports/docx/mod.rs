//! Writes a report as a Word file laid out the way Decree 30/2020/NĐ-CP asks: A4 portrait,
//! Times New Roman, the issuer and the national motto side by side at the top, the
//! `Nơi nhận:` list and the signature side by side at the bottom, the page number centred at
//! the top from the second page on.
//!
//! What an official signs must hold together on paper: the signature block never splits, a
//! table's title and header row stay with its first row and repeat on each page, and no
//! column is so narrow that a number breaks (see `measure`).
//!
//! `read` reads a .docx back (`paragraphs_text`, `layout_of`, `part`) so tests can check what
//! a user would actually open, not what we meant to write.

mod package;
mod read;

use std::io::Cursor;

use docx_rs::{
    AlignmentType, BorderType, Docx, FieldCharType, Header, HeightRule, InstrPAGE, InstrText,
    LineSpacing, LineSpacingType, PageMargin, Paragraph, ParagraphBorder, ParagraphBorderPosition,
    ParagraphBorders, Run, RunFonts, SpecialIndentType, Table, TableBorder, TableBorderPosition,
    TableBorders, TableCell, TableCellMargins, TableLayoutType, TableRow, VAlignType, WidthType,
};

pub use self::read::{Layout, layout_of, paragraphs_text, part};
use super::document::{Block, Cell, Chart, Document, Table as ReportTable};
use super::measure;
use crate::error::{AppError, Result};
use crate::text::decimal_comma;

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
/// Table text: 13 pt, smaller only when a table's numbers would not fit otherwise.
const TABLE_SIZES: [usize; 3] = [26, 24, 22];
// A chart over a year has 13 columns: at 13 pt and Word's padding `79,9%` would wrap.
const WIDE_TABLE_COLUMNS: usize = 8;
const WIDE_TABLE_SIZES: [usize; 3] = [22, 20, 18];
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
        // Decree 30: the page number centred at the top, not on the first page.
        .header(Header::new().add_paragraph(page_number()))
        .first_header(Header::new().add_paragraph(paragraph(BODY)))
        .title_pg()
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

    // The closing paragraph goes to the signature's page with it: a page holding only the
    // signature could be swapped for another.
    let closing = match doc.blocks.last() {
        Some(Block::Paragraph(text)) => lines(text).last(),
        _ => None,
    };
    for (i, block) in doc.blocks.iter().enumerate() {
        let last = i + 1 == doc.blocks.len();
        docx = match block {
            Block::Heading(text) => docx.add_paragraph(heading(text, Look::BOLD)),
            Block::Subheading(text) => docx.add_paragraph(heading(text, Look::BOLD_ITALIC)),
            Block::Paragraph(text) => lines(text).fold(docx, |d, line| {
                let keep = last && Some(line) == closing;
                d.add_paragraph(body(line, Look::PLAIN).keep_next(keep).keep_lines(keep))
            }),
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
        .add_paragraph(spacer(BODY).keep_next(true))
        .add_table(footer_table(doc));

    let mut out = Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|e| AppError::Internal(format!("docx: {e}")))?;
    let creator = issuing_body(doc);
    package::finish(
        &out.into_inner(),
        &package::Properties {
            title: doc.subtitle.trim(),
            creator: &creator,
            date: &doc.date,
        },
    )
}

/// The issuing body as one name for the file's author: its own lines (not the superior's),
/// e.g. "BAN NHÂN DÂN ẤP 3", or "ỦY BAN NHÂN DÂN XÃ RẠCH KIẾN" for a body over two lines.
fn issuing_body(doc: &Document) -> String {
    let own = doc
        .issuer
        .iter()
        .skip(doc.issuer_superior.min(doc.issuer.len()));
    let name = own
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        "Cộng Đồng Số".to_string()
    } else {
        name
    }
}

/// The header paragraph of pages after the first: a PAGE field, centred.
fn page_number() -> Paragraph {
    let field = Run::new()
        .size(BODY)
        .fonts(fonts())
        .add_field_char(FieldCharType::Begin, false)
        .add_instr_text(InstrText::PAGE(InstrPAGE::new()))
        .add_field_char(FieldCharType::Separate, false)
        .add_text("2")
        .add_field_char(FieldCharType::End, false);
    paragraph(BODY).align(AlignmentType::Center).add_run(field)
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

/// A heading stays with what it heads, and in one piece.
fn heading(text: &str, look: Look) -> Paragraph {
    body(text, look).keep_next(true).keep_lines(true)
}

/// A table's title stays with the table's header row (which stays with the first row).
fn table_title(title: &str) -> Option<Paragraph> {
    let title = title.trim();
    if title.is_empty() {
        return None;
    }
    Some(
        centred(title, BODY, Look::BOLD)
            .line_spacing(spacing(120, 60, 240))
            .keep_next(true)
            .keep_lines(true),
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
/// The row never splits over two pages: the signature block (with `Nơi nhận:` beside it)
/// and the letterhead each stay on one page.
fn frame(cells: Vec<TableCell>, widths: Vec<usize>) -> Table {
    Table::new(vec![TableRow::new(cells).cant_split()])
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

const NATION: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";

/// The national name on one line, as the decree draws it: 13 pt when it fits the motto's
/// column, else 12 pt (the decree allows 12–13).
fn nation_size() -> usize {
    let room = (HEADER_RIGHT - 2 * CELL_PADDING) as f32 / 20.0;
    if measure::text_width(NATION, true, SMALL as f32 / 2.0) * 1.02 <= room {
        SMALL
    } else {
        SMALL - 2
    }
}

fn header_table(doc: &Document) -> Table {
    let mut left = Vec::new();
    for (i, line) in doc.issuer.iter().enumerate() {
        // The superior body's lines are regular; the issuing body's own lines are bold.
        let look = if i < doc.issuer_superior {
            Look::PLAIN
        } else {
            Look::BOLD
        };
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
        centred(NATION, nation_size(), Look::BOLD),
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

/// Column widths in twips summing to the text width, and the text size in half-points: the
/// largest of `sizes` at which every column's longest number and word fit unbroken, the
/// room narrow columns need taken from the wide ones (see `measure`). The last column takes
/// the rounding so the table is exactly as wide as the text.
fn column_widths(table: &ReportTable, columns: usize, wide: bool) -> (usize, Vec<usize>) {
    if columns == 0 {
        return (TABLE_SIZES[0], Vec::new());
    }
    let (sizes, padding) = if wide {
        (&WIDE_TABLE_SIZES, NARROW_PADDING)
    } else {
        (&TABLE_SIZES, CELL_PADDING)
    };
    let points: Vec<f32> = sizes.iter().map(|s| *s as f32 / 2.0).collect();
    let total = TEXT_WIDTH as f32 / 20.0;
    let (size, widths) = measure::layout(table, columns, total, &points, padding as f32 / 20.0);
    let mut twips: Vec<usize> = widths.iter().map(|w| (w * 20.0).floor() as usize).collect();
    let used: usize = twips[..columns - 1].iter().sum();
    twips[columns - 1] = TEXT_WIDTH.saturating_sub(used);
    ((size * 2.0).round() as usize, twips)
}

/// A cell of a data table. `keep`: its row stays on the page of the next row (a header row
/// is never left alone at the foot of a page).
fn data_cell(text: &str, width: usize, size: usize, look: Look, align: AlignmentType) -> TableCell {
    data_cell_kept(text, width, size, look, align, false)
}

fn data_cell_kept(
    text: &str,
    width: usize,
    size: usize,
    look: Look,
    align: AlignmentType,
    keep: bool,
) -> TableCell {
    TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center)
        .add_paragraph(
            paragraph(size)
                .align(align)
                .line_spacing(spacing(40, 40, 240))
                .keep_next(keep)
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
    let wide = columns > WIDE_TABLE_COLUMNS;
    let (size, widths) = column_widths(table, columns, wide);

    let mut rows = Vec::with_capacity(table.rows.len() + 1);
    // The header row repeats on every page the table runs onto (`package` turns the marking
    // height into `w:tblHeader`), never splits, and stays with the first data row.
    let header = TableRow::new(
        widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let title = table.columns.get(i).map(String::as_str).unwrap_or("");
                let keep = !table.rows.is_empty();
                data_cell_kept(title, *w, size, Look::BOLD, AlignmentType::Center, keep)
            })
            .collect(),
    )
    .cant_split()
    .row_height(package::HEADER_ROW_HEIGHT)
    .height_rule(HeightRule::AtLeast);
    rows.push(header);
    for row in &table.rows {
        rows.push(
            TableRow::new(
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
                            let align = if cell.is_numeric() {
                                AlignmentType::Right
                            } else {
                                AlignmentType::Left
                            };
                            data_cell(&cell.display(), *w, size, look, align)
                        }
                        None => data_cell("", *w, size, Look::PLAIN, AlignmentType::Left),
                    })
                    .collect(),
            )
            // A row is a few lines: moving it whole keeps a figure with its label.
            .cant_split(),
        );
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
#[path = "../tests/docx.rs"]
mod tests;
