//! Sessions in the `sessions` table. Besides the record, a row carries the session's user and
//! company, where it was started and a public handle, so that the index queries are plain SQL
//! inside the caller's transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, SessionStore},
};
use uuid::Uuid;

use super::{
    backend, expiry_of, text_of, uuid_of, Ending, LiveSession, COMPANY_ID, IP, USER_AGENT, USER_ID,
};
use crate::{db::Tx, exec, exec_tx, with_db, Db};

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    handle: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    pub(super) async fn list(&self, user: Uuid) -> crate::Result<Vec<LiveSession>> {
        const SQL: &str =
            "SELECT id, handle, ip, user_agent, created_at, updated_at FROM sessions \
                           WHERE user_id = $1 AND expires_at > $2";
        let rows: Vec<Row> = with_db!(&self.db, |pool| sqlx::query_as(SQL)
            .bind(user)
            .bind(Utc::now())
            .fetch_all(pool)
            .await)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(LiveSession {
                    id: r.id,
                    handle: r.handle?,
                    ip: r.ip,
                    user_agent: r.user_agent,
                    started_at: r.created_at,
                    last_seen: r.updated_at,
                })
            })
            .collect())
    }

    pub(super) async fn end(tx: &mut Tx, which: Ending<'_>) -> crate::Result<u64> {
        Ok(match which {
            Ending::OfUser { user, except } => exec_tx!(
                tx,
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id <> $2)")
                    .bind(user)
                    .bind(except)
            )?,
            Ending::InCompany { company, user } => exec_tx!(
                tx,
                sqlx::query("DELETE FROM sessions WHERE company_id = $1 AND user_id = $2")
                    .bind(company)
                    .bind(user)
            )?,
            Ending::Company { company } => exec_tx!(
                tx,
                sqlx::query("DELETE FROM sessions WHERE company_id = $1").bind(company)
            )?,
            Ending::Handle { user, handle } => exec_tx!(
                tx,
                sqlx::query("DELETE FROM sessions WHERE handle = $1 AND user_id = $2")
                    .bind(handle)
                    .bind(user)
            )?,
        })
    }

    /// Deletes sessions whose expiry has passed; returns how many.
    pub async fn delete_expired(db: &Db, now: DateTime<Utc>) -> crate::Result<u64> {
        const SQL: &str = "DELETE FROM sessions WHERE expires_at < $1";
        Ok(exec!(db, sqlx::query(SQL).bind(now))?)
    }

    fn json(record: &Record) -> session_store::Result<String> {
        serde_json::to_string(record).map_err(|e| session_store::Error::Encode(e.to_string()))
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        const SQL: &str = "INSERT INTO sessions (id, record, expires_at, user_id, company_id, ip, \
                           user_agent, handle, created_at, updated_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (id) DO NOTHING";
        loop {
            let json = Self::json(record)?;
            let written = exec!(
                &self.db,
                sqlx::query(SQL)
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
            .map_err(backend)?;
            if written > 0 {
                return Ok(());
            }
            // A 128-bit id collided: draw another.
            record.id = Id::default();
        }
    }

    /// Updates the session if it still exists; one ended meanwhile stays ended.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        const SQL: &str = "UPDATE sessions SET record = $2, expires_at = $3, user_id = $4, \
                           company_id = $5, ip = $6, user_agent = $7, updated_at = $8 WHERE id = $1";
        let json = Self::json(record)?;
        exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(record.id.to_string())
                .bind(&json)
                .bind(expiry_of(record)?)
                .bind(uuid_of(record, USER_ID))
                .bind(uuid_of(record, COMPANY_ID))
                .bind(text_of(record, IP))
                .bind(text_of(record, USER_AGENT))
                .bind(Utc::now())
        )
        .map_err(backend)?;
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
