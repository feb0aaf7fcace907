//! Buying token packs: a Checkout Session per purchase, credited exactly once when Stripe says
//! it is paid (by webhook or by the success page, whichever comes first), and clawed back on a
//! refund or a lost dispute.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    ledger::{self, Kind, Posted, Posting},
    packs::BillingConfig,
    repo,
    stripe::{self, SessionFacts},
};
use crate::access::Principal;
use crate::{
    access::Permission,
    audit::{self, Action, Entry, RequestMeta},
    db::Tx,
    Db, Error, Result,
};

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Purchase {
    pub id: Uuid,
    pub company_id: Uuid,
    pub pack: String,
    pub tokens: i64,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub checkout_session_id: String,
    pub payment_intent_id: Option<String>,
    pub receipt_url: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub clawed_back: i64,
    pub shortfall: i64,
}

fn not_configured() -> Error {
    Error::Conflict(
        "Billing is not configured on this installation: the operator has to set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET."
            .into(),
    )
}

/// The idempotency key of one Buy click: the same company, user, pack and page load give the
/// same key, so a double click (or a resubmitted form) opens one Checkout Session.
fn idempotency_key(company: Uuid, user: Uuid, pack: &str, attempt: &str) -> String {
    let digest = Sha256::new()
        .chain_update(company.as_bytes())
        .chain_update(user.as_bytes())
        .chain_update(pack.as_bytes())
        .chain_update(attempt.as_bytes())
        .finalize();
    format!("switchyard-checkout-{}", hex::encode(&digest[..20]))
}

/// Opens a Checkout Session for a pack and records the purchase as open; answers the URL of
/// Stripe's payment page. `attempt` is the random id the Buy form carries.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, pack = %pack_id), err(level = "info"))]
pub async fn start_checkout(
    db: &Db,
    config: &BillingConfig,
    public_url: &url::Url,
    p: &Principal,
    pack_id: &str,
    attempt: &str,
) -> Result<String> {
    p.authorize(Permission::BillingManage)?;
    let stripe_config = config.stripe.as_ref().ok_or_else(not_configured)?;
    let pack = config
        .pack(pack_id)
        .ok_or_else(|| Error::validation("pack", "Choose one of the packs shown."))?;
    let attempt = Uuid::parse_str(attempt).map_err(|_| {
        Error::validation(
            "attempt",
            "This page is out of date. Reload it and try again.",
        )
    })?;
    let base = public_url.as_str().trim_end_matches('/');
    let success_url = format!("{base}/billing/success?session_id={{CHECKOUT_SESSION_ID}}");
    let cancel_url = format!("{base}/billing?canceled=1");
    let client = stripe::client(stripe_config)?;
    let session = stripe::create_checkout(
        &client,
        stripe::NewCheckout {
            pack,
            company_id: p.company_id,
            customer_email: &p.email,
            success_url: &success_url,
            cancel_url: &cancel_url,
            idempotency_key: &idempotency_key(
                p.company_id,
                p.user_id,
                pack.id,
                &attempt.to_string(),
            ),
        },
    )
    .await?;
    repo::insert_purchase(
        db,
        &repo::NewPurchase {
            id: Uuid::now_v7(),
            company_id: p.company_id,
            pack,
            checkout_session_id: &session.session_id,
            checkout_url: session.url.as_deref(),
            created_by: p.user_id,
            created_at: Utc::now(),
        },
    )
    .await?;
    session
        .url
        .ok_or_else(|| Error::Unavailable("Stripe gave no payment page.".into()))
}

/// What crediting a paid session did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credit {
    Credited {
        balance_after: i64,
    },
    AlreadyCredited,
    NotPaid,
    /// Not credited, with the reason (logged and kept on the event).
    Ignored(String),
}

impl Credit {
    pub fn outcome(&self) -> String {
        match self {
            Credit::Credited { balance_after } => format!("credited; balance {balance_after}"),
            Credit::AlreadyCredited => "already credited".into(),
            Credit::NotPaid => "not paid yet".into(),
            Credit::Ignored(why) => format!("ignored: {why}"),
        }
    }
}

/// Credits a paid Checkout Session's pack, once. Called for the webhook's event and by the
/// success page; the ledger entry's reference (the session id) makes the second a no-op.
#[tracing::instrument(skip_all)]
pub async fn credit_checkout(db: &Db, config: &BillingConfig, s: &SessionFacts) -> Result<Credit> {
    if !s.paid {
        return Ok(Credit::NotPaid);
    }
    let mut tx = db.begin().await?;
    let purchase = match repo::purchase_by_session(&mut tx, &s.session_id).await? {
        Some(p) => {
            if s.company_id
                .as_deref()
                .is_some_and(|c| c != p.company_id.to_string())
            {
                return Ok(Credit::Ignored("the session names another company".into()));
            }
            p
        }
        None => match adopt(&mut tx, config, s).await? {
            Ok(p) => p,
            Err(why) => return Ok(Credit::Ignored(why)),
        },
    };
    if s.amount_total != Some(purchase.amount) || s.currency.as_deref() != Some(&purchase.currency)
    {
        tracing::warn!(
            session = %s.session_id,
            paid = ?s.amount_total,
            currency = ?s.currency,
            expected = purchase.amount,
            "checkout amount does not match the pack; not credited"
        );
        return Ok(Credit::Ignored(
            "the amount paid does not match the pack".into(),
        ));
    }
    ledger::lock_balance(&mut tx, purchase.company_id).await?;
    let reference = format!("checkout:{}", s.session_id);
    let posted = ledger::post(
        &mut tx,
        &Posting {
            purchase_id: Some(purchase.id),
            actor_id: purchase.created_by,
            note: Some(&format!(
                "{} pack",
                config
                    .pack(&purchase.pack)
                    .map_or(purchase.pack.as_str(), |x| x.name)
            )),
            ..Posting::new(
                purchase.company_id,
                Kind::Purchase,
                purchase.tokens,
                &reference,
            )
        },
    )
    .await?;
    let Posted::New { balance_after } = posted else {
        return Ok(Credit::AlreadyCredited);
    };
    repo::mark_purchase_paid(
        &mut tx,
        purchase.id,
        Utc::now(),
        s.payment_intent.as_deref(),
    )
    .await?;
    audit::record(
        &mut tx,
        &RequestMeta::default(),
        Entry {
            company_id: Some(purchase.company_id),
            actor_id: purchase.created_by,
            action: Action::TokensPurchased,
            target: Some(format!("purchase:{}", purchase.id)),
            details: serde_json::json!({
                "pack": purchase.pack, "tokens": purchase.tokens, "amount": purchase.amount,
                "currency": purchase.currency, "checkout_session": s.session_id,
                "balance_after": balance_after,
            }),
        },
    )
    .await?;
    crate::api::webhooks::emit(
        &mut tx,
        purchase.company_id,
        "tokens.purchased",
        serde_json::json!({
            "purchase_id": purchase.id, "pack": purchase.pack, "tokens": purchase.tokens,
            "amount_minor": purchase.amount, "currency": purchase.currency,
            "balance_after": balance_after,
        }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(company_id = %purchase.company_id, tokens = purchase.tokens, "token pack credited");
    Ok(Credit::Credited { balance_after })
}

/// A paid session we have no row for (the row's insert was lost after Stripe answered):
/// recorded from its metadata when the company exists and the pack is ours.
async fn adopt(
    tx: &mut Tx,
    config: &BillingConfig,
    s: &SessionFacts,
) -> Result<std::result::Result<Purchase, String>> {
    let Some(company) = s
        .company_id
        .as_deref()
        .and_then(|c| Uuid::parse_str(c).ok())
    else {
        return Ok(Err("no company in the session".into()));
    };
    if !repo::company_exists(tx, company).await? {
        tracing::warn!(session = %s.session_id, %company, "paid session for an unknown company");
        return Ok(Err("unknown company".into()));
    }
    let Some(pack) = s.pack.as_deref().and_then(|p| config.pack(p)) else {
        return Ok(Err("unknown pack".into()));
    };
    repo::insert_adopted_purchase(tx, Uuid::now_v7(), company, pack, &s.session_id, Utc::now())
        .await?;
    Ok(repo::purchase_by_session(tx, &s.session_id)
        .await?
        .ok_or_else(|| "the purchase could not be recorded".to_string()))
}

/// Keeps Stripe's receipt for a payment (the latest one, when a charge is updated).
#[tracing::instrument(skip_all)]
pub async fn record_receipt(
    db: &Db,
    payment_intent: &str,
    charge_id: &str,
    receipt_url: &str,
) -> Result<()> {
    repo::upsert_receipt(db, payment_intent, charge_id, receipt_url).await
}

/// An open purchase whose payment failed or whose session expired.
#[tracing::instrument(skip_all)]
pub async fn close_unpaid(db: &Db, session_id: &str, status: &str) -> Result<bool> {
    debug_assert!(matches!(status, "failed" | "expired"));
    repo::close_open_purchase(db, session_id, status).await
}

/// Takes a purchase's tokens back after a refund (in proportion to the amount refunded so far)
/// or a lost dispute (all of them). Never below zero: what the balance cannot cover is kept as
/// the purchase's shortfall. Repeated events change nothing.
#[tracing::instrument(skip_all)]
pub async fn claw_back(
    db: &Db,
    payment_intent: &str,
    refunded_amount: Option<i64>,
    reference: &str,
) -> Result<String> {
    let mut tx = db.begin().await?;
    let Some(purchase) = repo::purchase_by_payment_intent(&mut tx, payment_intent).await? else {
        return Ok("ignored: no purchase for this payment".into());
    };
    let (target, status) = match refunded_amount {
        Some(refunded) => {
            let refunded = refunded.clamp(0, purchase.amount);
            let tokens = if purchase.amount == 0 {
                purchase.tokens
            } else {
                // Rounded up: a refund never leaves a fraction of a token credited.
                ((purchase.tokens as i128 * refunded as i128 + purchase.amount as i128 - 1)
                    / purchase.amount as i128) as i64
            };
            let status = if refunded >= purchase.amount {
                "refunded"
            } else {
                purchase.status.as_str()
            };
            (tokens, status.to_string())
        }
        None => (purchase.tokens, "disputed".to_string()),
    };
    let balance = ledger::lock_balance(&mut tx, purchase.company_id).await?;
    let due = target - purchase.clawed_back - purchase.shortfall;
    if due <= 0 {
        return Ok("nothing more to claw back".into());
    }
    let taken = due.min(balance);
    let posted = ledger::post(
        &mut tx,
        &Posting {
            purchase_id: Some(purchase.id),
            note: Some(if refunded_amount.is_some() {
                "refund"
            } else {
                "dispute lost"
            }),
            ..Posting::new(purchase.company_id, Kind::Clawback, -taken, reference)
        },
    )
    .await?;
    if posted == Posted::Already {
        return Ok("already clawed back".into());
    }
    repo::add_clawback(&mut tx, purchase.id, taken, due - taken, &status).await?;
    audit::record(
        &mut tx,
        &RequestMeta::default(),
        Entry {
            company_id: Some(purchase.company_id),
            actor_id: None,
            action: Action::TokensRefunded,
            target: Some(format!("purchase:{}", purchase.id)),
            details: serde_json::json!({
                "tokens": due, "taken": taken, "shortfall": due - taken,
                "reason": if refunded_amount.is_some() { "refund" } else { "dispute lost" },
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(format!("clawed back {taken}, shortfall {}", due - taken))
}

/// The company's purchases, newest first.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn list(db: &Db, p: &Principal, limit: i64, offset: i64) -> Result<Vec<Purchase>> {
    p.authorize(Permission::BillingRead)?;
    repo::list_purchases(db, p.company_id, limit, offset).await
}

/// One purchase of the company by its Checkout Session id (the success page).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn by_session(db: &Db, p: &Principal, session_id: &str) -> Result<Purchase> {
    p.authorize(Permission::BillingRead)?;
    repo::company_purchase_by_session(db, p.company_id, session_id)
        .await?
        .ok_or(Error::NotFound)
}
