//! The last pass over the .docx package docx-rs writes: it stores the parts uncompressed and
//! has no way to say a few things an official's Word needs. Each change is small and named:
//!
//! - every part is deflated (a commune report's XML shrinks about tenfold; it is sent over
//!   Zalo or a slow line);
//! - `docProps/core.xml` is written here: docx-rs dates every file 1970-01-01 and names its
//!   author "unknown", with no title;
//! - the document defaults get the Vietnamese language tag, so Word checks the spelling as
//!   Vietnamese instead of marking every word;
//! - table header rows get `w:tblHeader` (repeated on each page), which docx-rs cannot write:
//!   the writer marks those rows with a height of one twip ("at least"), replaced here.

use std::io::{Cursor, Read, Write};

use crate::error::{AppError, Result};

/// What the package's properties say about the document.
pub(super) struct Properties<'a> {
    pub title: &'a str,
    /// Who wrote it: the issuing body.
    pub creator: &'a str,
    /// `yyyy-mm-dd`.
    pub date: &'a str,
}

/// The row height docx-rs writes for a header row, and what replaces it.
pub(super) const HEADER_ROW_HEIGHT: f32 = 1.0;
const HEADER_ROW_MARK: &str = r#"<w:trHeight w:val="1" w:hRule="atLeast""#;
const HEADER_ROW: &str = "<w:tblHeader />";

/// The language of every run unless a run says otherwise.
const LANGUAGE: &str = r#"<w:lang w:val="vi-VN" w:eastAsia="vi-VN" w:bidi="ar-SA" />"#;

pub(super) fn finish(stored: &[u8], props: &Properties) -> Result<Vec<u8>> {
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
        let data = match name.as_str() {
            "docProps/core.xml" => core_xml(props).into_bytes(),
            "word/styles.xml" => with_language(&String::from_utf8_lossy(&data)).into_bytes(),
            "word/document.xml" => {
                String::from_utf8_lossy(&data)
                    .replace(HEADER_ROW_MARK, "\u{0}")
                    .split('\u{0}')
                    .enumerate()
                    // Each piece after a mark starts with the rest of the mark's element.
                    .map(|(i, piece)| match (i, piece.find("/>")) {
                        (0, _) | (_, None) => piece.to_string(),
                        (_, Some(end)) => format!("{HEADER_ROW}{}", &piece[end + 2..]),
                    })
                    .collect::<String>()
                    .into_bytes()
            }
            _ => data,
        };
        out.start_file(name, options).map_err(|e| err(&e))?;
        out.write_all(&data).map_err(|e| err(&e))?;
    }
    Ok(out.finish().map_err(|e| err(&e))?.into_inner())
}

/// The language tag goes last in the default run properties, where the schema puts it.
fn with_language(styles: &str) -> String {
    let end = "</w:rPr></w:rPrDefault>";
    if styles.contains(end) {
        return styles.replacen(end, &format!("{LANGUAGE}{end}"), 1);
    }
    // An empty default written as `<w:rPr />`.
    styles.replacen(
        "<w:rPrDefault><w:rPr /></w:rPrDefault>",
        &format!("<w:rPrDefault><w:rPr>{LANGUAGE}</w:rPr></w:rPrDefault>"),
        1,
    )
}

fn core_xml(p: &Properties) -> String {
    // Word shows the time in local time: noon in Vietnam (UTC+7) keeps the report's day.
    let valid = p.date.len() == 10
        && p.date.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
    let dates = if valid {
        let when = format!("{}T05:00:00Z", p.date);
        format!(
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>"#
        )
    } else {
        String::new()
    };
    let (title, creator) = (escape(p.title), escape(p.creator));
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{title}</dc:title><dc:creator>{creator}</dc:creator><cp:lastModifiedBy>{creator}</cp:lastModifiedBy><dc:language>vi-VN</dc:language><cp:revision>1</cp:revision>{dates}</cp:coreProperties>"#
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
