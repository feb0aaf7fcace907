//! Single-use secrets sent by link (invitations, password resets, address confirmations): 256
//! random bits, shown once, stored only as their SHA-256 so a database leak does not leak working
//! links.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::repo;
use crate::{db::Tx, error::Result};

pub struct SecretToken {
    /// Goes into the link; never stored.
    pub plain: String,
    /// Stored and looked up.
    pub hash: String,
}

pub fn generate() -> SecretToken {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let plain = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&plain);
    SecretToken { plain, hash }
}

/// The tables of links that name an account and work once before they expire.
#[derive(Clone, Copy, Debug)]
pub enum Link {
    PasswordReset,
    EmailProof,
}

/// Makes a link for `user_id` that works until `expires_at`, inside the caller's transaction;
/// answers the secret (its plain form goes into the link, only the hash is stored).
pub async fn issue(
    tx: &mut Tx,
    link: Link,
    user_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> Result<SecretToken> {
    let token = generate();
    repo::insert_link_token(tx, link, &token.hash, user_id, now, expires_at).await?;
    Ok(token)
}

/// Spends a link inside the caller's transaction: the account it names, or `None` when the link
/// is unknown, spent or expired. One conditional UPDATE, so of two concurrent uses one wins.
pub async fn claim(
    tx: &mut Tx,
    link: Link,
    plain: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Uuid>> {
    repo::claim_link_token(tx, link, &hash(plain), now).await
}

pub fn hash(plain: &str) -> String {
    hex::encode(Sha256::digest(plain.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_long_distinct_and_hashed() {
        let a = super::generate();
        let b = super::generate();
        assert_eq!(a.plain.len(), 43);
        assert_ne!(a.plain, b.plain);
        assert_eq!(a.hash, super::hash(&a.plain));
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.plain));
    }
}
