//! The orders area's jobs.

use async_trait::async_trait;

use super::webhooks::{self, Payload};
use crate::jobs::{Job, JobContext};

/// What the courier calls of a job need.
fn courier(ctx: &JobContext) -> super::courier::Courier<'_> {
    super::courier::Courier::new(&ctx.db, &ctx.config)
}

/// `orders.shopify-webhook`: applies one recorded Shopify delivery.
pub struct ShopifyWebhook;

#[async_trait]
impl Job for ShopifyWebhook {
    fn kind(&self) -> &'static str {
        webhooks::KIND
    }

    fn max_attempts(&self) -> i32 {
        10
    }

    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()> {
        let payload: Payload = serde_json::from_value(payload)?;
        if let Some(outcome) = webhooks::apply(&ctx.db, &payload).await? {
            tracing::info!(shop = %payload.shop_domain, webhook = %payload.webhook_id, %outcome, "shopify webhook applied");
        }
        Ok(())
    }
}

/// `orders.sync`: one store's pass (resumes from its cursor when retried).
pub struct SyncStore;

#[async_trait]
impl Job for SyncStore {
    fn kind(&self) -> &'static str {
        super::sync::KIND
    }

    fn max_attempts(&self) -> i32 {
        8
    }

    fn lease(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1800)
    }

    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()> {
        let payload: super::sync::Payload = serde_json::from_value(payload)?;
        let outcome = super::sync::run(
            &ctx.db,
            &ctx.config.app_secret_key,
            ctx.config.section::<super::config::OrdersConfig>(),
            payload.store_id,
        )
        .await?;
        tracing::info!(store_id = %payload.store_id, %outcome, "orders sync pass");
        Ok(())
    }
}

/// `orders.sync-all`: every minute, queues a pass for each connected store whose last one
/// ended ORDERS_SYNC_MINUTES ago or more.
pub struct SyncAll;

#[async_trait]
impl Job for SyncAll {
    fn kind(&self) -> &'static str {
        super::sync::ALL_KIND
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(60))
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let every = ctx
            .config
            .section::<super::config::OrdersConfig>()
            .sync_every;
        let n = super::sync::queue_all(&ctx.db, every).await?;
        if n > 0 {
            tracing::info!(stores = n, "orders sync passes queued");
        }
        Ok(())
    }
}

/// `orders.reconcile`: every hour, compares each connected store not compared for a day.
pub struct Reconcile;

#[async_trait]
impl Job for Reconcile {
    fn kind(&self) -> &'static str {
        super::reconcile::KIND
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(3600))
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let n = super::reconcile::run_due(
            &ctx.db,
            &ctx.config.app_secret_key,
            ctx.config.section::<super::config::OrdersConfig>(),
        )
        .await?;
        if n > 0 {
            tracing::info!(stores = n, "orders reconciled");
        }
        Ok(())
    }
}

/// `orders.bulk`: works through a bulk run's orders (resumes where it stopped).
pub struct BulkRun;

#[async_trait]
impl Job for BulkRun {
    fn kind(&self) -> &'static str {
        super::bulk::KIND
    }

    fn max_attempts(&self) -> i32 {
        5
    }

    fn lease(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1800)
    }

    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()> {
        let payload: super::bulk::Payload = serde_json::from_value(payload)?;
        let run = super::bulk::run(&courier(ctx), payload.run_id).await?;
        tracing::info!(run_id = %run.id, total = run.total, succeeded = run.succeeded, failed = run.failed, skipped = run.skipped, "orders bulk run finished");
        Ok(())
    }
}

/// `orders.retry-error`: runs a processing error's action again on its order.
pub struct RetryError;

#[async_trait]
impl Job for RetryError {
    fn kind(&self) -> &'static str {
        super::errors::KIND
    }

    fn max_attempts(&self) -> i32 {
        5
    }

    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()> {
        let payload: super::errors::Payload = serde_json::from_value(payload)?;
        if let Some(outcome) = super::errors::run_retry(&courier(ctx), payload.error_id).await? {
            tracing::info!(error_id = %payload.error_id, result = outcome.result(), "order processing retried");
        }
        Ok(())
    }
}

/// `orders.sync-awb`: every five minutes, tracks the AWBs not tracked for AWB_TRACKING_MINUTES.
pub struct TrackAwbs;

#[async_trait]
impl Job for TrackAwbs {
    fn kind(&self) -> &'static str {
        super::courier::TRACK_KIND
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(300))
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let n = super::courier::track_due(&courier(ctx)).await?;
        if n > 0 {
            tracing::info!(awbs = n, "AWBs tracked");
        }
        Ok(())
    }
}

/// `orders.handover-close`: every five minutes, closes the day's courier handover of each
/// company whose close time has passed (once per company and day).
pub struct CloseHandovers;

#[async_trait]
impl Job for CloseHandovers {
    fn kind(&self) -> &'static str {
        super::handover::CLOSE_KIND
    }

    fn every(&self) -> Option<std::time::Duration> {
        Some(super::handover::CLOSE_EVERY)
    }

    async fn run(&self, ctx: &JobContext, _payload: serde_json::Value) -> anyhow::Result<()> {
        let n = super::handover::close_due(&ctx.db, chrono::Utc::now()).await?;
        if n > 0 {
            tracing::info!(companies = n, "courier handovers closed");
        }
        Ok(())
    }
}
