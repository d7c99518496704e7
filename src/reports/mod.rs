//! Reports that write themselves: the document model, the builders that fill it from figures,
//! and the writers for Word, PDF and Excel. No HTTP, no SQL here.

pub mod build;
pub mod document;
pub mod docx;
pub mod figures;
pub mod funding;
pub mod input;
mod measure;
pub mod pdf;
pub mod province;
mod score_table;
mod sections;
pub mod sheet;

pub use document::{Block, Cell, Chart, Document, Series, Signature, Table};

/// The formats a report can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Docx,
    Xlsx,
    Pdf,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "docx" => Some(Format::Docx),
            "xlsx" => Some(Format::Xlsx),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Pdf => "application/pdf",
        }
    }
}

/// Writes the document in the format asked for.
pub fn render(doc: &Document, format: Format) -> crate::Result<Vec<u8>> {
    match format {
        Format::Docx => docx::render(doc),
        Format::Xlsx => sheet::render(doc),
        Format::Pdf => pdf::render(doc),
    }
}
