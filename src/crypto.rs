//! Citizen ID (CCCD) protection: AES-256-GCM for the stored value, a keyed hash for matching.

use crate::error::{AppError, Result};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Clone)]
pub struct Keys {
    enc: [u8; 32],
    mac: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

impl Keys {
    /// Derives the encryption and matching keys from one master secret.
    pub fn from_master(master: &[u8]) -> Keys {
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut h = Sha256::new();
            h.update(label);
            h.update(master);
            h.finalize().into()
        };
        Keys {
            enc: derive(b"congdongso/cccd-encryption/v1"),
            mac: derive(b"congdongso/cccd-matching/v1"),
        }
    }

    /// Reads the master secret from `value` (base64) if given, else from `file`, creating
    /// the file with a fresh random secret on first start.
    pub fn load(value: Option<&str>, file: &Path) -> Result<Keys> {
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            let bytes = STANDARD.decode(v.trim()).map_err(|_| {
                AppError::Config("CONGDONGSO_SECRET_KEY phải là chuỗi base64 (32 byte).".into())
            })?;
            if bytes.len() < 32 {
                return Err(AppError::Config(
                    "CONGDONGSO_SECRET_KEY quá ngắn: cần ít nhất 32 byte.".into(),
                ));
            }
            return Ok(Keys::from_master(&bytes));
        }
        if file.exists() {
            let text = std::fs::read_to_string(file)
                .map_err(|e| AppError::Config(format!("Không đọc được tệp khóa {file:?}: {e}")))?;
            let bytes = STANDARD
                .decode(text.trim())
                .map_err(|_| AppError::Config(format!("Tệp khóa {file:?} bị hỏng.")))?;
            return Ok(Keys::from_master(&bytes));
        }
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| AppError::Config(format!("Không tạo được thư mục {dir:?}: {e}")))?;
        }
        std::fs::write(file, STANDARD.encode(bytes))
            .map_err(|e| AppError::Config(format!("Không ghi được tệp khóa {file:?}: {e}")))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600));
        }
        tracing::warn!(
            "created a new secret key file; back it up: without it, stored citizen IDs cannot be read"
        );
        Ok(Keys::from_master(&bytes))
    }

    pub fn encrypt(&self, plain: &str) -> String {
        let cipher = Aes256Gcm::new_from_slice(&self.enc).expect("32-byte key");
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(&Nonce::from(nonce), plain.as_bytes())
            .expect("AES-GCM encryption of a short string cannot fail");
        let mut out = nonce.to_vec();
        out.extend(ct);
        STANDARD.encode(out)
    }

    pub fn decrypt(&self, stored: &str) -> Result<String> {
        let bad = || AppError::Internal("không giải mã được số CCCD".into());
        let bytes = STANDARD.decode(stored).map_err(|_| bad())?;
        if bytes.len() < 13 {
            return Err(bad());
        }
        let cipher = Aes256Gcm::new_from_slice(&self.enc).expect("32-byte key");
        let nonce: [u8; 12] = bytes[..12].try_into().map_err(|_| bad())?;
        let plain = cipher
            .decrypt(&Nonce::from(nonce), &bytes[12..])
            .map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }

    /// A keyed hash of the citizen ID, so equal IDs can be found without decrypting.
    pub fn match_hash(&self, cccd: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac).expect("any key length");
        mac.update(cccd.as_bytes());
        // Hex without a formatted string per byte: an import hashes a hundred thousand IDs.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for b in mac.finalize().into_bytes() {
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
        out
    }
}

/// A citizen ID is 12 digits.
pub fn normalize_cccd(s: &str) -> Option<String> {
    let d: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    (d.len() == 12).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypts_round_trip_and_hashes_stably() {
        let k = Keys::from_master(b"0123456789abcdef0123456789abcdef");
        let a = k.encrypt("079123456789");
        let b = k.encrypt("079123456789");
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains("079123456789"));
        assert_eq!(k.decrypt(&a).unwrap(), "079123456789");
        assert_eq!(k.match_hash("079123456789"), k.match_hash("079123456789"));
        let other = Keys::from_master(b"another secret, another key set!");
        assert!(other.decrypt(&a).is_err());
    }
}
