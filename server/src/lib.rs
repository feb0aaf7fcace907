//! Switchyard's server side without Leptos: configuration, telemetry, database, domain
//! services, background jobs and the plain HTTP routes. The `app` crate's binary composes it
//! with the Leptos pages.

pub mod access;
pub mod ai;
pub mod analyses;
pub mod api;
pub mod areas;
pub mod audit;
pub mod billing;
pub mod campaigns;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod dashboard;
pub mod dates;
pub mod db;
pub mod email;
pub mod error;
pub mod format;
pub mod http;
pub mod identity;
pub mod jobs;
pub mod kv;
pub mod mail;
pub mod money;
pub mod orders;
pub mod outbound;
pub mod platform;
pub mod ratelimit;
pub mod sessions;
pub mod sheets;
pub mod state;
pub mod storage;
pub mod studio;
pub mod team;
pub mod telemetry;

pub use db::Db;
pub use error::{Error, Result};
pub use state::AppState;
