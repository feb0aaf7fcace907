//! Values kept encrypted at rest (TOTP secrets): ChaCha20-Poly1305 under a key derived from
//! APP_SECRET_KEY, a fresh random nonce per value, stored as base64(nonce ‖ ciphertext).

use base64::{engine::general_purpose::STANDARD, Engine};
use chacha20poly1305::{
    aead::{Aead, KeyInit},
    ChaCha20Poly1305, Key, Nonce,
};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

fn cipher(app_key: &SecretString) -> ChaCha20Poly1305 {
    // Domain-separated so this key is never the one used for anything else.
    let mut h = Sha256::new();
    h.update(b"switchyard/seal/v1\0");
    h.update(app_key.expose_secret().as_bytes());
    ChaCha20Poly1305::new(Key::from_slice(&h.finalize()))
}

/// Compares two secrets without leaking, through timing, how much of them matched (subtle's
/// constant-time comparison; a length mismatch is simply unequal).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

pub fn seal(app_key: &SecretString, plain: &[u8]) -> Result<String> {
    let mut nonce = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = cipher(app_key)
        .encrypt(Nonce::from_slice(&nonce), plain)
        .map_err(|_| Error::Internal(anyhow::anyhow!("encryption failed")))?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(STANDARD.encode(out))
}

pub fn open(app_key: &SecretString, sealed: &str) -> Result<Vec<u8>> {
    let bad = || {
        Error::Internal(anyhow::anyhow!(
            "a sealed value could not be opened (was APP_SECRET_KEY changed?)"
        ))
    };
    let raw = STANDARD.decode(sealed).map_err(|_| bad())?;
    if raw.len() < 12 {
        return Err(bad());
    }
    let (nonce, body) = raw.split_at(12);
    cipher(app_key)
        .decrypt(Nonce::from_slice(nonce), body)
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key() {
        let k = SecretString::from("k".repeat(40));
        let s = seal(&k, b"JBSWY3DPEHPK3PXP").unwrap();
        assert_ne!(
            s,
            seal(&k, b"JBSWY3DPEHPK3PXP").unwrap(),
            "fresh nonce each time"
        );
        assert_eq!(open(&k, &s).unwrap(), b"JBSWY3DPEHPK3PXP");
        assert!(open(&SecretString::from("x".repeat(40)), &s).is_err());
        assert!(open(&k, "AAAA").is_err());
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }
}
