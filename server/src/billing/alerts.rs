//! The low-balance warning by email: when a debit takes a company's balance below
//! LOW_BALANCE_THRESHOLD, its active owners get one message (through the outbox and SMTP); the
//! company is then marked as warned until a credit brings the balance back above the threshold,
//! so each crossing sends exactly one. The check runs as a job queued with the ledger entry, since
//! the ledger itself does not know the configuration.

use async_trait::async_trait;
use chrono::Utc;
use uuid::Uuid;

use super::{ledger, repo};
use crate::{
    db::Tx,
    jobs::{self, Job, JobContext, NewJob},
    mail, Db, Result,
};

pub const KIND: &str = "billing.low_balance";

/// Queues a check after an entry that may cross the threshold (inside the entry's transaction).
pub(super) async fn queue_check(tx: &mut Tx, company_id: Uuid, entry: &str) -> Result<()> {
    jobs::enqueue_tx(
        tx,
        NewJob {
            kind: KIND,
            payload: serde_json::json!({ "company_id": company_id }),
            run_at: Utc::now(),
            max_attempts: 5,
            dedupe_key: Some(format!("low-balance:{company_id}:{entry}")),
        },
    )
    .await?;
    Ok(())
}

/// Warns (once per crossing) or re-arms the warning; answers whether a message was queued.
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn check(
    db: &Db,
    company_id: Uuid,
    threshold: i64,
    public_url: &url::Url,
) -> Result<bool> {
    let mut tx = db.begin().await?;
    let balance = ledger::lock_balance(&mut tx, company_id).await?;
    let (name, warned) = repo::low_balance_state(&mut tx, company_id).await?;
    if balance >= threshold {
        if warned {
            repo::clear_low_balance_warning(&mut tx, company_id).await?;
        }
        tx.commit().await?;
        return Ok(false);
    }
    if warned {
        return Ok(false);
    }
    repo::mark_low_balance_warned(&mut tx, company_id, Utc::now()).await?;
    crate::api::webhooks::emit(
        &mut tx,
        company_id,
        "tokens.low_balance",
        serde_json::json!({ "balance": balance, "threshold": threshold }),
    )
    .await?;
    let owners = repo::active_owner_emails(&mut tx, company_id).await?;
    let billing = format!("{}/billing", public_url.as_str().trim_end_matches('/'));
    for to in owners {
        mail::enqueue(
            &mut tx,
            Some(company_id),
            mail::Message {
                kind: "low_balance",
                to,
                subject: format!("{name}: the AI token balance is low"),
                body: format!(
                    "The token balance of {name} is {} tokens, below the warning threshold of {}.\n\n\
                     AI analyses stop when it runs out. Buy a token pack here:\n{billing}\n\n\
                     You get this message once each time the balance falls below the threshold.\n",
                    crate::format::group(balance),
                    crate::format::group(threshold)
                ),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The `billing.low_balance` job.
pub struct LowBalance;

#[async_trait]
impl Job for LowBalance {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, ctx: &JobContext, payload: serde_json::Value) -> anyhow::Result<()> {
        let company_id: Uuid = serde_json::from_value(payload["company_id"].clone())?;
        let config = &ctx.config;
        match check(
            &ctx.db,
            company_id,
            config
                .section::<super::packs::BillingConfig>()
                .low_balance_threshold,
            &config.public_url,
        )
        .await
        {
            Ok(_) | Err(crate::Error::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
