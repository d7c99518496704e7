//! The one password policy, checked wherever a password is set (the command line, the account
//! pages and the API): long enough, not blank, not the username, not one of
//! the passwords people pick most. Each refusal says in Vietnamese which rule failed.

use crate::error::{AppError, Result};
use crate::text;
use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_CHARS: usize = 10;

/// 30,000 leaked-list passwords and Vietnamese ones, embedded so the check needs no file.
const COMMON: &str = include_str!("common_passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        COMMON
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// How many passwords the list holds.
pub fn common_count() -> usize {
    common().len()
}

/// Lower case without diacritics or spaces: «Mật Khẩu 123» is `matkhau123`.
fn plain(s: &str) -> String {
    text::fold(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Whether `password` may be set for `username`.
pub fn check(username: &str, password: &str) -> Result<()> {
    if password.trim().is_empty() {
        return Err(AppError::invalid(
            "Mật khẩu không được để trống hoặc chỉ gồm dấu cách.",
        ));
    }
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(AppError::invalid(format!(
            "Mật khẩu phải có ít nhất {MIN_CHARS} ký tự (mật khẩu này có {chars})."
        )));
    }
    let user = plain(username);
    if !user.is_empty() && plain(password).contains(&user) {
        return Err(AppError::invalid(format!(
            "Mật khẩu không được chứa tên đăng nhập «{username}»."
        )));
    }
    let list = common();
    if list.contains(password.to_lowercase().as_str()) || list.contains(plain(password).as_str()) {
        return Err(AppError::invalid(
            "Mật khẩu này nằm trong danh sách mật khẩu phổ biến, dễ bị đoán. \
             Hãy chọn mật khẩu khác, ví dụ một câu ngắn dễ nhớ.",
        ));
    }
    Ok(())
}

/// Letters and digits that cannot be mistaken for one another when read aloud or copied from
/// a screen (no 0/o, 1/l/i).
const TEMPORARY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A one-time password for `username`, shown once to the admin who set it: three groups of
/// four, easy to read out over the phone, and held to the policy like any other.
pub fn temporary(username: &str) -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    loop {
        let groups: Vec<String> = (0..3)
            .map(|_| {
                (0..4)
                    .map(|_| TEMPORARY_ALPHABET[rng.gen_range(0..TEMPORARY_ALPHABET.len())] as char)
                    .collect()
            })
            .collect();
        let password = groups.join("-");
        if check(username, &password).is_ok() {
            return password;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(username: &str, password: &str) -> String {
        match check(username, password) {
            Err(e) => e.to_string(),
            Ok(()) => String::new(),
        }
    }

    #[test]
    fn temporary_passwords_pass_the_policy_and_differ() {
        let a = temporary("annv");
        let b = temporary("annv");
        assert_eq!(a.len(), 14, "{a}");
        assert_ne!(a, b);
        assert!(check("annv", &a).is_ok());
    }

    #[test]
    fn the_list_is_embedded_and_large() {
        assert!(common_count() >= 10_000, "{}", common_count());
        for p in ["123456789", "matkhau", "anhyeuem", "password", "qwertyuiop"] {
            assert!(common().contains(p), "{p}");
        }
    }

    #[test]
    fn each_rule_says_what_failed() {
        assert!(refusal("vhxh2", "          ").contains("chỉ gồm dấu cách"));
        assert!(refusal("vhxh2", "").contains("để trống"));
        assert!(refusal("vhxh2", "ngan-qua").contains("ít nhất 10 ký tự (mật khẩu này có 8)"));
        // Ten letters with diacritics are ten characters, not their bytes.
        assert!(refusal("vhxh2", "mộtbảyđạt").contains("ít nhất 10"));
        assert!(refusal("tovien03", "Tovien03-nam-2026").contains("tên đăng nhập «tovien03»"));
        assert!(refusal("tovien03", "so-TOVIEN03-moi").contains("tên đăng nhập"));
        for common in [
            "1234567890",
            "qwertyuiop",
            "Matkhau123",
            "Mật Khẩu 123",
            "ANHYEUEM123",
        ] {
            assert!(
                refusal("vhxh2", common).contains("mật khẩu phổ biến"),
                "{common}: {}",
                refusal("vhxh2", common)
            );
        }
    }

    #[test]
    fn a_long_uncommon_password_passes() {
        assert_eq!(refusal("vhxh2", "mot-mat-khau-dai"), "");
        assert_eq!(refusal("tovien03", "Lúa chín vàng đồng 2026"), "");
    }
}
