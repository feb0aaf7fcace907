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
    const PG: &str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2, updated_at = $3 \
                      WHERE id = COALESCE( \
                        (SELECT id FROM jobs WHERE status = 'running' AND locked_until < $3 \
                         ORDER BY locked_until LIMIT 1 FOR UPDATE SKIP LOCKED), \
                        (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $3 \
                         ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)) \
                      RETURNING id, kind, payload, attempts, max_attempts";
    // SQLite has one writer at a time, so the sub-selects and update cannot interleave.
    const SQLITE: &str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2, updated_at = $3 \
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

/// Removes finished jobs older than `before`.
pub async fn purge_done(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    const SQL: &str = "DELETE FROM jobs WHERE status = 'done' AND updated_at < $1";
    Ok(exec!(db, sqlx::query(SQL).bind(before))?)
}
