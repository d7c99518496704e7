//! Writes a report document as PDF: A4 in the layout of Decree 30/2020/NĐ-CP, set in Liberation
//! Serif (metric-compatible with Times New Roman). The fonts travel inside the binary, so a
//! server without fonts installed still prints Vietnamese, and printpdf's ToUnicode map keeps
//! the text searchable and copyable with its diacritics.

use printpdf::lopdf::{Object, StringFormat, content::Operation};
use printpdf::path::{PaintMode, WindingOrder};
use printpdf::{
    Color, CustomPdfConformance, IndirectFontRef, Line, Mm, PdfConformance, PdfDocument,
    PdfDocumentReference, PdfLayerReference, Point, Polygon, Pt, Rgb, TextMatrix,
};
use ttf_parser::{Face, GlyphId};
use unicode_normalization::UnicodeNormalization;

use self::Align::{Center, Justify, Left, Right};
use self::Style::{Bold, BoldItalic, Italic, Regular};
mod finish;
pub mod handout;

use self::finish::finish;
use super::measure::{self, BOLD, ITALIC, REGULAR};
use super::{Block, Cell, Chart, Document, Table};
use crate::error::{AppError, Result};

/// Everything is laid out in points, PDF's own unit, from the bottom left corner.
const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0 * MM;
const PAGE_H: f32 = 297.0 * MM;
const TOP: f32 = PAGE_H - 20.0 * MM;
const BOTTOM: f32 = 20.0 * MM;
const LEFT: f32 = 30.0 * MM;
const RIGHT: f32 = PAGE_W - 15.0 * MM;
const WIDTH: f32 = RIGHT - LEFT;
const FULL: Col = col(LEFT, WIDTH);

const BODY: f32 = 13.0;
const TITLE: f32 = 14.0;
const TABLE: f32 = 11.0;
/// Table text: 11 pt, smaller only when a table's numbers would not fit otherwise.
const TABLE_SIZES: [f32; 3] = [TABLE, 10.0, 9.0];
const LABEL: f32 = 10.0;
const LEADING: f32 = 1.25;
const INDENT: f32 = 10.0 * MM;
/// The issuer's column on the left of the header; the national motto takes the rest.
const ISSUER_W: f32 = 62.0 * MM;
/// The font set has no bold italic; the bold face sheared like this stands in for it.
const SLANT: f32 = 0.2;
const PAD_X: f32 = 1.5 * MM;
const PAD_Y: f32 = 1.0 * MM;

const BLACK: u32 = 0x000000;
const GRID: u32 = 0xbfbfbf;
const PALETTE: [u32; 5] = [0x1f77b4, 0xd62728, 0x2ca02c, 0xff7f0e, 0x9467bd];

fn pdf_err(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("pdf: {e}"))
}

pub fn render(doc: &Document) -> Result<Vec<u8>> {
    let mut w = Writer::new()?;
    w.header(doc);
    w.title(doc);
    for block in &doc.blocks {
        match block {
            Block::Heading(s) => w.heading(s, Bold),
            Block::Subheading(s) => w.heading(s, BoldItalic),
            Block::Paragraph(s) => {
                for part in s.split('\n') {
                    w.flow(part, Ty(Regular, BODY), Justify, INDENT);
                    w.y -= 3.0;
                }
            }
            Block::Table(t) => w.table(t),
            Block::Chart(c) => w.chart(c),
        }
    }
    w.closing(doc);
    let bytes = w.pdf.save_to_bytes().map_err(pdf_err)?;
    let short = Some(&doc.short_name).filter(|s| !s.trim().is_empty());
    finish(&bytes, short.unwrap_or(&doc.title))
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
    Right,
    Justify,
}

/// A style at a size.
#[derive(Clone, Copy)]
struct Ty(Style, f32);

impl Ty {
    fn lh(self) -> f32 {
        self.1 * LEADING
    }
}

/// A horizontal band of the page: left edge and width.
#[derive(Clone, Copy)]
struct Col {
    x: f32,
    w: f32,
}

const fn col(x: f32, w: f32) -> Col {
    Col { x, w }
}

/// The height of something that is only there when `present`.
fn when(present: bool, h: f32) -> f32 {
    if present { h } else { 0.0 }
}

struct Font {
    face: Face<'static>,
    pdf: IndirectFontRef,
}

impl Font {
    fn load(pdf: &PdfDocumentReference, bytes: &'static [u8]) -> Result<Font> {
        let face = Face::parse(bytes, 0).map_err(pdf_err)?;
        let pdf = pdf.add_external_font(bytes).map_err(pdf_err)?;
        Ok(Font { face, pdf })
    }

    /// Advance in thousandths of an em, truncated exactly as printpdf writes the /W array,
    /// so a measured width is the width a viewer draws.
    fn advance(&self, g: GlyphId) -> f32 {
        let adv = f32::from(self.face.glyph_hor_advance(g).unwrap_or(0));
        (adv * 1000.0 / f32::from(self.face.units_per_em())).trunc()
    }

    fn glyphs<'a>(&'a self, s: &'a str) -> impl Iterator<Item = GlyphId> + 'a {
        s.chars().filter_map(|c| self.face.glyph_index(c))
    }

    fn width(&self, s: &str, size: f32) -> f32 {
        self.glyphs(s).map(|g| self.advance(g)).sum::<f32>() * size / 1000.0
    }

    fn ascent(&self) -> f32 {
        f32::from(self.face.ascender()) / f32::from(self.face.units_per_em())
    }
}

/// A table row laid out: each cell's wrapped lines with their style, and the row height.
struct Row {
    cells: Vec<(Vec<String>, Style, Align)>,
    height: f32,
    size: f32,
}

struct Writer {
    pdf: PdfDocumentReference,
    layer: PdfLayerReference,
    fonts: [Font; 3],
    /// Top of the space still free on the current page.
    y: f32,
    page: usize,
}

impl Writer {
    fn new() -> Result<Writer> {
        let (pdf, page, layer) = PdfDocument::new("", Mm(210.0), Mm(297.0), "1");
        // The default conformance would embed half a megabyte of CMYK colour profile and an
        // XMP packet; an office document needs neither.
        let pdf = pdf.with_conformance(PdfConformance::Custom(CustomPdfConformance {
            requires_icc_profile: false,
            requires_xmp_metadata: false,
            ..Default::default()
        }));
        let fonts = [
            Font::load(&pdf, REGULAR)?,
            Font::load(&pdf, BOLD)?,
            Font::load(&pdf, ITALIC)?,
        ];
        let layer = pdf.get_page(page).get_layer(layer);
        Ok(Writer {
            pdf,
            layer,
            fonts,
            y: TOP,
            page: 1,
        })
    }

    fn font(&self, style: Style) -> &Font {
        match style {
            Regular => &self.fonts[0],
            Bold | BoldItalic => &self.fonts[1],
            Italic => &self.fonts[2],
        }
    }

    fn width(&self, text: &str, ty: Ty) -> f32 {
        self.font(ty.0).width(text, ty.1)
    }

    /// Pages after the first carry their number at the top centre, as the decree asks.
    fn new_page(&mut self) {
        self.page += 1;
        let (page, layer) = self
            .pdf
            .add_page(Mm(210.0), Mm(297.0), self.page.to_string());
        self.layer = self.pdf.get_page(page).get_layer(layer);
        self.y = TOP;
        let n = self.page.to_string();
        self.line(&n, Ty(Regular, BODY), FULL, PAGE_H - 10.0 * MM, Center);
    }

    /// Starts a new page unless `h` more points fit on this one (or this one is still empty).
    fn ensure(&mut self, h: f32) {
        if self.y - h < BOTTOM && self.y < TOP {
            self.new_page();
        }
    }

    /// Greedy word wrap on the real advance widths; a word wider than a line is cut between
    /// letters. Gives at least one (possibly empty) line.
    fn wrap(&self, text: &str, ty: Ty, first: f32, rest: f32) -> Vec<String> {
        let text: String = text.nfc().collect();
        let space = self.font(ty.0).width(" ", ty.1);
        let (mut lines, mut line, mut w) = (Vec::new(), String::new(), 0.0);
        for word in text.split_whitespace() {
            let limit = if lines.is_empty() { first } else { rest };
            let ww = self.width(word, ty);
            if !line.is_empty() && w + space + ww <= limit + 0.01 {
                line.push(' ');
                line.push_str(word);
                w += space + ww;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            w = 0.0;
            for ch in word.chars() {
                let cw = self.width(ch.encode_utf8(&mut [0; 4]), ty);
                let limit = if lines.is_empty() { first } else { rest };
                if !line.is_empty() && w + cw > limit + 0.01 {
                    lines.push(std::mem::take(&mut line));
                    w = 0.0;
                }
                line.push(ch);
                w += cw;
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// One line of text whose line box starts at `top`, as one TJ: each space is the font's
    /// space glyph (so copying and text extraction give real spaces, and runs of spaces such
    /// as the room left in `Số:      /BC-UBND` stay), and justifying adds an offset after it.
    fn line(&self, text: &str, ty: Ty, col: Col, top: f32, align: Align) {
        // Chart labels and names arrive here without going through `wrap`.
        let text: String = text.nfc().collect();
        if text.is_empty() {
            return;
        }
        let (font, size) = (self.font(ty.0), ty.1);
        let gaps = text.matches(' ').count();
        let natural = font.width(&text, size);
        let (x, extra) = match align {
            Left => (col.x, 0.0),
            Center => (col.x + (col.w - natural) / 2.0, 0.0),
            Right => (col.x + col.w - natural, 0.0),
            Justify if gaps > 0 => (col.x, ((col.w - natural) / gaps as f32).max(0.0)),
            Justify => (col.x, 0.0),
        };
        let gap = -extra * 1000.0 / size;
        let mut items = Vec::new();
        let words: Vec<&str> = text.split(' ').collect();
        for (i, word) in words.iter().enumerate() {
            let mut bytes: Vec<u8> = font.glyphs(word).flat_map(|g| g.0.to_be_bytes()).collect();
            if i + 1 < words.len() {
                bytes.extend(font.glyphs(" ").flat_map(|g| g.0.to_be_bytes()));
            }
            items.push(Object::String(bytes, StringFormat::Hexadecimal));
            if i + 1 < words.len() && extra > 0.0 {
                items.push(Object::Real(gap));
            }
        }
        let baseline = top - size * (LEADING - 1.0) / 2.0 - size * font.ascent();
        let skew = if ty.0 == BoldItalic { SLANT } else { 0.0 };
        self.layer.begin_text_section();
        self.layer.set_font(&font.pdf, size);
        self.layer
            .set_text_matrix(TextMatrix::Raw([1.0, 0.0, skew, 1.0, x, baseline]));
        self.layer
            .add_operation(Operation::new("TJ", vec![Object::Array(items)]));
        self.layer.end_text_section();
    }

    /// Full-width text that may run over pages, its first line indented by `indent`.
    fn flow(&mut self, text: &str, ty: Ty, align: Align, indent: f32) {
        if text.trim().is_empty() {
            return;
        }
        let lines = self.wrap(text, ty, WIDTH - indent, WIDTH);
        for (i, line) in lines.iter().enumerate() {
            self.ensure(ty.lh());
            let first = col(LEFT + indent, WIDTH - indent);
            // A justified paragraph's last line stays ragged.
            let align = match align {
                Justify if i + 1 == lines.len() => Left,
                other => other,
            };
            self.line(line, ty, if i == 0 { first } else { FULL }, self.y, align);
            self.y -= ty.lh();
        }
    }

    /// Text in a column that never breaks the page (header, signature); returns the y under
    /// it and the width of its last line, which the short rules under titles follow.
    fn column(&self, text: &str, ty: Ty, col: Col, top: f32, align: Align) -> (f32, f32) {
        let (mut y, mut last) = (top, 0.0);
        for line in self.wrap(text, ty, col.w, col.w) {
            self.line(&line, ty, col, y, align);
            last = self.width(&line, ty);
            y -= ty.lh();
        }
        (y, last)
    }

    fn height(&self, texts: &[String], ty: Ty, w: f32) -> f32 {
        let lines = texts.iter().map(|t| self.wrap(t, ty, w, w).len());
        lines.sum::<usize>() as f32 * ty.lh()
    }

    fn stroke(&self, points: &[(f32, f32)], width: f32, color: u32, closed: bool) {
        self.layer.set_outline_color(rgb(color));
        self.layer.set_outline_thickness(width);
        let points = points.iter().map(|&(x, y)| (pt(x, y), false)).collect();
        self.layer.add_line(Line {
            points,
            is_closed: closed,
        });
    }

    /// The short centred rule the decree puts under a title line.
    fn rule(&self, col: Col, w: f32, y: f32) {
        let cx = col.x + col.w / 2.0;
        self.stroke(&[(cx - w / 2.0, y), (cx + w / 2.0, y)], 0.6, BLACK, false);
    }

    fn header(&mut self, doc: &Document) {
        let (left, right) = (col(LEFT, ISSUER_W), col(LEFT + ISSUER_W, WIDTH - ISSUER_W));
        let mut ly = self.y;
        for (i, s) in doc.issuer.iter().enumerate() {
            // The superior body's lines are regular; the issuing body's own lines are bold.
            let last = i + 1 == doc.issuer.len();
            let style = if i < doc.issuer_superior {
                Regular
            } else {
                Bold
            };
            let ty = Ty(style, 12.5);
            let (y, w) = self.column(s, ty, left, ly, Center);
            ly = y;
            if last {
                self.rule(left, w * 0.4, ly - 2.0);
                ly -= 4.0;
            }
        }
        let nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
        let (ry, _) = self.column(nation, Ty(Bold, 12.5), right, self.y, Center);
        let motto = "Độc lập - Tự do - Hạnh phúc";
        let (ry, w) = self.column(motto, Ty(Bold, BODY), right, ry, Center);
        self.rule(right, w, ry - 2.0);
        // Number and place-date share a line, under whichever column ends lower.
        let top = ly.min(ry - 4.0) - 3.0 * MM;
        // The number is written by hand in the blank after "Số:": its spaces must stay.
        let number = Ty(Regular, BODY);
        let ly = if self.width(&doc.number, number) <= left.w {
            self.line(&doc.number, number, left, top, Center);
            top - when(!doc.number.is_empty(), number.lh())
        } else {
            self.column(&doc.number, number, left, top, Center).0
        };
        let (ry, _) = self.column(&doc.place_date, Ty(Italic, BODY), right, top, Center);
        self.y = ly.min(ry) - 6.0 * MM;
    }

    fn title(&mut self, doc: &Document) {
        let ty = Ty(Bold, TITLE);
        self.flow(&doc.title, ty, Center, 0.0);
        self.flow(&doc.subtitle, ty, Center, 0.0);
        if !doc.subtitle.trim().is_empty() {
            let lines = self.wrap(&doc.subtitle, ty, WIDTH, WIDTH);
            let w = lines.last().map_or(0.0, |l| self.width(l, ty));
            self.rule(FULL, w / 3.0, self.y - 2.5);
        }
        self.y -= 4.0 * MM;
        if !doc.addressee.trim().is_empty() {
            let to = format!("Kính gửi: {}", doc.addressee);
            self.flow(&to, Ty(Regular, TITLE), Center, 0.0);
            self.y -= 3.0 * MM;
        }
    }

    fn heading(&mut self, text: &str, style: Style) {
        // Keeps a heading with at least two lines of what it heads.
        self.ensure(BODY * LEADING * 3.0 + 3.0);
        self.y -= 3.0;
        self.flow(text, Ty(style, BODY), Left, INDENT);
        self.y -= 2.0;
    }

    fn layout_row(&self, cells: Vec<(String, Style, Align)>, widths: &[f32], size: f32) -> Row {
        let mut most = 1;
        let cells: Vec<_> = (cells.into_iter().zip(widths))
            .map(|((text, style, align), w)| {
                let inner = w - 2.0 * PAD_X;
                let lines = self.wrap(&text, Ty(style, size), inner, inner);
                most = most.max(lines.len());
                (lines, style, align)
            })
            .collect();
        let height = most as f32 * size * LEADING + 2.0 * PAD_Y;
        Row {
            cells,
            height,
            size,
        }
    }

    fn draw_row(&mut self, row: &Row, widths: &[f32]) {
        let (top, bottom) = (self.y, self.y - row.height);
        let mut x = LEFT;
        for ((lines, style, align), &w) in row.cells.iter().zip(widths) {
            let (ty, inner) = (Ty(*style, row.size), col(x + PAD_X, w - 2.0 * PAD_X));
            for (i, line) in lines.iter().enumerate() {
                self.line(line, ty, inner, top - PAD_Y - i as f32 * ty.lh(), *align);
            }
            let corners = [(x, top), (x + w, top), (x + w, bottom), (x, bottom)];
            self.stroke(&corners, 0.5, BLACK, true);
            x += w;
        }
        self.y = bottom;
    }

    fn table(&mut self, t: &Table) {
        let n = (t.rows.iter().map(Vec::len)).fold(t.columns.len(), usize::max);
        if n == 0 {
            return;
        }
        // No column so narrow that a number or a word breaks (see `measure`).
        let (size, widths) = measure::layout(t, n, WIDTH, &TABLE_SIZES, PAD_X);
        let head = (0..n).map(|i| (t.columns.get(i).cloned().unwrap_or_default(), Bold, Center));
        let header = self.layout_row(head.collect(), &widths, size);
        let cell = |c: Option<&Cell>| match c {
            Some(c) if c.is_numeric() => (c.display(), Regular, Right),
            Some(c @ Cell::Strong(_)) => (c.display(), Bold, Left),
            Some(c) => (c.display(), Regular, Left),
            None => (String::new(), Regular, Left),
        };
        let rows: Vec<Row> = (t.rows.iter())
            .map(|r| self.layout_row((0..n).map(|i| cell(r.get(i))).collect(), &widths, size))
            .collect();
        let title = Ty(Bold, 12.0);
        let title_h = when(!t.title.trim().is_empty(), title.lh() + 2.0);
        self.y -= 2.0;
        self.ensure(title_h + header.height + rows.first().map_or(0.0, |r| r.height));
        self.flow(&t.title, title, Center, 0.0);
        self.y -= 2.0;
        self.draw_row(&header, &widths);
        for row in &rows {
            // A row never splits; the page it moves to repeats the header row.
            if self.y - row.height < BOTTOM {
                self.new_page();
                self.draw_row(&header, &widths);
            }
            self.draw_row(row, &widths);
        }
        self.y -= 4.0 * MM;
    }

    fn chart(&mut self, c: &Chart) {
        let (label, plot_h) = (Ty(Regular, LABEL), 60.0 * MM);
        let (x0, x1) = (LEFT + 14.0 * MM, RIGHT - 4.0 * MM);
        // Legend entries run left to right, a coloured stroke then the name, wrapping rows.
        let mut legend: Vec<Vec<(usize, f32)>> = vec![Vec::new()];
        let mut lx = 0.0;
        for (i, s) in c.series.iter().enumerate() {
            let w = 16.0 * MM + self.width(&s.name, label);
            if lx + w > x1 - x0 && lx > 0.0 {
                legend.push(Vec::new());
                lx = 0.0;
            }
            if let Some(row) = legend.last_mut() {
                row.push((i, lx));
            }
            lx += w;
        }
        let title = Ty(Bold, 12.0);
        let title_h = when(!c.title.trim().is_empty(), title.lh());
        let legend_h = legend.len() as f32 * label.lh();
        self.y -= 2.0;
        self.ensure(title_h + 4.0 * MM + plot_h + label.lh() + 3.0 * MM + legend_h);
        self.flow(&c.title, title, Center, 0.0);
        let top = self.y - 4.0 * MM;
        let bottom = top - plot_h;
        let at = |v: f64| bottom + plot_h * (v.clamp(0.0, 100.0) as f32) / 100.0;
        let axis = col(LEFT, x0 - LEFT - 2.0 * MM);
        for v in [0.0, 25.0, 50.0, 75.0, 100.0] {
            self.stroke(&[(x0, at(v)), (x1, at(v))], 0.4, GRID, false);
            let top = at(v) + label.lh() / 2.0;
            self.line(&format!("{v}%"), label, axis, top, Right);
        }
        self.stroke(&[(x0, top), (x0, bottom), (x1, bottom)], 0.8, BLACK, false);
        let n = (c.series.iter().map(|s| s.values.len())).fold(c.labels.len(), usize::max);
        let step = (x1 - x0) / n.max(1) as f32;
        let xi = |i: usize| x0 + (i as f32 + 0.5) * step;
        for (i, l) in c.labels.iter().enumerate() {
            let band = col(xi(i) - step / 2.0, step);
            self.line(l, label, band, bottom - 1.0 * MM, Center);
        }
        for (k, s) in c.series.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            // A missing value breaks the line rather than bridging the gap.
            let mut runs: Vec<Vec<(f32, f32)>> = vec![Vec::new()];
            for (i, v) in s.values.iter().enumerate() {
                match (v, runs.last_mut()) {
                    (Some(v), Some(run)) if v.is_finite() => run.push((xi(i), at(*v))),
                    _ => runs.push(Vec::new()),
                }
            }
            self.layer.set_fill_color(rgb(color));
            for run in runs.iter().filter(|r| !r.is_empty()) {
                if run.len() > 1 {
                    self.stroke(run, 1.5, color, false);
                }
                run.iter().for_each(|&(x, y)| self.marker(x, y));
            }
            self.layer.set_fill_color(rgb(BLACK));
        }
        let mut y = bottom - 1.0 * MM - label.lh() - 2.0 * MM;
        for row in &legend {
            for &(i, dx) in row {
                let (x, mid) = (x0 + dx, y - label.lh() / 2.0);
                let color = PALETTE[i % PALETTE.len()];
                self.stroke(&[(x, mid), (x + 8.0 * MM, mid)], 1.5, color, false);
                let band = col(x + 10.0 * MM, x1 - x);
                self.line(&c.series[i].name, label, band, y, Left);
            }
            y -= label.lh();
        }
        self.y = y - 4.0 * MM;
    }

    /// A small filled diamond, so a lone value between two gaps still shows.
    fn marker(&self, x: f32, y: f32) {
        let r = 2.2;
        let ring = [(x, y + r), (x + r, y), (x, y - r), (x - r, y)];
        self.layer.add_polygon(Polygon {
            rings: vec![ring.iter().map(|&(x, y)| (pt(x, y), false)).collect()],
            mode: PaintMode::Fill,
            winding_order: WindingOrder::NonZero,
        });
    }

    fn closing(&mut self, doc: &Document) {
        let half = WIDTH * 0.45;
        let (left, right) = (col(LEFT, half), col(LEFT + half, WIDTH - half));
        let (head, item, sign) = (Ty(BoldItalic, 12.0), Ty(Regular, 11.0), Ty(Bold, BODY));
        let item_of = |r: &str| {
            let r = r.trim();
            let end = if r.ends_with([';', '.']) { "" } else { ";" };
            format!("- {r}{end}")
        };
        let recipients: Vec<String> = doc.recipients.iter().map(|r| item_of(r)).collect();
        let (sig, space) = (&doc.signature, 28.0 * MM);
        let left_h =
            when(!recipients.is_empty(), head.lh()) + self.height(&recipients, item, left.w);
        let name = std::slice::from_ref(&sig.name);
        let right_h =
            self.height(&sig.authority, sign, right.w) + space + self.height(name, sign, right.w);
        self.y -= 4.0 * MM;
        self.ensure(left_h.max(right_h));
        let mut ly = self.y;
        if !recipients.is_empty() {
            ly = self.column("Nơi nhận:", head, left, ly, Left).0;
        }
        for r in &recipients {
            ly = self.column(r, item, left, ly, Left).0;
        }
        let mut ry = self.y;
        for a in &sig.authority {
            ry = self.column(a, sign, right, ry, Center).0;
        }
        // An empty name leaves just the space for a handwritten signature and stamp.
        ry = self.column(&sig.name, sign, right, ry - space, Center).0;
        self.y = ly.min(ry);
    }
}

fn pt(x: f32, y: f32) -> Point {
    Point { x: Pt(x), y: Pt(y) }
}

fn rgb(hex: u32) -> Color {
    let [_, r, g, b] = hex.to_be_bytes().map(|c| f32::from(c) / 255.0);
    Color::Rgb(Rgb::new(r, g, b, None))
}

#[cfg(test)]
#[path = "../tests/pdf.rs"]
mod tests;
