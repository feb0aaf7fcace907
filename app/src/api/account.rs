//! Server functions of Settings → Security (every signed-in user) and of the reset page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionRow {
    pub handle: String,
    pub device: String,
    pub ip: String,
    pub started: String,
    pub last_seen: String,
    pub current: bool,
}

/// A short description of a browser from its user agent ("Chrome on Linux").
pub fn device_of(ua: &str) -> String {
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.is_empty() {
        "Unknown browser"
    } else {
        "Other client"
    };
    let os = if ua.contains("Android") {
        " on Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        " on iOS"
    } else if ua.contains("Windows") {
        " on Windows"
    } else if ua.contains("Mac OS") {
        " on macOS"
    } else if ua.contains("Linux") {
        " on Linux"
    } else {
        ""
    };
    format!("{browser}{os}")
}

#[cfg(feature = "ssr")]
fn session_of_request() -> Option<tower_sessions::Session> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<tower_sessions::Session>().cloned())
}

#[server(endpoint = "my_sessions")]
pub async fn get_my_sessions() -> Result<Vec<SessionRow>, AppError> {
    let p = ssr::authenticated()?;
    let current = session_of_request()
        .and_then(|s| s.id())
        .map(|id| id.to_string());
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let when =
        |d: chrono::DateTime<chrono::Utc>| d.with_timezone(&tz).format("%b %-d, %H:%M").to_string();
    let list = server::identity::account::sessions(&ssr::state()?.sessions, &p, current.as_deref())
        .await
        .map_err(ssr::fail)?;
    Ok(list
        .into_iter()
        .map(|s| SessionRow {
            device: device_of(s.user_agent.as_deref().unwrap_or_default()),
            ip: s.ip.unwrap_or_else(|| "unknown address".into()),
            started: when(s.started_at),
            last_seen: when(s.last_seen),
            handle: s.handle,
            current: s.current,
        })
        .collect())
}

#[server(endpoint = "revoke_session")]
pub async fn revoke_session(handle: String) -> Result<(), AppError> {
    let p = ssr::authenticated()?;
    let state = ssr::state()?;
    server::identity::account::revoke_session(&state.db, &state.sessions, &p, &ssr::meta(), &handle)
        .await
        .map_err(ssr::fail)
}

/// Signs out every other session of the user; answers how many ended.
#[server(endpoint = "revoke_other_sessions")]
pub async fn revoke_other_sessions() -> Result<u64, AppError> {
    let p = ssr::authenticated()?;
    let keep = session_of_request()
        .and_then(|s| s.id())
        .map(|id| id.to_string())
        .ok_or_else(|| ssr::fail(server::Error::Unauthorized))?;
    let state = ssr::state()?;
    server::identity::account::revoke_other_sessions(
        &state.db,
        &state.sessions,
        &p,
        &ssr::meta(),
        &keep,
    )
    .await
    .map_err(ssr::fail)
}

/// Changes the password; every other session of the user ends. Returns how many ended.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirm: String,
) -> Result<u64, AppError> {
    let p = ssr::authenticated()?;
    let keep = session_of_request()
        .and_then(|s| s.id())
        .map(|id| id.to_string());
    let state = ssr::state()?;
    server::identity::account::change_password(
        &state.db,
        &state.sessions,
        &p,
        &ssr::meta(),
        keep.as_deref(),
        server::identity::account::PasswordChange {
            current: &current_password,
            new: &new_password,
            confirm: &new_password_confirm,
        },
    )
    .await
    .map_err(ssr::fail)
}

/// Why a reset link cannot be used, or `None` when it can (anonymous).
#[server(endpoint = "reset_link")]
pub async fn check_reset_link(token: String) -> Result<Option<String>, AppError> {
    Ok(
        server::identity::account::reset_refusal(&ssr::state()?.db, &token)
            .await
            .map_err(ssr::fail)?
            .map(str::to_string),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn devices_are_named_plainly() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        assert_eq!(super::device_of(chrome), "Chrome on Linux");
        assert_eq!(super::device_of(""), "Unknown browser");
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: i64,
    /// An enrolment waiting for its first code.
    pub pending: Option<TwoFactorSetup>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwoFactorSetup {
    pub secret: String,
    pub otpauth_url: String,
}

#[server(endpoint = "two_factor")]
pub async fn get_two_factor() -> Result<TwoFactorStatus, AppError> {
    let p = ssr::authenticated()?;
    let state = ssr::state()?;
    let db = &state.db;
    let (enabled, left, pending) = tokio::try_join!(
        server::identity::two_factor::is_enabled(db, p.user_id),
        server::identity::two_factor::recovery_codes_left(db, p.user_id),
        server::identity::two_factor::pending(db, &state.config.app_secret_key, &p),
    )
    .map_err(ssr::fail)?;
    Ok(TwoFactorStatus {
        enabled,
        recovery_codes_left: left,
        pending: pending.map(|e| TwoFactorSetup {
            secret: e.secret,
            otpauth_url: e.otpauth_url,
        }),
    })
}

/// Starts enrolment: a new secret to add to an authenticator app.
#[server(endpoint = "start_two_factor")]
pub async fn start_two_factor() -> Result<TwoFactorSetup, AppError> {
    let p = ssr::authenticated()?;
    let state = ssr::state()?;
    let e = server::identity::two_factor::start(&state.db, &state.config.app_secret_key, &p)
        .await
        .map_err(ssr::fail)?;
    Ok(TwoFactorSetup {
        secret: e.secret,
        otpauth_url: e.otpauth_url,
    })
}

/// Confirms enrolment with a code; answers the recovery codes (shown once).
#[server(endpoint = "confirm_two_factor")]
pub async fn confirm_two_factor(code: String) -> Result<Vec<String>, AppError> {
    let p = ssr::authenticated()?;
    let state = ssr::state()?;
    server::identity::two_factor::confirm(
        &state.db,
        &state.config.app_secret_key,
        &p,
        &ssr::meta(),
        &code,
    )
    .await
    .map_err(ssr::fail)
}

#[server(endpoint = "disable_two_factor")]
pub async fn disable_two_factor(current_password: String, code: String) -> Result<(), AppError> {
    let p = ssr::authenticated()?;
    let state = ssr::state()?;
    server::identity::two_factor::disable(
        &state.db,
        &state.config.app_secret_key,
        &p,
        &ssr::meta(),
        &current_password,
        &code,
    )
    .await
    .map_err(ssr::fail)
}

/// Whether anyone may create a company at /signup (SIGNUP_ENABLED). Public.
#[server(endpoint = "signup_open")]
pub async fn signup_open() -> Result<bool, AppError> {
    Ok(ssr::state()?.config.signup_enabled)
}

/// Whether "Continue with Google" is offered (Google sign-in is configured). Public.
#[server(endpoint = "google_available")]
pub async fn google_available() -> Result<bool, AppError> {
    Ok(ssr::state()?.google.is_some())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoogleLink {
    /// The email of the linked Google account, if one is linked.
    pub email: Option<String>,
    /// Whether the account has a password (it may only unlink Google if it has one).
    pub has_password: bool,
}

/// The signed-in user's Google link; `None` when Google sign-in is not configured.
#[server(endpoint = "google_link")]
pub async fn get_google_link() -> Result<Option<GoogleLink>, AppError> {
    let p = ssr::authenticated()?;
    let state = ssr::state()?;
    let Some(google) = state.google.as_ref() else {
        return Ok(None);
    };
    let (email, account) = tokio::try_join!(
        server::identity::google::accounts::linked_email(&state.db, p.user_id, google.issuer()),
        server::identity::find_account_by_id(&state.db, p.user_id),
    )
    .map_err(ssr::fail)?;
    Ok(Some(GoogleLink {
        email,
        has_password: account.is_some_and(|a| a.password_hash.is_some()),
    }))
}

#[server(endpoint = "unlink_google")]
pub async fn unlink_google() -> Result<(), AppError> {
    let p = ssr::authenticated()?;
    let state = ssr::state()?;
    let google = state
        .google
        .as_ref()
        .ok_or_else(|| ssr::fail(server::Error::NotFound))?;
    server::identity::google::accounts::unlink(&state.db, &p, &ssr::meta(), google.issuer())
        .await
        .map_err(ssr::fail)
}

/// The signed-in user's address while it is not confirmed; `None` once it is.
#[server(endpoint = "email_unconfirmed")]
pub async fn email_unconfirmed() -> Result<Option<String>, AppError> {
    let p = ssr::authenticated()?;
    let state = ssr::state()?;
    let proven = server::identity::proof::proven_at(&state.db, p.user_id)
        .await
        .map_err(ssr::fail)?;
    Ok(proven.is_none().then_some(p.email))
}

/// Mails a new confirmation link (at most one every few minutes); answers whether one went out.
#[server(endpoint = "resend_email_proof")]
pub async fn resend_email_proof() -> Result<bool, AppError> {
    let p = ssr::authenticated()?;
    let state = ssr::state()?;
    server::identity::proof::send_link(&state.db, &state.config.public_url, p.user_id)
        .await
        .map_err(ssr::fail)
}
