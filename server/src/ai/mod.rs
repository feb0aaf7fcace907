//! AI providers shared by every area: configuration (`config`, the platform's keys and the
//! call policy), a company's own keys (`keys`, Settings → Integrations) and the client
//! (`client`: retries, usage, cost). Areas bring their own prompts and schemas.

pub mod client;
pub mod config;
pub mod keys;
pub mod structured;

pub use client::{CallError, Retry, Usage};
pub use config::{AiConfig, ProviderConfig};
