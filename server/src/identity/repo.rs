//! SQL for identity. Written once, run on either backend.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Principal;
use crate::{
    access::{self, PermissionSet},
    db::Tx,
    error::Result,
    exec_tx, with_db, with_tx, Db,
};

pub async fn setup_done(db: &Db) -> Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM instance";
    let n: i64 = with_db!(db, |p| sqlx::query_scalar(SQL).fetch_one(p).await)?;
    Ok(n > 0)
}

/// Claims the one-time setup; false when another request already did.
pub async fn claim_setup(tx: &mut Tx, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str =
        "INSERT INTO instance (id, setup_at) VALUES (1, $1) ON CONFLICT (id) DO NOTHING";
    let r = exec_tx!(tx, sqlx::query(SQL).bind(now))?;
    Ok(r == 1)
}

pub async fn insert_company(
    tx: &mut Tx,
    id: Uuid,
    name: &str,
    slug: &str,
    timezone: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "INSERT INTO companies (id, name, slug, timezone, created_at) VALUES ($1, $2, $3, $4, $5)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(name)
            .bind(slug)
            .bind(timezone)
            .bind(now)
    )
    .map_err(|e| crate::db::conflict_on_unique(e, "A company with this name already exists."))?;
    Ok(())
}

pub async fn insert_user(
    tx: &mut Tx,
    id: Uuid,
    email: &str,
    name: &str,
    password_hash: Option<&str>,
    email_verified_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "INSERT INTO users (id, email, name, password_hash, email_verified_at, created_at) \
                       VALUES ($1, $2, $3, $4, $5, $6)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(id)
            .bind(email)
            .bind(name)
            .bind(password_hash)
            .bind(email_verified_at)
            .bind(now)
    )
    .map_err(|e| crate::db::conflict_on_unique(e, "An account with this email already exists."))?;
    Ok(())
}

pub async fn insert_membership(
    tx: &mut Tx,
    company_id: Uuid,
    user_id: Uuid,
    role: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "INSERT INTO memberships (company_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(company_id)
            .bind(user_id)
            .bind(role)
            .bind(now)
    )?;
    Ok(())
}

pub async fn touch_last_login(tx: &mut Tx, user_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    const SQL: &str = "UPDATE users SET last_login_at = $1 WHERE id = $2";
    exec_tx!(tx, sqlx::query(SQL).bind(now).bind(user_id))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct Credentials {
    pub id: Uuid,
    pub password_hash: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Sign-in needs a second factor.
    pub totp_enabled: bool,
}

pub async fn find_credentials(db: &Db, email: &str) -> Result<Option<Credentials>> {
    const SQL: &str =
        "SELECT id, password_hash, disabled_at, totp_secret IS NOT NULL AS totp_enabled \
                       FROM users WHERE email = $1";
    Ok(with_db!(db, |p| sqlx::query_as::<_, Credentials>(SQL)
        .bind(email)
        .fetch_optional(p)
        .await)?)
}

pub async fn find_credentials_by_id(db: &Db, user_id: Uuid) -> Result<Option<Credentials>> {
    const SQL: &str =
        "SELECT id, password_hash, disabled_at, totp_secret IS NOT NULL AS totp_enabled \
                       FROM users WHERE id = $1";
    Ok(with_db!(db, |p| sqlx::query_as::<_, Credentials>(SQL)
        .bind(user_id)
        .fetch_optional(p)
        .await)?)
}

const FIRST_COMPANY: &str = "SELECT company_id FROM memberships WHERE user_id = $1 \
                             ORDER BY created_at, company_id LIMIT 1";

/// The company a user joined first (where account-level audit entries go).
pub async fn first_company_of(db: &Db, user_id: Uuid) -> Result<Option<Uuid>> {
    Ok(with_db!(db, |p| sqlx::query_scalar::<_, Uuid>(
        FIRST_COMPANY
    )
    .bind(user_id)
    .fetch_optional(p)
    .await)?)
}

/// `first_company_of` inside the caller's transaction.
pub async fn first_company_in(tx: &mut Tx, user_id: Uuid) -> Result<Option<Uuid>> {
    Ok(with_tx!(tx, |c| sqlx::query_scalar::<_, Uuid>(
        FIRST_COMPANY
    )
    .bind(user_id)
    .fetch_optional(c)
    .await)?)
}

/// The principal of an enabled user in `company_id`, or in their first company when `None`.
/// Built-in roles take their permissions from code, custom ones from the company's `roles`.
pub async fn principal_for(
    db: &Db,
    user_id: Uuid,
    company_id: Option<Uuid>,
) -> Result<Option<Principal>> {
    const SQL: &str =
        "SELECT u.id AS user_id, u.name, u.email, u.is_super_admin, c.id AS company_id, \
                c.name AS company_name, c.timezone, m.role, \
                r.name AS custom_name, r.permissions AS custom_permissions \
         FROM users u \
         JOIN memberships m ON m.user_id = u.id \
         JOIN companies c ON c.id = m.company_id \
         LEFT JOIN roles r ON r.company_id = m.company_id AND r.slug = m.role \
         WHERE u.id = $1 AND u.disabled_at IS NULL AND m.disabled_at IS NULL \
           AND c.disabled_at IS NULL AND ($2 IS NULL OR c.id = $2) \
         ORDER BY m.created_at, c.id LIMIT 1";
    Ok(with_db!(db, |p| sqlx::query_as::<_, PrincipalRow>(SQL)
        .bind(user_id)
        .bind(company_id)
        .fetch_optional(p)
        .await)?
    .map(Into::into))
}

#[derive(sqlx::FromRow)]
struct PrincipalRow {
    user_id: Uuid,
    name: String,
    email: String,
    is_super_admin: bool,
    company_id: Uuid,
    company_name: String,
    timezone: String,
    role: String,
    custom_name: Option<String>,
    custom_permissions: Option<String>,
}

impl From<PrincipalRow> for Principal {
    fn from(r: PrincipalRow) -> Self {
        let (role_name, permissions) = match access::builtin(&r.role) {
            Some(b) => (b.name.to_string(), PermissionSet::of(b.permissions)),
            None => (
                r.custom_name.unwrap_or_else(|| "No role".into()),
                r.custom_permissions
                    .as_deref()
                    .map(PermissionSet::from_keys)
                    .unwrap_or_default(),
            ),
        };
        Principal {
            user_id: r.user_id,
            name: r.name,
            email: r.email,
            company_id: r.company_id,
            company_name: r.company_name,
            timezone: r.timezone,
            role: r.role,
            role_name,
            permissions,
            is_super_admin: r.is_super_admin,
        }
    }
}

pub async fn count_members(db: &Db, company_id: Uuid) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
                       WHERE m.company_id = $1 AND u.disabled_at IS NULL AND m.disabled_at IS NULL";
    Ok(with_db!(db, |p| sqlx::query_scalar::<_, i64>(SQL)
        .bind(company_id)
        .fetch_one(p)
        .await)?)
}

pub async fn companies_of(db: &Db, user_id: Uuid) -> Result<Vec<(Uuid, String)>> {
    const SQL: &str =
        "SELECT c.id, c.name FROM memberships m JOIN companies c ON c.id = m.company_id \
                       WHERE m.user_id = $1 AND m.disabled_at IS NULL AND c.disabled_at IS NULL \
                       ORDER BY c.name";
    Ok(with_db!(db, |p| sqlx::query_as::<_, (Uuid, String)>(SQL)
        .bind(user_id)
        .fetch_all(p)
        .await)?)
}

pub async fn make_super_admin(tx: &mut Tx, user_id: Uuid) -> Result<()> {
    const SQL: &str = "UPDATE users SET is_super_admin = TRUE WHERE id = $1";
    exec_tx!(tx, sqlx::query(SQL).bind(user_id))?;
    Ok(())
}

pub async fn member_names(db: &Db, company_id: Uuid) -> Result<Vec<(Uuid, String)>> {
    const SQL: &str = "SELECT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id \
                       WHERE m.company_id = $1 ORDER BY u.name";
    Ok(with_db!(db, |p| sqlx::query_as::<_, (Uuid, String)>(SQL)
        .bind(company_id)
        .fetch_all(p)
        .await)?)
}
