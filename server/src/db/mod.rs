//! One database handle over native SQLite and PostgreSQL pools, chosen from DATABASE_URL.
//!
//! SQL is written once with `$1` placeholders (both drivers accept them) and run on whichever
//! pool is active through `with_db!` / `with_tx!`, which expand the same expression for each
//! backend so each gets its native, fully typed driver.

use std::{str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    PgPool, Postgres, Sqlite, SqlitePool, Transaction,
};

use crate::error::{Error, Result};

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool, WriteGate),
    Postgres(PgPool),
}

/// SQLite's one writer, taken in this process before `BEGIN IMMEDIATE`: write transactions
/// queue here in order and each starts the moment the one before it ends. Left to SQLite's
/// busy handler, a writer that found the lock taken slept in growing steps (up to 100 ms a
/// step) and could start long after the lock was free: a webhook's answer waited behind a
/// job's transaction that way. Background jobs queue among themselves first (`background`),
/// so at most one of their transactions is ever ahead of a request's. Single statements
/// outside a transaction still meet the busy handler, briefly.
#[derive(Clone, Debug, Default)]
pub struct WriteGate {
    turn: Arc<tokio::sync::Mutex<()>>,
    /// Set on the jobs' handle: the queue background writers wait in before `turn`.
    background: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// A writer's place: the turn, and for a background writer its place in their own queue
/// (held until the transaction ends too).
pub struct Turn {
    _turn: tokio::sync::OwnedMutexGuard<()>,
    _background: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteGate {
    /// The same gate, for background writers.
    fn for_background(&self) -> WriteGate {
        WriteGate {
            turn: self.turn.clone(),
            background: Some(Arc::default()),
        }
    }

    async fn take(&self) -> Result<Turn> {
        let wait = async {
            let background = match &self.background {
                Some(q) => Some(q.clone().lock_owned().await),
                None => None,
            };
            Turn {
                _turn: self.turn.clone().lock_owned().await,
                _background: background,
            }
        };
        tokio::time::timeout(WRITE_WAIT, wait).await.map_err(|_| {
            Error::Internal(anyhow::anyhow!(
                "no turn to write to the database within {WRITE_WAIT:?}"
            ))
        })
    }
}

/// How long a write transaction waits for its turn before giving up (SQLite's busy timeout).
const WRITE_WAIT: Duration = Duration::from_secs(10);

/// A write transaction on either backend. On SQLite it holds the process's write turn and
/// starts with `BEGIN IMMEDIATE`, taking the single writer lock up front so read-then-write
/// transactions never fail with SQLITE_BUSY when they upgrade.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>, Turn),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$pool` bound to the active native pool.
#[macro_export]
macro_rules! with_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool, _) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's native connection.
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t, _) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// Executes a statement on the active pool; evaluates to `Result<u64 /* rows affected */>`.
#[macro_export]
macro_rules! exec {
    ($db:expr, $query:expr) => {
        $crate::with_db!($db, |__pool| $query
            .execute(__pool)
            .await
            .map(|r| r.rows_affected()))
    };
}

/// Executes a statement inside a transaction; evaluates to `Result<u64 /* rows affected */>`.
#[macro_export]
macro_rules! exec_tx {
    ($tx:expr, $query:expr) => {
        $crate::with_tx!($tx, |__conn| $query
            .execute(__conn)
            .await
            .map(|r| r.rows_affected()))
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection idle at least this long is pinged before it is handed out.
const PG_IDLE_CHECK: Duration = Duration::from_secs(10);

/// PostgreSQL pool options: a connection is pinged before use only when it sat idle for
/// `PG_IDLE_CHECK` (a restarted server or a dropped link shows there, and it is replaced),
/// not at every acquire as sqlx does by default: under load that was a network round trip
/// before each of a page's statements.
fn pg_pool(options: PgPoolOptions) -> PgPoolOptions {
    options
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PG_IDLE_CHECK {
                    use sqlx::Connection;
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

impl Db {
    /// Connects to DATABASE_URL. SQLite files (and their folder) are created when missing,
    /// with WAL, a busy timeout and foreign keys on.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(WRITE_WAIT)
                .foreign_keys(true)
                // Checkpoints run in the background (`checkpoints`), never inside a commit
                // that holds the write turn.
                .pragma("wal_autocheckpoint", "0")
                // The log's file keeps its size when it starts afresh (`restart_log`), up to
                // twice the size that restarts it.
                .pragma(
                    "journal_size_limit",
                    (2 * WAL_RESTART_FRAMES * 4096).to_string(),
                );
            if let Some(parent) = opts.get_filename().parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(5))
                // sqlx pings a connection at every acquire by default: a round trip to the
                // connection's thread and back, for a file in this process that cannot hang
                // up (three of them per signed-in page).
                .test_before_acquire(false)
                .connect_with(opts)
                .await?;
            let gate = WriteGate::default();
            tokio::spawn(checkpoints(pool.clone(), gate.clone()));
            Ok(Db::Sqlite(pool, gate))
        } else {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = pg_pool(PgPoolOptions::new().max_connections(16))
                .connect_with(opts)
                .await?;
            Ok(Db::Postgres(pool))
        }
    }

    /// The handle background jobs work through. On PostgreSQL, a pool of its own whose
    /// commits do not wait for the disk (`synchronous_commit = off`): a job's writes are
    /// replayed by running the job again, so after a crash they may be lost (up to about
    /// 0.6 s of them, in commit order: never a later one without an earlier one), and a job
    /// whose completion was lost runs again once its lease runs out. What a request commits
    /// (a webhook answered 200, a form saved) still waits for the disk, and no longer queues
    /// behind the workers' flushes. On SQLite (whose commits do not wait for the disk in WAL
    /// mode with synchronous = NORMAL), another pool over the same file, whose write
    /// transactions queue among themselves before taking the write turn: at most one is ever
    /// ahead of a request's.
    pub fn for_jobs(&self, connections: u32) -> Db {
        match self {
            // A pool of its own (its connections' threads are started by whichever runtime
            // opens them: the jobs' own, at their lower priority), over the same file and the
            // same write turn.
            Db::Sqlite(pool, gate) => Db::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(connections)
                    .acquire_timeout(Duration::from_secs(5))
                    .test_before_acquire(false)
                    .connect_lazy_with((*pool.connect_options()).clone()),
                gate.for_background(),
            ),
            Db::Postgres(p) => {
                let opts = (*p.connect_options())
                    .clone()
                    .options([("synchronous_commit", "off")]);
                Db::Postgres(
                    pg_pool(PgPoolOptions::new().max_connections(connections))
                        .connect_lazy_with(opts),
                )
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(..) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the backend's migrations (compiled into the binary).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(p, _) => sqlx::migrate!("../migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("../migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Starts a write transaction (see [`Tx`]).
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p, gate) => {
                let turn = gate.take().await?;
                Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?, turn)
            }
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A cheap round trip, for readiness.
    pub async fn ping(&self) -> Result<()> {
        exec!(self, sqlx::query("SELECT 1"))?;
        Ok(())
    }

    pub async fn close(&self) {
        with_db!(self, |p| p.close().await)
    }
}

/// Frames in SQLite's write-ahead log (4 KiB pages: 256 MiB) past which a checkpoint restarts
/// it from the beginning.
const WAL_RESTART_FRAMES: i64 = 65_536;

/// Copies SQLite's write-ahead log into the database file twice a second while the pool is
/// open (PASSIVE: it never waits for, nor holds up, readers and writers). Automatic
/// checkpoints are off: they ran inside the commit that filled the log, holding the write
/// turn for the whole copy and its flush to disk. A passive checkpoint never restarts the
/// log while some reader is open, which under steady load is always, and the file grew without
/// end (4.7 GB in a minute of 500 webhooks a second); past [`WAL_RESTART_FRAMES`] a RESTART
/// checkpoint, taken with the write turn so no writer of ours is held up by SQLite's busy
/// handler meanwhile, waits (at most 200 ms) for the open readers and starts the log afresh.
async fn checkpoints(pool: SqlitePool, gate: WriteGate) {
    let mut every = tokio::time::interval(Duration::from_millis(500));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if pool.is_closed() {
            return;
        }
        // (busy, frames in the log, frames copied)
        let passive = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&pool)
            .await;
        let done = match passive {
            Ok((_, frames, _)) if frames > WAL_RESTART_FRAMES => match gate.take().await {
                Ok(_turn) => restart_log(&pool).await,
                Err(_) => Ok(()),
            },
            other => other.map(drop),
        };
        if let Err(e) = done {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "sqlite checkpoint failed");
        }
    }
}

/// A RESTART checkpoint that waits at most 200 ms for the open readers (a slow download
/// streaming an export holds one open): it holds the write turn meanwhile, and gives up to try
/// again half a second later rather than keep every writer waiting.
///
/// RESTART, not TRUNCATE: the next writer writes over the log's file from its beginning, where
/// truncating it gave its blocks back to the file system every few seconds under load (about
/// 50 MB of log a second at 500 webhooks a second) and each write then allocated them again.
async fn restart_log(pool: &SqlitePool) -> sqlx::Result<()> {
    let mut c = pool.acquire().await?;
    sqlx::query("PRAGMA busy_timeout = 200")
        .execute(&mut *c)
        .await?;
    let done = sqlx::query("PRAGMA wal_checkpoint(RESTART)")
        .execute(&mut *c)
        .await
        .map(drop);
    let restored = sqlx::query(&format!("PRAGMA busy_timeout = {}", WRITE_WAIT.as_millis()))
        .execute(&mut *c)
        .await;
    if restored.is_err() {
        // Never hand a connection with the short timeout back to the pool.
        c.close_on_drop();
    }
    done.and(restored.map(drop))
}

impl Tx {
    /// Serialises changes to one company's members, roles or balance: on PostgreSQL a row
    /// lock held to the end of the transaction; on SQLite the write transaction already
    /// holds the database's only writer lock. `FOR NO KEY UPDATE`, not `FOR UPDATE`: every row
    /// written with a foreign key to the company takes a key-share lock on it, which
    /// `FOR UPDATE` would wait for (two transactions that wrote such a row and then lock the
    /// company deadlock); `FOR NO KEY UPDATE` still serialises the callers among themselves.
    pub async fn lock_company(&mut self, company_id: uuid::Uuid) -> Result<()> {
        if let Tx::Postgres(t) = self {
            sqlx::query("SELECT id FROM companies WHERE id = $1 FOR NO KEY UPDATE")
                .bind(company_id)
                .fetch_optional(&mut **t)
                .await?;
        }
        Ok(())
    }

    /// Commits without waiting for the disk: on PostgreSQL `synchronous_commit = off` for this
    /// transaction, so a crash within about 0.6 s of the commit may lose it (never a later
    /// commit without it); SQLite's commits never wait for the disk (WAL, synchronous =
    /// NORMAL). Only for what something else brings back when lost (see the callers).
    pub async fn commit_unflushed(mut self) -> Result<()> {
        if let Tx::Postgres(t) = &mut self {
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut **t)
                .await?;
        }
        self.commit().await
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            // The turn passes on once the commit is done.
            Tx::Sqlite(t, _turn) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Maps a unique violation to a conflict with the given message; other errors pass through.
pub fn conflict_on_unique(e: sqlx::Error, message: &str) -> Error {
    if crate::error::is_unique_violation(&e) {
        Error::Conflict(message.to_string())
    } else {
        e.into()
    }
}
