//! Stripe events: recorded by id when they arrive (a redelivery finds its row and stops), then
//! acted on by the `stripe.event` job, so the webhook answers fast and a failure retries.

use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::{
    purchases, repo,
    stripe::{Fact, Verified},
};
use crate::{
    jobs::{self, Job, JobContext, NewJob},
    Db, Result,
};

pub const KIND: &str = "stripe.event";

#[derive(Serialize, Deserialize)]
struct Payload {
    event_id: String,
    fact: Fact,
}

/// Records a verified event and queues its work, in one transaction. Answers false for an
/// event already received (nothing more is done).
#[tracing::instrument(skip_all)]
pub async fn record(db: &Db, event: &Verified, body: &str) -> Result<bool> {
    let mut tx = db.begin().await?;
    let new = repo::insert_event(&mut tx, &event.id, &event.event_type, body, Utc::now()).await?;
    if new {
        match &event.fact {
            Fact::Ignored { reason } => {
                tracing::info!(event = %event.id, r#type = %event.event_type, %reason, "stripe event ignored");
                repo::finish_event_in(
                    &mut tx,
                    &event.id,
                    Utc::now(),
                    &format!("ignored: {reason}"),
                )
                .await?;
            }
            fact => {
                jobs::enqueue_tx(
                    &mut tx,
                    NewJob {
                        kind: KIND,
                        payload: serde_json::to_value(Payload {
                            event_id: event.id.clone(),
                            fact: fact.clone(),
                        })
                        .map_err(|e| crate::Error::Internal(e.into()))?,
                        run_at: Utc::now(),
                        max_attempts: StripeEvent.max_attempts(),
                        dedupe_key: Some(format!("stripe-event:{}", event.id)),
                    },
                )
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(new)
}

/// Acts on one event's fact; answers what happened (kept on the event row).
#[tracing::instrument(skip_all)]
pub async fn apply(db: &Db, config: &super::packs::BillingConfig, fact: &Fact) -> Result<String> {
    Ok(match fact {
        Fact::SessionPaid(s) => purchases::credit_checkout(db, config, s).await?.outcome(),
        Fact::SessionFailed { session_id } => {
            if purchases::close_unpaid(db, session_id, "failed").await? {
                "payment failed; purchase marked failed".into()
            } else {
                "no open purchase".into()
            }
        }
        Fact::SessionExpired { session_id } => {
            if purchases::close_unpaid(db, session_id, "expired").await? {
                "session expired".into()
            } else {
                "no open purchase".into()
            }
        }
        Fact::Refunded {
            charge_id,
            payment_intent,
            amount_refunded,
        } => match payment_intent {
            Some(pi) => {
                let reference = format!("refund:{charge_id}:{amount_refunded}");
                purchases::claw_back(db, pi, Some(*amount_refunded), &reference).await?
            }
            None => "ignored: refund without a payment".into(),
        },
        Fact::Receipt {
            charge_id,
            payment_intent,
            receipt_url,
        } => {
            purchases::record_receipt(db, payment_intent, charge_id, receipt_url).await?;
            "receipt kept".into()
        }
        Fact::DisputeLost {
            dispute_id,
            payment_intent,
        } => match payment_intent {
            Some(pi) => {
                purchases::claw_back(db, pi, None, &format!("dispute:{dispute_id}")).await?
            }
            None => "ignored: dispute without a payment".into(),
        },
        Fact::Ignored { reason } => format!("ignored: {reason}"),
    })
}

/// The `stripe.event` job.
pub struct StripeEvent;

#[async_trait]
impl Job for StripeEvent {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn max_attempts(&self) -> i32 {
        10
    }

    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()> {
        let payload: Payload = serde_json::from_value(payload)?;
        let outcome = apply(
            &ctx.db,
            ctx.config.section::<super::packs::BillingConfig>(),
            &payload.fact,
        )
        .await?;
        tracing::info!(event = %payload.event_id, %outcome, "stripe event applied");
        repo::finish_event(&ctx.db, &payload.event_id, Utc::now(), &outcome).await?;
        Ok(())
    }
}
