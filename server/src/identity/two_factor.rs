//! Two-factor sign-in with time-based codes (RFC 6238, SHA-1, 6 digits, 30 s, one step of
//! clock skew) and ten single-use recovery codes. A code is accepted once: the last accepted
//! time step is stored and only later steps pass.

use chrono::Utc;
use rand::Rng;
use secrecy::SecretString;
use serde::Serialize;
use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;

use crate::access::Principal;
use crate::{
    audit::{self, Action, Entry, RequestMeta},
    crypto,
    error::{Error, Result},
    identity::{
        self, password,
        repo::{self, TotpRow},
        tokens,
    },
    mail, Db,
};

const STEP: u64 = 30;
pub const RECOVERY_CODES: usize = 10;

/// What the enrolment screen shows: the secret for typing in, and the otpauth link.
#[derive(Clone, Debug, Serialize)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_url: String,
}

fn totp(secret: Vec<u8>) -> Result<TOTP> {
    TOTP::new(Algorithm::SHA1, 6, 1, STEP, secret)
        .map_err(|e| Error::Internal(anyhow::anyhow!("totp: {e}")))
}

fn now_secs() -> u64 {
    Utc::now().timestamp().max(0) as u64
}

/// The time step a code belongs to, if it is valid now (this step, or one either side).
pub fn matching_step(secret: &[u8], code: &str, now: u64) -> Result<Option<u64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret.to_vec())?;
    let step = now / STEP;
    for s in [step.saturating_sub(1), step, step + 1] {
        if t.generate(s * STEP) == code {
            return Ok(Some(s));
        }
    }
    Ok(None)
}

/// The current code for a secret (tests and the enrolment check).
pub fn code_at(secret_b32: &str, time: u64) -> Result<String> {
    let raw = Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .map_err(|_| Error::validation("secret", "Not a valid secret."))?;
    Ok(totp(raw)?.generate(time))
}

async fn row(db: &Db, user_id: Uuid) -> Result<TotpRow> {
    repo::totp_row(db, user_id).await?.ok_or(Error::NotFound)
}

#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn is_enabled(db: &Db, user_id: Uuid) -> Result<bool> {
    Ok(row(db, user_id).await?.totp_secret.is_some())
}

/// Starts enrolment with a fresh 160-bit secret, kept pending until a code confirms it.
#[tracing::instrument(skip_all, fields(user_id = %p.user_id), err(level = "info"))]
pub async fn start(db: &Db, key: &SecretString, p: &Principal) -> Result<Enrolment> {
    if is_enabled(db, p.user_id).await? {
        return Err(Error::Conflict("Two-factor sign-in is already on.".into()));
    }
    let mut raw = [0u8; 20];
    rand::rngs::OsRng.fill(&mut raw);
    let secret = match Secret::Raw(raw.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded encodes"),
    };
    let sealed = crypto::seal(key, secret.as_bytes())?;
    repo::set_totp_pending(db, p.user_id, &sealed).await?;
    Ok(enrolment(p, secret))
}

fn enrolment(p: &Principal, secret: String) -> Enrolment {
    let label: String =
        url::form_urlencoded::byte_serialize(format!("Switchyard:{}", p.email).as_bytes())
            .collect();
    Enrolment {
        otpauth_url: format!(
            "otpauth://totp/{label}?secret={secret}&issuer=Switchyard&algorithm=SHA1&digits=6&period=30"
        ),
        secret,
    }
}

/// An enrolment started but not confirmed yet (so a reload, or a page without JavaScript,
/// can show it again).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn pending(db: &Db, key: &SecretString, p: &Principal) -> Result<Option<Enrolment>> {
    let Some(sealed) = row(db, p.user_id).await?.totp_pending else {
        return Ok(None);
    };
    let secret = String::from_utf8(crypto::open(key, &sealed)?)
        .map_err(|_| Error::Internal(anyhow::anyhow!("sealed secret is not text")))?;
    Ok(Some(enrolment(p, secret)))
}

fn secret_bytes(key: &SecretString, sealed: &str) -> Result<Vec<u8>> {
    let b32 = String::from_utf8(crypto::open(key, sealed)?)
        .map_err(|_| Error::Internal(anyhow::anyhow!("sealed secret is not text")))?;
    Secret::Encoded(b32)
        .to_bytes()
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored secret is not base32")))
}

fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    let mut s: String = (0..10)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    s.insert(5, '-');
    s
}

fn normalise_recovery(code: &str) -> String {
    code.trim().to_lowercase()
}

/// Confirms enrolment with a code from the app; returns the recovery codes, shown once.
#[tracing::instrument(skip_all, fields(user_id = %p.user_id), err(level = "info"))]
pub async fn confirm(
    db: &Db,
    key: &SecretString,
    p: &Principal,
    meta: &RequestMeta,
    code: &str,
) -> Result<Vec<String>> {
    let r = row(db, p.user_id).await?;
    let sealed = r.totp_pending.ok_or_else(|| {
        Error::Conflict("Start the setup again: no code is waiting to be confirmed.".into())
    })?;
    let secret = secret_bytes(key, &sealed)?;
    let Some(step) = matching_step(&secret, code, now_secs())? else {
        return Err(Error::validation(
            "code",
            "That code is not right. Check the time on your phone and try the newest code.",
        ));
    };
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let mut tx = db.begin().await?;
    if !repo::enable_totp(&mut tx, p.user_id, &sealed, step as i64, Utc::now()).await? {
        return Err(Error::Conflict(
            "The setup changed meanwhile. Start it again.".into(),
        ));
    }
    repo::delete_recovery_codes(&mut tx, p.user_id).await?;
    for c in &codes {
        repo::insert_recovery_code(&mut tx, p.user_id, &tokens::hash(c)).await?;
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::TwoFactorEnabled,
            Some(format!("user:{}", p.user_id)),
            serde_json::json!({}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// Checks a second factor at sign-in: a fresh code (each works once) or an unused recovery
/// code (then spent). False for anything else.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn verify(db: &Db, key: &SecretString, user_id: Uuid, code: &str) -> Result<bool> {
    let r = row(db, user_id).await?;
    let Some(sealed) = r.totp_secret else {
        return Ok(false);
    };
    let secret = secret_bytes(key, &sealed)?;
    if let Some(step) = matching_step(&secret, code, now_secs())? {
        if r.totp_last_step.is_some_and(|last| step as i64 <= last) {
            return Ok(false);
        }
        return repo::claim_totp_step(db, user_id, step as i64).await;
    }
    let code_hash = tokens::hash(&normalise_recovery(code));
    repo::spend_recovery_code(db, user_id, &code_hash, Utc::now()).await
}

/// Wrong codes in a row at the sign-in code step before the step locks.
pub const FAILURES_BEFORE_LOCK: i32 = 5;
/// The longest lock, minutes.
const MAX_LOCK_MINUTES: i64 = 24 * 60;

/// Refuses the sign-in code step while the account is locked after wrong codes: a message with
/// the time left (429 semantics, answered before any code is checked).
#[tracing::instrument(skip_all, fields(target_user_id = %user_id))]
pub async fn ensure_not_locked(db: &Db, user_id: Uuid) -> Result<()> {
    match repo::totp_locked_until(db, user_id).await? {
        Some(until) if until > Utc::now() => {
            let minutes = ((until - Utc::now()).num_seconds() + 59) / 60;
            Err(Error::Conflict(format!(
                "Too many wrong codes. The code step of this account is locked for {minutes} more minute{}.",
                if minutes == 1 { "" } else { "s" }
            )))
        }
        _ => Ok(()),
    }
}

/// Counts a wrong code at the sign-in code step. From the FAILURES_BEFORE_LOCK-th in a row the
/// step locks for 1, 2, 4, … minutes (at most a day); each lock is audited and mailed to the
/// account's owner, who learns that someone has their password.
#[tracing::instrument(skip_all, fields(target_user_id = %user_id))]
pub async fn record_failure(db: &Db, meta: &RequestMeta, user_id: Uuid) -> Result<()> {
    let mut tx = db.begin().await?;
    let (failures, email) = repo::bump_totp_failures(&mut tx, user_id).await?;
    if failures < FAILURES_BEFORE_LOCK {
        return tx.commit().await;
    }
    let doublings = (failures - FAILURES_BEFORE_LOCK).min(11) as u32;
    let minutes = (1i64 << doublings).min(MAX_LOCK_MINUTES);
    let until = Utc::now() + chrono::Duration::minutes(minutes);
    repo::lock_totp_until(&mut tx, user_id, until).await?;
    mail::enqueue(
        &mut tx,
        None,
        mail::Message {
            kind: "second_factor_locked",
            to: email,
            subject: "Someone is trying to sign in to your Switchyard account".into(),
            body: format!(
                "{failures} wrong codes in a row were entered at the code step of your Switchyard \
                 sign-in, after a correct password. The code step is locked for {minutes} \
                 minute{}.\n\nIf this was not you, your password is known to someone else: \
                 change it now under Settings → Security (other sessions end).",
                if minutes == 1 { "" } else { "s" }
            ),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        Entry {
            company_id: None,
            actor_id: Some(user_id),
            action: Action::SecondFactorLocked,
            target: Some(format!("user:{user_id}")),
            details: serde_json::json!({ "failures": failures, "minutes": minutes }),
        },
    )
    .await?;
    tx.commit().await
}

/// A right code ends the run of failures.
#[tracing::instrument(skip_all, fields(target_user_id = %user_id))]
pub async fn clear_failures(db: &Db, user_id: Uuid) -> Result<()> {
    repo::clear_totp_failures(db, user_id).await
}

/// How many recovery codes are left.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn recovery_codes_left(db: &Db, user_id: Uuid) -> Result<i64> {
    repo::count_unused_recovery_codes(db, user_id).await
}

/// Turns two-factor sign-in off after the password and a current code (or recovery code).
#[tracing::instrument(skip_all, fields(user_id = %p.user_id), err(level = "info"))]
pub async fn disable(
    db: &Db,
    key: &SecretString,
    p: &Principal,
    meta: &RequestMeta,
    current_password: &str,
    code: &str,
) -> Result<()> {
    let account = identity::find_account_by_id(db, p.user_id)
        .await?
        .ok_or(Error::Unauthorized)?;
    if !password::verify(
        SecretString::from(current_password.to_string()),
        account.password_hash,
    )
    .await?
    {
        return Err(Error::validation(
            "current_password",
            "That is not your current password.",
        ));
    }
    if !verify(db, key, p.user_id, code).await? {
        return Err(Error::validation("code", "That code is not right."));
    }
    let mut tx = db.begin().await?;
    repo::disable_totp(&mut tx, p.user_id).await?;
    repo::delete_recovery_codes(&mut tx, p.user_id).await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::TwoFactorDisabled,
            Some(format!("user:{}", p.user_id)),
            serde_json::json!({}),
        ),
    )
    .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_and_one_either_side_only() {
        // RFC 6238 test secret ("12345678901234567890"), SHA-1, 6 digits.
        let secret = b"12345678901234567890";
        assert_eq!(totp(secret.to_vec()).unwrap().generate(59), "287082");
        assert_eq!(matching_step(secret, "287082", 59).unwrap(), Some(1));
        assert_eq!(
            matching_step(secret, "287 082", 89).unwrap(),
            Some(1),
            "previous step, spaces ignored"
        );
        assert_eq!(
            matching_step(secret, "287082", 150).unwrap(),
            None,
            "too old"
        );
        assert_eq!(matching_step(secret, "abcdef", 59).unwrap(), None);
        let code = recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(
            normalise_recovery(&format!(" {} ", code.to_uppercase())),
            code
        );
    }
}
