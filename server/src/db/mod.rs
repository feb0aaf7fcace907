//! One database handle over native SQLite and PostgreSQL pools, chosen from DATABASE_URL.
//!
//! SQL is written once with `$1` placeholders (both drivers accept them) and run on whichever
//! pool is active through `with_db!` / `with_tx!`, which expand the same expression for each
//! backend so each gets its native, fully typed driver.

use std::{str::FromStr, time::Duration};

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    PgPool, Postgres, Sqlite, SqlitePool, Transaction,
};

use crate::error::{Error, Result};

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A write transaction on either backend. On SQLite it starts with `BEGIN IMMEDIATE`, taking
/// the single writer lock up front so read-then-write transactions wait (busy_timeout)
/// instead of failing with SQLITE_BUSY when they upgrade.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$pool` bound to the active native pool.
#[macro_export]
macro_rules! with_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's native connection.
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
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

impl Db {
    /// Connects to DATABASE_URL. SQLite files (and their folder) are created when missing,
    /// with WAL, a busy timeout and foreign keys on.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            if let Some(parent) = opts.get_filename().parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool))
        } else {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts)
                .await?;
            Ok(Db::Postgres(pool))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the backend's migrations (compiled into the binary).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("../migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("../migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Starts a write transaction (see [`Tx`]).
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
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

impl Tx {
    /// Serialises changes to one company's members, roles or balance: on PostgreSQL a row
    /// lock held to the end of the transaction; on SQLite the write transaction already
    /// holds the database's only writer lock.
    pub async fn lock_company(&mut self, company_id: uuid::Uuid) -> Result<()> {
        if let Tx::Postgres(t) = self {
            sqlx::query("SELECT id FROM companies WHERE id = $1 FOR UPDATE")
                .bind(company_id)
                .fetch_optional(&mut **t)
                .await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
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
