//! Reads a .docx back, so tests check what a user would actually open, not what we meant to
//! write: the paragraphs' text, the page layout and fonts, and any part of the package.

use std::collections::BTreeSet;
use std::io::{Cursor, Read};

use docx_rs::{Docx, Paragraph, Run, RunFonts, Table, TableCellContent, TableChild, TableRowChild};

use crate::error::{AppError, Result};

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

/// The text of one part of the package, e.g. `docProps/core.xml` or `word/styles.xml`.
pub fn part(bytes: &[u8], name: &str) -> Result<String> {
    let err = |e: &dyn std::fmt::Display| AppError::Internal(format!("docx {name}: {e}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| err(&e))?;
    let mut file = archive.by_name(name).map_err(|e| err(&e))?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| err(&e))?;
    Ok(text)
}
