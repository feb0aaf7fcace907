//! `dashboard.days`: a company whose time zone changed gets its orders' and analyses' local
//! days recomputed (the triggers move the rollups with them).

use async_trait::async_trait;

use crate::jobs::{Job, JobContext};

pub struct Days;

#[async_trait]
impl Job for Days {
    fn kind(&self) -> &'static str {
        "dashboard.days"
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(60))
    }

    fn lease(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1800)
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        for (company_id, tz) in super::rollups::zones_changed(&ctx.db, 20).await? {
            let moved = super::rollups::recompute_days(&ctx.db, company_id, &tz).await?;
            tracing::info!(%company_id, timezone = %tz, moved, "dashboard days recomputed");
        }
        Ok(())
    }
}
