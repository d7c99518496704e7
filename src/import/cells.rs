//! One spreadsheet cell read as what its column holds. Each reader returns `Ok(None)` for a
//! blank cell and `Err` with the reason, in Vietnamese, for one it cannot take.

use crate::text;

/// A cell as the file gives it. Text is already NFC and decoded from legacy encodings.
#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    Empty,
    Text(String),
    Number(f64),
    /// A cell formatted as a date: its Excel serial day number.
    Date(f64),
    Bool(bool),
}

impl Raw {
    pub fn is_blank(&self) -> bool {
        match self {
            Raw::Empty => true,
            Raw::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as a user would read it, for messages.
    pub fn shown(&self) -> String {
        match self {
            Raw::Empty => String::new(),
            Raw::Text(s) => s.trim().to_string(),
            Raw::Number(n) | Raw::Date(n) => number_text(*n),
            Raw::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        }
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

/// Quotes a cell for a message, shortened.
pub fn quoted(raw: &Raw) -> String {
    let s = raw.shown();
    let short: String = s.chars().take(40).collect();
    if short.len() < s.len() {
        format!("«{short}…»")
    } else {
        format!("«{short}»")
    }
}

/// Text cleaned and NFC, or `None` when blank.
pub fn text(raw: &Raw) -> Option<String> {
    let s = match raw {
        Raw::Text(s) => text::clean(s),
        Raw::Number(_) | Raw::Date(_) | Raw::Bool(_) => raw.shown(),
        Raw::Empty => String::new(),
    };
    (!s.is_empty()).then_some(s)
}

/// `Có`, `x`, `1`, `Đã cài`… are yes; `Không`, `0`, `Chưa`… are no.
pub fn yes_no(raw: &Raw) -> Result<Option<bool>, String> {
    match raw {
        Raw::Empty => Ok(None),
        Raw::Bool(b) => Ok(Some(*b)),
        Raw::Number(n) if *n == 1.0 => Ok(Some(true)),
        Raw::Number(n) if *n == 0.0 => Ok(Some(false)),
        Raw::Text(s) => {
            let f = text::fold(s);
            let f = f.trim_matches(|c: char| c == '.' || c == '!' || c.is_whitespace());
            if f.is_empty() {
                return Ok(None);
            }
            // An email address in the Email column means the resident has one.
            if s.contains('@') {
                return Ok(Some(true));
            }
            const YES: &[&str] = &[
                "co",
                "x",
                "1",
                "da cai",
                "da co",
                "da",
                "roi",
                "yes",
                "y",
                "v",
                "ok",
                "true",
                "da lam",
                "da tao",
                "da tham gia",
                "da dang ky",
                "da kich hoat",
                "co roi",
                "da hoan thanh",
                "hoan thanh",
                "dat",
                "+",
            ];
            const NO: &[&str] = &[
                "khong",
                "k",
                "ko",
                "0",
                "chua",
                "chua co",
                "chua cai",
                "no",
                "n",
                "false",
                "-",
                "khong co",
                "chua lam",
                "chua tham gia",
                "chua dang ky",
            ];
            if YES.contains(&f) {
                Ok(Some(true))
            } else if NO.contains(&f) {
                Ok(Some(false))
            } else {
                Err(format!(
                    "không hiểu {}: ghi «Có» (hoặc x, 1) hay «Không» (hoặc 0, để trống)",
                    quoted(raw)
                ))
            }
        }
        _ => Err(format!(
            "không hiểu {}: ghi «Có» (hoặc x, 1) hay «Không» (hoặc 0, để trống)",
            quoted(raw)
        )),
    }
}

/// A birth date, or a year alone when only the year is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Birth {
    pub date: Option<String>,
    pub year: i64,
}

/// The day an Excel serial stands for (Excel counts 1900 as a leap year, so serials from
/// 1 March 1900 on are days after 30 December 1899).
pub fn excel_serial_date(serial: f64) -> Option<chrono::NaiveDate> {
    if !(61.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?
        .checked_add_days(chrono::Days::new(serial.floor() as u64))
}

/// `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy`, `yyyy-mm-dd`, a year alone or an Excel serial; not
/// before 1900 and not after `today` (ISO).
pub fn birth(raw: &Raw, today: &str) -> Result<Option<Birth>, String> {
    let bad = || {
        format!(
            "không đọc được ngày sinh {}: ghi dd/mm/yyyy (ví dụ 05/03/1987) hoặc chỉ năm sinh",
            quoted(raw)
        )
    };
    let b = match raw {
        Raw::Empty | Raw::Bool(_) => return Ok(None),
        Raw::Number(n) if n.fract() == 0.0 && (1900.0..=2100.0).contains(n) => Birth {
            date: None,
            year: *n as i64,
        },
        Raw::Number(n) | Raw::Date(n) => {
            let d = excel_serial_date(*n).ok_or_else(bad)?;
            from_date(d)
        }
        Raw::Text(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            if s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()) {
                Birth {
                    date: None,
                    year: s.parse().map_err(|_| bad())?,
                }
            } else if s.chars().all(|c| c.is_ascii_digit()) {
                let n: f64 = s.parse().map_err(|_| bad())?;
                from_date(excel_serial_date(n).ok_or_else(bad)?)
            } else {
                // "1987-03-05 00:00:00" from a date-time export.
                let day = s.split([' ', 'T']).next().unwrap_or(s);
                let iso = text::parse_date(day).ok_or_else(bad)?;
                Birth {
                    year: iso[..4].parse().map_err(|_| bad())?,
                    date: Some(iso),
                }
            }
        }
    };
    let this_year: i64 = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2100);
    if b.year < 1900 || b.year > this_year {
        return Err(format!(
            "năm sinh {} không hợp lệ (từ 1900 đến {this_year})",
            b.year
        ));
    }
    if b.date.as_deref().is_some_and(|d| d > today) {
        return Err(format!("ngày sinh {} ở tương lai", quoted(raw)));
    }
    Ok(Some(b))
}

fn from_date(d: chrono::NaiveDate) -> Birth {
    use chrono::Datelike;
    Birth {
        date: Some(d.format("%Y-%m-%d").to_string()),
        year: d.year() as i64,
    }
}

/// A citizen ID as 12 digits. A number cell lost its leading zeros (every province code starts
/// with 0), so 10 or 11 digits are padded back; spaces, dots and dashes are dropped.
pub fn cccd(raw: &Raw) -> Result<Option<String>, String> {
    let digits = match raw {
        Raw::Empty | Raw::Bool(_) => return Ok(None),
        Raw::Number(n) | Raw::Date(n) => {
            if n.fract() != 0.0 || *n < 0.0 || *n >= 1e12 {
                return Err(format!("số CCCD {} không hợp lệ", quoted(raw)));
            }
            format!("{n:.0}")
        }
        Raw::Text(s) => {
            let s = s.trim().trim_start_matches('\'');
            if s.is_empty() {
                return Ok(None);
            }
            if s.contains(['E', 'e']) && s.contains('+') {
                return Err(format!(
                    "số CCCD {} đã bị Excel đổi sang dạng số mũ và mất chữ số: định dạng cột là Văn bản (Text) rồi nhập lại số",
                    quoted(raw)
                ));
            }
            if s.chars()
                .any(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | ',')))
            {
                return Err(format!("số CCCD {} chỉ được có chữ số", quoted(raw)));
            }
            s.chars().filter(|c| c.is_ascii_digit()).collect()
        }
    };
    let d = match digits.len() {
        12 => digits,
        10 | 11 => format!("{digits:0>12}"),
        9 => {
            return Err(
                "đây là số CMND 9 số cũ; hãy ghi số CCCD (12 chữ số) của người này".to_string(),
            );
        }
        n => return Err(format!("số CCCD phải có 12 chữ số (đang có {n})")),
    };
    let province: u32 = d[..3].parse().unwrap_or(0);
    if !(1..=96).contains(&province) {
        return Err(format!(
            "số CCCD {d}: 3 số đầu {} không phải mã tỉnh, thành phố",
            &d[..3]
        ));
    }
    Ok(Some(d))
}

/// The gender and birth year a citizen ID encodes: its 4th digit gives century and gender
/// (0/1: 1900s male/female, 2/3: 2000s, … 8/9: 1800s), the 5th and 6th the year.
pub fn cccd_birth(cccd: &str) -> Option<(&'static str, i64)> {
    let b = cccd.as_bytes();
    if b.len() != 12 {
        return None;
    }
    let g = (b[3] - b'0') as i64;
    let yy = ((b[4] - b'0') * 10 + (b[5] - b'0')) as i64;
    let century = if g >= 8 { 1800 } else { 1900 + 100 * (g / 2) };
    let gender = if g % 2 == 0 { "male" } else { "female" };
    Some((gender, century + yy))
}

/// Checks the citizen ID against the row's gender and birth year.
pub fn cccd_agrees(cccd: &str, gender: Option<&str>, year: Option<i64>) -> Result<(), String> {
    let Some((g, y)) = cccd_birth(cccd) else {
        return Ok(());
    };
    if let Some(row_year) = year
        && row_year != y
    {
        return Err(format!(
            "số CCCD {}… ghi năm sinh {y}, khác năm sinh {row_year} của dòng này",
            &cccd[..6]
        ));
    }
    if let Some(row_gender) = gender
        && row_gender != g
    {
        let label = |g: &str| if g == "male" { "Nam" } else { "Nữ" };
        return Err(format!(
            "chữ số thứ 4 của số CCCD ({}) là của giới tính {}, khác giới tính {} của dòng này",
            &cccd[3..4],
            label(g),
            label(row_gender)
        ));
    }
    Ok(())
}

/// A mobile number as 10 digits (see `text::normalize_phone`).
pub fn phone(raw: &Raw) -> Result<Option<String>, String> {
    let s = match raw {
        Raw::Empty | Raw::Bool(_) => return Ok(None),
        Raw::Number(n) | Raw::Date(n) if n.fract() == 0.0 && *n > 0.0 => format!("{n:.0}"),
        Raw::Text(s) if s.trim().is_empty() => return Ok(None),
        Raw::Text(s) => s.trim().trim_start_matches('\'').to_string(),
        _ => String::new(),
    };
    text::normalize_phone(&s).map(Some).ok_or_else(|| {
        format!(
            "số điện thoại {} không phải số di động 10 chữ số (ví dụ 0912 345 678)",
            quoted(raw)
        )
    })
}

/// `Nam`/`Nữ` (and `M`/`F`, `trai`/`gái`) as the stored codes.
pub fn gender(raw: &Raw) -> Result<Option<&'static str>, String> {
    let Some(t) = text(raw) else {
        return Ok(None);
    };
    match text::fold(&t).as_str() {
        "nam" | "m" | "male" | "trai" | "1" => Ok(Some("male")),
        "nu" | "f" | "female" | "gai" | "0" | "2" => Ok(Some("female")),
        _ => Err(format!("giới tính {} phải là «Nam» hoặc «Nữ»", quoted(raw))),
    }
}

/// A hamlet's name reduced for matching: `Ấp 3`, `ấp 03`, `3` and `Ấp số 3` all give `3`;
/// `Ấp Cầu Xây` gives `cau xay`.
pub fn hamlet_key(s: &str) -> String {
    let f = text::fold(s).replace(['.', ',', '-', '_'], " ");
    let mut words: Vec<&str> = f.split_whitespace().collect();
    const PREFIXES: &[&[&str]] = &[
        &["khu", "pho"],
        &["ap"],
        &["kp"],
        &["thon"],
        &["xom"],
        &["to"],
    ];
    for p in PREFIXES {
        if words.len() > p.len() && words[..p.len()] == **p {
            words.drain(..p.len());
            break;
        }
    }
    if words.len() > 1 && words[0] == "so" {
        words.remove(0);
    }
    let joined = words.join(" ");
    if !joined.is_empty() && joined.chars().all(|c| c.is_ascii_digit()) {
        let trimmed = joined.trim_start_matches('0');
        return if trimmed.is_empty() { "0" } else { trimmed }.to_string();
    }
    joined
}

/// A name written all in capitals ("NGUYỄN VĂN AN") in the usual form ("Nguyễn Văn An").
pub fn person_name(s: &str) -> String {
    let s = text::clean(s);
    let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 2 || letters.iter().any(|c| c.is_lowercase()) {
        return s;
    }
    s.split(' ')
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(cs.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Raw {
        Raw::Text(s.to_string())
    }

    #[test]
    fn yes_no_variants() {
        for y in ["Có", "có", "x", "X", "1", "Đã cài", "CÓ", " co ", "Rồi"] {
            assert_eq!(yes_no(&t(y)), Ok(Some(true)), "{y}");
        }
        for n in ["Không", "không", "0", "Chưa", "KHÔNG"] {
            assert_eq!(yes_no(&t(n)), Ok(Some(false)), "{n}");
        }
        assert_eq!(yes_no(&Raw::Number(1.0)), Ok(Some(true)));
        assert_eq!(yes_no(&Raw::Number(0.0)), Ok(Some(false)));
        assert_eq!(yes_no(&Raw::Bool(true)), Ok(Some(true)));
        assert_eq!(yes_no(&t("")), Ok(None));
        assert_eq!(yes_no(&Raw::Empty), Ok(None));
        assert_eq!(yes_no(&t("an@gmail.com")), Ok(Some(true)));
        assert!(yes_no(&t("có lẽ")).unwrap_err().contains("«có lẽ»"));
    }

    #[test]
    fn birth_forms() {
        let today = "2026-12-01";
        let d = |s: &str| {
            Some(Birth {
                date: Some(s.into()),
                year: s[..4].parse().unwrap(),
            })
        };
        assert_eq!(birth(&t("05/03/1987"), today), Ok(d("1987-03-05")));
        assert_eq!(birth(&t("5/3/1987"), today), Ok(d("1987-03-05")));
        assert_eq!(birth(&t("05-03-1987"), today), Ok(d("1987-03-05")));
        assert_eq!(birth(&t("1987-03-05 00:00:00"), today), Ok(d("1987-03-05")));
        assert_eq!(
            birth(&t("1987"), today),
            Ok(Some(Birth {
                date: None,
                year: 1987
            }))
        );
        assert_eq!(
            birth(&Raw::Number(1987.0), today),
            Ok(Some(Birth {
                date: None,
                year: 1987
            }))
        );
        // 31841 is 5 March 1987 in Excel.
        assert_eq!(birth(&Raw::Date(31841.0), today), Ok(d("1987-03-05")));
        assert_eq!(birth(&Raw::Number(31841.0), today), Ok(d("1987-03-05")));
        assert_eq!(birth(&t("31841"), today), Ok(d("1987-03-05")));
        assert!(birth(&t("31/02/1987"), today).is_err());
        assert!(birth(&t("05/03/2030"), today).unwrap_err().contains("2030"));
        assert!(birth(&t("1850"), today).is_err());
        assert!(
            birth(&t("hôm qua"), today)
                .unwrap_err()
                .contains("dd/mm/yyyy")
        );
        assert_eq!(birth(&t(" "), today), Ok(None));
    }

    #[test]
    fn cccd_forms() {
        assert_eq!(cccd(&t("072087001234")), Ok(Some("072087001234".into())));
        assert_eq!(
            cccd(&Raw::Number(72087001234.0)),
            Ok(Some("072087001234".into()))
        );
        assert_eq!(cccd(&t("072 087 001 234")), Ok(Some("072087001234".into())));
        assert_eq!(cccd(&t("072.087.001.234")), Ok(Some("072087001234".into())));
        assert_eq!(cccd(&t("'072087001234")), Ok(Some("072087001234".into())));
        assert_eq!(cccd(&t("72087001234")), Ok(Some("072087001234".into())));
        assert!(cccd(&t("7.20870E+10")).unwrap_err().contains("số mũ"));
        assert!(cccd(&t("123456789")).unwrap_err().contains("CMND"));
        assert!(cccd(&t("0720870012345")).unwrap_err().contains("12 chữ số"));
        assert!(cccd(&t("999087001234")).unwrap_err().contains("mã tỉnh"));
        assert!(cccd(&t("07208700123A")).is_err());
        assert_eq!(cccd(&t("")), Ok(None));
    }

    #[test]
    fn cccd_encodes_gender_and_year() {
        assert_eq!(cccd_birth("072087001234"), Some(("male", 1987)));
        assert_eq!(cccd_birth("072187001234"), Some(("female", 1987)));
        assert_eq!(cccd_birth("072205001234"), Some(("male", 2005)));
        assert_eq!(cccd_birth("072305001234"), Some(("female", 2005)));
        assert!(cccd_agrees("072087001234", Some("male"), Some(1987)).is_ok());
        assert!(cccd_agrees("072087001234", None, None).is_ok());
        assert!(
            cccd_agrees("072087001234", Some("female"), Some(1987))
                .unwrap_err()
                .contains("giới tính")
        );
        assert!(
            cccd_agrees("072087001234", Some("male"), Some(1988))
                .unwrap_err()
                .contains("1987")
        );
    }

    #[test]
    fn phone_forms() {
        for (given, want) in [
            ("0912345678", "0912345678"),
            ("0912 345 678", "0912345678"),
            ("0912.345.678", "0912345678"),
            ("+84912345678", "0912345678"),
            ("84912345678", "0912345678"),
            ("912345678", "0912345678"),
            ("01681234567", "0381234567"),
            ("+841681234567", "0381234567"),
            ("0123 456 7890", "0834567890"),
        ] {
            assert_eq!(phone(&t(given)), Ok(Some(want.to_string())), "{given}");
        }
        assert_eq!(
            phone(&Raw::Number(912345678.0)),
            Ok(Some("0912345678".into()))
        );
        assert_eq!(
            phone(&Raw::Number(1681234567.0)),
            Ok(Some("0381234567".into()))
        );
        assert!(phone(&t("12345")).is_err());
        assert!(phone(&t("02763822111")).is_err(), "a landline");
        assert!(phone(&t("09123x5678")).is_err());
    }

    #[test]
    fn genders() {
        assert_eq!(gender(&t("Nam")), Ok(Some("male")));
        assert_eq!(gender(&t("nữ")), Ok(Some("female")));
        assert_eq!(gender(&t("NỮ")), Ok(Some("female")));
        assert_eq!(gender(&t("")), Ok(None));
        assert!(gender(&t("khác")).is_err());
    }

    #[test]
    fn hamlet_keys() {
        for s in ["Ấp 3", "ấp 03", "3", "Ấp số 3", "AP 3", "ấp.3"] {
            assert_eq!(hamlet_key(s), "3", "{s}");
        }
        assert_eq!(hamlet_key("Ấp Cầu Xây"), "cau xay");
        assert_eq!(hamlet_key("Khu phố 2"), "2");
        assert_ne!(hamlet_key("Ấp 13"), hamlet_key("Ấp 3"));
    }

    #[test]
    fn capital_names() {
        assert_eq!(person_name("NGUYỄN VĂN AN"), "Nguyễn Văn An");
        assert_eq!(person_name("Nguyễn Văn An"), "Nguyễn Văn An");
        assert_eq!(person_name("  trần   thị  bé "), "trần thị bé");
    }
}
