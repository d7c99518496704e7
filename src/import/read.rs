//! A file's first sheet as rows of cells: `.xlsx`, `.xls`, `.ods` through calamine, `.csv`
//! in UTF-8, UTF-16 or a Windows code page, comma, semicolon or tab separated. Text cells come
//! out NFC and, where the file was typed in TCVN3 or VNI, decoded.

use super::cells::Raw;
use super::legacy::{self, Encoding};
use calamine::{Data, Reader};

/// Rows of the first sheet that has any; row `i` of the result is line `i + 1` of the sheet.
pub fn table(file_name: &str, bytes: &[u8]) -> Result<Vec<Vec<Raw>>, String> {
    let lower = file_name.to_lowercase();
    let spreadsheet = bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
        || [".xlsx", ".xls", ".ods", ".xlsm", ".xlsb"]
            .iter()
            .any(|e| lower.ends_with(e));
    let mut rows = if spreadsheet {
        workbook(bytes)?
    } else {
        csv(bytes)?
    };
    repair_legacy(&mut rows);
    Ok(rows)
}

/// Bounds on what a sheet may hold: a tiny file can claim a cell at XFD1048576, and a range
/// from the first cell to it would take hundreds of gigabytes.
const MAX_ROWS: usize = 300_000;
const MAX_COLS: usize = 200;
const MAX_SLOTS: usize = 10_000_000;
/// Text held in all cells together (a shared string is copied into every cell using it).
const MAX_TEXT: usize = 64 << 20;
/// What a workbook's parts may inflate to (a zip of repeated XML compresses a hundredfold).
const MAX_UNZIPPED: u64 = 512 << 20;

fn too_big() -> String {
    format!(
        "Tệp quá lớn: mỗi lần nhập tối đa {} dòng và {MAX_COLS} cột. Hãy chia danh sách thành nhiều tệp \
         (ví dụ mỗi ấp một tệp) hoặc xóa các cột, dòng thừa.",
        crate::text::format_int(MAX_ROWS as i64)
    )
}

/// Rows of cells placed by position, within the bounds.
#[derive(Default)]
struct Grid {
    rows: Vec<Vec<Raw>>,
    slots: usize,
    text: usize,
}

impl Grid {
    fn put(&mut self, row: usize, col: usize, v: Raw) -> Result<(), String> {
        if v.is_blank() {
            return Ok(());
        }
        if row >= MAX_ROWS || col >= MAX_COLS {
            return Err(too_big());
        }
        if let Raw::Text(t) = &v {
            self.text += t.len();
            if self.text > MAX_TEXT {
                return Err(too_big());
            }
        }
        if self.rows.len() <= row {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let r = &mut self.rows[row];
        if r.len() <= col {
            self.slots += col + 1 - r.len();
            if self.slots > MAX_SLOTS {
                return Err(too_big());
            }
            r.resize(col + 1, Raw::Empty);
        }
        r[col] = v;
        Ok(())
    }
}

/// A sheet read cell by cell (the two readers have no common trait) into a bounded grid.
fn grid_of(
    mut next: impl FnMut() -> Result<Option<((u32, u32), Raw)>, String>,
) -> Result<Grid, String> {
    let mut grid = Grid::default();
    while let Some(((r, c), v)) = next()? {
        grid.put(r as usize, c as usize, v)?;
    }
    Ok(grid)
}

fn workbook(bytes: &[u8]) -> Result<Vec<Vec<Raw>>, String> {
    let unreadable = |e: calamine::Error| {
        tracing::info!(error = %e, "spreadsheet unreadable");
        "Không đọc được tệp: hãy lưu lại thành .xlsx (Excel), .xls, .ods hoặc .csv rồi tải lên lại."
            .to_string()
    };
    // What the file declares is checked, streaming, before a reader builds it.
    if bytes.starts_with(b"PK\x03\x04") {
        super::bounds::zipped(bytes, MAX_UNZIPPED, MAX_TEXT as u64)?;
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        super::bounds::xls(bytes, MAX_TEXT as u64)?;
    }
    // The reader that matches what was checked, never one that guesses: a zip found after
    // junk bytes, or a zip appended to an .xls, is not read.
    let cursor = std::io::Cursor::new(bytes);
    let book = if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        calamine::Sheets::Xls(
            calamine::open_workbook_from_rs(cursor)
                .map_err(|e: calamine::XlsError| unreadable(e.into()))?,
        )
    } else if bytes.starts_with(b"PK\x03\x04") {
        let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|_| unreadable(calamine::Error::Msg("zip")))?;
        let has = |name: &str| {
            zip.file_names()
                .any(|n| n.is_ok_and(|n| n.eq_ignore_ascii_case(name)))
        };
        if has("content.xml") {
            calamine::Sheets::Ods(
                calamine::open_workbook_from_rs(cursor)
                    .map_err(|e: calamine::OdsError| unreadable(e.into()))?,
            )
        } else if has("xl/workbook.bin") {
            return Err(
                "Tệp .xlsb (bảng tính nhị phân) chưa đọc được: hãy mở bằng Excel, lưu thành .xlsx \
                 rồi tải lên lại."
                    .into(),
            );
        } else {
            calamine::Sheets::Xlsx(
                calamine::open_workbook_from_rs(cursor)
                    .map_err(|e: calamine::XlsxError| unreadable(e.into()))?,
            )
        }
    } else {
        return Err(unreadable(calamine::Error::Msg("not a workbook")));
    };
    let names = book.sheet_names();
    match book {
        // Cell by cell: nothing is allocated for the space between cells.
        calamine::Sheets::Xlsx(mut x) => {
            for name in names {
                let mut reader = x
                    .worksheet_cells_reader(&name)
                    .map_err(|e| unreadable(e.into()))?;
                let grid = grid_of(|| {
                    let c = reader.next_cell().map_err(|e| unreadable(e.into()))?;
                    Ok(c.map(|c| (c.get_position(), cell_ref(c.get_value()))))
                })?;
                if !grid.rows.is_empty() {
                    return Ok(grid.rows);
                }
            }
        }
        calamine::Sheets::Xlsb(mut x) => {
            for name in names {
                let mut reader = x
                    .worksheet_cells_reader(&name)
                    .map_err(|e| unreadable(e.into()))?;
                let grid = grid_of(|| {
                    let c = reader.next_cell().map_err(|e| unreadable(e.into()))?;
                    Ok(c.map(|c| (c.get_position(), cell_ref(c.get_value()))))
                })?;
                if !grid.rows.is_empty() {
                    return Ok(grid.rows);
                }
            }
        }
        // .xls and .ods: calamine builds the whole range itself, within the extent
        // `bounds` checked.
        mut other => {
            for i in 0..names.len() {
                let Some(range) = other.worksheet_range_at(i) else {
                    continue;
                };
                let range = range.map_err(unreadable)?;
                let (top, left) = range.start().unwrap_or((0, 0));
                let mut grid = Grid::default();
                for (r, row) in range.rows().enumerate() {
                    for (c, d) in row.iter().enumerate() {
                        grid.put(top as usize + r, left as usize + c, cell(d))?;
                    }
                }
                if !grid.rows.is_empty() {
                    return Ok(grid.rows);
                }
            }
        }
    }
    Err("Tệp không có trang tính nào có dữ liệu.".into())
}

/// A date cell as the day number of the 1900 date system, whichever system the workbook uses.
fn date_serial(dt: &calamine::ExcelDateTime) -> Raw {
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    match chrono::NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)
        .zip(chrono::NaiveDate::from_ymd_opt(1899, 12, 30))
    {
        Some((day, base)) => Raw::Date((day - base).num_days() as f64),
        None => Raw::Number(dt.as_f64()),
    }
}

fn cell_ref(d: &calamine::DataRef<'_>) -> Raw {
    use calamine::DataRef as D;
    match d {
        D::Int(i) => Raw::Number(*i as f64),
        D::Float(f) => Raw::Number(*f),
        D::String(s) | D::DateTimeIso(s) | D::DurationIso(s) => Raw::Text(s.clone()),
        D::SharedString(s) => Raw::Text(s.to_string()),
        D::Bool(b) => Raw::Bool(*b),
        D::DateTime(dt) => date_serial(dt),
        D::Error(_) | D::Empty => Raw::Empty,
    }
}

fn cell(d: &Data) -> Raw {
    match d {
        Data::Int(i) => Raw::Number(*i as f64),
        Data::Float(f) => Raw::Number(*f),
        Data::String(s) => Raw::Text(s.clone()),
        Data::Bool(b) => Raw::Bool(*b),
        Data::DateTime(dt) => date_serial(dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Raw::Text(s.clone()),
        Data::Error(_) | Data::Empty => Raw::Empty,
    }
}

/// Excel saves "CSV" in the Windows code page of the PC; "CSV UTF-8" with a BOM; "Unicode
/// text" as UTF-16 with tabs.
fn decode_text(bytes: &[u8]) -> String {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    // Windows-1258 is Vietnamese Windows; TCVN3 and VNI files are bytes shown through
    // Windows-1252, which `repair_legacy` decodes. Keep the reading that is more Vietnamese.
    let vn = encoding_rs::WINDOWS_1258.decode(bytes).0.into_owned();
    let latin = encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned();
    let latin_best = [Encoding::Tcvn3, Encoding::Vni]
        .into_iter()
        .map(|e| legacy::score(&legacy::decode(&latin, e)))
        .max()
        .unwrap_or(i32::MIN);
    if legacy::score(&legacy::decode(&vn, Encoding::Unicode)) >= latin_best {
        vn
    } else {
        latin
    }
}

fn csv(bytes: &[u8]) -> Result<Vec<Vec<Raw>>, String> {
    let text = decode_text(bytes);
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sep = [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|c| first_line.matches(char::from(*c)).count())
        .unwrap_or(b',');
    let mut grid = Grid::default();
    csv_fields(&text, sep, |r, c, field| {
        grid.put(r, c, Raw::Text(field.to_string()))
    })?;
    Ok(grid.rows)
}

/// Each field of CSV text with its row and column, parsed by `csv_core`, the `csv` crate's
/// reader: quotes around a field, `""` inside one, line breaks within quotes; a quote inside an
/// unquoted field is kept as it is. Line ends are `\r\n`, `\n` or a lone `\r`; a blank line
/// is a row with nothing in it, so the rows number as a spreadsheet shows them. Field by field:
/// a line of a million separators takes no memory, and the first error `each` returns stops
/// the reading.
fn csv_fields(
    text: &str,
    sep: u8,
    mut each: impl FnMut(usize, usize, &str) -> Result<(), String>,
) -> Result<(), String> {
    use csv_core::ReadFieldResult as Read;
    let bytes = text.as_bytes();
    let mut reader = csv_core::ReaderBuilder::new().delimiter(sep).build();
    let mut out = [0u8; 8192];
    let mut field = Vec::new();
    let mut read = 0;
    // Where the next record is to be looked for (the reader drops a byte-order mark the
    // decoding left, and skips blank lines), the current record's row, its next column.
    let mut from = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut row = None;
    let mut col = 0;
    loop {
        let (res, nin, nout) = reader.read_field(&bytes[read..], &mut out);
        read += nin;
        field.extend_from_slice(&out[..nout]);
        let record_end = match res {
            Read::InputEmpty | Read::OutputFull => continue,
            Read::End => return Ok(()),
            Read::Field { record_end } => record_end,
        };
        if col == 0 {
            // The record starts after the line ends the reader skipped; those before it (the
            // previous record's and blank lines) give its row.
            let is_break = |b: &&u8| matches!(**b, b'\r' | b'\n');
            let start = from + bytes[from..].iter().take_while(is_break).count();
            let gap = bytes[..start].iter().rev().take_while(is_break).count();
            let breaks = line_breaks(&bytes[start - gap..start]);
            row = Some(row.map_or(breaks, |r| r + breaks));
        }
        each(row.unwrap_or(0), col, &String::from_utf8_lossy(&field))?;
        field.clear();
        col += 1;
        if record_end {
            col = 0;
            from = read;
        }
    }
}

/// Line ends in a run of `\r` and `\n`, `\r\n` counting once.
fn line_breaks(run: &[u8]) -> usize {
    run.iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' || i == 0 || run[i - 1] != b'\r')
        .count()
}

/// CSV text as rows of fields, a blank line between rows as one empty field.
#[cfg(test)]
pub fn split_csv(text: &str, sep: char) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let sep = u8::try_from(sep).expect("an ASCII separator");
    csv_fields(text, sep, |r, _, field| {
        if rows.len() <= r {
            rows.resize(r + 1, vec![String::new()]);
            rows[r].clear();
        }
        rows[r].push(field.to_string());
        Ok(())
    })
    .expect("nothing refused");
    rows
}

/// Decides the file's encoding from all its text together (a short cell like "Cã" reads as
/// Vietnamese either way), then decodes each text cell with it unless the cell reads better
/// in another: a file mixing cells typed in different fonts is decoded cell by cell.
fn repair_legacy(rows: &mut [Vec<Raw>]) {
    // Per encoding: cells it reads better than Unicode, and cells it reads worse.
    let mut better = [0usize; 2];
    let mut worse = [0usize; 2];
    let mut total = 0;
    for cell in rows.iter().flatten() {
        if let Raw::Text(s) = cell
            && !s.is_ascii()
            && !legacy::surely_unicode(s)
        {
            total += 1;
            let base = legacy::score(&legacy::decode(s, Encoding::Unicode));
            for (i, e) in [Encoding::Tcvn3, Encoding::Vni].into_iter().enumerate() {
                let score = legacy::score(&legacy::decode(s, e));
                better[i] += usize::from(score > base);
                worse[i] += usize::from(score < base);
            }
        }
    }
    // A file typed in a legacy font reads better decoded in most of its cells that could be
    // either; a Unicode file with a few pasted legacy cells does not.
    let file = [Encoding::Tcvn3, Encoding::Vni]
        .into_iter()
        .enumerate()
        .filter(|(i, _)| better[*i] > worse[*i] && better[*i] * 2 > total)
        .max_by_key(|(i, _)| (better[*i], std::cmp::Reverse(*i)))
        .map_or(Encoding::Unicode, |(_, e)| e);
    for cell in rows.iter_mut().flatten() {
        if let Raw::Text(s) = cell {
            if s.is_ascii() || legacy::surely_unicode(s) {
                *s = legacy::decode(s, Encoding::Unicode);
                continue;
            }
            // The file's encoding, unless this cell reads better another way (a cell pasted
            // from elsewhere); ties go to the file's.
            let (own, _) = legacy::best_reading(s);
            let fixed = legacy::decode(s, file);
            *s = if own == file || legacy::score(&fixed) >= legacy::score(&legacy::decode(s, own)) {
                fixed
            } else {
                legacy::decode(s, own)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_quotes_and_line_breaks() {
        let rows = split_csv("a,\"b,c\",\"say \"\"hi\"\"\"\r\n1,\"x\ny\",\n", ',');
        assert_eq!(
            rows,
            vec![
                vec!["a".to_string(), "b,c".into(), "say \"hi\"".into()],
                vec!["1".into(), "x\ny".into(), "".into()],
            ]
        );
    }

    #[test]
    fn csv_quotes_only_open_a_field() {
        // A quote inside an unquoted field is a character; text after a closing quote is kept.
        assert_eq!(
            split_csv("ab\"c,d\n\"ab\"cd\"e,\"\"\n 5\" tall,x", ','),
            vec![
                vec!["ab\"c".to_string(), "d".into()],
                vec!["abcd\"e".into(), "".into()],
                vec![" 5\" tall".into(), "x".into()],
            ]
        );
        // A quote left open runs to the end of the file.
        assert_eq!(split_csv("a,\"b\nc", ','), vec![vec!["a", "b\nc"]]);
        // Line ends inside quotes are kept as written.
        assert_eq!(split_csv("\"x\r\ny\"\r\n", ','), vec![vec!["x\r\ny"]]);
    }

    #[test]
    fn csv_line_ends_of_every_kind_and_blank_lines_keep_the_row_numbers() {
        let rows = vec![
            vec!["a".to_string(), "b".into()],
            vec!["".into()],
            vec!["c".into()],
            vec!["".into()],
            vec!["".into()],
            vec!["d".into()],
        ];
        // CRLF, LF, a lone CR (old Mac), with or without a final line end.
        assert_eq!(split_csv("a,b\r\n\r\nc\r\n\r\n\r\nd", ','), rows);
        assert_eq!(split_csv("a,b\n\nc\n\n\nd\n", ','), rows);
        assert_eq!(split_csv("a,b\r\rc\r\r\rd\r", ','), rows);
        assert_eq!(split_csv("a,b\r\n\nc\r\r\n\nd\n\n\n", ','), rows);
        assert_eq!(
            split_csv("\n\r\na", ','),
            vec![vec![""], vec![""], vec!["a"]]
        );
        assert!(split_csv("", ',').is_empty());
        assert!(split_csv("\r\n\n", ',').is_empty());
        // Through the whole reading: row 3 is line 4 of the file.
        let got = table("a.csv", "Họ và tên\r\n\r\n\nAn\r\n".as_bytes()).unwrap();
        assert_eq!(got.len(), 4);
        assert_eq!(got[3], vec![Raw::Text("An".into())]);
        assert!(got[1].is_empty() && got[2].is_empty());
    }

    #[test]
    fn csv_byte_order_marks_are_not_text() {
        let plain = table("a.csv", "Họ và tên,Ấp\n\nAn,Ấp 1\n".as_bytes()).unwrap();
        assert_eq!(plain[0][0], Raw::Text("Họ và tên".into()));
        // A file saved twice with a mark: the decoding drops the first, the reader the second.
        for marks in 1..=2 {
            let mut bytes = b"\xEF\xBB\xBF".repeat(marks);
            bytes.extend_from_slice("Họ và tên,Ấp\n\nAn,Ấp 1\n".as_bytes());
            assert_eq!(table("a.csv", &bytes).unwrap(), plain);
        }
        let mut bytes = b"\xEF\xBB\xBF\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice("\n\nAn".as_bytes());
        assert_eq!(
            table("a.csv", &bytes).unwrap()[2],
            vec![Raw::Text("An".into())]
        );
    }

    #[test]
    fn csv_fields_longer_than_the_reading_buffer() {
        let long = "Nguyễn \"Út\", ".repeat(2000);
        let text = format!(
            "\"{}\",x\n{}\n",
            long.replace('"', "\"\""),
            "y".repeat(30_000)
        );
        assert_eq!(
            split_csv(&text, ','),
            vec![vec![long, "x".into()], vec!["y".repeat(30_000)]]
        );
    }

    #[test]
    fn csv_separator_and_encodings() {
        let utf8 = "Họ và tên;Ấp\nNguyễn Văn An;Ấp 3\n";
        let rows = table("a.csv", utf8.as_bytes()).unwrap();
        assert_eq!(
            rows[1],
            vec![Raw::Text("Nguyễn Văn An".into()), Raw::Text("Ấp 3".into())]
        );
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(utf8.as_bytes());
        assert_eq!(table("a.csv", &bom).unwrap(), rows);
        let mut utf16 = vec![0xFF, 0xFE];
        for u in utf8.replace(';', "\t").encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(table("a.txt", &utf16).unwrap(), rows);
        // Windows-1258 writes a tone as a combining mark after the letter: "Ho" + dot below.
        let cp1258 = b"H\x6f\xf2 v\xe0 t\xean;\xc2\xecp\n";
        assert_eq!(table("a.csv", cp1258).unwrap()[0], rows[0]);
        // TCVN3 bytes, as a .Vn font PC saves them.
        let (tcvn3, _, _) = encoding_rs::WINDOWS_1252.encode("Hä vµ tªn;Êp\nNguyÔn V¨n An;¢Êp 3\n");
        let got = table("a.csv", &tcvn3).unwrap();
        assert_eq!(got[0][0], Raw::Text("Họ và tên".into()));
        assert_eq!(got[1][0], Raw::Text("Nguyễn Văn An".into()));
        assert_eq!(got[1][1], Raw::Text("Ấp 3".into()));
    }

    #[test]
    fn a_whole_vni_file_is_decoded_even_in_short_cells() {
        let mut rows = vec![vec![
            Raw::Text("Nguyeãn Vaên Ñöùc".into()),
            Raw::Text("Coù".into()),
            Raw::Text("Khoâng".into()),
        ]];
        repair_legacy(&mut rows);
        assert_eq!(
            rows[0],
            vec![
                Raw::Text("Nguyễn Văn Đức".into()),
                Raw::Text("Có".into()),
                Raw::Text("Không".into())
            ]
        );
    }

    #[test]
    fn a_file_mixing_encodings_is_decoded_cell_by_cell() {
        let mut rows = vec![vec![
            Raw::Text("TrÇn V¨n C\u{AD}êng".into()),
            Raw::Text("Nguyeãn Thò Hoaøng".into()),
            Raw::Text("Lê Thị Hà".into()),
            Raw::Text("Có".into()),
        ]];
        repair_legacy(&mut rows);
        assert_eq!(
            rows[0],
            vec![
                Raw::Text("Trần Văn Cường".into()),
                Raw::Text("Nguyễn Thị Hoàng".into()),
                Raw::Text("Lê Thị Hà".into()),
                Raw::Text("Có".into()),
            ],
            "a short cell of a Unicode file is not read as VNI (\"Cĩ\")"
        );
    }

    #[test]
    fn a_sheet_claiming_a_far_cell_is_refused_without_allocating_it() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Họ và tên").unwrap();
        ws.write_string(1_048_575, 16_383, "xa").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        assert!(bytes.len() < 10_000);
        let err = table("bom.xlsx", &bytes).unwrap_err();
        assert!(err.contains("quá lớn"), "{err}");
    }

    #[test]
    fn csv_is_bounded_too_but_blank_cells_beyond_are_not_counted() {
        let wide = format!("Họ và tên,Ấp{}x\n", ",".repeat(300));
        assert!(
            table("a.csv", wide.as_bytes())
                .unwrap_err()
                .contains("quá lớn")
        );
        let trailing = format!("Họ và tên,Ấp{}\nAn,Ấp 1\n", ",".repeat(300));
        assert_eq!(table("a.csv", trailing.as_bytes()).unwrap()[1].len(), 2);
        // Read field by field: a line of a million separators is blank cells, not a burden.
        let flood = format!("Họ và tên,Ấp{}\nAn,Ấp 1\n", ",".repeat(1_000_000));
        assert_eq!(table("a.csv", flood.as_bytes()).unwrap()[1].len(), 2);
        let far = format!("Họ và tên{}An\n", "\n".repeat(400_000));
        assert!(
            table("a.csv", far.as_bytes())
                .unwrap_err()
                .contains("quá lớn")
        );
    }

    #[test]
    fn date_cells_read_as_their_day() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let f = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        ws.write_number_with_format(0, 0, 31841.0, &f).unwrap();
        let rows = table("d.xlsx", &wb.save_to_buffer().unwrap()).unwrap();
        assert_eq!(rows[0][0], Raw::Date(31841.0));
    }

    #[test]
    fn junk_is_refused_with_a_message() {
        let err = table("a.xlsx", b"PK\x03\x04 not really a zip").unwrap_err();
        assert!(err.contains(".xlsx"), "{err}");
    }
}
