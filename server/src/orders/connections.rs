//! A store's connection to its platform (Settings → Stores, stores.manage). Credentials are
//! sealed with APP_SECRET_KEY and never shown again: the page shows their last characters.
//! Every change is audited without the secrets.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    config::OrdersConfig, repo, shopify, shopify_api::ShopifyApi, trendyol_api::TrendyolApi,
};
use crate::{
    access::{Permission, Principal},
    audit::{self, Action, Entry, RequestMeta},
    crypto, Db, Error, Result,
};

/// Shopify credentials as sealed.
#[derive(Serialize, Deserialize)]
pub struct ShopifyCredentials {
    pub access_token: String,
    pub webhook_secret: String,
}

/// Trendyol credentials as sealed.
#[derive(Serialize, Deserialize)]
pub struct TrendyolCredentials {
    pub seller_id: String,
    pub api_key: String,
    pub api_secret: String,
    /// Trendyol's stage (test) gateway instead of production.
    pub stage: bool,
}

/// A connection as the settings page shows it.
#[derive(Clone, Debug)]
pub struct Connection {
    pub store_id: Uuid,
    pub platform: String,
    pub shop_domain: Option<String>,
    pub hint: String,
    pub currency: String,
    pub connected_at: DateTime<Utc>,
    pub uninstalled_at: Option<DateTime<Utc>>,
}

/// The company's store connections.
pub async fn list(db: &Db, p: &Principal) -> Result<Vec<Connection>> {
    p.authorize(Permission::StoresManage)?;
    Ok(repo::connections(db, p.company_id)
        .await?
        .into_iter()
        .map(|c| Connection {
            store_id: c.store_id,
            platform: c.platform,
            shop_domain: c.shop_domain,
            hint: c.credentials_hint,
            currency: c.currency,
            connected_at: c.connected_at,
            uninstalled_at: c.uninstalled_at,
        })
        .collect())
}

pub struct ShopifyInput {
    pub store_id: Uuid,
    pub shop_domain: String,
    pub access_token: String,
    pub webhook_secret: String,
    pub currency: String,
}

fn secret_field(field: &'static str, label: &str, v: &str) -> Result<String> {
    let v = v.trim();
    if v.len() < 16 || v.len() > 255 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::validation(
            field,
            format!("{label}: paste it from the Shopify app's settings (16 to 255 characters, no spaces)."),
        ));
    }
    Ok(v.to_string())
}

fn last4(s: &str) -> &str {
    &s[s.len().saturating_sub(4)..]
}

/// A currency code: three letters (RON when empty).
pub fn currency(raw: &str) -> Result<String> {
    let c = raw.trim().to_ascii_uppercase();
    if c.is_empty() {
        return Ok("RON".into());
    }
    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::validation(
            "currency",
            "A three-letter currency code such as RON or EUR.",
        ));
    }
    Ok(c)
}

/// Connects a Shopify store (or replaces its credentials).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, store_id = %input.store_id), err(level = "info"))]
pub async fn connect_shopify(
    db: &Db,
    app_key: &SecretString,
    p: &Principal,
    meta: &RequestMeta,
    input: ShopifyInput,
) -> Result<()> {
    p.authorize(Permission::StoresManage)?;
    let Some(domain) = shopify::shop_domain(&input.shop_domain) else {
        return Err(Error::validation(
            "shop_domain",
            "The shop's address ending in .myshopify.com, such as ana-shop.myshopify.com.",
        ));
    };
    let access_token = secret_field(
        "access_token",
        "Admin API access token",
        &input.access_token,
    )?;
    let webhook_secret = secret_field(
        "webhook_secret",
        "Webhook signing secret",
        &input.webhook_secret,
    )?;
    let currency = currency(&input.currency)?;
    let hint = format!(
        "token …{} · secret …{}",
        last4(&access_token),
        last4(&webhook_secret)
    );
    save(
        db,
        app_key,
        p,
        meta,
        Saving {
            store_id: input.store_id,
            platform: "shopify",
            refusal: "This store is not on Shopify: only Shopify stores connect with a shop domain.",
            shop_domain: Some(&domain),
            hint: &hint,
            currency: &currency,
            details: serde_json::json!({ "platform": "shopify", "shop_domain": domain, "credentials": hint, "currency": currency }),
        },
        &ShopifyCredentials {
            access_token,
            webhook_secret,
        },
    )
    .await
}

pub struct TrendyolInput {
    pub store_id: Uuid,
    pub seller_id: String,
    pub api_key: String,
    pub api_secret: String,
    /// "production" or "stage".
    pub environment: String,
    pub currency: String,
}

/// A Trendyol API key or secret: letters and digits as the seller panel shows them.
fn trendyol_secret(field: &'static str, label: &str, v: &str) -> Result<String> {
    let v = v.trim();
    if v.len() < 8 || v.len() > 128 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::validation(
            field,
            format!("{label}: copy it from the Trendyol seller panel's Account → Integration information (8 to 128 letters and digits)."),
        ));
    }
    Ok(v.to_string())
}

/// Connects a Trendyol store (or replaces its credentials).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, store_id = %input.store_id), err(level = "info"))]
pub async fn connect_trendyol(
    db: &Db,
    app_key: &SecretString,
    p: &Principal,
    meta: &RequestMeta,
    input: TrendyolInput,
) -> Result<()> {
    p.authorize(Permission::StoresManage)?;
    let seller_id = input.seller_id.trim().to_string();
    if seller_id.is_empty()
        || seller_id.len() > 12
        || !seller_id.bytes().all(|b| b.is_ascii_digit())
        || seller_id.starts_with('0')
    {
        return Err(Error::validation(
            "seller_id",
            "The seller (supplier) id: the number the Trendyol seller panel shows, such as 123456.",
        ));
    }
    let api_key = trendyol_secret("api_key", "API key", &input.api_key)?;
    let api_secret = trendyol_secret("api_secret", "API secret", &input.api_secret)?;
    let stage = match input.environment.trim() {
        "production" | "" => false,
        "stage" => true,
        _ => {
            return Err(Error::validation(
                "environment",
                "Choose production or stage (Trendyol's test environment).",
            ))
        }
    };
    let currency = currency(&input.currency)?;
    let environment = if stage { "stage" } else { "production" };
    let hint = format!(
        "seller {seller_id} · key …{} · secret …{} · {environment}",
        last4(&api_key),
        last4(&api_secret)
    );
    save(
        db,
        app_key,
        p,
        meta,
        Saving {
            store_id: input.store_id,
            platform: "trendyol",
            refusal: "This store is not on Trendyol: only Trendyol stores connect with a seller id.",
            shop_domain: None,
            hint: &hint,
            currency: &currency,
            details: serde_json::json!({ "platform": "trendyol", "seller_id": seller_id, "environment": environment, "credentials": hint, "currency": currency }),
        },
        &TrendyolCredentials {
            seller_id: seller_id.clone(),
            api_key,
            api_secret,
            stage,
        },
    )
    .await
}

/// A connection about to be saved: everything but its credentials.
struct Saving<'a> {
    store_id: Uuid,
    platform: &'static str,
    /// Why a store of another platform cannot take these credentials.
    refusal: &'static str,
    shop_domain: Option<&'a str>,
    hint: &'a str,
    currency: &'a str,
    /// What the audit entry says (never the secrets).
    details: serde_json::Value,
}

/// Seals the credentials and saves the connection of a store of the company on that
/// platform, audited STORE_CONNECTED, in one transaction.
async fn save(
    db: &Db,
    app_key: &SecretString,
    p: &Principal,
    meta: &RequestMeta,
    c: Saving<'_>,
    credentials: &impl Serialize,
) -> Result<()> {
    let sealed = crypto::seal(
        app_key,
        &serde_json::to_vec(credentials).map_err(|e| Error::Internal(e.into()))?,
    )?;
    let mut tx = db.begin().await?;
    match repo::store_platform(&mut tx, p.company_id, c.store_id).await? {
        None => return Err(Error::NotFound),
        Some(platform) if platform != c.platform => {
            return Err(Error::validation("store_id", c.refusal))
        }
        Some(_) => {}
    }
    repo::upsert_connection(
        &mut tx,
        &repo::NewConnection {
            store_id: c.store_id,
            company_id: p.company_id,
            platform: c.platform,
            shop_domain: c.shop_domain,
            sealed: &sealed,
            hint: c.hint,
            currency: c.currency,
            by: p.user_id,
            now: Utc::now(),
        },
    )
    .await
    .map_err(|e| {
        crate::db::conflict_on_unique(e, "This shop is already connected to another store.")
    })?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::StoreConnected,
            Some(format!("store:{}", c.store_id)),
            c.details,
        ),
    )
    .await?;
    tx.commit().await
}

/// Forgets a store's connection (its orders stay).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn disconnect(db: &Db, p: &Principal, meta: &RequestMeta, store_id: Uuid) -> Result<()> {
    p.authorize(Permission::StoresManage)?;
    let mut tx = db.begin().await?;
    if !repo::delete_connection(&mut tx, p.company_id, store_id).await? {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::StoreDisconnected,
            Some(format!("store:{store_id}")),
            serde_json::json!({}),
        ),
    )
    .await?;
    tx.commit().await
}

/// A connection's credentials, unsealed (Shopify's or Trendyol's, as the platform says).
pub fn unseal<T: serde::de::DeserializeOwned>(app_key: &SecretString, sealed: &str) -> Result<T> {
    serde_json::from_slice(&crypto::open(app_key, sealed)?).map_err(|e| Error::Internal(e.into()))
}

/// The order API client of a connected Trendyol seller.
pub fn trendyol_api(
    app_key: &SecretString,
    config: &OrdersConfig,
    sealed: &str,
) -> Result<TrendyolApi> {
    let creds: TrendyolCredentials = unseal(app_key, sealed)?;
    TrendyolApi::new(
        config,
        &creds.seller_id,
        &creds.api_key,
        &creds.api_secret,
        creds.stage,
    )
    .map_err(|e| Error::Internal(e.into()))
}

/// The Admin API client of a connected shop, with its unsealed access token.
pub fn api(
    app_key: &SecretString,
    config: &OrdersConfig,
    shop_domain: Option<&str>,
    sealed: &str,
) -> Result<ShopifyApi> {
    let creds: ShopifyCredentials = unseal(app_key, sealed)?;
    ShopifyApi::new(
        config,
        shop_domain.unwrap_or_default(),
        creds.access_token.into(),
    )
    .map_err(|e| Error::Internal(e.into()))
}

/// The webhook secret of a connected shop: (store, secret). None for an unknown shop.
pub async fn shop_secret(
    db: &Db,
    app_key: &SecretString,
    domain: &str,
) -> Result<Option<(Uuid, String)>> {
    let Some((store_id, _, sealed, _)) = repo::shop_by_domain(db, domain).await? else {
        return Ok(None);
    };
    let creds: ShopifyCredentials = unseal(app_key, &sealed)?;
    Ok(Some((store_id, creds.webhook_secret)))
}
