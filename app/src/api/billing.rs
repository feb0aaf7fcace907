//! Server functions of /billing: balance, packs, purchases, ledger, usage; buying a pack
//! through Stripe Checkout; the success page's check; platform grants.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;

/// Ledger entries per page.
pub const LEDGER_PAGE: i64 = 25;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackView {
    pub id: String,
    pub name: String,
    pub tokens: String,
    pub price: String,
    /// "$0.50 per 1,000 tokens".
    pub per_thousand: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PurchaseView {
    pub pack: String,
    pub tokens: String,
    pub amount: String,
    /// Paid, Refunded, Awaiting payment, …
    pub status: String,
    pub ok: bool,
    pub when: String,
    pub receipt_url: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LedgerRow {
    pub kind: String,
    pub tokens: String,
    pub credit: bool,
    pub balance_after: String,
    pub note: String,
    pub when: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsageDay {
    /// "Nov 23".
    pub label: String,
    pub tokens: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BillingView {
    pub balance: i64,
    pub balance_text: String,
    pub low: bool,
    pub threshold_text: String,
    pub packs: Vec<PackView>,
    pub can_buy: bool,
    pub configured: bool,
    /// A fresh id for this page's Buy forms: a double click opens one Checkout Session.
    pub attempt: String,
    pub purchases: Vec<PurchaseView>,
    pub ledger: Vec<LedgerRow>,
    pub page: i64,
    pub pages: i64,
    pub usage: Vec<UsageDay>,
    /// Tokens used over those days, formatted.
    pub usage_total: String,
}

#[cfg(feature = "ssr")]
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "purchase" => "Purchase",
        "grant" => "Grant",
        "hold" => "Held for work",
        "settle" => "Settled",
        "release" => "Released",
        "clawback" => "Clawed back",
        _ => "Adjustment",
    }
}

#[cfg(feature = "ssr")]
fn status_label(status: &str) -> (&'static str, bool) {
    match status {
        "paid" => ("Paid", true),
        "open" => ("Not completed", false),
        "failed" => ("Payment failed", false),
        "expired" => ("Expired", false),
        "refunded" => ("Refunded", false),
        _ => ("Disputed", false),
    }
}

#[server(endpoint = "billing")]
pub async fn get_billing(page: i64) -> Result<BillingView, AppError> {
    use crate::format::money;
    use server::billing::{ledger, purchases, report};
    let p = ssr::authorize(server::access::Permission::BillingRead)?;
    let state = ssr::state()?;
    let config = state
        .config
        .section::<server::billing::packs::BillingConfig>();
    let page = page.max(1);
    let db = &state.db;
    let (balance, (entries, total), bought, usage) = tokio::try_join!(
        ledger::balance(db, p.company_id),
        ledger::entries(db, p.company_id, LEDGER_PAGE, (page - 1) * LEDGER_PAGE),
        purchases::list(db, &p, 20, 0),
        report::usage_by_day(db, &p, 30),
    )
    .map_err(ssr::fail)?;
    let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
    let when = |d: chrono::DateTime<chrono::Utc>| {
        d.with_timezone(&tz).format("%b %-d, %Y %H:%M").to_string()
    };
    Ok(BillingView {
        balance,
        balance_text: crate::format::group(balance),
        low: balance < config.low_balance_threshold,
        threshold_text: crate::format::group(config.low_balance_threshold),
        packs: config
            .packs
            .iter()
            .map(|pk| PackView {
                id: pk.id.to_string(),
                name: pk.name.to_string(),
                tokens: crate::format::group(pk.tokens),
                price: money(pk.price, &pk.currency),
                per_thousand: format!(
                    "{} per 1,000 tokens",
                    money((pk.price * 1000 + pk.tokens / 2) / pk.tokens, &pk.currency)
                ),
            })
            .collect(),
        can_buy: p
            .permissions
            .contains(server::access::Permission::BillingManage),
        configured: config.stripe.is_some(),
        attempt: uuid::Uuid::new_v4().to_string(),
        purchases: bought
            .into_iter()
            .map(|b| {
                let (status, ok) = status_label(&b.status);
                PurchaseView {
                    pack: config
                        .pack(&b.pack)
                        .map(|x| x.name.to_string())
                        .unwrap_or(b.pack.clone()),
                    tokens: crate::format::group(b.tokens),
                    amount: money(b.amount, &b.currency),
                    status: status.to_string(),
                    ok,
                    when: when(b.created_at),
                    receipt_url: b.receipt_url,
                    note: (b.shortfall > 0).then(|| {
                        format!(
                            "{} tokens could not be taken back",
                            crate::format::group(b.shortfall)
                        )
                    }),
                }
            })
            .collect(),
        ledger: entries
            .into_iter()
            .map(|e| LedgerRow {
                kind: kind_label(&e.kind).to_string(),
                credit: e.tokens > 0,
                tokens: if e.tokens > 0 {
                    format!("+{}", crate::format::group(e.tokens))
                } else {
                    crate::format::group(e.tokens)
                },
                balance_after: crate::format::group(e.balance_after),
                note: e.note.unwrap_or_default(),
                when: when(e.created_at),
            })
            .collect(),
        page,
        pages: ((total + LEDGER_PAGE - 1) / LEDGER_PAGE).max(1),
        usage_total: crate::format::group(usage.iter().map(|(_, t)| t).sum()),
        usage: usage
            .into_iter()
            .map(|(d, tokens)| UsageDay {
                label: d.format("%b %-d").to_string(),
                tokens,
            })
            .collect(),
    })
}

/// Opens Stripe Checkout for a pack and sends the browser there (with or without JavaScript).
#[server(endpoint = "buy_pack")]
pub async fn buy_pack(pack: String, attempt: String) -> Result<(), AppError> {
    let p = ssr::authorize(server::access::Permission::BillingManage)?;
    let state = ssr::state()?;
    let url = server::billing::purchases::start_checkout(
        &state.db,
        state
            .config
            .section::<server::billing::packs::BillingConfig>(),
        &state.config.public_url,
        &p,
        &pack,
        &attempt,
    )
    .await
    .map_err(ssr::fail)?;
    leptos_axum::redirect(&url);
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckoutStatus {
    /// paid | open | failed | expired | refunded | disputed
    pub status: String,
    pub pack: String,
    pub tokens: String,
    pub balance: String,
}

/// The success page: the purchase's state. While it is not credited yet, Stripe is asked
/// directly and a paid session is credited here (the webhook then finds it done).
#[server(endpoint = "checkout_status")]
pub async fn get_checkout_status(session_id: String) -> Result<CheckoutStatus, AppError> {
    use server::billing::{ledger, purchases, stripe};
    let p = ssr::authorize(server::access::Permission::BillingRead)?;
    let state = ssr::state()?;
    let config = state
        .config
        .section::<server::billing::packs::BillingConfig>();
    let mut purchase = purchases::by_session(&state.db, &p, &session_id)
        .await
        .map_err(ssr::fail)?;
    if purchase.status == "open" {
        if let Some(stripe_config) = &config.stripe {
            let client = stripe::client(stripe_config).map_err(ssr::fail)?;
            match stripe::retrieve_checkout(&client, &session_id).await {
                Ok(facts) if facts.paid => {
                    purchases::credit_checkout(&state.db, config, &facts)
                        .await
                        .map_err(ssr::fail)?;
                    purchase = purchases::by_session(&state.db, &p, &session_id)
                        .await
                        .map_err(ssr::fail)?;
                }
                Ok(_) => {}
                // The webhook will still credit it; the page keeps waiting.
                Err(e) => tracing::warn!(error = %e, "checkout status: stripe not reachable"),
            }
        }
    }
    let balance = ledger::balance(&state.db, p.company_id)
        .await
        .map_err(ssr::fail)?;
    Ok(CheckoutStatus {
        status: purchase.status,
        pack: config
            .pack(&purchase.pack)
            .map(|x| x.name.to_string())
            .unwrap_or(purchase.pack),
        tokens: crate::format::group(purchase.tokens),
        balance: crate::format::group(balance),
    })
}

/// Platform operators give a company tokens, with a reason.
#[server(endpoint = "admin_grant_tokens")]
pub async fn admin_grant_tokens(
    company_id: String,
    tokens: String,
    reason: String,
) -> Result<String, AppError> {
    let p = ssr::authenticated()?;
    if !p.is_super_admin {
        return Err(ssr::fail(server::Error::Forbidden));
    }
    let company = ssr::parse_id(&company_id)?;
    let tokens: i64 = tokens
        .trim()
        .replace([',', '_', ' '], "")
        .parse()
        .map_err(|_| {
            ssr::fail(server::Error::validation(
                "tokens",
                "Enter a whole number of tokens.",
            ))
        })?;
    let state = ssr::state()?;
    let balance = server::billing::grant(&state.db, &p, &ssr::meta(), company, tokens, &reason)
        .await
        .map_err(ssr::fail)?;
    Ok(format!(
        "Granted {} tokens. The company's balance is now {}.",
        crate::format::group(tokens),
        crate::format::group(balance)
    ))
}
