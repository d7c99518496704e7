//! The CSRF token as written into a page: disguised afresh on every page (a random pad and the
//! token XOR the pad), so that a compressed page never repeats the same secret bytes an
//! attacker could guess at by the compressed size (BREACH). Checking accepts the plain token
//! (scripts, the field app) or any disguise of it.

use rand::RngCore;

/// A fresh disguise of `token`: hex of the pad, then hex of token XOR pad.
pub fn mask(token: &str) -> String {
    let token = token.as_bytes();
    let mut pad = vec![0u8; token.len()];
    rand::rngs::OsRng.fill_bytes(&mut pad);
    let mut out = String::with_capacity(token.len() * 4);
    for b in pad.iter().chain(
        token
            .iter()
            .zip(&pad)
            .map(|(t, p)| t ^ p)
            .collect::<Vec<_>>()
            .iter(),
    ) {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// `sent` is `expected`, plain or disguised; compared in constant time.
pub fn matches(sent: &str, expected: &str) -> bool {
    if sent.len() == expected.len() {
        return constant_eq(sent.as_bytes(), expected.as_bytes());
    }
    if sent.len() != expected.len() * 4 {
        return false;
    }
    let Some(bytes) = unhex(sent) else {
        return false;
    };
    let (pad, masked) = bytes.split_at(expected.len());
    let token: Vec<u8> = masked.iter().zip(pad).map(|(m, p)| m ^ p).collect();
    constant_eq(&token, expected.as_bytes())
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let digits = s.as_bytes();
    digits
        .chunks(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (*pair.get(1)? as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_gets_another_disguise_of_the_same_token() {
        let token = "Zm9vYmFyLXRva2VuLWJhc2U2NC11cmwtc2FmZS0zMmI";
        let (a, b) = (mask(token), mask(token));
        assert_ne!(a, b, "a fresh pad each time");
        assert!(!a.contains(token));
        assert!(matches(&a, token) && matches(&b, token));
        assert!(matches(token, token), "the plain token still works");
        assert!(!matches(
            &mask("another-token-of-the-same-length-0123456789a"),
            token
        ));
        let mut tampered = a.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        assert!(!matches(&String::from_utf8(tampered).unwrap(), token));
        assert!(!matches("", token));
        assert!(!matches(&"zz".repeat(token.len() * 2), token));
    }
}
