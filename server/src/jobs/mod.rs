//! Durable background jobs in the application database.
//!
//! A job row is claimed with a lease (`locked_until`); a worker that dies leaves a lease that
//! expires, and the job is picked up again. PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so
//! several processes share the queue; SQLite's single writer serialises claims. Failures retry
//! with exponential backoff until `max_attempts`, then the job is `dead` (kept for admins, who
//! may retry or discard it: `discarded`).

mod queue;
mod runner;

use std::{collections::HashMap, sync::Arc, time::Duration};

use async_trait::async_trait;

pub use queue::{
    active_of_kind, claim, counts_by_kind, counts_by_status, enqueue, enqueue_tx, purge_done,
    Claimed, JobRow, KindCounts, NewJob, State, Timing,
};
/// The operator's view of the queue (/admin/jobs): lists, one job, retry, discard, timings.
pub mod admin {
    pub use super::queue::{discard, done_timings, get, list, retry_now};
}
pub use runner::{run_until_empty, spawn_runner, RunnerHandle};

use crate::{config::Config, Db, Error, Result};

/// What a job handler gets: the database, the configuration, and the shared resources the
/// composition root put in (object storage, the mailer, …) — looked up by type, so this module
/// names none of them.
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    pub config: Arc<Config>,
    resources: Arc<http::Extensions>,
}

impl JobContext {
    pub fn new(db: Db, config: Arc<Config>) -> Self {
        JobContext {
            db,
            config,
            resources: Arc::new(http::Extensions::new()),
        }
    }

    /// Adds a shared resource (before the context is cloned into the workers).
    pub fn with<T: Clone + Send + Sync + 'static>(mut self, resource: T) -> Self {
        Arc::make_mut(&mut self.resources).insert(resource);
        self
    }

    /// A resource, when the composition root provided one (the mailer only with SMTP_URL).
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.resources.get::<T>()
    }

    /// A resource every process has; its absence is a wiring bug, reported as an internal error.
    pub fn resource<T: Send + Sync + 'static>(&self) -> Result<&T> {
        self.get::<T>().ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "job resource {} not provided by the composition root",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// Returned (as the error) by a job that cannot start yet: the job waits `0` and runs again,
/// without the wait counting as a failed attempt.
#[derive(Debug)]
pub struct Defer(pub Duration);

impl std::fmt::Display for Defer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "deferred for {:?}", self.0)
    }
}

impl std::error::Error for Defer {}

/// One kind of background work.
#[async_trait]
pub trait Job: Send + Sync + 'static {
    /// Stable name stored in the `kind` column.
    fn kind(&self) -> &'static str;
    /// Attempts before the job is declared dead.
    fn max_attempts(&self) -> i32 {
        5
    }
    /// How long a claim lasts before another worker may take the job over.
    fn lease(&self) -> Duration {
        Duration::from_secs(300)
    }
    /// Periodic jobs say how often they run; the scheduler enqueues each interval slot once
    /// across all processes.
    fn every(&self) -> Option<Duration> {
        None
    }
    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()>;
}

/// The job kinds this process knows how to run.
#[derive(Clone, Default)]
pub struct Registry {
    jobs: HashMap<&'static str, Arc<dyn Job>>,
}

impl Registry {
    pub fn with(mut self, job: impl Job) -> Self {
        self.jobs.insert(job.kind(), Arc::new(job));
        self
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn Job>> {
        self.jobs.get(kind).cloned()
    }

    /// The lease taken when claiming: long enough for the slowest kind, since the kind is
    /// only known once the row is claimed.
    pub fn longest_lease(&self) -> Duration {
        self.jobs
            .values()
            .map(|j| j.lease())
            .max()
            .unwrap_or(Duration::from_secs(300))
    }

    /// (kind, interval) of every periodic job.
    pub fn schedule(&self) -> Vec<(&'static str, Duration)> {
        let mut s: Vec<_> = self
            .jobs
            .values()
            .filter_map(|j| j.every().map(|every| (j.kind(), every)))
            .collect();
        s.sort_unstable();
        s
    }

    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k: Vec<_> = self.jobs.keys().copied().collect();
        k.sort_unstable();
        k
    }
}

/// The interval slot `now` falls in for a job run `every` (seconds since 1970 divided by the
/// interval): the in-process scheduler and `POST /api/cron/{job}` queue a slot once.
pub fn slot_of(now: chrono::DateTime<chrono::Utc>, every: Duration) -> i64 {
    now.timestamp() / every.as_secs().max(1) as i64
}

/// The dedupe key of a job's slot: its unique index is what keeps a slot from running twice,
/// whoever queues it.
pub fn slot_key(kind: &str, slot: i64) -> String {
    format!("{kind}@{slot}")
}

/// Delay before retry `attempt` (1-based): 10 s, 20 s, 40 s, … capped at one hour.
pub fn backoff(attempt: i32) -> Duration {
    let exp = attempt.clamp(1, 20) as u32 - 1;
    Duration::from_secs((10u64 << exp.min(12)).min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::from_secs(10));
        assert_eq!(backoff(2), Duration::from_secs(20));
        assert_eq!(backoff(4), Duration::from_secs(80));
        assert_eq!(backoff(30), Duration::from_secs(3600));
    }
}
