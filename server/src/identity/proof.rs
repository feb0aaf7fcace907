//! Proof of the mailbox.
//!
//! Whoever holds an invitation link (the inviter can copy it) or signs up with someone's address
//! could otherwise make an account for that address with a password of their choosing, link their
//! own Google account, enrol their own authenticator app, and keep all of it after the real owner
//! reset the password. So an account made with a password starts unproven: it is mailed a link,
//! and until the link is opened (or the password is reset, which also proves the mailbox) it joins
//! no other company. A password reset removes every sign-in method that was added before the
//! mailbox was proved: those may be the squatter's.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::tokens;
use crate::{
    audit::{self, Action, Entry, RequestMeta},
    db::Tx,
    error::{Error, Result},
    exec_tx,
    jobs::{self, Job, JobContext, NewJob},
    mail, with_db, with_tx, Db,
};

/// The job that mails the link of a new account (queued with the account, so it exists exactly
/// when the account does; the job knows the public address, the service does not).
pub const KIND: &str = "identity.email_proof";
/// How long a link works.
pub const TTL_HOURS: i64 = 72;
/// At most one link mailed per account per this many minutes (asking again sends nothing).
pub const RESEND_EVERY_MINUTES: i64 = 5;

/// What an unproven account is told when it tries to join another company.
pub fn refusal(email: &str) -> Error {
    Error::Conflict(format!(
        "Confirm your email address first: open the link we mailed to {email} when your account \
         was made (Settings → Security sends a new one), then accept this invitation."
    ))
}

/// Queues the link of a just-made account, inside the transaction that makes it.
pub(crate) async fn queue(tx: &mut Tx, user_id: Uuid) -> Result<()> {
    jobs::enqueue_tx(
        tx,
        NewJob {
            kind: KIND,
            payload: serde_json::json!({ "user_id": user_id }),
            run_at: Utc::now(),
            max_attempts: 5,
            dedupe_key: Some(format!("email-proof:{user_id}")),
        },
    )
    .await?;
    Ok(())
}

/// When the account proved its mailbox (`None`: not yet, or no such account).
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn proven_at(db: &Db, user_id: Uuid) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str = "SELECT email_verified_at FROM users WHERE id = $1";
    let at: Option<Option<DateTime<Utc>>> = with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(user_id)
        .fetch_optional(c)
        .await)?;
    Ok(at.flatten())
}

/// Refuses, with the reason, unless the account proved its mailbox.
pub async fn ensure_proven(db: &Db, user_id: Uuid, email: &str) -> Result<()> {
    match proven_at(db, user_id).await? {
        Some(_) => Ok(()),
        None => Err(refusal(email)),
    }
}

/// Mails a fresh link to an unproven account; answers whether one was sent (not when the
/// account is proven, unknown, disabled, or was sent one in the last few minutes).
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn send_link(db: &Db, base: &url::Url, user_id: Uuid) -> Result<bool> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    // One conditional UPDATE claims the right to mail: of two concurrent asks (a double
    // click), one changes the row and the other finds it changed.
    const CLAIM: &str = "UPDATE users SET email_proof_sent_at = $1 \
                         WHERE id = $2 AND email_verified_at IS NULL AND disabled_at IS NULL \
                         AND (email_proof_sent_at IS NULL OR email_proof_sent_at <= $3) \
                         RETURNING email";
    let email: Option<String> = with_tx!(&mut tx, |c| sqlx::query_scalar(CLAIM)
        .bind(now)
        .bind(user_id)
        .bind(now - Duration::minutes(RESEND_EVERY_MINUTES))
        .fetch_optional(c)
        .await)?;
    let Some(email) = email else {
        return Ok(false);
    };
    let expires = now + Duration::hours(TTL_HOURS);
    let token = tokens::issue(&mut tx, tokens::Link::EmailProof, user_id, now, expires).await?;
    let mut link = base.clone();
    link.set_path(&format!("/auth/verify/{}", token.plain));
    mail::enqueue(
        &mut tx,
        None,
        mail::Message {
            kind: "email_proof",
            to: email,
            subject: "Confirm your email address for Switchyard".into(),
            body: format!(
                "A Switchyard account was made with this email address. Confirm that it is yours:\n\
                 {link}\n\n\
                 The link works once, for {TTL_HOURS} hours. If you did not make this account, do \
                 not open the link: reset the password instead (\"Forgot password\" on the sign-in \
                 page), which also removes any Google sign-in or authenticator app someone else \
                 added to it."
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Opens a link: the account's mailbox is proved. Answers the account, or why the link cannot
/// be used.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn confirm(db: &Db, meta: &RequestMeta, token: &str) -> Result<Uuid> {
    const INVALID: &str = "This confirmation link is not valid. Sign in and ask for a new one under Settings → Security.";
    if token.len() > 100 {
        return Err(Error::Conflict(INVALID.into()));
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some(user_id) = tokens::claim(&mut tx, tokens::Link::EmailProof, token, now).await? else {
        const KNOWN: &str = "SELECT COUNT(*) FROM email_verifications WHERE token_hash = $1";
        let known: i64 = with_tx!(&mut tx, |c| sqlx::query_scalar(KNOWN)
            .bind(tokens::hash(token))
            .fetch_one(c)
            .await)?;
        return Err(Error::Conflict(if known > 0 {
            "This confirmation link was already used or has expired. Sign in; if your address is not confirmed yet, Settings → Security sends a new link.".into()
        } else {
            INVALID.into()
        }));
    };
    if mark_proven(&mut tx, user_id, now).await? {
        let company_id = super::first_company_in(&mut tx, user_id).await?;
        audit::record(
            &mut tx,
            meta,
            Entry {
                company_id,
                actor_id: Some(user_id),
                action: Action::EmailVerified,
                target: Some(format!("user:{user_id}")),
                details: serde_json::json!({ "via": "link" }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(user_id)
}

/// Sets the proof time once; true when it was not set before.
async fn mark_proven(tx: &mut Tx, user_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    const SET: &str =
        "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL";
    Ok(exec_tx!(tx, sqlx::query(SET).bind(now).bind(user_id))? == 1)
}

/// A password reset proves the mailbox: the sign-in methods added before the proof (Google
/// accounts linked, an authenticator app enrolled) end, since whoever made the account may have
/// added them, and the account counts as proved from now. Answers what was removed ("google",
/// "authenticator"), for the audit entry and the person.
pub(crate) async fn reset_proves(
    tx: &mut Tx,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<&'static str>> {
    const STATE: &str = "SELECT email_verified_at, totp_secret IS NOT NULL, totp_enabled_at \
                         FROM users WHERE id = $1";
    let (proven, totp_on, totp_at): (Option<DateTime<Utc>>, bool, Option<DateTime<Utc>>) =
        with_tx!(tx, |c| sqlx::query_as(STATE)
            .bind(user_id)
            .fetch_one(c)
            .await)?;
    let before_proof = |at: Option<DateTime<Utc>>| match (proven, at) {
        (Some(proven), Some(at)) => at < proven,
        _ => true,
    };
    let mut removed = Vec::new();
    const LINKS: &str = "SELECT issuer, created_at FROM user_identities WHERE user_id = $1";
    let links: Vec<(String, DateTime<Utc>)> = with_tx!(tx, |c| sqlx::query_as(LINKS)
        .bind(user_id)
        .fetch_all(c)
        .await)?;
    for (issuer, created) in links {
        if before_proof(Some(created)) {
            const UNLINK: &str = "DELETE FROM user_identities WHERE user_id = $1 AND issuer = $2";
            exec_tx!(tx, sqlx::query(UNLINK).bind(user_id).bind(&issuer))?;
            if !removed.contains(&"google") {
                removed.push("google");
            }
        }
    }
    if totp_on && before_proof(totp_at) {
        const OFF: &str = "UPDATE users SET totp_secret = NULL, totp_pending = NULL, \
                           totp_last_step = NULL, totp_enabled_at = NULL WHERE id = $1";
        exec_tx!(tx, sqlx::query(OFF).bind(user_id))?;
        const CODES: &str = "DELETE FROM recovery_codes WHERE user_id = $1";
        exec_tx!(tx, sqlx::query(CODES).bind(user_id))?;
        removed.push("authenticator");
    }
    mark_proven(tx, user_id, now).await?;
    Ok(removed)
}

/// The `identity.email_proof` job: mails the link of a new account.
pub struct EmailProof;

#[async_trait]
impl Job for EmailProof {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()> {
        let user_id: Uuid = serde_json::from_value(payload["user_id"].clone())?;
        send_link(&ctx.db, &ctx.config.public_url, user_id).await?;
        Ok(())
    }
}
