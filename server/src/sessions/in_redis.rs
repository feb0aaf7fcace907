//! Sessions in Redis (REDIS_URL). `session:<id>` holds the record as JSON and expires with the
//! session; `sessions:user:<uid>` and `sessions:company:<cid>` are sets of session ids, the
//! index that `list` and `end` read. A set is never trusted alone: an id whose session has
//! expired is dropped from it when met, and the company set may still name a session that has
//! switched to another company, so the record is read before anything is ended.

use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use chrono::Utc;
use redis::AsyncCommands;
use sha2::{Digest, Sha256};
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, SessionStore},
};
use uuid::Uuid;

use super::{
    backend, expiry_of, text_of, time_of, uuid_of, Ending, LiveSession, COMPANY_ID, IP, LAST_SEEN,
    STARTED, USER_AGENT, USER_ID,
};
use crate::{kv, Error};

/// Writes a session and adds it to its index sets, in one atomic step. KEYS: the session, then
/// its user's and company's sets (when known). ARGV: record, lifetime in ms, id, NX (create) or
/// XX (save: only while it still exists). A set lives as long as its longest-lived session.
static WRITE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
        if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], ARGV[4]) then
          return 0
        end
        for i = 2, #KEYS do
          redis.call('SADD', KEYS[i], ARGV[3])
          if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[2]) then
            redis.call('PEXPIRE', KEYS[i], ARGV[2])
          end
        end
        return 1
        ",
    )
});

#[derive(Clone, Debug)]
pub struct RedisSessionStore {
    redis: Arc<kv::Redis>,
}

fn unavailable(e: redis::RedisError) -> Error {
    Error::Unavailable(format!("session store: {e}"))
}

/// The public name of a session in the sessions list: derived one-way from the id, so the
/// id (a credential) never reaches a page and nothing extra has to be stored.
fn handle_of(id: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"switchyard session handle\0")
        .chain_update(id.as_bytes())
        .finalize();
    hex::encode(&digest[..16])
}

impl RedisSessionStore {
    pub fn new(redis: Arc<kv::Redis>) -> Self {
        Self { redis }
    }

    fn session_key(&self, id: &str) -> String {
        self.redis.key(format_args!("session:{id}"))
    }

    fn user_key(&self, user: Uuid) -> String {
        self.redis
            .key(format_args!("sessions:user:{}", user.simple()))
    }

    fn company_key(&self, company: Uuid) -> String {
        self.redis
            .key(format_args!("sessions:company:{}", company.simple()))
    }

    /// Runs WRITE; answers whether the session was written.
    async fn write(&self, record: &Record, mode: &str) -> session_store::Result<bool> {
        let json = serde_json::to_string(record)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let ttl_ms = (expiry_of(record)? - Utc::now()).num_milliseconds().max(1);
        let id = record.id.to_string();
        let mut invocation = WRITE.prepare_invoke();
        invocation.key(self.session_key(&id));
        if let Some(user) = uuid_of(record, USER_ID) {
            invocation.key(self.user_key(user));
        }
        if let Some(company) = uuid_of(record, COMPANY_ID) {
            invocation.key(self.company_key(company));
        }
        invocation.arg(json).arg(ttl_ms).arg(&id).arg(mode);
        let mut conn = self.redis.conn().await.map_err(backend)?;
        let written: i64 = invocation.invoke_async(&mut conn).await.map_err(backend)?;
        Ok(written == 1)
    }

    /// The live sessions an index set names; ids whose session has gone leave the set.
    async fn members(&self, set: &str) -> crate::Result<Vec<(String, Record)>> {
        let mut conn = self.redis.conn().await.map_err(unavailable)?;
        let ids: Vec<String> = conn.smembers(set).await.map_err(unavailable)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = ids.iter().map(|id| self.session_key(id)).collect();
        let values: Vec<Option<String>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        let mut live = Vec::new();
        let mut gone = Vec::new();
        for (id, value) in ids.into_iter().zip(values) {
            match value.and_then(|json| serde_json::from_str::<Record>(&json).ok()) {
                Some(record) => live.push((id, record)),
                None => gone.push(id),
            }
        }
        if !gone.is_empty() {
            let _: i64 = conn.srem(set, &gone).await.map_err(unavailable)?;
        }
        Ok(live)
    }

    pub(super) async fn list(&self, user: Uuid) -> crate::Result<Vec<LiveSession>> {
        let now = Utc::now();
        Ok(self
            .members(&self.user_key(user))
            .await?
            .into_iter()
            .filter(|(_, r)| uuid_of(r, USER_ID) == Some(user))
            .map(|(id, r)| LiveSession {
                handle: handle_of(&id),
                ip: text_of(&r, IP),
                user_agent: text_of(&r, USER_AGENT),
                started_at: time_of(&r, STARTED).unwrap_or(now),
                last_seen: time_of(&r, LAST_SEEN).unwrap_or(now),
                id,
            })
            .collect())
    }

    pub(super) async fn end(&self, which: Ending<'_>) -> crate::Result<u64> {
        let of_user = |r: &Record, user: Uuid| uuid_of(r, USER_ID) == Some(user);
        let in_company = |r: &Record, company: Uuid| uuid_of(r, COMPANY_ID) == Some(company);
        let (set, doomed): (String, Vec<String>) = match which {
            Ending::OfUser { user, except } => {
                let set = self.user_key(user);
                let ids = self.members(&set).await?.into_iter();
                let ids = ids.filter(|(id, r)| of_user(r, user) && Some(id.as_str()) != except);
                (set, ids.map(|(id, _)| id).collect())
            }
            Ending::InCompany { company, user } => {
                let set = self.user_key(user);
                let ids = self.members(&set).await?.into_iter();
                let ids = ids.filter(|(_, r)| of_user(r, user) && in_company(r, company));
                (set, ids.map(|(id, _)| id).collect())
            }
            Ending::Company { company } => {
                let set = self.company_key(company);
                let ids = self.members(&set).await?.into_iter();
                let ids = ids.filter(|(_, r)| in_company(r, company));
                (set, ids.map(|(id, _)| id).collect())
            }
            Ending::Handle { user, handle } => {
                let set = self.user_key(user);
                let ids = self.members(&set).await?.into_iter();
                let ids = ids.filter(|(id, r)| of_user(r, user) && handle_of(id) == handle);
                (set, ids.map(|(id, _)| id).collect())
            }
        };
        if doomed.is_empty() {
            return Ok(0);
        }
        let keys: Vec<String> = doomed.iter().map(|id| self.session_key(id)).collect();
        let mut conn = self.redis.conn().await.map_err(unavailable)?;
        let (ended, _): (u64, i64) = redis::pipe()
            .atomic()
            .del(&keys)
            .srem(&set, &doomed)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(ended)
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        while !self.write(record, "NX").await? {
            // A 128-bit id collided: draw another.
            record.id = Id::default();
        }
        Ok(())
    }

    /// Updates the session if it still exists; one ended meanwhile stays ended.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(record, "XX").await?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut conn = self.redis.conn().await.map_err(backend)?;
        let json: Option<String> = conn
            .get(self.session_key(&id.to_string()))
            .await
            .map_err(backend)?;
        json.map(|json| {
            serde_json::from_str(&json).map_err(|e| session_store::Error::Decode(e.to_string()))
        })
        .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let mut conn = self.redis.conn().await.map_err(backend)?;
        let _: i64 = conn
            .del(self.session_key(&id.to_string()))
            .await
            .map_err(backend)?;
        Ok(())
    }
}
