//! Password policy and argon2id hashing. Hashing is CPU-heavy by design, so it always runs on
//! the blocking pool, never on an async worker thread.

use std::{collections::HashSet, sync::OnceLock};

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// Argon2 computations started, for tests and metrics: a refused request must not add to it.
static HASHINGS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn hashings() -> u64 {
    HASHINGS.load(std::sync::atomic::Ordering::Relaxed)
}

fn count_hashing() {
    HASHINGS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    metrics::counter!("password_hashings_total").increment(1);
}

static COMMON: &str = include_str!("../../data/common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.lines().filter(|l| !l.is_empty()).collect())
}

/// DESIGN's policy: 8 to 128 characters, a letter and a digit, not a common password.
pub fn check_policy(password: &str) -> Result<()> {
    let len = password.chars().count();
    let fail = |m: &str| Err(Error::validation("password", m));
    if len < 8 {
        return fail("Password must be at least 8 characters long.");
    }
    if len > 128 {
        return fail("Password must be at most 128 characters long.");
    }
    if !password.chars().any(|c| c.is_alphabetic()) || !password.chars().any(|c| c.is_numeric()) {
        return fail("Password must contain at least one letter and one digit.");
    }
    if common_passwords().contains(password.to_lowercase().as_str()) {
        return fail("This password is too common. Choose one that is harder to guess.");
    }
    Ok(())
}

/// OWASP's argon2id parameters: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters"),
    )
}

/// Hashes on the blocking pool.
#[tracing::instrument(skip_all)]
pub async fn hash(password: SecretString) -> Result<String> {
    count_hashing();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(anyhow::anyhow!("argon2 hash: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
}

/// A hash of a random password, verified against when the account does not exist so that an
/// unknown email costs the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"not-a-real-password-0", &salt)
            .expect("hash dummy")
            .to_string()
    })
}

/// Verifies on the blocking pool. `None` (no such account) still spends the hashing time.
#[tracing::instrument(skip_all)]
pub async fn verify(password: SecretString, stored: Option<String>) -> Result<bool> {
    count_hashing();
    tokio::task::spawn_blocking(move || {
        let exists = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_string());
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| Error::Internal(anyhow::anyhow!("stored hash unreadable: {e}")))?;
        let ok = argon2()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        Ok(exists && ok)
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_names_each_failure() {
        let msg = |p: &str| check_policy(p).unwrap_err().to_string();
        assert!(msg("a1b2c3").contains("at least 8"));
        assert!(msg(&format!("a1{}", "x".repeat(127))).contains("at most 128"));
        assert!(msg("abcdefghij").contains("letter and one digit"));
        assert!(msg("1234567890").contains("letter and one digit"));
        assert!(msg("password1").contains("too common"));
        assert!(msg("Password1").contains("too common"), "case-insensitive");
        assert!(check_policy("corr3ct horse battery").is_ok());
        assert!(check_policy(&format!("a1{}", "x".repeat(126))).is_ok());
    }

    #[tokio::test]
    async fn hash_is_argon2id_with_owasp_parameters_and_verifies() {
        let h = hash(SecretString::from("corr3ct horse")).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(SecretString::from("corr3ct horse"), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify(SecretString::from("wrong horse 1"), Some(h))
            .await
            .unwrap());
        assert!(!verify(SecretString::from("corr3ct horse"), None)
            .await
            .unwrap());
    }
}
