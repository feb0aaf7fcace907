//! The company's stores (Settings → Stores) and who may see which (the per-store access
//! matrix). Members whose role manages stores see all of them; everyone else only the stores
//! granted to them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::access::Principal;
use crate::{
    access::Permission,
    audit::{self, Action, Entry, RequestMeta},
    db::Tx,
    error::{Error, Result},
    exec_tx,
    identity::clean_text,
    with_db, with_tx, Db,
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
    const ALL: &str = "SELECT id, name, platform, created_at FROM stores \
                       WHERE company_id = $1 ORDER BY name";
    const GRANTED: &str = "SELECT s.id, s.name, s.platform, s.created_at FROM stores s \
                           JOIN store_access a ON a.store_id = s.id \
                           WHERE s.company_id = $1 AND a.user_id = $2 ORDER BY s.name";
    let all = p.sees_all_stores();
    let sql = if all { ALL } else { GRANTED };
    Ok(with_db!(db, |pool| sqlx::query_as::<_, Store>(sql)
        .bind(p.company_id)
        .bind(p.user_id)
        .fetch_all(pool)
        .await)?)
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
    const SQL: &str = "INSERT INTO stores (id, company_id, name, platform, created_at) \
                       VALUES ($1, $2, $3, $4, $5)";
    exec_tx!(
        &mut tx,
        sqlx::query(SQL)
            .bind(store.id)
            .bind(p.company_id)
            .bind(&store.name)
            .bind(&store.platform)
            .bind(store.created_at)
    )
    .map_err(|e| crate::db::conflict_on_unique(e, "A store with this name already exists."))?;
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
    const SQL: &str = "DELETE FROM stores WHERE id = $1 AND company_id = $2";
    if exec_tx!(&mut tx, sqlx::query(SQL).bind(store_id).bind(p.company_id))? == 0 {
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
    const SQL: &str = "SELECT user_id, store_id FROM store_access WHERE company_id = $1";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, (Uuid, Uuid)>(SQL)
        .bind(p.company_id)
        .fetch_all(pool)
        .await)?)
}

/// Checks that every store belongs to the company (ids from a form are never trusted).
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn check_owned(tx: &mut Tx, company_id: Uuid, store_ids: &[Uuid]) -> Result<()> {
    const SQL: &str = "SELECT COUNT(*) FROM stores WHERE company_id = $1 AND id = $2";
    for id in store_ids {
        let n: i64 = with_tx!(tx, |c| sqlx::query_scalar(SQL)
            .bind(company_id)
            .bind(id)
            .fetch_one(c)
            .await)?;
        if n == 0 {
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
    const MEMBER: &str = "SELECT role FROM memberships WHERE company_id = $1 AND user_id = $2";
    let role: Option<String> = with_tx!(&mut tx, |c| sqlx::query_scalar(MEMBER)
        .bind(p.company_id)
        .bind(target)
        .fetch_optional(c)
        .await)?;
    let role = role.ok_or(Error::NotFound)?;
    crate::team::members::guard_target(&mut tx, p, &role).await?;
    check_owned(&mut tx, p.company_id, &[store_id]).await?;
    const GRANT: &str =
        "INSERT INTO store_access (store_id, user_id, company_id) VALUES ($1, $2, $3) \
                         ON CONFLICT (store_id, user_id) DO NOTHING";
    const WITHDRAW: &str =
        "DELETE FROM store_access WHERE store_id = $1 AND user_id = $2 AND company_id = $3";
    let sql = if allowed { GRANT } else { WITHDRAW };
    let changed = exec_tx!(
        &mut tx,
        sqlx::query(sql)
            .bind(store_id)
            .bind(target)
            .bind(p.company_id)
    )?;
    if changed == 0 {
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
