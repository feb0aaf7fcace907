//! Google sign-in routes. `POST /auth/google` (a plain form button, so it passes the origin
//! check and works before hydration) starts the flow and keeps its state, PKCE verifier and
//! nonce sealed in a short-lived cookie; `GET /auth/google/callback` finishes it. Every refusal
//! leaves a LOGIN_FAILED entry and a plain message on the page the flow started from.

use std::collections::BTreeMap;

use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Redirect, Response},
    Extension, Form,
};
use serde::Deserialize;
use tower_sessions::Session;

use super::auth::{await_second_factor, sign_in};
use crate::http::{
    flash::Flash,
    forms::{back_with, Meta},
    middleware::{safe_next, urlencode, CurrentUser},
};
use crate::{
    audit::RequestMeta,
    crypto,
    error::Error,
    identity::{
        google::{accounts, Callback, Intent, Pending, Refusal, PENDING_SECS},
        SignIn,
    },
    state::AppState,
    team::invitations::{self, Acceptance},
};

pub const COOKIE: &str = "switchyard_oidc";
/// Sent only to the callback.
const COOKIE_PATH: &str = "/auth/google";

fn pending_cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path={COOKIE_PATH}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("base64 is a valid header value")
}

fn read_pending(headers: &HeaderMap, state: &AppState) -> Option<Pending> {
    let raw = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())?;
    let plain = crypto::open(&state.config.app_secret_key, &raw).ok()?;
    serde_json::from_slice(&plain).ok()
}

/// Where a flow's messages are shown, and under which form name.
fn page_of(intent: Option<&Intent>) -> (String, &'static str) {
    match intent {
        Some(Intent::Link { .. }) => ("/settings/security".into(), "google"),
        Some(Intent::Invite { token }) => (format!("/invite/{}", urlencode(token)), "invite"),
        _ => ("/login".into(), "login"),
    }
}

fn message_to(intent: Option<&Intent>, message: String, ok: bool, secure: bool) -> Response {
    let (to, form) = page_of(intent);
    let values = if ok {
        BTreeMap::from([("ok".to_string(), "1".to_string())])
    } else {
        BTreeMap::new()
    };
    back_with(
        &to,
        Flash {
            form: form.into(),
            field: None,
            message,
            values,
        },
        secure,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    /// "login" (default), "link" or "invite".
    intent: String,
    next: Option<String>,
    token: String,
}

/// Starts a Google sign-in and sends the browser to Google.
pub async fn start(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(form): Form<StartForm>,
) -> Response {
    let secure = state.config.cookie_secure;
    let Some(google) = state.google.clone() else {
        return Error::NotFound.into_response();
    };
    let intent = match form.intent.as_str() {
        "link" => match &user.0 {
            Some(p) => Intent::Link {
                user_id: p.user_id,
                company_id: p.company_id,
            },
            None => return Redirect::to("/login?next=%2Fsettings%2Fsecurity").into_response(),
        },
        "invite" if !form.token.is_empty() && form.token.len() <= 100 => Intent::Invite {
            token: form.token.clone(),
        },
        _ => Intent::SignIn,
    };
    let next = safe_next(form.next.as_deref(), &state.config.public_url);
    match google.begin(intent.clone(), next).await {
        Ok((url, pending)) => {
            let sealed = match serde_json::to_vec(&pending)
                .map_err(|e| Error::Internal(e.into()))
                .and_then(|json| crypto::seal(&state.config.app_secret_key, &json))
            {
                Ok(s) => s,
                Err(e) => return e.into_response(),
            };
            let mut res = Redirect::to(url.as_str()).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                pending_cookie(&sealed, PENDING_SECS, secure),
            );
            res
        }
        Err(refusal) => message_to(Some(&intent), refusal.message, false, secure),
    }
}

/// Google's redirect back: verifies everything, then signs in, links or accepts.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    Meta(meta): Meta,
    headers: HeaderMap,
    Query(query): Query<Callback>,
) -> Response {
    let secure = state.config.cookie_secure;
    let Some(google) = state.google.clone() else {
        return Error::NotFound.into_response();
    };
    let pending = read_pending(&headers, &state);
    let intent = pending.as_ref().map(|p| p.intent.clone());
    let mut res = match google.finish(pending.as_ref(), &query).await {
        Err(refusal) => refuse(&state, &meta, intent.as_ref(), &refusal, None).await,
        Ok(id) if !state.config.allowed.permits(&id.email) => {
            let refusal = Refusal::new(
                "not_allowed",
                "This Google account is not allowed to sign in to this Switchyard.",
            );
            refuse(&state, &meta, intent.as_ref(), &refusal, Some(&id.email)).await
        }
        Ok(id) => {
            let pending = pending.expect("finish succeeded, so the flow was pending");
            act(&state, &session, &meta, pending, &id).await
        }
    };
    // The flow's cookie is used once, whatever happened.
    res.headers_mut()
        .append(header::SET_COOKIE, pending_cookie("", 0, secure));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn refuse(
    state: &AppState,
    meta: &RequestMeta,
    intent: Option<&Intent>,
    refusal: &Refusal,
    email: Option<&str>,
) -> Response {
    tracing::info!(reason = refusal.reason, "Google sign-in refused");
    let (user_id, company_id) = match intent {
        Some(Intent::Link {
            user_id,
            company_id,
        }) => (Some(*user_id), Some(*company_id)),
        _ => (None, None),
    };
    if let Err(e) = accounts::refused(&state.db, meta, user_id, company_id, refusal, email).await {
        return e.into_response();
    }
    message_to(
        intent,
        refusal.message.clone(),
        false,
        state.config.cookie_secure,
    )
}

async fn act(
    state: &AppState,
    session: &Session,
    meta: &RequestMeta,
    pending: Pending,
    id: &crate::identity::google::Identity,
) -> Response {
    let secure = state.config.cookie_secure;
    let intent = Some(&pending.intent);
    match &pending.intent {
        Intent::SignIn => match accounts::sign_in(&state.db, id, meta).await {
            Ok(Err(refusal)) => refuse(state, meta, intent, &refusal, Some(&id.email)).await,
            Ok(Ok(SignIn::Complete(p))) => match sign_in(session, &p, meta).await {
                Ok(()) => Redirect::to(&pending.next).into_response(),
                Err(e) => e.into_response(),
            },
            Ok(Ok(SignIn::NeedsSecondFactor(p))) => {
                match await_second_factor(session, p.user_id, p.company_id, &pending.next, None)
                    .await
                {
                    Ok(()) => Redirect::to("/login/code").into_response(),
                    Err(e) => e.into_response(),
                }
            }
            Err(e) => e.into_response(),
        },
        Intent::Link {
            user_id,
            company_id,
        } => {
            // The flow must end in the session that started it.
            let current: Option<uuid::Uuid> =
                session.get(crate::sessions::USER_ID).await.ok().flatten();
            if current != Some(*user_id) {
                let refusal = Refusal::new(
                    "session_changed",
                    "You were signed out while linking Google. Sign in and try again.",
                );
                return refuse(state, meta, None, &refusal, Some(&id.email)).await;
            }
            match accounts::link(&state.db, *user_id, *company_id, id, meta).await {
                Ok(()) => message_to(
                    intent,
                    format!(
                        "Google account {} is now linked. You can sign in with it.",
                        id.email
                    ),
                    true,
                    secure,
                ),
                Err(Error::Conflict(m)) => {
                    let refusal = Refusal::new("already_linked", m);
                    refuse(state, meta, intent, &refusal, Some(&id.email)).await
                }
                Err(e) => e.into_response(),
            }
        }
        Intent::Invite { token } => {
            match invitations::accept_with_google(&state.db, token, id, meta).await {
                Ok(Acceptance::Joined(p)) => match sign_in(session, &p, meta).await {
                    Ok(()) => Redirect::to("/?welcome=1").into_response(),
                    Err(e) => e.into_response(),
                },
                Ok(Acceptance::NeedsSecondFactor {
                    user_id,
                    company_id,
                }) => match await_second_factor(
                    session,
                    user_id,
                    company_id,
                    "/?welcome=1",
                    Some(token),
                )
                .await
                {
                    Ok(()) => Redirect::to("/login/code").into_response(),
                    Err(e) => e.into_response(),
                },
                Err(Error::Conflict(m)) => {
                    let refusal = Refusal::new("invitation_refused", m);
                    refuse(state, meta, intent, &refusal, Some(&id.email)).await
                }
                Err(e) => e.into_response(),
            }
        }
    }
}
