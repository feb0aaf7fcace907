//! Deletes expired sessions and old finished jobs, hourly.

use async_trait::async_trait;
use chrono::Utc;

use super::{queue, Job, JobContext};
use crate::sessions::DbSessionStore;

pub const KIND: &str = "session-cleanup";

/// Finished jobs are kept this long for inspection.
const KEEP_DONE_JOBS_DAYS: i64 = 7;

pub struct SessionCleanup;

#[async_trait]
impl Job for SessionCleanup {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let now = Utc::now();
        let sessions = DbSessionStore::delete_expired(&ctx.db, now).await?;
        let jobs =
            queue::purge_done(&ctx.db, now - chrono::Duration::days(KEEP_DONE_JOBS_DAYS)).await?;
        tracing::info!(sessions, jobs, "expired sessions and old jobs removed");
        Ok(())
    }
}
