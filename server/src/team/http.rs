//! The team's plain routes: the company logo, uploaded by a plain multipart form (works before
//! hydration) and served to the company's members. Permission is checked before the body is read.

use std::collections::BTreeMap;

use axum::{
    extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Router,
};

use super::company;
use crate::access::Principal;
use crate::http::{
    flash::Flash,
    forms::{back_with, Meta},
    middleware::CurrentUser,
};
use crate::{access::Permission, error::Error, state::AppState};

const PAGE: &str = "/settings/company";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/settings/company/logo",
            post(upload).layer(DefaultBodyLimit::max(company::LOGO_MAX_BYTES + 64 * 1024)),
        )
        .route("/settings/company/logo/remove", post(remove))
        .route("/company/logo", get(show))
}

fn allowed(user: &CurrentUser) -> Result<Principal, Error> {
    let p = user.0.clone().ok_or(Error::Unauthorized)?;
    p.authorize(Permission::SettingsManage)?;
    Ok(p)
}

fn told(message: impl Into<String>, ok: bool, field: Option<&str>, secure: bool) -> Response {
    let values = if ok {
        BTreeMap::from([("ok".to_string(), "1".to_string())])
    } else {
        BTreeMap::new()
    };
    back_with(
        PAGE,
        Flash {
            form: "logo".into(),
            field: field.map(str::to_string),
            message: message.into(),
            values,
        },
        secure,
    )
}

/// POST /settings/company/logo (multipart, field `logo`).
pub async fn upload(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
    req: Request,
) -> Response {
    let secure = state.config.cookie_secure;
    let p = match allowed(&user) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let Ok(mut form) = Multipart::from_request(req, &state).await else {
        return told(
            "Choose a PNG or JPG image to upload.",
            false,
            Some("logo"),
            secure,
        );
    };
    let mut bytes = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("logo") => match field.bytes().await {
                Ok(b) => bytes = Some(b),
                Err(_) => {
                    return told(
                        "The logo must be at most 5 MB.",
                        false,
                        Some("logo"),
                        secure,
                    )
                }
            },
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(_) => {
                return told(
                    "The logo must be at most 5 MB.",
                    false,
                    Some("logo"),
                    secure,
                )
            }
        }
    }
    let bytes = bytes.unwrap_or_default();
    match company::set_logo(&state.db, &state.storage, &p, &meta, &bytes).await {
        Ok(()) => told("Logo updated.", true, None, secure),
        Err(e) if e.status().is_server_error() => e.into_response(),
        Err(e) => told(e.public_message(), false, e.field(), secure),
    }
}

/// POST /settings/company/logo/remove.
pub async fn remove(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
) -> Response {
    let secure = state.config.cookie_secure;
    let p = match allowed(&user) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    match company::remove_logo(&state.db, &state.storage, &p, &meta).await {
        Ok(()) => told("Logo removed.", true, None, secure),
        Err(e) if e.status().is_server_error() => e.into_response(),
        Err(e) => told(e.public_message(), false, None, secure),
    }
}

/// GET /company/logo — the active company's logo, for its members.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Response {
    let Some(p) = user.0 else {
        return Error::Unauthorized.into_response();
    };
    match company::logo(&state.db, &state.storage, &p).await {
        Ok(Some((bytes, kind, _))) => {
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&kind) {
                h.insert(header::CONTENT_TYPE, v);
            }
            // The URL carries the version (?v=…), so a changed logo is a new URL.
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Ok(None) => Error::NotFound.into_response(),
        Err(e) => e.into_response(),
    }
}
