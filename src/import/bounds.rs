//! What a workbook declares, checked before a reader builds it. The readers trust a file: an
//! `.xls` naming cells (0, 0) and (65535, 255) makes a dense range of 16 million cells, an
//! `.ods` row repeated a million times is a million rows, and one shared string of 476 MB is
//! read whole into one buffer. Each check here reads the file as a stream in small pieces, so
//! no file costs more than the bounds below to be refused.

use std::io::Read;

/// Cells a reader may lay out densely (the `.xls` and `.ods` readers build the whole sheet as
/// one range): two million cells, about 64 MB. A commune's list is some ten thousand rows of
/// twenty columns.
pub const MAX_RANGE: u64 = 2_000_000;
/// Excel's own limit for one cell is 32,767 characters; a run of text between two tags of the
/// XML longer than this (in UTF-8 bytes, four per character at most) is not a list.
pub const MAX_RUN: usize = 4 * 32_767;
/// A tag with its attributes.
const MAX_TAG: usize = 64 << 10;
/// Shared strings a workbook may hold (each one is an allocation of its own when read).
pub const MAX_STRINGS: u64 = 3_000_000;

fn too_big(what: &str) -> String {
    format!(
        "Tệp quá lớn hoặc có cấu trúc bất thường ({what}). Hãy lưu lại danh sách thành tệp .xlsx \
         hoặc .csv chỉ gồm các cột, dòng cần nhập, rồi tải lên lại."
    )
}

/// What a streamed XML part holds: its size, its text, its shared strings.
#[derive(Default, Debug, PartialEq)]
pub struct XmlStats {
    pub bytes: u64,
    pub text: u64,
    pub strings: u64,
}

/// Streams an XML part, refusing it as soon as a run of text or a tag is longer than any list
/// needs, or it inflates past `max_bytes`. Counts `<si>` elements (shared strings).
pub fn scan_xml(mut part: impl Read, max_bytes: u64) -> Result<XmlStats, String> {
    let mut stats = XmlStats::default();
    let mut buf = vec![0u8; 64 << 10];
    let mut in_tag = false;
    let mut run = 0usize;
    // The first bytes of the tag being read, to recognise `<si>` and `<si ` across pieces.
    let mut head = [0u8; 3];
    let mut head_len = 0usize;
    loop {
        let n = part
            .read(&mut buf)
            .map_err(|_| too_big("không giải nén được"))?;
        if n == 0 {
            break;
        }
        stats.bytes += n as u64;
        if stats.bytes > max_bytes {
            return Err(too_big("giải nén ra quá nhiều dữ liệu"));
        }
        for &b in &buf[..n] {
            if in_tag {
                if b == b'>' {
                    if head_len >= 2 && &head[..2] == b"si" && (head_len == 2 || head[2] == b'>') {
                        stats.strings += 1;
                    }
                    in_tag = false;
                    run = 0;
                    continue;
                }
                if head_len < 3 {
                    head[head_len] = b;
                    head_len += 1;
                    if head_len == 3 && &head == b"si " {
                        head[2] = b'>';
                    }
                }
                run += 1;
                if run > MAX_TAG {
                    return Err(too_big("một thẻ XML quá dài"));
                }
            } else if b == b'<' {
                in_tag = true;
                head_len = 0;
                run = 0;
            } else {
                run += 1;
                stats.text += 1;
                if run > MAX_RUN {
                    return Err(too_big("một ô có hơn 32.767 ký tự"));
                }
            }
        }
    }
    if stats.strings > MAX_STRINGS {
        return Err(too_big("quá nhiều chuỗi ký tự"));
    }
    Ok(stats)
}

/// Every XML part of a zipped workbook (`.xlsx`, `.ods`), streamed: no text run or tag beyond
/// the bounds, at most `max_unzipped` in all (counted as inflated, not as declared), at most
/// `max_text` of text. For an `.ods`, the sheet's extent with its repeated rows and columns.
pub fn zipped(bytes: &[u8], max_unzipped: u64, max_text: u64) -> Result<(), String> {
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| too_big("tệp nén hỏng"))?;
    let mut left = max_unzipped;
    let mut text = 0u64;
    let mut has_content = false;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| too_big("tệp nén hỏng"))?;
        let name = entry
            .name()
            .map_err(|_| too_big("tệp nén hỏng"))?
            .to_ascii_lowercase();
        if !name.ends_with(".xml") && !name.ends_with(".rels") {
            // Pictures and binary parts: only their inflated size counts.
            let n = std::io::copy(&mut (&mut entry).take(left + 1), &mut std::io::sink())
                .map_err(|_| too_big("tệp nén hỏng"))?;
            left = left
                .checked_sub(n)
                .ok_or_else(|| too_big("giải nén ra quá nhiều dữ liệu"))?;
            continue;
        }
        has_content |= name == "content.xml";
        let stats = scan_xml(entry.take(left + 1), left)?;
        left -= stats.bytes;
        text += stats.text;
        if text > max_text {
            return Err(too_big("quá nhiều chữ"));
        }
    }
    if has_content {
        let entry = zip
            .by_name("content.xml")
            .map_err(|_| too_big("tệp nén hỏng"))?;
        ods_extent(std::io::BufReader::new(entry), max_text)?;
    }
    Ok(())
}

/// The cells an `.ods` sheet lays out, with `number-rows-repeated` and
/// `number-columns-repeated` multiplied out: rows up to the last one holding a value, times
/// columns up to the last cell holding one. Trailing empty repeated rows and cells (which
/// LibreOffice writes for formatted areas) cost nothing and are not counted.
fn ods_extent(part: impl std::io::BufRead, max_text: u64) -> Result<(), String> {
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_reader(part);
    let mut buf = Vec::new();
    let repeat = |e: &BytesStart, key: &str| -> u64 {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key)
            .and_then(|a| a.value.trim().parse().ok())
            .unwrap_or(1u64)
            .max(1)
    };
    let has_value = |e: &BytesStart| {
        e.attributes()
            .flatten()
            .any(|a| a.key.as_ref() == "office:value-type")
    };
    // Per sheet: the row cursor, the last row and column holding a value.
    let (mut row, mut rows_used, mut cols_used) = (0u64, 0u64, 0u64);
    // Per row: its repeat, the column cursor, whether it holds a value, its text.
    let (mut row_repeat, mut col, mut row_has, mut row_cols) = (1u64, 0u64, false, 0u64);
    let mut cell: Option<(u64, bool)> = None;
    let mut row_text = 0u64;
    let mut text_total = 0u64;
    let check = |rows: u64, cols: u64| {
        if rows.saturating_mul(cols) > MAX_RANGE {
            Err(too_big("trang tính có quá nhiều ô"))
        } else {
            Ok(())
        }
    };
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|_| too_big("nội dung không đọc được"))?;
        match ev {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if matches!(e.name().as_ref(), "table:table") => {
                check(rows_used, cols_used)?;
                (row, rows_used, cols_used) = (0, 0, 0);
            }
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                row_repeat = repeat(&e, "table:number-rows-repeated");
                (col, row_has, row_cols, row_text) = (0, false, 0, 0);
            }
            Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                row += repeat(&e, "table:number-rows-repeated");
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                row = row.saturating_add(row_repeat);
                if row_has {
                    rows_used = row;
                    cols_used = cols_used.max(row_cols);
                    text_total = text_total.saturating_add(row_text.saturating_mul(row_repeat));
                    if text_total > max_text {
                        return Err(too_big("quá nhiều chữ"));
                    }
                    check(rows_used, cols_used)?;
                }
            }
            Event::Start(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                cell = Some((repeat(&e, "table:number-columns-repeated"), has_value(&e)));
            }
            Event::Empty(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let n = repeat(&e, "table:number-columns-repeated");
                col = col.saturating_add(n);
                if has_value(&e) {
                    row_has = true;
                    row_cols = col;
                }
            }
            Event::Text(t) => {
                if let Some((n, _)) = cell {
                    row_text = row_text.saturating_add((t.len() as u64).saturating_mul(n));
                    cell = Some((n, true));
                }
            }
            Event::End(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                if let Some((n, valued)) = cell.take() {
                    col = col.saturating_add(n);
                    if valued {
                        row_has = true;
                        row_cols = col;
                    }
                }
            }
            _ => {}
        }
        buf.clear();
    }
    check(rows_used, cols_used)
}

/// The cells an `.xls` workbook's sheets span, read from the cell records of its `Workbook`
/// stream (BIFF8) before the reader lays each sheet out densely from its first to its last.
pub fn xls(bytes: &[u8]) -> Result<(), String> {
    let mut file = cfb::CompoundFile::open(std::io::Cursor::new(bytes))
        .map_err(|_| too_big("tệp .xls hỏng"))?;
    let name = ["/Workbook", "/Book"]
        .into_iter()
        .find(|n| file.is_stream(n))
        .ok_or_else(|| too_big("tệp .xls không có bảng tính"))?;
    let mut stream = Vec::new();
    file.open_stream(name)
        .map_err(|_| too_big("tệp .xls hỏng"))?
        // The stream is inside the uploaded file, so it is no larger than the file.
        .take(bytes.len() as u64)
        .read_to_end(&mut stream)
        .map_err(|_| too_big("tệp .xls hỏng"))?;
    let mut span = Span::default();
    let mut at = 0usize;
    while at + 4 <= stream.len() {
        let kind = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = u16::from_le_bytes([stream[at + 2], stream[at + 3]]) as usize;
        let data = &stream[at + 4..(at + 4 + len).min(stream.len())];
        at += 4 + len;
        let rc = |i: usize| -> Option<u32> {
            Some(u16::from_le_bytes([*data.get(i)?, *data.get(i + 1)?]) as u32)
        };
        match kind {
            // BOF: a new substream (the globals, then each sheet).
            0x0809 => {
                span.check()?;
                span = Span::default();
            }
            // LABELSST, NUMBER, RK, LABEL, BLANK, BOOLERR, FORMULA, RSTRING: one cell.
            0x00FD | 0x0203 | 0x027E | 0x0204 | 0x0201 | 0x0205 | 0x0006 | 0x00D6 => {
                if let (Some(r), Some(c)) = (rc(0), rc(2)) {
                    span.add(r, c);
                }
            }
            // MULRK, MULBLANK: a row of cells from a first column to a last.
            0x00BD | 0x00BE => {
                if let (Some(r), Some(first), Some(last)) =
                    (rc(0), rc(2), rc(data.len().saturating_sub(2)))
                {
                    span.add(r, first);
                    span.add(r, last.max(first));
                }
            }
            _ => {}
        }
    }
    span.check()
}

/// The rectangle a sheet's cells span.
#[derive(Default)]
struct Span(Option<(u32, u32, u32, u32)>);

impl Span {
    fn add(&mut self, r: u32, c: u32) {
        self.0 = Some(match self.0 {
            None => (r, r, c, c),
            Some((r0, r1, c0, c1)) => (r0.min(r), r1.max(r), c0.min(c), c1.max(c)),
        });
    }
    fn check(&self) -> Result<(), String> {
        match self.0 {
            Some((r0, r1, c0, c1)) if (r1 - r0 + 1) as u64 * (c1 - c0 + 1) as u64 > MAX_RANGE => {
                Err(too_big("trang tính trải trên quá nhiều ô"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_strings_are_counted_and_long_runs_refused() {
        let xml = b"<sst count=\"2\"><si><t>An</t></si><si ><t xml:space=\"preserve\">B</t></si><sz/></sst>";
        let stats = scan_xml(&xml[..], 1 << 20).unwrap();
        assert_eq!(stats.strings, 2);
        assert_eq!(stats.text, 3);
        let mut long = b"<sst><si><t>".to_vec();
        long.extend(std::iter::repeat_n(b'a', MAX_RUN + 1));
        long.extend(b"</t></si></sst>");
        assert!(scan_xml(&long[..], 1 << 30).unwrap_err().contains("32.767"));
        assert!(scan_xml(&xml[..], 10).is_err(), "inflating past the bound");
    }

    #[test]
    fn ods_repeats_count_only_up_to_the_last_value() {
        let sheet = |rows: &str| {
            format!(
                "<office:document-content><office:body><office:spreadsheet><table:table>{rows}\
                 </table:table></office:spreadsheet></office:body></office:document-content>"
            )
        };
        let cell =
            "<table:table-cell office:value-type=\"string\"><text:p>x</text:p></table:table-cell>";
        // LibreOffice's trailing formatted area: empty, repeated, free.
        let trailing = sheet(&format!(
            "<table:table-row>{cell}{cell}</table:table-row>\
             <table:table-row table:number-rows-repeated=\"1048575\">\
             <table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>"
        ));
        assert!(ods_extent(trailing.as_bytes(), 1 << 20).is_ok());
        let bomb = sheet(&format!(
            "<table:table-row table:number-rows-repeated=\"1048575\">\
             <table:table-cell table:number-columns-repeated=\"3\"/>{cell}</table:table-row>"
        ));
        assert!(ods_extent(bomb.as_bytes(), 1 << 30).is_err());
    }
}
