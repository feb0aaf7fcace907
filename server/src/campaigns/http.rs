//! The campaigns area's plain routes: Meta's webhook (`GET` to subscribe, `POST` deliveries;
//! see `webhook`; signed, no session: declared `PageNeeds::Webhook`), and connecting an ad
//! account: `POST /campaigns/connect/{platform}` (a plain form button, so it works before
//! hydration and passes the origin check) keeps the consent's state in the browser's session
//! and sends the browser to the platform; `GET /campaigns/connect/callback` takes it out again
//! (so it works once) and finishes the consent. Either way the person lands on Settings → Ad
//! accounts with a message.

use axum::{
    body::Bytes,
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::Redirect,
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use tower_sessions::Session;

use super::{
    config::CampaignsConfig,
    connections::{self, Callback, Pending},
    platform, webhook,
};
use crate::{
    error::Error,
    http::{
        flash::Flash,
        forms::{back_with, failure, Meta},
        middleware::CurrentUser,
    },
    state::AppState,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks/meta", get(subscribe).post(deliver))
        .route("/campaigns/connect/callback", get(callback))
        .route("/campaigns/connect/{platform}", post(start))
}

/// Where connecting ends, and the flash form name of its messages.
pub const ACCOUNTS_PAGE: &str = "/settings/ad-accounts";
pub const FLASH_FORM: &str = "ad-accounts";
/// The session key of a consent under way.
const PENDING: &str = "ads_consent";

fn redirect_uri(state: &AppState) -> Result<url::Url, Error> {
    state
        .config
        .public_url
        .join("/campaigns/connect/callback")
        .map_err(|e| Error::Internal(e.into()))
}

fn store_err(e: tower_sessions::session::Error) -> Error {
    Error::Unavailable(format!("session store: {e}"))
}

fn refused(state: &AppState, e: &Error) -> Response {
    failure(
        FLASH_FORM,
        ACCOUNTS_PAGE,
        e,
        BTreeMap::new(),
        state.config.cookie_secure,
    )
}

/// POST /campaigns/connect/{platform}: leaves for the platform's consent page.
pub async fn start(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    session: Session,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Response {
    // Permission first, answered as every route answers it (401 / 403).
    let Some(p) = user.0 else {
        return Error::Unauthorized.into_response();
    };
    if let Err(e) = p.authorize(crate::access::Permission::CampaignsManage) {
        return e.into_response();
    }
    let Some(which) = platform::from_code(&code) else {
        return Error::NotFound.into_response();
    };
    let config = state.config.section::<CampaignsConfig>();
    let begun = redirect_uri(&state).and_then(|uri| connections::begin(config, &p, which, &uri));
    let (url, pending) = match begun {
        Ok(b) => b,
        Err(e) => return refused(&state, &e),
    };
    match session.insert(PENDING, pending).await {
        Ok(()) => Redirect::to(url.as_str()).into_response(),
        Err(e) => refused(&state, &store_err(e)),
    }
}

/// GET /campaigns/connect/callback: the platform sends the person back.
pub async fn callback(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    session: Session,
    Meta(meta): Meta,
    Query(back): Query<Callback>,
) -> Response {
    // Signed out meanwhile: sign in again, then connect again.
    let Some(p) = user.0 else {
        return Redirect::to("/login?next=%2Fsettings%2Fad-accounts").into_response();
    };
    if let Err(e) = p.authorize(crate::access::Permission::CampaignsManage) {
        return e.into_response();
    }
    // Taken out whatever happens next: a consent's state works once.
    let pending: Option<Pending> = match session.remove(PENDING).await {
        Ok(p) => p,
        Err(e) => return refused(&state, &store_err(e)),
    };
    let config = state.config.section::<CampaignsConfig>();
    let uri = match redirect_uri(&state) {
        Ok(u) => u,
        Err(e) => return refused(&state, &e),
    };
    let finished = connections::finish(
        &state.db,
        &state.config.app_secret_key,
        config,
        &p,
        &meta,
        connections::Return {
            pending: pending.as_ref(),
            callback: &back,
            redirect_uri: &uri,
        },
    )
    .await;
    let mut res = match finished {
        Ok(done) => {
            let accounts = match done.accounts {
                0 => "no ad account".to_string(),
                1 => "1 ad account".to_string(),
                n => format!("{n} ad accounts"),
            };
            back_with(
                ACCOUNTS_PAGE,
                Flash {
                    form: FLASH_FORM.into(),
                    field: None,
                    message: format!(
                        "Connected {} as {}: {accounts} found. Choose which to import.",
                        platform::name(done.platform),
                        done.name
                    ),
                    values: BTreeMap::from([("ok".to_string(), "1".to_string())]),
                },
                state.config.cookie_secure,
            )
        }
        Err(e) => refused(&state, &e),
    };
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

fn answer(status: StatusCode, why: &str) -> Response {
    (status, Json(json!({ "error": why }))).into_response()
}

#[derive(Deserialize)]
pub struct Hub {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// GET /webhooks/meta: Meta's subscription handshake.
pub async fn subscribe(State(state): State<AppState>, Query(hub): Query<Hub>) -> Response {
    let config = state.config.section::<CampaignsConfig>();
    let Some(token) = &config.meta_webhook_verify_token else {
        return answer(StatusCode::NOT_FOUND, "Meta webhooks are not configured");
    };
    let given = hub.verify_token.unwrap_or_default();
    let matches =
        crate::crypto::constant_time_eq(given.as_bytes(), token.expose_secret().as_bytes());
    if hub.mode.as_deref() != Some("subscribe") || !matches {
        tracing::warn!("meta webhook subscription refused: wrong mode or verify token");
        return answer(StatusCode::FORBIDDEN, "wrong verify token");
    }
    // Meta's challenge is a number; anything else is not echoed back.
    match hub.challenge.filter(|c| {
        !c.is_empty()
            && c.len() <= 64
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }) {
        Some(c) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], c).into_response(),
        None => answer(StatusCode::BAD_REQUEST, "no usable hub.challenge"),
    }
}

/// POST /webhooks/meta: a delivery, signed with the app's secret.
pub async fn deliver(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let config = state.config.section::<CampaignsConfig>();
    let Some(app) = &config.meta_app else {
        return answer(StatusCode::NOT_FOUND, "Meta is not configured");
    };
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if !webhook::verify(&body, signature, app.secret.expose_secret()) {
        tracing::warn!("meta webhook refused: bad signature");
        return answer(StatusCode::UNAUTHORIZED, "bad signature");
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return answer(StatusCode::BAD_REQUEST, "the body is not JSON");
    };
    match webhook::receive(&state.db, &json).await {
        Ok(Ok(r)) => {
            tracing::info!(
                new = r.new,
                repeated = r.repeated,
                queued = r.queued,
                "meta webhook received"
            );
            Json(json!({ "received": true, "queued": r.queued, "repeated": r.repeated }))
                .into_response()
        }
        Ok(Err(why)) => answer(StatusCode::BAD_REQUEST, why),
        Err(e) => e.into_response(),
    }
}
