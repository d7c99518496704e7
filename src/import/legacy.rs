//! Text typed in the pre-Unicode Vietnamese encodings (TCVN3/ABC with the `.Vn` fonts, VNI
//! with the `VNI-` fonts) reaches us as Latin-1 garbage: "NguyÔn V¨n §øc" or "Nguyeãn Vaên
//! Ñöùc". We decode a text with each table and keep the reading that looks most like
//! Vietnamese, judged syllable by syllable; proper Unicode text is left as it is.

use unicode_normalization::UnicodeNormalization;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Unicode,
    Tcvn3,
    Vni,
}

/// TCVN3 (ABC) lowercase letters and the few capitals it has, by the Latin-1 character the
/// byte shows as. Capitals with a tone are written as a capital base letter followed by the
/// lowercase toned letter; `merge_capitals` puts those together.
const TCVN3: &[(char, char)] = &[
    ('¡', 'Ă'),
    ('¢', 'Â'),
    ('£', 'Ê'),
    ('¤', 'Ô'),
    ('¥', 'Ơ'),
    ('¦', 'Ư'),
    ('§', 'Đ'),
    ('¨', 'ă'),
    ('©', 'â'),
    ('ª', 'ê'),
    ('«', 'ô'),
    ('¬', 'ơ'),
    ('\u{AD}', 'ư'),
    ('®', 'đ'),
    ('µ', 'à'),
    ('¶', 'ả'),
    ('·', 'ã'),
    ('¸', 'á'),
    ('¹', 'ạ'),
    ('»', 'ằ'),
    ('¼', 'ẳ'),
    ('½', 'ẵ'),
    ('¾', 'ắ'),
    ('Æ', 'ặ'),
    ('Ç', 'ầ'),
    ('È', 'ẩ'),
    ('É', 'ẫ'),
    ('Ê', 'ấ'),
    ('Ë', 'ậ'),
    ('Ì', 'è'),
    ('Î', 'ẻ'),
    ('Ï', 'ẽ'),
    ('Ð', 'é'),
    ('Ñ', 'ẹ'),
    ('Ò', 'ề'),
    ('Ó', 'ể'),
    ('Ô', 'ễ'),
    ('Õ', 'ế'),
    ('Ö', 'ệ'),
    ('×', 'ì'),
    ('Ø', 'ỉ'),
    ('Ü', 'ĩ'),
    ('Ý', 'í'),
    ('Þ', 'ị'),
    ('ß', 'ò'),
    ('á', 'ỏ'),
    ('â', 'õ'),
    ('ã', 'ó'),
    ('ä', 'ọ'),
    ('å', 'ồ'),
    ('æ', 'ổ'),
    ('ç', 'ỗ'),
    ('è', 'ố'),
    ('é', 'ộ'),
    ('ê', 'ờ'),
    ('ë', 'ở'),
    ('ì', 'ỡ'),
    ('í', 'ớ'),
    ('î', 'ợ'),
    ('ï', 'ù'),
    ('ñ', 'ủ'),
    ('ò', 'ũ'),
    ('ó', 'ú'),
    ('ô', 'ụ'),
    ('õ', 'ừ'),
    ('ö', 'ử'),
    ('÷', 'ữ'),
    ('ø', 'ứ'),
    ('ù', 'ự'),
    ('ú', 'ỳ'),
    ('û', 'ỷ'),
    ('ü', 'ỹ'),
    ('ý', 'ý'),
    ('þ', 'ỵ'),
];

const ACUTE: char = '\u{301}';
const GRAVE: char = '\u{300}';
const HOOK: char = '\u{309}';
const TILDE: char = '\u{303}';
const DOT: char = '\u{323}';
const CIRCUMFLEX: char = '\u{302}';
const BREVE: char = '\u{306}';
const HORN: char = '\u{31B}';

/// VNI letters that stand alone (replacing the letter), lowercase; capitals are the same
/// characters uppercased.
const VNI_LETTERS: &[(char, &str)] = &[
    ('ô', "ơ"),
    ('ö', "ư"),
    ('ñ', "đ"),
    ('æ', "ỉ"),
    ('ó', "ĩ"),
    ('ò', "ị"),
    ('î', "ỵ"),
];

/// VNI marks written after the vowel they belong to, as combining marks.
const VNI_MARKS: &[(char, &[char])] = &[
    ('ù', &[ACUTE]),
    ('ø', &[GRAVE]),
    ('û', &[HOOK]),
    ('õ', &[TILDE]),
    ('ï', &[DOT]),
    ('â', &[CIRCUMFLEX]),
    ('á', &[CIRCUMFLEX, ACUTE]),
    ('à', &[CIRCUMFLEX, GRAVE]),
    ('å', &[CIRCUMFLEX, HOOK]),
    ('ã', &[CIRCUMFLEX, TILDE]),
    ('ä', &[CIRCUMFLEX, DOT]),
    ('ê', &[BREVE]),
    ('é', &[BREVE, ACUTE]),
    ('è', &[BREVE, GRAVE]),
    ('ú', &[BREVE, HOOK]),
    ('ü', &[BREVE, TILDE]),
    ('ë', &[BREVE, DOT]),
];

pub fn decode(s: &str, enc: Encoding) -> String {
    match enc {
        Encoding::Unicode => s.nfc().collect(),
        Encoding::Tcvn3 => merge_capitals(
            &s.chars()
                .map(|c| TCVN3.iter().find(|(k, _)| *k == c).map_or(c, |(_, v)| *v))
                .collect::<String>(),
        ),
        Encoding::Vni => decode_vni(s),
    }
}

fn decode_vni(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev_vowel = false;
    for c in s.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let upper = c.is_uppercase();
        if prev_vowel && let Some((_, marks)) = VNI_MARKS.iter().find(|(k, _)| *k == lower) {
            out.extend(marks.iter());
            continue;
        }
        if let Some((_, l)) = VNI_LETTERS.iter().find(|(k, _)| *k == lower) {
            if upper {
                out.extend(l.chars().flat_map(char::to_uppercase));
            } else {
                out.push_str(l);
            }
            prev_vowel = lower != 'ñ';
            continue;
        }
        out.push(c);
        prev_vowel = matches!(lower, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    }
    out.nfc().collect()
}

/// "Aá" (a capital, then the same letter toned, as TCVN3 writes capitals) becomes "Á".
fn merge_capitals(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(&next) = chars.get(i + 1)
            && c.is_uppercase()
            && next.is_lowercase()
            && !next.is_ascii()
            && strip_tone(&c.to_lowercase().collect::<String>()) == strip_shape_and_tone(next, c)
        {
            out.extend(next.to_uppercase());
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn strip_tone(s: &str) -> String {
    s.nfd()
        .filter(|c| !matches!(*c, ACUTE | GRAVE | HOOK | TILDE | DOT))
        .nfc()
        .collect()
}

/// The toned letter without its tone, or without shape and tone when the capital is bare
/// (TCVN3 writes "Â" + "ấ" and "A" + "á" alike).
fn strip_shape_and_tone(next: char, capital: char) -> String {
    let toneless = strip_tone(&next.to_string());
    if capital.is_ascii() {
        toneless
            .nfd()
            .filter(|c| !matches!(*c, CIRCUMFLEX | BREVE | HORN))
            .collect()
    } else {
        toneless
    }
}

/// Text as Unicode NFC, decoded from a legacy encoding when that reads as Vietnamese and the
/// text as given does not.
pub fn repair(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    let (best, _) = best_reading(s);
    decode(s, best)
}

/// Legacy text is bytes shown as Latin-1: a Vietnamese letter beyond it (ă, đ, ơ, ư, ạ…)
/// means the text is Unicode already.
pub fn surely_unicode(s: &str) -> bool {
    s.chars().any(|c| c > '\u{FF}' && is_vietnamese_letter(c))
}

/// The encoding whose reading scores best, and by how much it beats the text as given.
pub fn best_reading(s: &str) -> (Encoding, i32) {
    if s.is_ascii() || surely_unicode(s) {
        return (Encoding::Unicode, 0);
    }
    let base = score(&decode(s, Encoding::Unicode));
    let mut best = (Encoding::Unicode, 0);
    for enc in [Encoding::Tcvn3, Encoding::Vni] {
        let gain = score(&decode(s, enc)) - base;
        if gain > best.1 {
            best = (enc, gain);
        }
    }
    best
}

/// +1 for every word that is a Vietnamese syllable, −1 for every one that is not and for
/// every character no Vietnamese text has. Plain ASCII words (names like Zalo) count 0.
pub fn score(s: &str) -> i32 {
    let mut total = 0;
    for c in s.chars() {
        if !c.is_ascii() && !is_vietnamese_letter(c) && !c.is_whitespace() && !is_common_mark(c) {
            total -= 1;
        }
    }
    for word in s.split(|c: char| !is_vietnamese_letter(c)) {
        if word.is_empty() || word.is_ascii() {
            continue;
        }
        total += if is_syllable(word) { 1 } else { -1 };
    }
    total
}

fn is_common_mark(c: char) -> bool {
    matches!(c, '–' | '—' | '‘' | '’' | '“' | '”' | '…' | '•' | '°' | '№')
}

pub fn is_vietnamese_letter(c: char) -> bool {
    if c.is_ascii_alphabetic() {
        return true;
    }
    let l = c.to_lowercase().next().unwrap_or(c);
    matches!(
        l,
        'à' | 'á'
            | 'â'
            | 'ã'
            | 'è'
            | 'é'
            | 'ê'
            | 'ì'
            | 'í'
            | 'ò'
            | 'ó'
            | 'ô'
            | 'õ'
            | 'ù'
            | 'ú'
            | 'ý'
            | 'ă'
            | 'đ'
            | 'ĩ'
            | 'ũ'
            | 'ơ'
            | 'ư'
    ) || ('\u{1EA0}'..='\u{1EF9}').contains(&l)
}

const INITIALS: &[&str] = &[
    "ngh", "ng", "gh", "gi", "kh", "nh", "ph", "qu", "th", "tr", "ch", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
];
const FINALS: &[&str] = &["ch", "ng", "nh", "c", "m", "n", "p", "t", ""];
const NUCLEI: &[&str] = &[
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây",
    "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "oo", "ua", "uâ", "uê", "ui",
    "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê", "iêu", "yêu", "oai", "oay", "oao", "oeo",
    "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu", "uêu", "oac", "ôô",
];

/// Whether a word is one Vietnamese syllable: an initial, a vowel group, a final, one tone
/// at most, and only a sharp or heavy tone before a stop (-c, -ch, -p, -t).
pub fn is_syllable(word: &str) -> bool {
    let mut letters = String::new();
    let mut tone = None;
    for c in word.to_lowercase().nfd() {
        match c {
            ACUTE | GRAVE | HOOK | TILDE | DOT => {
                if tone.replace(c).is_some() {
                    return false;
                }
            }
            CIRCUMFLEX | BREVE | HORN => {
                let Some(last) = letters.pop() else {
                    return false;
                };
                let shaped = match (last, c) {
                    ('a', CIRCUMFLEX) => 'â',
                    ('e', CIRCUMFLEX) => 'ê',
                    ('o', CIRCUMFLEX) => 'ô',
                    ('a', BREVE) => 'ă',
                    ('o', HORN) => 'ơ',
                    ('u', HORN) => 'ư',
                    _ => return false,
                };
                letters.push(shaped);
            }
            c if c.is_ascii_lowercase() || c == 'đ' => letters.push(c),
            _ => return false,
        }
    }
    for initial in INITIALS {
        let Some(rest) = letters.strip_prefix(initial) else {
            continue;
        };
        for fin in FINALS {
            let Some(nucleus) = rest.strip_suffix(fin) else {
                continue;
            };
            if !NUCLEI.contains(&nucleus) {
                continue;
            }
            let stop = matches!(*fin, "c" | "ch" | "p" | "t");
            if stop && !matches!(tone, Some(ACUTE) | Some(DOT)) {
                continue;
            }
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcvn3_names_are_decoded() {
        assert_eq!(repair("NguyÔn V¨n §øc"), "Nguyễn Văn Đức");
        assert_eq!(repair("TrÇn ThÞ Ngäc A¸nh"), "Trần Thị Ngọc Ánh");
        assert_eq!(repair("A¸nh"), "Ánh");
        assert_eq!(repair("¢Êp CÇu X©y"), "Ấp Cầu Xây");
        assert_eq!(repair("Hä vµ tªn"), "Họ và tên");
        assert_eq!(repair("Sè ®iÖn tho¹i"), "Số điện thoại");
    }

    #[test]
    fn vni_names_are_decoded() {
        assert_eq!(repair("Nguyeãn Vaên Ñöùc"), "Nguyễn Văn Đức");
        assert_eq!(repair("Traàn Thò Ngoïc Aùnh"), "Trần Thị Ngọc Ánh");
        assert_eq!(repair("Hoï vaø teân"), "Họ và tên");
        assert_eq!(repair("Phöôøng"), "Phường");
    }

    #[test]
    fn unicode_text_is_left_alone() {
        for s in [
            "Nguyễn Văn Đức",
            "Lê Thị Hà",
            "Ấp Cầu Xây",
            "Có",
            "Đã cài",
            "Không",
            "Hoà Thuận",
            "Thuý Kiều",
            "Khuya",
            "Nguyễn Thị Xuân",
            "Tây Ninh Smart",
        ] {
            assert_eq!(repair(s), s, "{s}");
        }
        let nfd: String = "Trần Thị Ngọc".nfd().collect();
        assert_eq!(repair(&nfd), "Trần Thị Ngọc");
    }

    #[test]
    fn syllables() {
        for ok in [
            "nguyễn",
            "văn",
            "đức",
            "trường",
            "khuya",
            "giữ",
            "quá",
            "gì",
            "ấp",
        ] {
            assert!(is_syllable(ok), "{ok}");
        }
        for bad in ["nguyeãn", "vaên", "ñöùc", "uyô", "bàt", "xyz"] {
            assert!(!is_syllable(bad), "{bad}");
        }
    }
}
