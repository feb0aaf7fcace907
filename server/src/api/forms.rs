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
        forms::{done, failure, Fields, Meta},
        middleware::CurrentUser,
    },
    state::AppState,
};

pub const PAGE: &str = "/settings/api";
const FORM: &str = "api-keys";
/// The session entry holding a new key until its page shows it.
const NEW_KEY: &str = "api.new_key";

/// The session entry holding a webhook secret until its page shows it.
const SHOWN_SECRET: &str = "api.shown_secret";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/api/keys", post(create))
        .route("/settings/api/keys/revoke", post(revoke))
        .route("/settings/api/endpoints", post(endpoint_form))
}

fn said(message: String, secure: bool) -> Response {
    done(PAGE, FORM, message, secure)
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
        stash(&state, &session, NEW_KEY, created.id, created.reveal()).await?;
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

/// Keeps a secret in the member's session (sealed) for its page to show once.
async fn stash(
    state: &AppState,
    session: &Option<Extension<Session>>,
    entry: &str,
    id: uuid::Uuid,
    secret: &str,
) -> crate::Result<()> {
    let sealed = crypto::seal(&state.config.app_secret_key, secret.as_bytes())?;
    if let Some(Extension(session)) = session {
        session
            .insert(entry, (id, sealed))
            .await
            .map_err(|e| Error::Unavailable(format!("session store: {e}")))?;
    }
    Ok(())
}

/// Takes a stashed secret from the member's session.
async fn take(
    state: &AppState,
    session: &Session,
    entry: &str,
) -> crate::Result<Option<(uuid::Uuid, String)>> {
    let stashed: Option<(uuid::Uuid, String)> = session
        .remove(entry)
        .await
        .map_err(|e| Error::Unavailable(format!("session store: {e}")))?;
    let Some((id, sealed)) = stashed else {
        return Ok(None);
    };
    let plain = crypto::open(&state.config.app_secret_key, &sealed)?;
    let secret = String::from_utf8(plain).map_err(|e| Error::Internal(e.into()))?;
    Ok(Some((id, secret)))
}

/// POST /settings/api/endpoints: the webhook endpoints' forms, by `op`: "create" (`url`,
/// `description`, each `events` ticked), "enable"/"disable", "delete", "rotate", "reveal",
/// "test" (with `id`), "replay" (with `delivery` and the endpoint's `id`). Answers 303 back to
/// the page (to the endpoint's log for the last four) with a one-shot message; a secret made
/// or asked for waits in the session to be shown once.
async fn endpoint_form(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    session: Option<Extension<Session>>,
    Meta(meta): Meta,
    body: Bytes,
) -> Response {
    use super::webhooks::{self as hooks, EndpointInput};
    let f = Fields::parse(&body);
    let cfg = state.config.section::<super::config::ApiConfig>();
    let key = &state.config.app_secret_key;
    let db = &state.db;
    let id = f.get("id").parse::<uuid::Uuid>().ok();
    let back = match id {
        Some(id) if matches!(f.get("op"), "test" | "replay" | "reveal" | "rotate") => {
            format!("{PAGE}?endpoint={id}#deliveries")
        }
        _ => PAGE.to_string(),
    };
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        let need_id = || id.ok_or(Error::NotFound);
        let message = match f.get("op") {
            "create" => {
                let input = EndpointInput {
                    url: f.get("url").to_string(),
                    description: f.get("description").to_string(),
                    events: f.all("events").map(str::to_string).collect(),
                };
                let (id, secret) = hooks::create_endpoint(db, cfg, key, &p, &meta, &input).await?;
                stash(&state, &session, SHOWN_SECRET, id, &secret).await?;
                "Endpoint added. Its signing secret is shown below: use it to check each delivery's signature.".to_string()
            }
            op @ ("enable" | "disable") => {
                hooks::set_enabled(db, &p, &meta, need_id()?, op == "enable").await?;
                if op == "enable" {
                    "Endpoint enabled: new events are delivered to it again.".to_string()
                } else {
                    "Endpoint disabled: events are not sent to it until it is enabled.".to_string()
                }
            }
            "delete" => {
                hooks::delete_endpoint(db, &p, &meta, need_id()?).await?;
                "Endpoint deleted with its deliveries.".to_string()
            }
            "rotate" => {
                let id = need_id()?;
                let secret = hooks::rotate_secret(db, key, &p, &meta, id).await?;
                stash(&state, &session, SHOWN_SECRET, id, &secret).await?;
                "New secret made. For 24 hours deliveries are signed with both, so you can switch without losing one.".to_string()
            }
            "reveal" => {
                let id = need_id()?;
                let secret = hooks::reveal_secret(db, key, &p, id).await?;
                stash(&state, &session, SHOWN_SECRET, id, &secret).await?;
                "The endpoint's signing secret is shown below.".to_string()
            }
            "test" => {
                hooks::send_test(db, &p, need_id()?).await?;
                "Test event queued; its delivery appears below in a moment.".to_string()
            }
            "replay" => {
                let delivery = f
                    .get("delivery")
                    .parse()
                    .map_err(|_| Error::NotFound)?;
                hooks::replay(db, &p, &meta, delivery).await?;
                "Delivery queued again, with the same id and body.".to_string()
            }
            _ => return Err(Error::validation("op", "Choose what to do.")),
        };
        Ok::<_, Error>(message)
    }
    .await;
    let secure = state.config.cookie_secure;
    match result {
        Ok(message) => done(&back, ENDPOINT_FORM, message, secure),
        Err(e @ (Error::Validation { .. } | Error::Conflict(_))) => {
            let mut values = BTreeMap::new();
            for name in ["url", "description"] {
                values.insert(name.to_string(), f.get(name).to_string());
            }
            let events: Vec<&str> = f.all("events").collect();
            values.insert("events".to_string(), events.join(" "));
            failure(ENDPOINT_FORM, &back, &e, values, secure)
        }
        Err(e) => e.into_response(),
    }
}

/// The flash form name of the endpoints' forms.
pub const ENDPOINT_FORM: &str = "webhook-endpoints";

/// The webhook secret a form just made or asked for, taken (shown once).
pub async fn take_shown_secret(
    state: &AppState,
    session: &Session,
) -> crate::Result<Option<(uuid::Uuid, String)>> {
    take(state, session, SHOWN_SECRET).await
}

/// The key just made, when the member's session holds one: taken (it is shown once).
pub async fn take_new_key(
    state: &AppState,
    session: &Session,
) -> crate::Result<Option<(uuid::Uuid, String)>> {
    take(state, session, NEW_KEY).await
}
