//! Vietnamese text: normalisation, search folding, sort keys and masking.
//!
//! Search and sorting keys are computed here in Rust and stored in columns, because neither
//! SQLite nor PostgreSQL folds `đ` to `d` or knows the Vietnamese letter order.

use unicode_normalization::UnicodeNormalization;

/// Text as it is stored: NFC, trimmed, inner whitespace collapsed to one space.
pub fn clean(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Free text of several lines (a report's difficulties, say): NFC, each line cleaned, no
/// more than one empty line in a row, trimmed.
pub fn clean_lines(s: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in s.lines().map(clean) {
        if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// Lowercase, without diacritics, `đ` → `d`, whitespace collapsed: the form searched on.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if ('\u{0300}'..='\u{036f}').contains(&c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A DNS name with at least two labels of letters, digits and inner hyphens (already in
/// lower case): what an ACME authority can issue a certificate for.
pub fn is_domain_name(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// A Unix time as `dd/mm/yyyy hh:mm` in Vietnam's time (UTC+7, no daylight saving).
pub fn format_time(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts + 7 * 3600, 0)
        .map(|d| d.format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

/// A username from a person's name, as Vietnamese offices write them: the given name (the
/// last word) followed by the initials of the others, without diacritics ("Nguyễn Văn An" →
/// "annv"). Only ASCII letters and digits remain.
pub fn username_from_name(full_name: &str) -> String {
    let folded = fold(full_name);
    let words: Vec<String> = folded
        .split(' ')
        .map(|w| w.chars().filter(char::is_ascii_alphanumeric).collect())
        .filter(|w: &String| !w.is_empty())
        .collect();
    let Some((given, rest)) = words.split_last() else {
        return String::new();
    };
    let mut out: String = given.chars().take(20).collect();
    out.extend(rest.iter().filter_map(|w| w.chars().next()));
    out
}

/// The Vietnamese alphabet in dictionary order, with the foreign letters in Latin order.
const LETTERS: [&str; 33] = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
    "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
];

/// Tone marks in dictionary order: ngang (none), huyền, hỏi, ngã, sắc, nặng.
const TONES: [char; 5] = ['\u{0300}', '\u{0309}', '\u{0303}', '\u{0301}', '\u{0323}'];

/// The alphabet decomposed (NFD): a letter is matched in that form, mark by mark.
static LETTERS_NFD: std::sync::LazyLock<Vec<Vec<char>>> =
    std::sync::LazyLock::new(|| LETTERS.iter().map(|l| l.nfd().collect()).collect());

/// Appends one word's letter codes to `primary` and returns its tone digit. Works char by char
/// on the canonical decomposition without allocating: an import sorts a hundred thousand names.
fn word_key(word: &str, primary: &mut String) -> char {
    let mut tone = 0usize;
    for ch in word.chars() {
        let mut base = ['\0'; 4];
        let mut len = 0;
        let mut overflow = false;
        for lower in ch.to_lowercase() {
            unicode_normalization::char::decompose_canonical(lower, |c| {
                if let Some(t) = TONES.iter().position(|&t| t == c) {
                    tone = t + 1;
                } else if len < base.len() {
                    base[len] = c;
                    len += 1;
                } else {
                    overflow = true;
                }
            });
        }
        if overflow {
            continue;
        }
        let base = &base[..len];
        if let Some(i) = LETTERS_NFD.iter().position(|l| l.as_slice() == base) {
            // Codes start at 'A' so that the word separator (a space) sorts before any letter.
            primary.push(char::from(b'A' + i as u8));
        } else if let [d] = base
            && d.is_ascii_digit()
        {
            primary.push(*d);
        }
    }
    char::from(b'0' + tone as u8)
}

/// A byte-comparable key that orders names the Vietnamese way: given name (the last word)
/// first, then the middle names, then the family name; letters in Vietnamese order; tones
/// only break ties. Compare with binary collation (`COLLATE "C"` on PostgreSQL).
pub fn sort_key(full_name: &str) -> String {
    let words: Vec<&str> = full_name.split_whitespace().collect();
    let Some((family, rest)) = words.split_first() else {
        return String::new();
    };
    // Given name, middle names, family name.
    let order = rest
        .last()
        .into_iter()
        .chain(rest.iter().take(rest.len().saturating_sub(1)))
        .chain(std::iter::once(family));
    let mut primary = String::with_capacity(full_name.len() + 2);
    let mut tones = String::with_capacity(words.len());
    for (n, w) in order.enumerate() {
        if n > 0 {
            primary.push(' ');
        }
        tones.push(word_key(w, &mut primary));
    }
    primary.push('!');
    primary.push_str(&tones);
    primary
}

/// A citizen ID shown masked: first digit, then `xx`, bullets, and the last two digits.
pub fn mask_cccd(cccd: &str) -> String {
    let digits: Vec<char> = cccd.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 4 {
        return "•".repeat(digits.len().max(1));
    }
    let mut out = String::with_capacity(digits.len() * 3 + 2);
    out.push(digits[0]);
    out.push_str("xx");
    for _ in 0..digits.len().saturating_sub(5) {
        out.push('•');
    }
    out.extend(&digits[digits.len() - 2..]);
    out
}

/// A phone number shown outside the resident's own hamlet team.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 6 {
        return "•".repeat(digits.len());
    }
    let head: String = digits[..3].iter().collect();
    let tail: String = digits[digits.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "•".repeat(digits.len() - 5))
}

/// The 11-digit mobile prefixes renumbered in 2018, with their 10-digit replacements.
const OLD_PREFIXES: &[(&str, &str)] = &[
    ("0120", "070"),
    ("0121", "079"),
    ("0122", "077"),
    ("0126", "076"),
    ("0128", "078"),
    ("0123", "083"),
    ("0124", "084"),
    ("0125", "085"),
    ("0127", "081"),
    ("0129", "082"),
    ("0162", "032"),
    ("0163", "033"),
    ("0164", "034"),
    ("0165", "035"),
    ("0166", "036"),
    ("0167", "037"),
    ("0168", "038"),
    ("0169", "039"),
    ("0186", "056"),
    ("0188", "058"),
    ("0199", "059"),
];

/// Normalises a Vietnamese mobile number to 10 digits, or `None` if it is not one: spaces,
/// dots and dashes dropped, `+84`/`84` replaced by `0`, a leading zero lost by a spreadsheet
/// restored, and the old 11-digit prefixes (`0168…`) renumbered (`038…`).
pub fn normalize_phone(s: &str) -> Option<String> {
    let s = s.trim();
    if s.chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '+' | '(' | ')')))
    {
        return None;
    }
    let mut d: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    if d.starts_with("84") && (d.len() == 11 || d.len() == 12) {
        d = format!("0{}", &d[2..]);
    }
    if (d.len() == 9 || d.len() == 10) && !d.starts_with('0') {
        d = format!("0{d}");
    }
    if d.len() == 11 {
        let (_, new) = OLD_PREFIXES.iter().find(|(old, _)| d.starts_with(old))?;
        d = format!("{new}{}", &d[4..]);
    }
    let mobile = d
        .as_bytes()
        .get(1)
        .is_some_and(|c| matches!(c, b'3' | b'5' | b'7' | b'8' | b'9'));
    (d.len() == 10 && d.starts_with('0') && mobile).then_some(d)
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `1234567` → `1.234.567`, the Vietnamese way.
pub fn format_int(n: impl std::borrow::Borrow<i64>) -> String {
    let n = *n.borrow();
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `79.94` → `79,9`, `80.0` → `80,0` (one decimal always, comma): a report's column of
/// percentages, or a sheet's column of points, reads alike from top to bottom.
pub fn decimal_comma(v: f64) -> String {
    let tenths = (v * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    format!("{sign}{},{}", tenths.abs() / 10, tenths.abs() % 10)
}

/// `2026-05-10` → `10/05/2026`; anything else is returned unchanged.
pub fn format_date(iso: &str) -> String {
    let p: Vec<&str> = iso.split('-').collect();
    if p.len() == 3 {
        format!("{}/{}/{}", p[2], p[1], p[0])
    } else {
        iso.to_string()
    }
}

/// Accepts `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy` or `yyyy-mm-dd`; returns ISO `yyyy-mm-dd`.
pub fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if parts.len() != 3 {
        return None;
    }
    let nums: Option<Vec<u32>> = parts.iter().map(|p| p.trim().parse().ok()).collect();
    let n = nums?;
    let (y, m, d) = if parts[0].len() == 4 {
        (n[0], n[1], n[2])
    } else {
        (n[2], n[1], n[0])
    };
    let date = chrono::NaiveDate::from_ymd_opt(y as i32, m, d)?;
    Some(date.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_drops_diacritics_case_and_d_stroke() {
        assert_eq!(fold("Nguyễn Văn Đức"), "nguyen van duc");
        assert_eq!(fold("  ĐẶNG   thị  Ánh "), "dang thi anh");
        // Decomposed input folds the same as composed.
        let nfd: String = "Đỗ Hồng Đăng".nfd().collect();
        assert_eq!(fold(&nfd), "do hong dang");
    }

    #[test]
    fn clean_stores_nfc() {
        let nfd: String = "Trần Thị Ngọc".nfd().collect();
        assert_ne!(nfd, "Trần Thị Ngọc");
        assert_eq!(clean(&format!("  {nfd} ")), "Trần Thị Ngọc");
    }

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        v.sort_by_key(|n| sort_key(n));
        v
    }

    #[test]
    fn sorts_by_given_name_first() {
        assert_eq!(
            sorted(&["Nguyễn Văn Bình", "Trần Thị An", "Lê Anh"]),
            vec!["Trần Thị An", "Lê Anh", "Nguyễn Văn Bình"]
        );
        // Same given name: middle name decides, then family name.
        assert_eq!(
            sorted(&["Nguyễn Văn Hùng", "Lê Minh Hùng", "Trần Văn Hùng"]),
            vec!["Lê Minh Hùng", "Nguyễn Văn Hùng", "Trần Văn Hùng"]
        );
    }

    #[test]
    fn sorts_in_vietnamese_letter_order() {
        assert_eq!(
            sorted(&["Lê Ân", "Lê Ăn", "Lê An"]),
            vec!["Lê An", "Lê Ăn", "Lê Ân"]
        );
        assert_eq!(
            sorted(&["Lê Đào", "Lê Dung", "Lê Em"]),
            vec!["Lê Dung", "Lê Đào", "Lê Em"]
        );
        assert_eq!(
            sorted(&["Lê Ơn", "Lê Ôn", "Lê On", "Lê Ưng", "Lê Uyên"]),
            vec!["Lê On", "Lê Ôn", "Lê Ơn", "Lê Uyên", "Lê Ưng"]
        );
        assert_eq!(sorted(&["Lê Êm", "Lê Em"]), vec!["Lê Em", "Lê Êm"]);
        // Tones only break ties, in dictionary order: ngang, huyền, hỏi, ngã, sắc, nặng.
        assert_eq!(
            sorted(&["Lê Mạ", "Lê Má", "Lê Mã", "Lê Mả", "Lê Mà", "Lê Ma"]),
            vec!["Lê Ma", "Lê Mà", "Lê Mả", "Lê Mã", "Lê Má", "Lê Mạ"]
        );
        // A shorter given name sorts before a longer one that starts the same way.
        assert_eq!(sorted(&["Lê Anh", "Lê An"]), vec!["Lê An", "Lê Anh"]);
    }

    #[test]
    fn masks() {
        assert_eq!(mask_cccd("079123456789"), "0xx•••••••89");
        assert_eq!(mask_phone("0901234567"), "090•••••67");
        assert_eq!(username_from_name("Nguyễn Văn An"), "annv");
        assert_eq!(username_from_name("  Đặng  Thị Ánh  Tuyết "), "tuyetdta");
        assert_eq!(username_from_name("Lê Đức"), "ducl");
        assert_eq!(username_from_name("!!"), "");
    }

    #[test]
    fn phones_normalise_to_ten_digits() {
        assert_eq!(
            normalize_phone("+84 901 234 567").as_deref(),
            Some("0901234567")
        );
        assert_eq!(
            normalize_phone("090.123.4567").as_deref(),
            Some("0901234567")
        );
        assert_eq!(normalize_phone("12345"), None);
    }

    #[test]
    fn dates_and_numbers() {
        assert_eq!(parse_date("5/3/1980").as_deref(), Some("1980-03-05"));
        assert_eq!(parse_date("1980-03-05").as_deref(), Some("1980-03-05"));
        assert_eq!(parse_date("31/02/1980"), None);
        assert_eq!(format_date("1980-03-05"), "05/03/1980");
        assert_eq!(format_int(35012), "35.012");
        assert_eq!(like_escape("50%_a"), "50\\%\\_a");
    }
}
