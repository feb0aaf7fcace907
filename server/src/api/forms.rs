//! Settings → API's forms: plain POSTs answered with a redirect back to /settings/api and a
//! one-shot message, so they work the same before and after hydration. A key just made travels
//! to the page sealed in the member's session (kept on the server), and is taken from there by
//! the page the one time it is shown.

use std::collections::BTreeMap;

use axum::{
    body::Bytes,
    extract::State,
    response::{IntoResponse, Response},
    routing::post,
    Extension, Router,
};
use tower_sessions::Session;

use super::keys::{self, NewKey};
use crate::{
    crypto,
    error::Error,
    http::{
        flash::Flash,
        forms::{back_with, failure, Fields, Meta},
        middleware::CurrentUser,
    },
    state::AppState,
};

pub const PAGE: &str = "/settings/api";
const FORM: &str = "api-keys";
/// The session entry holding a new key until its page shows it.
const NEW_KEY: &str = "api.new_key";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/api/keys", post(create))
        .route("/settings/api/keys/revoke", post(revoke))
}

fn said(message: String, secure: bool) -> Response {
    back_with(
        PAGE,
        Flash {
            form: FORM.into(),
            field: None,
            message,
            values: [("tone".to_string(), "ok".to_string())].into(),
        },
        secure,
    )
}

/// POST /settings/api/keys: `name`, `scopes` (each ticked), `store` (empty: every store),
/// `expires` (a day, or empty).
async fn create(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    session: Option<Extension<Session>>,
    Meta(meta): Meta,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        let expires_on = match f.get("expires").trim() {
            "" => None,
            d => Some(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| Error::validation("expires", "Choose a day."))?,
            ),
        };
        let new = NewKey {
            name: f.get("name").to_string(),
            scopes: f.all("scopes").map(str::to_string).collect(),
            store: Some(f.get("store").to_string()),
            expires_on,
        };
        let created = keys::create(&state.db, &p, &meta, &new).await?;
        let sealed = crypto::seal(&state.config.app_secret_key, created.reveal().as_bytes())?;
        if let Some(Extension(session)) = &session {
            session
                .insert(NEW_KEY, (created.id, sealed))
                .await
                .map_err(|e| Error::Unavailable(format!("session store: {e}")))?;
        }
        Ok::<_, Error>(created.prefix)
    }
    .await;
    let secure = state.config.cookie_secure;
    match result {
        Ok(prefix) => said(
            format!("Key {prefix}… made. Copy it now: it is shown only this once."),
            secure,
        ),
        Err(e @ Error::Validation { .. }) => {
            let mut values = BTreeMap::new();
            for name in ["name", "store", "expires"] {
                values.insert(name.to_string(), f.get(name).to_string());
            }
            let scopes: Vec<&str> = f.all("scopes").collect();
            values.insert("scopes".to_string(), scopes.join(" "));
            failure(FORM, PAGE, &e, values, secure)
        }
        Err(e) => e.into_response(),
    }
}

/// POST /settings/api/keys/revoke: `id`.
async fn revoke(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        let id = f.get("id").parse().map_err(|_| Error::NotFound)?;
        keys::revoke(&state.db, &p, &meta, id).await
    }
    .await;
    match result {
        Ok(()) => said(
            "Key revoked: calls with it are refused from now on.".into(),
            state.config.cookie_secure,
        ),
        Err(e) => e.into_response(),
    }
}

/// The key just made, when the member's session holds one: taken (it is shown once).
pub async fn take_new_key(
    state: &AppState,
    session: &Session,
) -> crate::Result<Option<(uuid::Uuid, String)>> {
    let stashed: Option<(uuid::Uuid, String)> = session
        .remove(NEW_KEY)
        .await
        .map_err(|e| Error::Unavailable(format!("session store: {e}")))?;
    let Some((id, sealed)) = stashed else {
        return Ok(None);
    };
    let plain = crypto::open(&state.config.app_secret_key, &sealed)?;
    let key = String::from_utf8(plain).map_err(|e| Error::Internal(e.into()))?;
    Ok(Some((id, key)))
}
