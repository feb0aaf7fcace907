//! The company's stores (Settings → Stores) and who may see which (the per-store access
//! matrix). Members whose role manages stores see all of them; everyone else only the stores
//! granted to them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::repo;
use crate::access::Principal;
use crate::{
    access::Permission,
    audit::{self, Action, Entry, RequestMeta},
    db::Tx,
    error::{Error, Result},
    identity::clean_text,
    Db,
};

/// The platforms a store can be on.
pub const PLATFORMS: &[(&str, &str)] = &[
    ("shopify", "Shopify"),
    ("trendyol", "Trendyol"),
    ("woocommerce", "WooCommerce"),
    ("other", "Other"),
];

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Store {
    pub id: Uuid,
    pub name: String,
    pub platform: String,
    pub created_at: DateTime<Utc>,
}

/// The stores this member may see.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn visible(db: &Db, p: &Principal) -> Result<Vec<Store>> {
    repo::visible_stores(db, p.company_id, p.user_id, p.sees_all_stores()).await
}

pub struct StoreInput {
    pub name: String,
    pub platform: String,
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn create(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    input: StoreInput,
) -> Result<Store> {
    p.authorize(Permission::StoresManage)?;
    let name = clean_text("name", "Store name", &input.name, 2, 80)?;
    if !PLATFORMS.iter().any(|(k, _)| *k == input.platform) {
        return Err(Error::validation(
            "platform",
            "Choose a platform from the list.",
        ));
    }
    let store = Store {
        id: Uuid::now_v7(),
        name,
        platform: input.platform,
        created_at: Utc::now(),
    };
    let mut tx = db.begin().await?;
    repo::insert_store(&mut tx, p.company_id, &store).await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::StoreCreated,
            Some(format!("store:{}", store.id)),
            serde_json::json!({ "name": store.name, "platform": store.platform }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(store)
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn delete(db: &Db, p: &Principal, meta: &RequestMeta, store_id: Uuid) -> Result<()> {
    p.authorize(Permission::StoresManage)?;
    let mut tx = db.begin().await?;
    if !repo::delete_store(&mut tx, p.company_id, store_id).await? {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::StoreDeleted,
            Some(format!("store:{store_id}")),
            serde_json::json!({}),
        ),
    )
    .await?;
    tx.commit().await
}

/// Who may see which store: pairs of (user, store) in the principal's company.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn access_matrix(db: &Db, p: &Principal) -> Result<Vec<(Uuid, Uuid)>> {
    p.authorize(Permission::MembersManage)?;
    repo::store_access(db, p.company_id).await
}

/// Checks that every store belongs to the company (ids from a form are never trusted).
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn check_owned(tx: &mut Tx, company_id: Uuid, store_ids: &[Uuid]) -> Result<()> {
    for id in store_ids {
        if !repo::store_in_company(tx, company_id, *id).await? {
            return Err(Error::validation(
                "stores",
                "One of the chosen stores does not exist.",
            ));
        }
    }
    Ok(())
}

/// Grants or withdraws one member's access to one store (a cell of the access matrix).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn set_one(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    target: Uuid,
    store_id: Uuid,
    allowed: bool,
) -> Result<()> {
    p.authorize(Permission::MembersManage)?;
    let mut tx = db.begin().await?;
    let role = repo::member_role(&mut tx, p.company_id, target)
        .await?
        .ok_or(Error::NotFound)?;
    crate::team::members::guard_target(&mut tx, p, &role).await?;
    check_owned(&mut tx, p.company_id, &[store_id]).await?;
    let changed = if allowed {
        repo::grant_store_access(&mut tx, p.company_id, target, store_id).await?
    } else {
        repo::withdraw_store_access(&mut tx, p.company_id, target, store_id).await?
    };
    if !changed {
        return Ok(());
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::StoreAccessChanged,
            Some(format!("user:{target}")),
            serde_json::json!({ "store": store_id, "allowed": allowed }),
        ),
    )
    .await?;
    tx.commit().await
}
