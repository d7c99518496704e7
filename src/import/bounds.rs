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
/// needs, or it inflates past `max_bytes`. Counts shared strings (`<si>`, whatever its prefix
/// or spacing, `<si/>` too) and reads the counts an `<sst>` declares, which a reader trusts to
/// reserve room.
pub fn scan_xml(mut part: impl Read, max_bytes: u64) -> Result<XmlStats, String> {
    let mut stats = XmlStats::default();
    let mut buf = vec![0u8; 64 << 10];
    let mut in_tag = false;
    let mut run = 0usize;
    // The start of the tag being read (enough for its name and an `<sst>`'s counts).
    let mut tag: Vec<u8> = Vec::with_capacity(TAG_HEAD);
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
                    tag_end(&tag, &mut stats)?;
                    in_tag = false;
                    run = 0;
                    continue;
                }
                if tag.len() < TAG_HEAD {
                    tag.push(b);
                }
                run += 1;
                if run > MAX_TAG {
                    return Err(too_big("dữ liệu trong tệp bị hỏng hoặc bất thường"));
                }
            } else if b == b'<' {
                in_tag = true;
                tag.clear();
                run = 0;
            } else {
                run += 1;
                stats.text += 1;
                if run > MAX_RUN {
                    return Err(too_big("một ô có quá nhiều chữ, quá 32.767 ký tự"));
                }
            }
        }
    }
    if stats.strings > MAX_STRINGS {
        return Err(too_big("quá nhiều chuỗi ký tự"));
    }
    Ok(stats)
}

/// How much of a tag is kept to read its name and attributes.
const TAG_HEAD: usize = 512;

/// A tag's local name: after any prefix, up to a space, `/` or the end.
fn local_name(tag: &[u8]) -> &[u8] {
    let name = tag
        .split(|b| b.is_ascii_whitespace() || *b == b'/')
        .next()
        .unwrap_or(&[]);
    match name.iter().position(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

fn tag_end(tag: &[u8], stats: &mut XmlStats) -> Result<(), String> {
    match local_name(tag) {
        b"si" => stats.strings += 1,
        b"sst" => {
            // `count` and `uniqueCount`: the reader reserves room for that many strings.
            let text = String::from_utf8_lossy(tag);
            for key in ["uniqueCount=\"", "count=\""] {
                if let Some(rest) = text.split(key).nth(1) {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    let n: u64 = digits.parse().unwrap_or(u64::MAX);
                    if n > MAX_STRINGS {
                        return Err(too_big("quá nhiều chuỗi ký tự"));
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
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
    // A cell the reader keeps: one with a value of any kind, or a formula.
    let has_value = |e: &BytesStart| {
        e.attributes().flatten().any(|a| {
            matches!(
                a.key.as_ref(),
                "office:value-type"
                    | "office:value"
                    | "office:string-value"
                    | "office:boolean-value"
                    | "office:date-value"
                    | "office:time-value"
                    | "table:formula"
            )
        })
    };
    // Text a cell carries in its attributes, copied into every repeat of the cell.
    let attr_text = |e: &BytesStart| -> u64 {
        e.attributes()
            .flatten()
            .filter(|a| matches!(a.key.as_ref(), "office:string-value" | "table:formula"))
            .map(|a| a.value.len() as u64)
            .sum()
    };
    // Per sheet: the row cursor, the last row and column holding a value.
    let (mut row, mut rows_used, mut cols_used) = (0u64, 0u64, 0u64);
    // Per row: its repeat, the column cursor, whether it holds a value, its text.
    let (mut row_repeat, mut col, mut row_has, mut row_cols) = (1u64, 0u64, false, 0u64);
    let mut cell: Option<(u64, bool)> = None;
    let mut row_text = 0u64;
    let mut text_total = 0u64;
    // The reader builds every sheet at once: their cells add up.
    let mut done_cells = 0u64;
    let check = |done: u64, rows: u64, cols: u64| {
        if done.saturating_add(rows.saturating_mul(cols)) > MAX_RANGE {
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
                check(done_cells, rows_used, cols_used)?;
                done_cells = done_cells.saturating_add(rows_used.saturating_mul(cols_used));
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
                    check(done_cells, rows_used, cols_used)?;
                }
            }
            Event::Start(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let n = repeat(&e, "table:number-columns-repeated");
                row_text = row_text.saturating_add(attr_text(&e).saturating_mul(n));
                cell = Some((n, has_value(&e)));
            }
            Event::Empty(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let n = repeat(&e, "table:number-columns-repeated");
                col = col.saturating_add(n);
                row_text = row_text.saturating_add(attr_text(&e).saturating_mul(n));
                if has_value(&e) {
                    row_has = true;
                    row_cols = col;
                }
            }
            // `<text:s text:c="…"/>`: that many spaces, which the reader writes out.
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "text:s" => {
                if let Some((n, _)) = cell {
                    let spaces = repeat(&e, "text:c");
                    row_text = row_text.saturating_add(spaces.saturating_mul(n));
                    // Checked at once: one element can claim gigabytes.
                    if row_text.saturating_mul(row_repeat) > max_text {
                        return Err(too_big("quá nhiều chữ"));
                    }
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
    check(done_cells, rows_used, cols_used)
}

/// What an `.xls` workbook makes its reader build, read from the records of its `Workbook`
/// stream (BIFF8) the way the reader reads them: each sheet from the offset its BoundSheet
/// record gives, charts inside a sheet skipped, every sheet built at once. Refused when the
/// sheets together span more than `MAX_RANGE` cells (their DIMENSIONS record or their cells'
/// corners), or their text cells copy more than `max_text` bytes out of the shared strings.
pub fn xls(bytes: &[u8], max_text: u64) -> Result<(), String> {
    let broken = || too_big("tệp .xls hỏng");
    let file = cfb::CompoundFile::open(std::io::Cursor::new(bytes)).map_err(|_| broken())?;
    // The reader takes the first entry named Workbook (or Book), anywhere, in any case: more
    // than one is a file built to mislead.
    let streams: Vec<String> = file
        .walk()
        .filter(|e| e.is_stream())
        .filter(|e| {
            let n = e.name().to_ascii_lowercase();
            n == "workbook" || n == "book"
        })
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect();
    let [path] = streams.as_slice() else {
        return Err(too_big("tệp .xls có cấu trúc bất thường"));
    };
    let mut file = file;
    let mut stream = Vec::new();
    file.open_stream(path)
        .map_err(|_| broken())?
        // The stream is inside the uploaded file, so it is no larger than the file.
        .take(bytes.len() as u64)
        .read_to_end(&mut stream)
        .map_err(|_| broken())?;

    // The globals: where each sheet starts, and the shared strings' lengths.
    let mut sheets = Vec::new();
    let mut sst: Vec<&[u8]> = Vec::new();
    let mut in_sst = false;
    for (kind, data) in records(&stream, 0) {
        match kind {
            0x0085 if data.len() >= 4 => {
                sheets.push(u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize);
            }
            0x00FC => {
                sst = vec![data];
                in_sst = true;
            }
            0x003C if in_sst => sst.push(data),
            0x000A => break,
            _ => in_sst = false,
        }
    }
    let lengths = sst_lengths(&sst).ok_or_else(broken)?;

    let mut cells = 0u64;
    let mut text = 0u64;
    // Each cell record is kept by the reader before it lays the sheet out.
    let mut records_kept = 0u64;
    for at in sheets {
        let mut span = Span::default();
        let mut depth = 0usize;
        for (kind, data) in records(&stream, at) {
            let rc = |i: usize| -> Option<u32> {
                Some(u16::from_le_bytes([*data.get(i)?, *data.get(i + 1)?]) as u32)
            };
            match kind {
                0x0809 => depth += 1,
                0x000A => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                // Inside a chart of the sheet: the reader skips it.
                _ if depth > 1 => {}
                // DIMENSIONS: the reader reserves rows × columns from it.
                0x0200 if data.len() >= 12 => {
                    let u = |i: usize| {
                        u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]])
                    };
                    let rows = u(4).saturating_sub(u(0)) as u64;
                    let cols = u16::from_le_bytes([data[10], data[11]])
                        .saturating_sub(u16::from_le_bytes([data[8], data[9]]))
                        as u64;
                    cells = cells.saturating_add(rows.saturating_mul(cols));
                }
                // LABELSST: a copy of a shared string.
                0x00FD => {
                    records_kept += 1;
                    if let (Some(r), Some(c)) = (rc(0), rc(2)) {
                        span.add(r, c);
                    }
                    let i = data
                        .get(6..10)
                        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
                    text = text.saturating_add(lengths.get(i).copied().unwrap_or(0));
                }
                // NUMBER, RK, LABEL, BOOLERR, FORMULA, RSTRING: one cell.
                0x0203 | 0x027E | 0x0204 | 0x0205 | 0x0006 | 0x00D6 => {
                    records_kept += 1;
                    if let (Some(r), Some(c)) = (rc(0), rc(2)) {
                        span.add(r, c);
                    }
                    text = text.saturating_add(data.len() as u64);
                }
                // MULRK: a row of cells from a first column to a last.
                0x00BD => {
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
        cells = cells.saturating_add(span.area());
        if cells > MAX_RANGE || records_kept > MAX_RANGE {
            return Err(too_big("trang tính trải trên quá nhiều ô"));
        }
        if text > max_text {
            return Err(too_big("quá nhiều chữ"));
        }
    }
    Ok(())
}

/// The records of a BIFF stream from `at`: (type, data).
fn records(stream: &[u8], mut at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let head = stream.get(at..at + 4)?;
        let kind = u16::from_le_bytes([head[0], head[1]]);
        let len = u16::from_le_bytes([head[2], head[3]]) as usize;
        let data = stream.get(at + 4..(at + 4 + len).min(stream.len()))?;
        at += 4 + len;
        Some((kind, data))
    })
}

/// Each shared string's size once read (UTF-8, three bytes a character at most), from the SST
/// record and its CONTINUE records. None when they do not hold what they declare.
fn sst_lengths(parts: &[&[u8]]) -> Option<Vec<u64>> {
    let Some(first) = parts.first() else {
        return Some(Vec::new());
    };
    let unique = u32::from_le_bytes(first.get(4..8)?.try_into().ok()?) as usize;
    let mut cur = Cursor {
        parts,
        part: 0,
        at: 8,
    };
    let mut out = Vec::with_capacity(unique.min(MAX_STRINGS as usize));
    for _ in 0..unique {
        if out.len() as u64 >= MAX_STRINGS {
            return None;
        }
        let cch = cur.u16()? as usize;
        let flags = cur.u8()?;
        let runs = if flags & 0x08 != 0 {
            cur.u16()? as usize
        } else {
            0
        };
        let ext = if flags & 0x04 != 0 {
            cur.u32()? as usize
        } else {
            0
        };
        cur.chars(cch, flags & 0x01 != 0)?;
        cur.skip(4 * runs + ext)?;
        out.push(3 * cch as u64);
    }
    Some(out)
}

/// Reading across an SST and its CONTINUE records.
struct Cursor<'a> {
    parts: &'a [&'a [u8]],
    part: usize,
    at: usize,
}

impl Cursor<'_> {
    fn next_part(&mut self) -> Option<()> {
        self.part += 1;
        self.at = 0;
        (self.part < self.parts.len()).then_some(())
    }
    fn u8(&mut self) -> Option<u8> {
        while self.at >= self.parts.get(self.part)?.len() {
            self.next_part()?;
        }
        let b = self.parts[self.part][self.at];
        self.at += 1;
        Some(b)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.u8()?, self.u8()?]))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes([
            self.u8()?,
            self.u8()?,
            self.u8()?,
            self.u8()?,
        ]))
    }
    fn skip(&mut self, mut n: usize) -> Option<()> {
        while n > 0 {
            let left = self.parts.get(self.part)?.len() - self.at.min(self.parts[self.part].len());
            if left == 0 {
                self.next_part()?;
                continue;
            }
            let step = left.min(n);
            self.at += step;
            n -= step;
        }
        Some(())
    }
    /// `cch` characters of one or two bytes; where they cross into a CONTINUE record, it starts
    /// with a byte saying the width of the rest.
    fn chars(&mut self, mut cch: usize, mut wide: bool) -> Option<()> {
        while cch > 0 {
            let part = self.parts.get(self.part)?;
            let left = part.len().saturating_sub(self.at);
            let width = if wide { 2 } else { 1 };
            if left < width {
                self.next_part()?;
                wide = self.u8()? & 0x01 != 0;
                continue;
            }
            let n = (left / width).min(cch);
            self.at += n * width;
            cch -= n;
        }
        Some(())
    }
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
    fn area(&self) -> u64 {
        self.0.map_or(0, |(r0, r1, c0, c1)| {
            (r1 - r0 + 1) as u64 * (c1 - c0 + 1) as u64
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_strings_are_counted_and_long_runs_refused() {
        let xml = b"<sst count=\"3\"><si><t>An</t></si><si ><t xml:space=\"preserve\">B</t></si><x:si\n/><sz/></sst>";
        let stats = scan_xml(&xml[..], 1 << 20).unwrap();
        assert_eq!(stats.strings, 3);
        assert_eq!(stats.text, 3);
        let mut long = b"<sst><si><t>".to_vec();
        long.extend(std::iter::repeat_n(b'a', MAX_RUN + 1));
        long.extend(b"</t></si></sst>");
        assert!(scan_xml(&long[..], 1 << 30).unwrap_err().contains("32.767"));
        let reserving =
            b"<sst xmlns=\"x\" count=\"1\" uniqueCount=\"4000000000\"><si><t>a</t></si></sst>";
        assert!(
            scan_xml(&reserving[..], 1 << 20).is_err(),
            "a declared count is checked"
        );
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
        // A value held only in an attribute still counts; spaces claimed by `text:s` too.
        let attr_only = sheet(
            "<table:table-row table:number-rows-repeated=\"1048575\">\
             <table:table-cell office:value=\"1\" table:number-columns-repeated=\"4\"/></table:table-row>",
        );
        assert!(ods_extent(attr_only.as_bytes(), 1 << 30).is_err());
        let spaces = sheet(
            "<table:table-row><table:table-cell office:value-type=\"string\">\
             <text:p>a<text:s text:c=\"2000000000\"/></text:p></table:table-cell></table:table-row>",
        );
        assert!(ods_extent(spaces.as_bytes(), 64 << 20).is_err());
        // Sheets add up: two sheets of 1.5 million cells each are refused together.
        let half = "<table:table-row table:number-rows-repeated=\"1500000\">\
             <table:table-cell office:value=\"1\"/></table:table-row>";
        let two = sheet(&format!("{half}</table:table><table:table>{half}"));
        assert!(ods_extent(sheet(half).as_bytes(), 1 << 30).is_ok());
        assert!(ods_extent(two.as_bytes(), 1 << 30).is_err());
    }
}
