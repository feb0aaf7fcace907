//! The orders area's jobs.

use async_trait::async_trait;

use super::webhooks::{self, Payload};
use crate::jobs::{Job, JobContext};

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
