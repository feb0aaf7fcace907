//! Sessions: tower-sessions over our own stores, and the index that lists and ends a user's
//! or a company's sessions (sign out elsewhere, disabled members, password changes).
//!
//! - `db`: the `sessions` table on whichever pool `Db` holds (the default).
//! - `in_redis`: Redis, when REDIS_URL is set: one key per session expiring with it, and a
//!   set of session ids per user and per company as the index.
//!
//! We keep our own stores rather than tower-sessions-sqlx-store / -redis-store because ending
//! sessions needs that index (neither crate keeps one), the SQL store must run on either pool,
//! and Redis is already spoken by `kv` (the Redis store crate would bring a second client).
//!
//! `save` only ever updates a session that still exists (tower-sessions calls `create` for new
//! ones), so a request in flight cannot bring back a session that was just ended.

pub mod cleanup;
mod db;
mod in_redis;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tower_sessions::{
    cookie::{time::Duration as CookieDuration, SameSite},
    session::{Id, Record},
    session_store::{self, SessionStore},
    Expiry, SessionManagerLayer,
};
use uuid::Uuid;

pub use db::DbSessionStore;
pub use in_redis::RedisSessionStore;

use crate::{config::Config, db::Tx, kv, Db};

/// Session keys.
pub const USER_ID: &str = "uid";
pub const COMPANY_ID: &str = "cid";
/// Unix time of the last request that extended the session (see `TOUCH_EVERY_SECS`).
pub const LAST_SEEN: &str = "seen";
/// Unix time of the sign-in that started the session (for the absolute lifetime).
pub const STARTED: &str = "started";
/// Where the session was started (shown in the sessions list).
pub const IP: &str = "ip";
pub const USER_AGENT: &str = "ua";

/// tower-sessions only saves a modified session, so an `OnInactivity` expiry would never
/// slide on plain reads. Signed-in requests re-stamp `LAST_SEEN` (and so push the expiry
/// forward) at most this often, bounding session writes to one per minute per user.
pub const TOUCH_EVERY_SECS: i64 = 60;

pub const COOKIE_NAME: &str = "switchyard_session";

/// The session store of this process: the database, or Redis when REDIS_URL is set.
#[derive(Clone, Debug)]
pub enum Sessions {
    Db(DbSessionStore),
    Redis(RedisSessionStore),
}

/// Which sessions to end.
#[derive(Clone, Copy, Debug)]
pub enum Ending<'a> {
    /// Every session of the user, but `except` (a session id) when given.
    OfUser { user: Uuid, except: Option<&'a str> },
    /// The user's sessions working in one company (removed or disabled there).
    InCompany { company: Uuid, user: Uuid },
    /// Everyone's sessions working in the company (disabled or deleted).
    Company { company: Uuid },
    /// One session of the user, by its public handle.
    Handle { user: Uuid, handle: &'a str },
}

/// A live session as the sessions list shows it. `handle` names it in the page; the session id
/// itself is a credential and never leaves the server.
#[derive(Clone, Debug)]
pub struct LiveSession {
    pub id: String,
    pub handle: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub started_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

impl Sessions {
    pub fn new(db: Db, redis: Option<Arc<kv::Redis>>) -> Self {
        match redis {
            Some(redis) => Sessions::Redis(RedisSessionStore::new(redis)),
            None => Sessions::Db(DbSessionStore::new(db)),
        }
    }

    /// The user's live sessions, most recently used first.
    pub async fn list(&self, user: Uuid) -> crate::Result<Vec<LiveSession>> {
        let mut list = match self {
            Sessions::Db(s) => s.list(user).await?,
            Sessions::Redis(s) => s.list(user).await?,
        };
        list.sort_by_key(|s| std::cmp::Reverse(s.last_seen));
        Ok(list)
    }

    /// Ends the sessions `which` names; answers how many ended.
    ///
    /// In the database this is part of `tx`. In Redis it happens at once, before `tx` commits:
    /// should the transaction then fail, those sessions have ended for nothing and their users
    /// sign in again — the safe side of the two possible failures.
    pub async fn end(&self, tx: &mut Tx, which: Ending<'_>) -> crate::Result<u64> {
        match self {
            Sessions::Db(_) => DbSessionStore::end(tx, which).await,
            Sessions::Redis(s) => s.end(which).await,
        }
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Sessions::Db(s) => s.create(record).await,
            Sessions::Redis(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Sessions::Db(s) => s.save(record).await,
            Sessions::Redis(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Db(s) => s.load(id).await,
            Sessions::Redis(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Db(s) => s.delete(id).await,
            Sessions::Redis(s) => s.delete(id).await,
        }
    }
}

/// The session cookie and store, from configuration.
pub fn layer(store: Sessions, config: &Config) -> SessionManagerLayer<Sessions> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.cookie_secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(CookieDuration::minutes(
            config.session_timeout_minutes,
        )))
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn expiry_of(record: &Record) -> Result<DateTime<Utc>, session_store::Error> {
    DateTime::<Utc>::from_timestamp(
        record.expiry_date.unix_timestamp(),
        record.expiry_date.nanosecond(),
    )
    .ok_or_else(|| session_store::Error::Encode("expiry out of range".into()))
}

fn uuid_of(record: &Record, key: &str) -> Option<Uuid> {
    record
        .data
        .get(key)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

fn text_of(record: &Record, key: &str) -> Option<String> {
    record
        .data
        .get(key)
        .and_then(|v| v.as_str())
        .map(|s| s.chars().take(400).collect())
}

fn time_of(record: &Record, key: &str) -> Option<DateTime<Utc>> {
    record
        .data
        .get(key)
        .and_then(|v| v.as_i64())
        .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
}
