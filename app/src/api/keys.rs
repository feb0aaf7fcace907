//! Settings → API: the company's API keys, what a new one may be given, and the key just made
//! (taken from the session the one time it is shown). Making and revoking are plain form posts
//! (`server::api::forms`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    /// The one store it may touch; None: every store its maker sees.
    pub store: Option<String>,
    pub created: String,
    pub creator: String,
    pub last_used: Option<String>,
    pub last_ip: Option<String>,
    pub expires: Option<String>,
    /// "active", "revoked" or "expired".
    pub state: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub id: String,
    pub key: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKeysPage {
    pub keys: Vec<ApiKeyRow>,
    /// (permission key, what it allows) for each permission the member holds.
    pub scopes: Vec<(String, String)>,
    /// (id, name) of each store the member sees.
    pub stores: Vec<(String, String)>,
    /// The key just made, shown once.
    pub new_key: Option<NewApiKey>,
    /// The first and last day a new key may expire on (YYYY-MM-DD).
    pub min_expiry: String,
    pub max_expiry: String,
}

#[server(endpoint = "api_keys")]
pub async fn get_api_keys() -> Result<ApiKeysPage, AppError> {
    use super::ssr;
    use server::access::Permission;
    let p = ssr::authorize(Permission::SettingsManage)?;
    let state = ssr::state()?;
    let (keys, stores) = tokio::try_join!(
        server::api::keys::list(&state.db, &p),
        server::team::stores::visible(&state.db, &p)
    )
    .map_err(ssr::fail)?;
    let session = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<tower_sessions::Session>().cloned());
    let new_key = match session {
        Some(s) => server::api::forms::take_new_key(&state, &s)
            .await
            .map_err(ssr::fail)?
            .map(|(id, key)| NewApiKey {
                id: id.to_string(),
                key,
            }),
        None => None,
    };
    let now = chrono::Utc::now();
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let today = now.with_timezone(&tz).date_naive();
    let last = today + chrono::Duration::days(server::api::keys::MAX_LIFE_DAYS);
    Ok(ApiKeysPage {
        keys: keys
            .into_iter()
            .map(|k| ApiKeyRow {
                id: k.id.to_string(),
                state: if k.revoked_at.is_some() {
                    "revoked"
                } else if k.is_active(now) {
                    "active"
                } else {
                    "expired"
                }
                .to_string(),
                name: k.name,
                prefix: k.prefix,
                scopes: k.scopes.split_whitespace().map(str::to_string).collect(),
                store: k.store_name,
                created: ssr::local_time(&p, k.created_at),
                creator: k.creator_name.unwrap_or_else(|| "A former member".into()),
                last_used: k.last_used_at.map(|t| ssr::local_time(&p, t)),
                last_ip: k.last_used_ip,
                expires: k.expires_at.map(|t| ssr::local_time(&p, t)),
            })
            .collect(),
        scopes: p
            .permissions
            .iter()
            .map(|perm| (perm.key().to_string(), perm.describe().to_string()))
            .collect(),
        stores: stores
            .into_iter()
            .map(|s| (s.id.to_string(), s.name))
            .collect(),
        new_key,
        min_expiry: today.to_string(),
        max_expiry: last.to_string(),
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndpointView {
    pub id: String,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub enabled: bool,
    /// "closed", "open" or "half-open".
    pub circuit: String,
    pub failures: i64,
    /// While a rotated secret's predecessor still signs.
    pub previous_until: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: String,
    pub event_type: String,
    pub event_id: String,
    /// "pending", "delivered" or "dead".
    pub status: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_response: Option<String>,
    pub last_ms: Option<i64>,
    pub created: String,
    pub next: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndpointLog {
    pub id: String,
    pub url: String,
    pub deliveries: Vec<DeliveryView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhooksPage {
    pub endpoints: Vec<EndpointView>,
    /// The chosen endpoint's latest deliveries.
    pub log: Option<EndpointLog>,
}

/// The company's webhook endpoints, and `endpoint`'s delivery log when one is chosen.
#[server(endpoint = "webhooks")]
pub async fn get_webhooks(endpoint: String) -> Result<WebhooksPage, AppError> {
    use super::ssr;
    use server::{access::Permission, api::webhooks as hooks};
    let p = ssr::authorize(Permission::SettingsManage)?;
    let state = ssr::state()?;
    let cfg = state.config.section::<server::api::config::ApiConfig>();
    let rows = hooks::endpoints(&state.db, &p).await.map_err(ssr::fail)?;
    let now = chrono::Utc::now();
    let chosen = rows
        .iter()
        .find(|e| e.id.to_string() == endpoint)
        .map(|e| (e.id, e.url.clone()));
    let log = match chosen {
        Some((id, url)) => {
            let deliveries = hooks::deliveries(&state.db, &p, id, 50)
                .await
                .map_err(ssr::fail)?;
            Some(EndpointLog {
                id: id.to_string(),
                url,
                deliveries: deliveries
                    .into_iter()
                    .map(|d| DeliveryView {
                        id: d.id.to_string(),
                        event_type: d.event_type,
                        event_id: d.event_id,
                        status: d.status,
                        attempts: d.attempts,
                        last_status: d.last_status,
                        last_error: d.last_error,
                        last_response: d.last_response,
                        last_ms: d.last_ms,
                        created: ssr::local_time(&p, d.created_at),
                        next: d.next_attempt_at.map(|t| ssr::local_time(&p, t)),
                    })
                    .collect(),
            })
        }
        None => None,
    };
    Ok(WebhooksPage {
        endpoints: rows
            .into_iter()
            .map(|e| EndpointView {
                id: e.id.to_string(),
                circuit: e.circuit(cfg.circuit_failures, now).to_string(),
                previous_until: e
                    .previous_until
                    .filter(|t| *t > now)
                    .map(|t| ssr::local_time(&p, t)),
                url: e.url,
                description: e.description,
                events: e.events.split_whitespace().map(str::to_string).collect(),
                enabled: e.enabled,
                failures: e.failures,
            })
            .collect(),
        log,
    })
}

/// What the endpoint form needs, read once per page (the refreshing list does not ask again).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookForm {
    /// (event type, what it means).
    pub events: Vec<(String, String)>,
    /// (endpoint id, secret): the webhook secret a form just made or asked for, taken from the
    /// session (shown once).
    pub secret: Option<(String, String)>,
}

#[server(endpoint = "webhook_form")]
pub async fn get_webhook_form() -> Result<WebhookForm, AppError> {
    use super::ssr;
    ssr::authorize(server::access::Permission::SettingsManage)?;
    let state = ssr::state()?;
    let session = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<tower_sessions::Session>().cloned());
    let secret = match session {
        Some(s) => server::api::forms::take_shown_secret(&state, &s)
            .await
            .map_err(ssr::fail)?
            .map(|(id, secret)| (id.to_string(), secret)),
        None => None,
    };
    Ok(WebhookForm {
        events: server::api::webhooks::EVENT_TYPES
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        secret,
    })
}
