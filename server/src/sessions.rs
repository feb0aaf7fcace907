//! tower-sessions store over our own `sessions` table on either backend.
//!
//! We keep our own store rather than tower-sessions-sqlx-store because the table carries the
//! session's user (so a user's sessions can be listed and ended, and disabling a user ends them
//! all) and because it must run on whichever pool `Db` holds.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tower_sessions::{
    cookie::{time::Duration as CookieDuration, SameSite},
    session::{Id, Record},
    session_store::{self, SessionStore},
    Expiry, SessionManagerLayer,
};
use uuid::Uuid;

use crate::{config::Config, db::Tx, exec, exec_tx, with_db, Db};

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

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Ends every session of a user (disabled, password reset); returns how many.
    pub async fn end_all_of(tx: &mut Tx, user_id: Uuid) -> crate::error::Result<u64> {
        const SQL: &str = "DELETE FROM sessions WHERE user_id = $1";
        Ok(exec_tx!(tx, sqlx::query(SQL).bind(user_id))?)
    }

    /// Ends a user's sessions working in one company (removed or disabled there).
    pub async fn end_in_company(
        tx: &mut Tx,
        company_id: Uuid,
        user_id: Uuid,
    ) -> crate::error::Result<u64> {
        const SQL: &str = "DELETE FROM sessions WHERE company_id = $1 AND user_id = $2";
        Ok(exec_tx!(
            tx,
            sqlx::query(SQL).bind(company_id).bind(user_id)
        )?)
    }

    /// Deletes sessions whose expiry has passed; returns how many.
    pub async fn delete_expired(db: &Db, now: DateTime<Utc>) -> crate::error::Result<u64> {
        const SQL: &str = "DELETE FROM sessions WHERE expires_at < $1";
        Ok(exec!(db, sqlx::query(SQL).bind(now))?)
    }
}

/// The session cookie and store, from configuration.
pub fn layer(db: Db, config: &Config) -> SessionManagerLayer<DbSessionStore> {
    SessionManagerLayer::new(DbSessionStore::new(db))
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

const INSERT: &str = "INSERT INTO sessions (id, record, expires_at, user_id, company_id, ip, user_agent, \
                      handle, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)";

impl DbSessionStore {
    /// Writes a record with `INSERT` + `on_conflict`; returns the rows written.
    async fn write(&self, on_conflict: &str, record: &Record) -> session_store::Result<u64> {
        let json = serde_json::to_string(record)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let sql = format!("{INSERT} {on_conflict}");
        exec!(
            &self.db,
            sqlx::query(&sql)
                .bind(record.id.to_string())
                .bind(&json)
                .bind(expiry_of(record)?)
                .bind(uuid_of(record, USER_ID))
                .bind(uuid_of(record, COMPANY_ID))
                .bind(text_of(record, IP))
                .bind(text_of(record, USER_AGENT))
                .bind(Uuid::new_v4().simple().to_string())
                .bind(Utc::now())
        )
        .map_err(backend)
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        while self.write("ON CONFLICT (id) DO NOTHING", record).await? == 0 {
            // A 128-bit id collided: draw another.
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(
            "ON CONFLICT (id) DO UPDATE SET record = excluded.record, expires_at = excluded.expires_at, \
             user_id = excluded.user_id, company_id = excluded.company_id, ip = excluded.ip, \
             user_agent = excluded.user_agent, updated_at = excluded.updated_at",
            record,
        )
        .await?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        const SQL: &str = "SELECT record FROM sessions WHERE id = $1 AND expires_at > $2";
        let id = id.to_string();
        let row: Option<String> = with_db!(&self.db, |p| sqlx::query_scalar(SQL)
            .bind(&id)
            .bind(Utc::now())
            .fetch_optional(p)
            .await)
        .map_err(backend)?;
        row.map(|json| {
            serde_json::from_str(&json).map_err(|e| session_store::Error::Decode(e.to_string()))
        })
        .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        const SQL: &str = "DELETE FROM sessions WHERE id = $1";
        let id = id.to_string();
        exec!(&self.db, sqlx::query(SQL).bind(&id)).map_err(backend)?;
        Ok(())
    }
}
