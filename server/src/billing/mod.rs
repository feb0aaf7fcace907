//! Billing: token packs bought through Stripe Checkout and the ledger every token moves on.

pub mod alerts;
pub mod events;
pub mod http;
pub mod ledger;
pub mod packs;
pub mod purchases;
mod repo;
pub mod report;
pub mod stripe;

use uuid::Uuid;

use crate::access::Principal;
use crate::{
    audit::{self, Action, Entry, RequestMeta},
    Db, Error, Result,
};

/// The billing pages (the ledger export is a form endpoint; the webhook is infrastructure's).
pub const PAGES: &[crate::http::middleware::PageRule] = {
    use crate::{
        access::Permission,
        http::middleware::{PageNeeds, PageRule},
    };
    &[
        PageRule::new("/webhooks/stripe", PageNeeds::Webhook),
        PageRule::new("/billing", PageNeeds::Permission(Permission::BillingRead)),
        PageRule::new(
            "/billing/success",
            PageNeeds::Permission(Permission::BillingRead),
        ),
    ]
};

/// The most a single grant may give (a typo guard: ten Enterprise packs).
pub const MAX_GRANT: i64 = 30_000_000;

/// A platform operator gives a company tokens, with the reason (TOKENS_GRANTED, in the
/// company's log). Answers the new balance.
#[tracing::instrument(skip_all, fields(company_id = %company_id, tokens), err(level = "info"))]
pub async fn grant(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    company_id: Uuid,
    tokens: i64,
    reason: &str,
) -> Result<i64> {
    if !p.is_super_admin {
        return Err(Error::Forbidden);
    }
    if !(1..=MAX_GRANT).contains(&tokens) {
        return Err(Error::validation(
            "tokens",
            format!(
                "Grant between 1 and {} tokens.",
                crate::format::group(MAX_GRANT)
            ),
        ));
    }
    let reason = reason.trim();
    if reason.chars().count() < 3 || reason.chars().count() > 500 {
        return Err(Error::validation(
            "reason",
            "Say why, in 3 to 500 characters (it is kept in the company's audit log).",
        ));
    }
    let mut tx = db.begin().await?;
    ledger::lock_balance(&mut tx, company_id).await?;
    let reference = format!("grant:{}", Uuid::now_v7());
    let posted = ledger::post(
        &mut tx,
        &ledger::Posting {
            actor_id: Some(p.user_id),
            note: Some(reason),
            ..ledger::Posting::new(company_id, ledger::Kind::Grant, tokens, &reference)
        },
    )
    .await?;
    let ledger::Posted::New { balance_after } = posted else {
        return Err(Error::Conflict("This grant was already made.".into()));
    };
    audit::record(
        &mut tx,
        meta,
        Entry {
            company_id: Some(company_id),
            actor_id: Some(p.user_id),
            action: Action::TokensGranted,
            target: Some(format!("company:{company_id}")),
            details: serde_json::json!({ "tokens": tokens, "reason": reason, "balance_after": balance_after }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(balance_after)
}
