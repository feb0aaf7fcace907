//! A user's own security: active sessions (list, revoke), password change, and password reset
//! by a single-use link.

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use serde::Serialize;

use crate::access::Principal;
use crate::{
    audit::{self, Action, Entry, RequestMeta},
    email::Email,
    error::{Error, Result},
    identity::{self, password, repo, tokens},
    mail,
    sessions::{Ending, Sessions},
    Db,
};

/// How long a reset link works.
pub const RESET_TTL_MINUTES: i64 = 30;
/// At most one reset message per address in this many minutes.
pub const RESET_EVERY_MINUTES: i64 = 15;

#[derive(Clone, Debug, Serialize)]
pub struct SessionInfo {
    /// A public handle; the session id itself never leaves the server.
    pub handle: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub started_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub current: bool,
}

/// The user's live sessions, most recently used first; `current` marks this request's one.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn sessions(
    sessions: &Sessions,
    p: &Principal,
    current_id: Option<&str>,
) -> Result<Vec<SessionInfo>> {
    Ok(sessions
        .list(p.user_id)
        .await?
        .into_iter()
        .map(|s| SessionInfo {
            current: current_id == Some(s.id.as_str()),
            handle: s.handle,
            ip: s.ip,
            user_agent: s.user_agent,
            started_at: s.started_at,
            last_seen: s.last_seen,
        })
        .collect())
}

/// Ends one of the user's own sessions.
#[tracing::instrument(skip_all, fields(user_id = %p.user_id), err(level = "info"))]
pub async fn revoke_session(
    db: &Db,
    sessions: &Sessions,
    p: &Principal,
    meta: &RequestMeta,
    handle: &str,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let ending = Ending::Handle {
        user: p.user_id,
        handle,
    };
    if sessions.end(&mut tx, ending).await? == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::SessionRevoked,
            None,
            serde_json::json!({ "handle": handle }),
        ),
    )
    .await?;
    tx.commit().await
}

/// Ends every session of the user but `keep` (the one asking); answers how many ended.
#[tracing::instrument(skip_all, fields(user_id = %p.user_id), err(level = "info"))]
pub async fn revoke_other_sessions(
    db: &Db,
    sessions: &Sessions,
    p: &Principal,
    meta: &RequestMeta,
    keep: &str,
) -> Result<u64> {
    let mut tx = db.begin().await?;
    let ending = Ending::OfUser {
        user: p.user_id,
        except: Some(keep),
    };
    let ended = sessions.end(&mut tx, ending).await?;
    if ended > 0 {
        audit::record(
            &mut tx,
            meta,
            Entry::by(
                p,
                Action::SessionRevoked,
                None,
                serde_json::json!({ "others": ended }),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ended)
}

fn check_new_password(new: &str, confirm: &str) -> Result<()> {
    password::check_policy(new).map_err(|e| match e {
        Error::Validation { message, .. } => Error::validation("new_password", message),
        other => other,
    })?;
    if new != confirm {
        return Err(Error::validation(
            "new_password_confirm",
            "The two passwords do not match.",
        ));
    }
    Ok(())
}

/// The three fields of the change-password form.
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirm: &'a str,
}

/// Changes the password after checking the current one, and ends every other session.
#[tracing::instrument(skip_all, fields(user_id = %p.user_id), err(level = "info"))]
pub async fn change_password(
    db: &Db,
    sessions: &Sessions,
    p: &Principal,
    meta: &RequestMeta,
    keep_session: Option<&str>,
    change: PasswordChange<'_>,
) -> Result<u64> {
    let PasswordChange {
        current,
        new,
        confirm,
    } = change;
    let account = identity::find_account_by_id(db, p.user_id)
        .await?
        .ok_or(Error::Unauthorized)?;
    check_new_password(new, confirm)?;
    if !password::verify(
        SecretString::from(current.to_string()),
        account.password_hash,
    )
    .await?
    {
        return Err(Error::validation(
            "current_password",
            "That is not your current password.",
        ));
    }
    let hash = password::hash(SecretString::from(new.to_string())).await?;
    let mut tx = db.begin().await?;
    repo::set_password_hash(&mut tx, p.user_id, &hash).await?;
    let ending = Ending::OfUser {
        user: p.user_id,
        except: keep_session,
    };
    let ended = sessions.end(&mut tx, ending).await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::PasswordChanged,
            Some(format!("user:{}", p.user_id)),
            serde_json::json!({ "via": "settings", "other_sessions_ended": ended }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Sends a reset link when the email belongs to an enabled account. The caller answers the
/// same either way, so the answer never tells whether an account exists.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn request_reset(
    db: &Db,
    meta: &RequestMeta,
    base: &url::Url,
    email: &str,
) -> Result<()> {
    let email = Email::parse(email)?;
    let Some(account) = identity::find_account(db, email.as_str()).await? else {
        tracing::info!("password reset asked for an unknown email");
        return Ok(());
    };
    if account.disabled_at.is_some() {
        return Ok(());
    }
    let company_id = identity::first_company_of(db, account.id).await?;
    let now = Utc::now();
    // One message per address per RESET_EVERY_MINUTES: a flood of requests (or a double click)
    // must not become a flood of mail to the person (the answer stays the same, so nothing is
    // revealed). One conditional UPDATE claims the right to mail, so concurrent asks mail once.
    let mut tx = db.begin().await?;
    let since = now - Duration::minutes(RESET_EVERY_MINUTES);
    if !repo::claim_reset_mail(&mut tx, account.id, now, since).await? {
        tracing::info!("password reset already mailed to this address recently");
        return Ok(());
    }
    let expires = now + Duration::minutes(RESET_TTL_MINUTES);
    let token = tokens::issue(
        &mut tx,
        tokens::Link::PasswordReset,
        account.id,
        now,
        expires,
    )
    .await?;
    let mut link = base.clone();
    link.set_path(&format!("/reset/{}", token.plain));
    mail::enqueue(
        &mut tx,
        None,
        mail::Message {
            kind: "password_reset",
            to: email.as_str().to_string(),
            subject: "Reset your Switchyard password".into(),
            body: format!(
                "Someone asked to reset the password of your Switchyard account.\n\n\
                 Choose a new password:\n{link}\n\n\
                 The link works once, for {RESET_TTL_MINUTES} minutes. If it was not you, ignore this \
                 message: your password stays as it is."
            ),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        Entry {
            company_id,
            actor_id: Some(account.id),
            action: Action::PasswordResetRequested,
            target: Some(format!("user:{}", account.id)),
            details: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await
}

/// Why a reset link cannot be used, or `None` when it can.
#[tracing::instrument(skip_all)]
pub async fn reset_refusal(db: &Db, token: &str) -> Result<Option<&'static str>> {
    let row = repo::reset_link_state(db, &tokens::hash(token)).await?;
    Ok(match row {
        None => Some("This reset link is not valid. Ask for a new one."),
        Some((_, Some(_))) => {
            Some("This reset link has already been used. Ask for a new one if you need it.")
        }
        Some((expires, None)) if expires <= Utc::now() => {
            Some("This reset link has expired. Ask for a new one.")
        }
        Some(_) => None,
    })
}

/// Sets a new password from a reset link and ends every session of the account. The link
/// proves the mailbox: sign-in methods added before that proof end too (`identity::proof`);
/// answers which ("google", "authenticator").
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn reset_password(
    db: &Db,
    sessions: &Sessions,
    meta: &RequestMeta,
    token: &str,
    new: &str,
    confirm: &str,
) -> Result<Vec<&'static str>> {
    if let Some(why) = reset_refusal(db, token).await? {
        return Err(Error::Conflict(why.into()));
    }
    check_new_password(new, confirm)?;
    let hash = password::hash(SecretString::from(new.to_string())).await?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let user_id = tokens::claim(&mut tx, tokens::Link::PasswordReset, token, now).await?;
    let user_id = user_id.ok_or_else(|| {
        Error::Conflict(
            "This reset link has already been used. Ask for a new one if you need it.".into(),
        )
    })?;
    repo::set_password_hash(&mut tx, user_id, &hash).await?;
    // Other links of this account stop working too.
    repo::spend_reset_links(&mut tx, user_id, now).await?;
    let ending = Ending::OfUser {
        user: user_id,
        except: None,
    };
    let ended = sessions.end(&mut tx, ending).await?;
    let removed = identity::proof::reset_proves(&mut tx, user_id, now).await?;
    let company_id = identity::first_company_in(&mut tx, user_id).await?;
    audit::record(
        &mut tx,
        meta,
        Entry {
            company_id,
            actor_id: Some(user_id),
            action: Action::PasswordChanged,
            target: Some(format!("user:{user_id}")),
            details: serde_json::json!({ "via": "reset", "sessions_ended": ended, "methods_removed": removed }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(removed)
}
