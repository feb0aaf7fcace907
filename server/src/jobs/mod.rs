//! Durable background jobs in the application database.
//!
//! A job row is claimed with a lease (`locked_until`); a worker that dies leaves a lease that
//! expires, and the job is picked up again. PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so
//! several processes share the queue; SQLite's single writer serialises claims. Failures retry
//! with exponential backoff until `max_attempts`, then the job is `dead` (kept for admins).

mod queue;
mod runner;
pub mod session_cleanup;

use std::{collections::HashMap, sync::Arc, time::Duration};

use async_trait::async_trait;

pub use queue::{counts_by_status, enqueue, enqueue_tx, Claimed, NewJob};
pub use runner::{run_until_empty, spawn_runner, RunnerHandle};

use crate::Db;

/// What a job handler gets: everything it needs to talk to the outside world.
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    /// Outgoing mail, when SMTP_URL is set.
    pub mailer: Option<Arc<crate::mail::Mailer>>,
    pub config: Arc<crate::config::Config>,
    /// Uploaded files (analyses).
    pub storage: crate::analyses::storage::Storage,
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

    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k: Vec<_> = self.jobs.keys().copied().collect();
        k.sort_unstable();
        k
    }

    /// Every job kind of the application.
    pub fn standard() -> Self {
        Registry::default()
            .with(session_cleanup::SessionCleanup)
            .with(crate::mail::SendMail)
            .with(crate::billing::events::StripeEvent)
            .with(crate::billing::alerts::LowBalance)
            .with(crate::analyses::pipeline::RunAnalysis)
            .with(crate::analyses::pipeline::Sweep)
    }
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
