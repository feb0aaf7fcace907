//! Backups of the whole database to object storage (the file store: S3 when configured, else
//! DATA_DIR/uploads), under `backups/`. SQLite is copied with `VACUUM INTO` (a consistent copy
//! while the application writes), PostgreSQL with `pg_dump --format=custom`. A job checks every
//! hour whether the day's backup (BACKUP_AT, UTC) is due, takes it, then applies the retention:
//! the latest backup of each of the last BACKUP_KEEP_DAILY days and of each of the last
//! BACKUP_KEEP_WEEKLY weeks stay, the others are deleted. Every attempt is a row of `backups`
//! (listed on /admin and by `switchyard backups`); `switchyard restore <key>` puts one back
//! into an empty database.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    time::Duration,
};

use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use crate::{
    config::redact_url,
    db::Backend,
    error::{Error, Result},
    exec,
    jobs::{Job, JobContext},
    storage::Storage,
    with_db, Db,
};

/// The job kind.
pub const KIND: &str = "backup";
/// Where the files go in the file store.
pub const PREFIX: &str = "backups/";
/// A backup still "running" after this long died with its process.
const STALE: chrono::Duration = chrono::Duration::hours(3);

/// BACKUPS (on|off, on by default), BACKUP_AT (HH:MM, UTC; 03:00), BACKUP_KEEP_DAILY (7),
/// BACKUP_KEEP_WEEKLY (4).
#[derive(Clone, Debug)]
pub struct BackupConfig {
    pub enabled: bool,
    pub at: NaiveTime,
    pub keep_daily: usize,
    pub keep_weekly: usize,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            enabled: true,
            at: NaiveTime::from_hms_opt(3, 0, 0).expect("a time"),
            keep_daily: 7,
            keep_weekly: 4,
        }
    }
}

impl crate::config::Section for BackupConfig {
    fn load(get: &dyn Fn(&str) -> Option<String>, errors: &mut Vec<String>) -> Self {
        let mut c = BackupConfig::default();
        match get("BACKUPS").as_deref() {
            None | Some("on") => {}
            Some("off") => c.enabled = false,
            Some(v) => errors.push(format!("BACKUPS: expected on or off, got `{v}`")),
        }
        if let Some(v) = get("BACKUP_AT") {
            match NaiveTime::parse_from_str(&v, "%H:%M") {
                Ok(t) => c.at = t,
                Err(_) => errors.push(format!(
                    "BACKUP_AT: expected a time of day as HH:MM (UTC), got `{v}`"
                )),
            }
        }
        let mut count = |name: &str, min: usize, max: usize, into: &mut usize| {
            if let Some(v) = get(name) {
                match v.parse::<usize>() {
                    Ok(n) if (min..=max).contains(&n) => *into = n,
                    _ => errors.push(format!(
                        "{name}: expected a whole number from {min} to {max}, got `{v}`"
                    )),
                }
            }
        };
        count("BACKUP_KEEP_DAILY", 1, 366, &mut c.keep_daily);
        count("BACKUP_KEEP_WEEKLY", 0, 520, &mut c.keep_weekly);
        c
    }
}

/// One attempt, as /admin lists it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Backup {
    pub id: i64,
    pub key: String,
    pub engine: String,
    /// running | done | failed
    pub status: String,
    pub bytes: Option<i64>,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// When the retention deleted its file.
    pub pruned_at: Option<DateTime<Utc>>,
}

impl Backup {
    /// What became of it, in words: its size when done (`size` formats the bytes), "failed:
    /// <error>", "deleted by retention", or "running".
    pub fn state(&self, size: impl Fn(i64) -> String) -> String {
        match (self.status.as_str(), self.pruned_at) {
            (_, Some(_)) => "deleted by retention".into(),
            ("done", None) => size(self.bytes.unwrap_or_default()),
            ("failed", None) => format!("failed: {}", self.error.as_deref().unwrap_or_default()),
            _ => "running".into(),
        }
    }
}

fn engine(db: &Db) -> &'static str {
    match db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// The last attempts, newest first.
pub async fn list(db: &Db, limit: i64) -> Result<Vec<Backup>> {
    super::repo::backups(db, limit).await
}

/// The last attempts, for the platform operator (/admin).
pub async fn for_operator(db: &Db, p: &crate::access::Principal) -> Result<Vec<Backup>> {
    super::require(p)?;
    list(db, 30).await
}

/// "Back up now" on /admin: queues a backup that does not wait for its time, unless one is
/// queued or under way already (false then). Two clicks at once meet the minute's dedupe key
/// (which also answers false for a second request in the minute of a finished one).
pub async fn request_now(db: &Db, p: &crate::access::Principal) -> Result<bool> {
    super::require(p)?;
    let now = Utc::now();
    let busy = crate::jobs::active_of_kind(db, KIND).await?
        + super::repo::backups_running(db, now - STALE).await?;
    if busy > 0 {
        return Ok(false);
    }
    let queued = crate::jobs::enqueue(
        db,
        crate::jobs::NewJob {
            kind: KIND,
            payload: serde_json::json!({ "now": true }),
            run_at: now,
            max_attempts: 1,
            dedupe_key: Some(format!("{KIND}-now@{}", now.timestamp() / 60)),
        },
    )
    .await?;
    tracing::info!(user_id = %p.user_id, queued, "backup requested from /admin");
    Ok(queued)
}

/// The moment the latest scheduled backup was due at or before `now`.
pub fn due_since(now: DateTime<Utc>, at: NaiveTime) -> DateTime<Utc> {
    let today = Utc.from_utc_datetime(&now.date_naive().and_time(at));
    if today <= now {
        today
    } else {
        today - chrono::Duration::days(1)
    }
}

/// Whether the day's backup is still to take: none done or under way since it was due.
pub async fn is_due(db: &Db, config: &BackupConfig, now: DateTime<Utc>) -> Result<bool> {
    let since = due_since(now, config.at);
    let n: i64 = with_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM backups WHERE started_at >= $1 \
         AND (status = 'done' OR (status = 'running' AND started_at > $2))"
    )
    .bind(since)
    .bind(now - STALE)
    .fetch_one(p)
    .await)?;
    Ok(n == 0)
}

/// Takes a backup now: copies the database to a temporary file, stores it under
/// `backups/<time>.<engine>`, records the attempt. A failure is recorded too, then returned.
pub async fn take(db: &Db, database_url: &str, storage: &Storage) -> Result<Backup> {
    let started = Utc::now();
    let engine = engine(db);
    let ext = if engine == "sqlite" {
        "sqlite"
    } else {
        "pgdump"
    };
    let key = format!("{PREFIX}{}.{ext}", started.format("%Y-%m-%dT%H%M%S%.3fZ"));
    let id: i64 = with_db!(db, |p| sqlx::query_scalar(
        "INSERT INTO backups (key, engine, status, started_at) VALUES ($1, $2, 'running', $3) \
         RETURNING id"
    )
    .bind(&key)
    .bind(engine)
    .bind(started)
    .fetch_one(p)
    .await)?;
    let outcome = copy_and_store(db, database_url, storage, &key).await;
    let finished = Utc::now();
    match outcome {
        Ok(bytes) => {
            exec!(
                db,
                sqlx::query(
                    "UPDATE backups SET status = 'done', bytes = $1, finished_at = $2 WHERE id = $3"
                )
                .bind(bytes as i64)
                .bind(finished)
                .bind(id)
            )?;
            tracing::info!(
                key,
                bytes,
                ms = (finished - started).num_milliseconds(),
                "backup taken"
            );
        }
        Err(e) => {
            let message: String = format!("{e:#}").chars().take(500).collect();
            exec!(
                db,
                sqlx::query(
                    "UPDATE backups SET status = 'failed', error = $1, finished_at = $2 WHERE id = $3"
                )
                .bind(&message)
                .bind(finished)
                .bind(id)
            )?;
            tracing::error!(key, error = %message, "backup failed");
            return Err(Error::Internal(e));
        }
    }
    super::repo::backup(db, id).await
}

async fn copy_and_store(
    db: &Db,
    database_url: &str,
    storage: &Storage,
    key: &str,
) -> anyhow::Result<u64> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("backup");
    match db {
        Db::Sqlite(pool, _) => {
            sqlx::query("VACUUM INTO $1")
                .bind(file.to_string_lossy().to_string())
                .execute(pool)
                .await?;
        }
        Db::Postgres(_) => pg_dump(database_url, &file).await?,
    }
    let bytes = tokio::fs::metadata(&file).await?.len();
    storage.put_file(key, &file).await?;
    Ok(bytes)
}

/// The URL without its password, and the password (for PGPASSWORD: never on a command line,
/// where `ps` shows it).
fn split_password(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut u = url::Url::parse(url)?;
    let password = u.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    let _ = u.set_password(None);
    Ok((u.to_string(), password))
}

async fn pg_tool(program: &str, args: &[&str], database_url: &str) -> anyhow::Result<()> {
    let (url, password) = split_password(database_url)?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .arg(format!("--dbname={url}"))
        .kill_on_drop(true);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = tokio::time::timeout(Duration::from_secs(2 * 3600), cmd.output())
        .await
        .map_err(|_| anyhow::anyhow!("{program} ran over two hours"))?
        .map_err(|e| anyhow::anyhow!("cannot run {program} (PostgreSQL's client tools): {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        anyhow::bail!(
            "{program} failed on {}: {}",
            redact_url(database_url),
            stderr.trim()
        );
    }
    Ok(())
}

async fn pg_dump(database_url: &str, file: &Path) -> anyhow::Result<()> {
    let file = file.to_string_lossy().to_string();
    pg_tool(
        "pg_dump",
        &[
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            &file,
        ],
        database_url,
    )
    .await
}

/// Which backups the retention keeps among `done` ones (newest first): the latest of each of
/// the `keep_daily` most recent days and of each of the `keep_weekly` most recent ISO weeks.
pub fn keep(done: &[(i64, DateTime<Utc>)], keep_daily: usize, keep_weekly: usize) -> BTreeSet<i64> {
    let mut sorted = done.to_vec();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    let mut kept = BTreeSet::new();
    let mut days = Vec::new();
    let mut weeks = Vec::new();
    for (id, at) in sorted {
        let day = at.date_naive();
        if !days.contains(&day) && days.len() < keep_daily {
            days.push(day);
            kept.insert(id);
        }
        let week = (at.iso_week().year(), at.iso_week().week());
        if !weeks.contains(&week) && weeks.len() < keep_weekly {
            weeks.push(week);
            kept.insert(id);
        }
    }
    kept
}

/// Deletes the files the retention no longer keeps; answers how many.
pub async fn prune(db: &Db, storage: &Storage, config: &BackupConfig) -> Result<usize> {
    let done: Vec<(i64, String, DateTime<Utc>)> = with_db!(db, |p| sqlx::query_as(
        "SELECT id, key, started_at FROM backups WHERE status = 'done' AND pruned_at IS NULL"
    )
    .fetch_all(p)
    .await)?;
    let dates: Vec<(i64, DateTime<Utc>)> = done.iter().map(|(id, _, at)| (*id, *at)).collect();
    let kept = keep(&dates, config.keep_daily, config.keep_weekly);
    let mut pruned = 0;
    for (id, key, _) in done.iter().filter(|(id, _, _)| !kept.contains(id)) {
        storage.delete(key).await.map_err(Error::Internal)?;
        exec!(
            db,
            sqlx::query("UPDATE backups SET pruned_at = $1 WHERE id = $2")
                .bind(Utc::now())
                .bind(id)
        )?;
        pruned += 1;
    }
    if pruned > 0 {
        tracing::info!(pruned, kept = kept.len(), "old backups deleted");
    }
    Ok(pruned)
}

/// The hourly check: takes the day's backup when it is due, then applies the retention.
pub struct TakeBackup;

#[async_trait]
impl Job for TakeBackup {
    fn kind(&self) -> &'static str {
        KIND
    }
    fn max_attempts(&self) -> i32 {
        1
    }
    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(3600))
    }
    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()> {
        let config = ctx.config.section::<BackupConfig>();
        // Asked for on /admin: now, whatever the schedule says.
        let now = payload["now"].as_bool() == Some(true);
        if !now && (!config.enabled || !is_due(&ctx.db, config, Utc::now()).await?) {
            return Ok(());
        }
        let storage = ctx.resource::<Storage>()?;
        take(&ctx.db, &ctx.config.database_url, storage).await?;
        prune(&ctx.db, storage, config).await?;
        Ok(())
    }
}

/// Puts the backup stored under `key` into the empty database at `target_url` (SQLite: a file
/// that does not exist yet or has no tables; PostgreSQL: a database without tables). The
/// engines must match: a SQLite copy goes into SQLite, a dump into PostgreSQL.
pub async fn restore(storage: &Storage, key: &str, target_url: &str) -> anyhow::Result<()> {
    let is_pg = target_url.starts_with("postgres://") || target_url.starts_with("postgresql://");
    match (key.ends_with(".sqlite"), key.ends_with(".pgdump"), is_pg) {
        (true, _, false) | (_, true, true) => {}
        (true, _, true) => {
            anyhow::bail!("{key} is a SQLite backup: restore it into a SQLite DATABASE_URL")
        }
        (_, true, false) => {
            anyhow::bail!("{key} is a PostgreSQL dump: restore it into a postgres:// DATABASE_URL")
        }
        _ => anyhow::bail!("{key} is not a backup (expected backups/<time>.sqlite or .pgdump)"),
    }
    if !storage.exists(key).await? {
        anyhow::bail!("no backup {key} in the file store");
    }
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("backup");
    storage.get_to_file(key, &file).await?;
    if is_pg {
        let pool = sqlx::PgPool::connect(target_url).await?;
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_one(&pool)
        .await?;
        pool.close().await;
        if tables > 0 {
            anyhow::bail!(
                "{} is not empty ({tables} tables): restore into a new database",
                redact_url(target_url)
            );
        }
        let file = file.to_string_lossy().to_string();
        pg_tool(
            "pg_restore",
            &["--no-owner", "--no-privileges", "--exit-on-error", &file],
            target_url,
        )
        .await?;
    } else {
        let path = sqlite_path(target_url)?;
        if path.exists() && std::fs::metadata(&path)?.len() > 0 {
            let pool = sqlx::SqlitePool::connect(target_url).await?;
            let tables: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
                    .fetch_one(&pool)
                    .await?;
            pool.close().await;
            if tables > 0 {
                anyhow::bail!(
                    "{} is not empty ({tables} tables): restore into a new file",
                    path.display()
                );
            }
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        std::fs::copy(&file, &path)?;
    }
    // The copy was made while its own row said "running": in the restored database it is the
    // backup it came from, done.
    let bytes = std::fs::metadata(&file)?.len() as i64;
    let restored = Db::connect(target_url).await?;
    exec!(
        &restored,
        sqlx::query(
            "UPDATE backups SET status = 'done', bytes = $1 WHERE key = $2 AND status = 'running'"
        )
        .bind(bytes)
        .bind(key)
    )?;
    restored.close().await;
    Ok(())
}

/// The file of a sqlite: URL.
fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| anyhow::anyhow!("expected a sqlite: or postgres:// URL"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        anyhow::bail!("restore needs a SQLite file, not {url}");
    }
    Ok(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_day_s_backup_is_due_from_its_time_on() {
        let three = NaiveTime::from_hms_opt(3, 0, 0).unwrap();
        assert_eq!(
            due_since(at("2026-12-04T02:59:00Z"), three),
            at("2026-12-03T03:00:00Z")
        );
        assert_eq!(
            due_since(at("2026-12-04T03:00:00Z"), three),
            at("2026-12-04T03:00:00Z")
        );
        assert_eq!(
            due_since(at("2026-12-04T23:00:00Z"), three),
            at("2026-12-04T03:00:00Z")
        );
    }

    #[test]
    fn retention_keeps_the_latest_of_recent_days_and_weeks() {
        // Sixty days of one backup a day at 03:00, plus a second one on the last day.
        let mut done: Vec<(i64, DateTime<Utc>)> = (0..60)
            .map(|d| (d, at("2026-10-06T03:00:00Z") + chrono::Duration::days(d)))
            .collect();
        done.push((100, at("2026-12-04T15:00:00Z")));
        let kept = keep(&done, 7, 4);
        // The last day's later one and the six days before it; then the latest of each of
        // four ISO weeks: this week's and the last one's are among those days already, the
        // two before are Sunday 22 and Sunday 15 November.
        let expected: BTreeSet<i64> = [100, 58, 57, 56, 55, 54, 53, 47, 40].into();
        assert_eq!(kept, expected);
        assert_eq!(done[47].1, at("2026-11-22T03:00:00Z"));
        assert_eq!(done[40].1, at("2026-11-15T03:00:00Z"));
        // Nothing is kept twice over, and keeping zero weeks keeps only the days.
        assert_eq!(keep(&done, 7, 0).len(), 7);
        assert_eq!(keep(&[], 7, 4).len(), 0);
    }
}
