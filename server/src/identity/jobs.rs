//! Identity's periodic jobs.

use async_trait::async_trait;
use chrono::Utc;

use super::repo;
use crate::{
    jobs::{Job, JobContext},
    Db,
};

/// How long a spent or expired single-use link is kept after it expires: long enough for a
/// late click to be told "this link has expired or was already used" rather than "unknown",
/// and for an investigation of a recent reset.
pub const LINK_RETENTION: chrono::Duration = chrono::Duration::days(30);

/// Forgets reset and address-confirmation links `LINK_RETENTION` after they expired (the
/// tables grew with every link ever sent).
pub struct PruneLinks;

pub const PRUNE_LINKS_KIND: &str = "identity.prune_links";

#[async_trait]
impl Job for PruneLinks {
    fn kind(&self) -> &'static str {
        PRUNE_LINKS_KIND
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(3600))
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let n = prune_links(&ctx.db).await?;
        if n > 0 {
            tracing::info!(links = n, "forgot expired single-use links");
        }
        Ok(())
    }
}

/// Deletes the links that expired more than `LINK_RETENTION` ago; answers how many.
#[tracing::instrument(skip_all)]
pub async fn prune_links(db: &Db) -> crate::Result<u64> {
    repo::prune_links(db, Utc::now() - LINK_RETENTION).await
}
