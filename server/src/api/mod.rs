//! The JSON API for integrators, `/api/v1`: company keys ([`keys`]), the resources' handlers
//! ([`http`]), errors as RFC 9457 problem documents ([`problem`]), `Idempotency-Key` on every
//! POST ([`idempotency`]) and the OpenAPI 3.1 document with its reference page ([`docs`]).
//!
//! A key acts for the member who made it, within the scopes chosen then: every call runs with
//! that member's current permissions narrowed to the key's scopes (and to its store, when it
//! has one), through the same services the pages use.

pub mod config;
pub mod docs;
pub mod forms;
pub mod http;
pub mod idempotency;
pub mod keys;
pub mod problem;
mod repo;
pub mod resources;
pub mod webhooks;

use crate::http::middleware::{PageNeeds, PageRule};

/// The API's paths (proven by a key, never by the session: see [`PageNeeds::ApiKey`]), and
/// Settings → API with its forms.
pub const PAGES: &[PageRule] = &[
    PageRule::new("/api/v1/*", PageNeeds::ApiKey),
    PageRule::new(
        "/settings/api",
        PageNeeds::Permission(crate::access::Permission::SettingsManage),
    ),
    PageRule::new("/settings/api/*", PageNeeds::NotAPage),
];

/// Calls per key an hour (API_REQUESTS_PER_HOUR).
pub const PER_KEY: &str = "api.key";
/// Calls per member an hour, all their keys together (API_REQUESTS_PER_HOUR).
pub const PER_USER: &str = "api.user";
/// Calls without a valid key per address an hour (API_ANONYMOUS_PER_HOUR).
pub const PER_ADDRESS: &str = "api.ip";
