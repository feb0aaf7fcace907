//! Hourly housekeeping: expired sessions, old finished jobs, idle rate-limit keys.

use async_trait::async_trait;
use chrono::Utc;

use std::time::Duration;

use super::DbSessionStore;
use crate::{
    jobs::{self, Job, JobContext},
    ratelimit::Limits,
};

pub const KIND: &str = "session-cleanup";

/// Finished jobs are kept this long for inspection.
const KEEP_DONE_JOBS_DAYS: i64 = 7;

pub struct SessionCleanup;

#[async_trait]
impl Job for SessionCleanup {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(3600))
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let now = Utc::now();
        let sessions = DbSessionStore::delete_expired(&ctx.db, now).await?;
        let jobs =
            jobs::purge_done(&ctx.db, now - chrono::Duration::days(KEEP_DONE_JOBS_DAYS)).await?;
        if let Some(limits) = ctx.get::<Limits>() {
            limits.shrink();
        }
        tracing::info!(sessions, jobs, "expired sessions and old jobs removed");
        Ok(())
    }
}
