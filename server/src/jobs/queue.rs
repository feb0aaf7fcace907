//! SQL of the job table.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use crate::{error::Result, exec, with_db, Db};

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
    /// When set, enqueueing a second job with the same key does nothing (idempotent schedules).
    pub dedupe_key: Option<String>,
}

const ENQUEUE: &str = "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_at, dedupe_key, created_at, updated_at) \
                       VALUES ($1, $2, 'queued', 0, $3, $4, $5, $6, $6) ON CONFLICT (dedupe_key) DO NOTHING";

/// Adds a job inside the caller's transaction (so it exists exactly when the change does).
pub async fn enqueue_tx(tx: &mut crate::db::Tx, job: NewJob<'_>) -> Result<bool> {
    let n = crate::exec_tx!(
        tx,
        sqlx::query(ENQUEUE)
            .bind(job.kind)
            .bind(Json(&job.payload))
            .bind(job.max_attempts)
            .bind(job.run_at)
            .bind(job.dedupe_key.as_deref())
            .bind(Utc::now())
    )?;
    Ok(n == 1)
}

/// Adds a job; returns false when a job with the same dedupe key already exists.
pub async fn enqueue(db: &Db, job: NewJob<'_>) -> Result<bool> {
    let n = exec!(
        db,
        sqlx::query(ENQUEUE)
            .bind(job.kind)
            .bind(Json(&job.payload))
            .bind(job.max_attempts)
            .bind(job.run_at)
            .bind(job.dedupe_key.as_deref())
            .bind(Utc::now())
    )?;
    Ok(n == 1)
}

#[derive(Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub kind: String,
    pub payload: Json<serde_json::Value>,
    pub attempts: i32,
    pub max_attempts: i32,
}

/// Claims a job whose lease ran out, else the longest-due queued job, counting the
/// attempt and taking a lease until `lease_until`.
pub async fn claim(
    db: &Db,
    worker: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<Claimed>> {
    // Two ordered index lookups, never one OR: a lease that ran out first (its job's worker
    // died), else the longest-due queued job. With an OR both backends gathered every due job
    // and sorted them on each claim (22 ms on PostgreSQL and 10 ms on SQLite, holding its one
    // writer, behind 30,000 queued webhooks); this is an index step whatever the backlog.
    // COALESCE evaluates (and locks) the second only when the first finds nothing.
    const PG: &str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2, started_at = $3, updated_at = $3 \
                      WHERE id = COALESCE( \
                        (SELECT id FROM jobs WHERE status = 'running' AND locked_until < $3 \
                         ORDER BY locked_until LIMIT 1 FOR UPDATE SKIP LOCKED), \
                        (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $3 \
                         ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)) \
                      RETURNING id, kind, payload, attempts, max_attempts";
    // SQLite has one writer at a time, so the sub-selects and update cannot interleave.
    const SQLITE: &str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2, started_at = $3, updated_at = $3 \
                          WHERE id = COALESCE( \
                            (SELECT id FROM jobs WHERE status = 'running' AND locked_until < $3 \
                             ORDER BY locked_until LIMIT 1), \
                            (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $3 \
                             ORDER BY run_at, id LIMIT 1)) \
                          RETURNING id, kind, payload, attempts, max_attempts";
    let row = match db {
        Db::Postgres(p) => {
            sqlx::query_as::<_, Claimed>(PG)
                .bind(worker)
                .bind(lease_until)
                .bind(now)
                .fetch_optional(p)
                .await?
        }
        Db::Sqlite(p, _) => {
            sqlx::query_as::<_, Claimed>(SQLITE)
                .bind(worker)
                .bind(lease_until)
                .bind(now)
                .fetch_optional(p)
                .await?
        }
    };
    Ok(row)
}

pub async fn complete(db: &Db, id: i64, worker: &str) -> Result<()> {
    const SQL: &str =
        "UPDATE jobs SET status = 'done', locked_until = NULL, last_error = NULL, updated_at = $1 \
                       WHERE id = $2 AND locked_by = $3";
    exec!(db, sqlx::query(SQL).bind(Utc::now()).bind(id).bind(worker))?;
    Ok(())
}

/// Records a failure: back to `queued` at `retry_at`, or `dead` when `retry_at` is None.
pub async fn fail(
    db: &Db,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<()> {
    const SQL: &str = "UPDATE jobs SET status = CASE WHEN $1 IS NULL THEN 'dead' ELSE 'queued' END, \
                       run_at = COALESCE($1, run_at), locked_until = NULL, last_error = $2, updated_at = $3 \
                       WHERE id = $4 AND locked_by = $5";
    let error: String = error.chars().take(2000).collect();
    exec!(
        db,
        sqlx::query(SQL)
            .bind(retry_at)
            .bind(&error)
            .bind(Utc::now())
            .bind(id)
            .bind(worker)
    )?;
    Ok(())
}

/// Puts a claimed job back to wait until `run_at` without counting the attempt (the work could
/// not start yet, e.g. a concurrency cap).
pub async fn defer(db: &Db, id: i64, worker: &str, run_at: DateTime<Utc>) -> Result<()> {
    const SQL: &str = "UPDATE jobs SET status = 'queued', run_at = $1, locked_until = NULL, \
                       attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, updated_at = $2 \
                       WHERE id = $3 AND locked_by = $4";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(run_at)
            .bind(Utc::now())
            .bind(id)
            .bind(worker)
    )?;
    Ok(())
}

/// How many jobs are in each status, for /metrics.
pub async fn counts_by_status(db: &Db) -> Result<Vec<(String, i64)>> {
    const SQL: &str = "SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status";
    Ok(with_db!(db, |p| sqlx::query_as::<_, (String, i64)>(SQL)
        .fetch_all(p)
        .await)?)
}

/// Removes finished (and discarded) jobs older than `before`.
pub async fn purge_done(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "DELETE FROM jobs WHERE status IN ('done', 'discarded') AND updated_at < $1";
    Ok(exec!(db, sqlx::query(SQL).bind(before))?)
}

/// How many jobs of one kind are in one state. `retrying` is a queued job that failed before
/// (it waits for its next attempt); `done` counts the jobs finished since the time asked for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct KindCounts {
    pub kind: String,
    pub queued: i64,
    pub retrying: i64,
    pub running: i64,
    pub dead: i64,
    pub done: i64,
}

/// Per kind: the jobs waiting, retrying, running and dead, and those done since `since`.
pub async fn counts_by_kind(db: &Db, since: DateTime<Utc>) -> Result<Vec<KindCounts>> {
    // One pass over the unfinished jobs (few) and one index range over the recent done ones.
    const SQL: &str = "SELECT kind, \
        CASE WHEN status = 'queued' AND attempts > 0 THEN 'retrying' ELSE status END AS state, \
        COUNT(*) FROM jobs \
        WHERE status IN ('queued', 'running', 'dead') OR (status = 'done' AND updated_at >= $1) \
        GROUP BY kind, state ORDER BY kind";
    let rows = with_db!(db, |p| sqlx::query_as::<_, (String, String, i64)>(SQL)
        .bind(since)
        .fetch_all(p)
        .await)?;
    let mut out: Vec<KindCounts> = Vec::new();
    for (kind, state, n) in rows {
        if out.last().map(|k| k.kind != kind).unwrap_or(true) {
            out.push(KindCounts {
                kind,
                ..Default::default()
            });
        }
        if let Some(k) = out.last_mut() {
            match state.as_str() {
                "queued" => k.queued = n,
                "retrying" => k.retrying = n,
                "running" => k.running = n,
                "dead" => k.dead = n,
                "done" => k.done = n,
                _ => {}
            }
        }
    }
    Ok(out)
}

/// A finished job's times: when it was due, when a worker took it, when it finished.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Timing {
    pub kind: String,
    pub run_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

/// The times of the latest `limit` jobs done since `since` (newest first).
pub async fn done_timings(db: &Db, since: DateTime<Utc>, limit: i64) -> Result<Vec<Timing>> {
    const SQL: &str = "SELECT kind, run_at, started_at, updated_at AS finished_at FROM jobs \
        WHERE status = 'done' AND updated_at >= $1 AND started_at IS NOT NULL \
        ORDER BY updated_at DESC LIMIT $2";
    Ok(with_db!(db, |p| sqlx::query_as::<_, Timing>(SQL)
        .bind(since)
        .bind(limit)
        .fetch_all(p)
        .await)?)
}

/// One job as the operator sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub payload: Json<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The operator's view of a job ([`JobRow`]), followed by a condition.
const SELECT_JOB: &str = "SELECT id, kind, status, attempts, max_attempts, run_at, started_at, \
    last_error, payload, created_at, updated_at FROM jobs WHERE ";

/// Which jobs a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for their first attempt.
    Queued,
    /// Failed before, waiting for the next attempt.
    Retrying,
    Running,
    /// Out of attempts.
    Dead,
}

impl State {
    pub const ALL: [State; 4] = [State::Queued, State::Retrying, State::Running, State::Dead];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Retrying => "retrying",
            State::Running => "running",
            State::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }

    fn condition(self) -> &'static str {
        match self {
            State::Queued => "status = 'queued' AND attempts = 0",
            State::Retrying => "status = 'queued' AND attempts > 0",
            State::Running => "status = 'running'",
            State::Dead => "status = 'dead'",
        }
    }
}

/// Jobs in `state` (of `kind` when given), the latest changed first, `limit` of them from
/// before the cursor `(updated_at, id)` of the previous page's last one.
pub async fn list(
    db: &Db,
    state: State,
    kind: Option<&str>,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> Result<Vec<JobRow>> {
    let sql = format!(
        "{SELECT_JOB}{} AND ($1 IS NULL OR kind = $1) \
         AND ($2 IS NULL OR updated_at < $2 OR (updated_at = $2 AND id < $3)) \
         ORDER BY updated_at DESC, id DESC LIMIT $4",
        state.condition()
    );
    let (at, id) = match after {
        Some((at, id)) => (Some(at), id),
        None => (None, 0),
    };
    Ok(with_db!(db, |p| sqlx::query_as::<_, JobRow>(&sql)
        .bind(kind)
        .bind(at)
        .bind(id)
        .bind(limit)
        .fetch_all(p)
        .await)?)
}

/// One job by id.
pub async fn get(db: &Db, id: i64) -> Result<Option<JobRow>> {
    let sql = format!("{SELECT_JOB}id = $1");
    Ok(with_db!(db, |p| sqlx::query_as::<_, JobRow>(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)?)
}

/// Puts a dead or waiting job back in the queue, due now, with its attempts counted from zero
/// (its last error stays until the next attempt). False when it is running or gone.
pub async fn retry_now(tx: &mut crate::db::Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str =
        "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $1, locked_until = NULL, \
        locked_by = NULL, updated_at = $1 WHERE id = $2 AND status IN ('queued', 'dead')";
    Ok(crate::exec_tx!(tx, sqlx::query(SQL).bind(now).bind(id))? == 1)
}

/// Throws away a dead or waiting job (kept as `discarded` until the finished jobs are purged).
/// False when it is running or gone.
pub async fn discard(tx: &mut crate::db::Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str = "UPDATE jobs SET status = 'discarded', locked_until = NULL, updated_at = $1 \
        WHERE id = $2 AND status IN ('queued', 'dead')";
    Ok(crate::exec_tx!(tx, sqlx::query(SQL).bind(now).bind(id))? == 1)
}

/// How many jobs of `kind` are queued or running (a kind that must not pile up asks first).
pub async fn active_of_kind(db: &Db, kind: &str) -> Result<i64> {
    const SQL: &str =
        "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND status IN ('queued', 'running')";
    Ok(with_db!(db, |p| sqlx::query_scalar::<_, i64>(SQL)
        .bind(kind)
        .fetch_one(p)
        .await)?)
}
