//! The second pass over printpdf's output, with the lopdf it re-exports.

use printpdf::lopdf::{self, Object, StringFormat};
use unicode_normalization::UnicodeNormalization;

use super::pdf_err;
use crate::error::Result;

/// The fonts' PostScript names, in the order they are loaded (printpdf calls them F0, F1, F2).
const FONT_NAMES: [&str; 3] = [
    "LiberationSerif",
    "LiberationSerif-Bold",
    "LiberationSerif-Italic",
];

/// A second pass over printpdf's output with the lopdf it re-exports. printpdf leaves the
/// embedded fonts uncompressed (over a megabyte for the three faces); deflating them halves the
/// file. Its Info dictionary writes the title as raw UTF-8, which viewers show as mojibake, and
/// claims PDF/X with an empty version; the title is rewritten as UTF-16 and the claim dropped.
pub(super) fn finish(bytes: &[u8], title: &str) -> Result<Vec<u8>> {
    let mut doc = lopdf::Document::load_mem(bytes).map_err(pdf_err)?;
    name_fonts(&mut doc);
    doc.compress();
    let info = doc.trailer.get(b"Info").and_then(Object::as_reference);
    let info = info.and_then(|id| doc.get_object_mut(id));
    if let Ok(info) = info.and_then(Object::as_dict_mut) {
        for key in "GTS_PDFXVersion Author Creator Subject Identifier Keywords".split(' ') {
            info.remove(key.as_bytes());
        }
        let title: String = title.nfc().collect();
        let utf16 = [0xFEFF].into_iter().chain(title.encode_utf16());
        let title = utf16.flat_map(u16::to_be_bytes).collect();
        info.set("Title", Object::String(title, StringFormat::Hexadecimal));
        info.set("Producer", Object::string_literal("congdongso"));
    }
    let mut out = Vec::with_capacity(bytes.len() / 2);
    doc.save_to(&mut out).map_err(pdf_err)?;
    Ok(out)
}

/// printpdf names the embedded fonts `F0`, `F1`, `F2`; viewers and preflight tools show that
/// name. Each gets its real name with a subset tag (six capitals from a hash of the subset,
/// as the PDF spec asks of subset fonts): `ABCDEF+LiberationSerif-Bold`.
fn name_fonts(doc: &mut lopdf::Document) {
    use sha2::{Digest, Sha256};
    let real = |name: &[u8]| {
        let i = name.strip_prefix(b"F")?;
        let i: usize = std::str::from_utf8(i).ok()?.parse().ok()?;
        FONT_NAMES.get(i).copied()
    };
    // The tag of each font: hashed from its embedded subset's bytes.
    let mut tags = std::collections::HashMap::new();
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        let Ok(name) = dict.get(b"FontName").and_then(Object::as_name) else {
            continue;
        };
        let Some(real) = real(name) else { continue };
        let file = dict.get(b"FontFile2").and_then(Object::as_reference);
        let bytes = file
            .and_then(|id| doc.get_object(id))
            .and_then(Object::as_stream);
        let digest = Sha256::digest(bytes.map(|s| s.content.as_slice()).unwrap_or_default());
        let tag: String = digest[..6]
            .iter()
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        tags.insert(name.to_vec(), format!("{tag}+{real}"));
    }
    let rename = |dict: &mut lopdf::Dictionary, key: &[u8]| {
        let name = dict.get(key).and_then(Object::as_name).map(<[u8]>::to_vec);
        if let Some(full) = name.ok().and_then(|n| tags.get(&n)) {
            dict.set(key, Object::Name(full.clone().into_bytes()));
        }
    };
    for object in doc.objects.values_mut() {
        let Ok(dict) = object.as_dict_mut() else {
            continue;
        };
        rename(dict, b"FontName");
        rename(dict, b"BaseFont");
        // The descendant CID font sits inline in the Type0 font's array.
        if let Ok(descendants) = dict
            .get_mut(b"DescendantFonts")
            .and_then(Object::as_array_mut)
        {
            for d in descendants.iter_mut() {
                if let Ok(d) = d.as_dict_mut() {
                    rename(d, b"BaseFont");
                }
            }
        }
    }
}
