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

use super::{repo, tokens};
use crate::{
    audit::{self, Action, Entry, RequestMeta},
    db::Tx,
    error::{Error, Result},
    jobs::{self, Job, JobContext, NewJob},
    mail, Db,
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
    repo::email_verified_at(db, user_id).await
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
    let since = now - Duration::minutes(RESEND_EVERY_MINUTES);
    let Some(email) = repo::claim_proof_mail(&mut tx, user_id, now, since).await? else {
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
        let known = repo::proof_link_known(&mut tx, &tokens::hash(token)).await?;
        return Err(Error::Conflict(if known {
            "This confirmation link was already used or has expired. Sign in; if your address is not confirmed yet, Settings → Security sends a new link.".into()
        } else {
            INVALID.into()
        }));
    };
    if repo::mark_email_proven(&mut tx, user_id, now).await? {
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

/// A password reset proves the mailbox: the sign-in methods added before the proof (Google
/// accounts linked, an authenticator app enrolled) end, since whoever made the account may have
/// added them, and the account counts as proved from now. Answers what was removed ("google",
/// "authenticator"), for the audit entry and the person.
pub(crate) async fn reset_proves(
    tx: &mut Tx,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<&'static str>> {
    let (proven, totp_on, totp_at) = repo::proof_state(tx, user_id).await?;
    let before_proof = |at: Option<DateTime<Utc>>| match (proven, at) {
        (Some(proven), Some(at)) => at < proven,
        _ => true,
    };
    let mut removed = Vec::new();
    for (issuer, created) in repo::identity_links(tx, user_id).await? {
        if before_proof(Some(created)) {
            repo::delete_identity(tx, user_id, &issuer).await?;
            if !removed.contains(&"google") {
                removed.push("google");
            }
        }
    }
    if totp_on && before_proof(totp_at) {
        repo::disable_totp(tx, user_id).await?;
        repo::delete_recovery_codes(tx, user_id).await?;
        removed.push("authenticator");
    }
    repo::mark_email_proven(tx, user_id, now).await?;
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
