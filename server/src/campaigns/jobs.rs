//! The campaigns area's jobs.

use async_trait::async_trait;

use super::{config::CampaignsConfig, platform::Patience, sync};
use crate::jobs::{Job, JobContext};

/// `campaigns.ads-sync`: one ad account's pass.
pub struct SyncAccount;

#[async_trait]
impl Job for SyncAccount {
    fn kind(&self) -> &'static str {
        sync::KIND
    }

    fn max_attempts(&self) -> i32 {
        6
    }

    fn lease(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1800)
    }

    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()> {
        let payload: sync::Payload = serde_json::from_value(payload)?;
        let outcome = sync::run(
            &ctx.db,
            &ctx.config.app_secret_key,
            ctx.config.section::<CampaignsConfig>(),
            payload.account_id,
            Patience::default(),
            chrono::Utc::now(),
        )
        .await?;
        tracing::info!(account_id = %payload.account_id, %outcome, "ad account synced");
        Ok(())
    }
}

/// `campaigns.ads-sync-all`: every minute, queues a pass for each imported account whose last
/// one ended ADS_SYNC_MINUTES ago or more.
pub struct SyncAll;

#[async_trait]
impl Job for SyncAll {
    fn kind(&self) -> &'static str {
        sync::ALL_KIND
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(60))
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let every = ctx.config.section::<CampaignsConfig>().sync_every;
        let n = sync::queue_all(&ctx.db, every).await?;
        if n > 0 {
            tracing::info!(accounts = n, "ad account syncs queued");
        }
        Ok(())
    }
}

/// `campaigns.ads-alerts`: every 15 minutes, evaluates every enabled alert rule (at the
/// application's clock, which the end-to-end suite moves).
pub struct Alerts;

#[async_trait]
impl Job for Alerts {
    fn kind(&self) -> &'static str {
        super::rules::ALERTS_KIND
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(15 * 60))
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let done = super::rules::evaluate(
            &ctx.db,
            &ctx.config.app_secret_key,
            ctx.config.section::<CampaignsConfig>(),
            &ctx.config.public_url,
            crate::clock::now(),
        )
        .await?;
        if done.fired > 0 {
            tracing::info!(
                fired = done.fired,
                failed = done.failed,
                "ad alert rules fired"
            );
        }
        Ok(())
    }
}

/// `campaigns.ads-rollback`: every hour, undoes the rules' pauses and cuts whose time is up.
pub struct Rollback;

#[async_trait]
impl Job for Rollback {
    fn kind(&self) -> &'static str {
        super::rules::ROLLBACK_KIND
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(3600))
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let n = super::rules::rollback_due(
            &ctx.db,
            &ctx.config.app_secret_key,
            ctx.config.section::<CampaignsConfig>(),
            crate::clock::now(),
        )
        .await?;
        if n > 0 {
            tracing::info!(undone = n, "ad alert actions undone");
        }
        Ok(())
    }
}

/// `campaigns.ai-insights`: one insights run.
pub struct InsightsRun;

#[async_trait]
impl Job for InsightsRun {
    fn kind(&self) -> &'static str {
        super::insights::RUN_KIND
    }

    fn max_attempts(&self) -> i32 {
        3
    }

    /// A provider call with its retries can take minutes: never two workers on one run.
    fn lease(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1800)
    }

    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()> {
        let run_id: uuid::Uuid = serde_json::from_value(payload["run_id"].clone())?;
        let done = super::insights::run(
            &ctx.db,
            &ctx.config.app_secret_key,
            ctx.config.section::<crate::ai::AiConfig>(),
            run_id,
            chrono::Utc::now(),
        )
        .await?;
        tracing::info!(%run_id, state = %done.state, suggestions = done.suggestions, tokens = done.tokens_charged, "ad insights run");
        Ok(())
    }
}

/// `campaigns.ai-insights-due`: every 15 minutes, queues the daily runs whose time has come.
pub struct InsightsDue;

#[async_trait]
impl Job for InsightsDue {
    fn kind(&self) -> &'static str {
        super::insights::DUE_KIND
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(15 * 60))
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let n = super::insights::queue_daily(&ctx.db, chrono::Utc::now()).await?;
        if n > 0 {
            tracing::info!(companies = n, "daily ad insights queued");
        }
        Ok(())
    }
}

/// `campaigns.token-expiry`: every hour, reminds of tokens about to expire and marks expired
/// ones for reconnecting.
pub struct TokenExpiry;

#[async_trait]
impl Job for TokenExpiry {
    fn kind(&self) -> &'static str {
        "campaigns.token-expiry"
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(3600))
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let n = super::connections::remind_expiring(
            &ctx.db,
            &ctx.config.public_url,
            crate::clock::now(),
        )
        .await?;
        if n > 0 {
            tracing::info!(reminders = n, "ad token expiry reminders queued");
        }
        Ok(())
    }
}
