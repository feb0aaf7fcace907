//! SQL for the team: the company profile and logo, members, roles, stores and invitations.
//! Written once, run on either backend. Every query on company data is scoped by `company_id`
//! (an invitation is found by its token hash alone, and claimed by its id).

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{
    company::Settings, company::StoredLogo, invitations::Invitation, members::Member, stores::Store,
};
use crate::{access, db::Tx, error::Result, exec_tx, with_db, with_tx, Db};

// ---- Company ----

pub async fn settings(db: &Db, company_id: Uuid) -> Result<Settings> {
    const SQL: &str = "SELECT name, timezone, currency, date_format, analysis_standard \
                       FROM companies WHERE id = $1";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, Settings>(SQL)
        .bind(company_id)
        .fetch_one(pool)
        .await)?)
}

pub async fn update_settings(tx: &mut Tx, company_id: Uuid, new: &Settings) -> Result<()> {
    // The zone the dashboard's days were computed in is kept (a company that never changed
    // zone has none recorded: its old zone is), so the `dashboard.days` job sees the change.
    const SQL: &str =
        "UPDATE companies SET name = $1, rollup_timezone = COALESCE(rollup_timezone, timezone), \
                       timezone = $2, currency = $3, date_format = $4, analysis_standard = $5 WHERE id = $6";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(&new.name)
            .bind(&new.timezone)
            .bind(&new.currency)
            .bind(&new.date_format)
            .bind(&new.analysis_standard)
            .bind(company_id)
    )?;
    Ok(())
}

/// Points the company at a new logo object (and empties the old column); returns the key of
/// the object it replaces, if any, for the caller to delete once the change is committed.
pub async fn set_logo(
    tx: &mut Tx,
    company_id: Uuid,
    key: &str,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    let old = logo_key(tx, company_id).await?;
    const SQL: &str = "UPDATE companies SET logo_key = $1, logo = NULL, logo_type = $2, \
                       logo_updated_at = $3 WHERE id = $4";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(key)
            .bind(kind)
            .bind(now)
            .bind(company_id)
    )?;
    Ok(old)
}

/// The key of the company's logo object, inside the transaction.
async fn logo_key(tx: &mut Tx, company_id: Uuid) -> Result<Option<String>> {
    const SQL: &str = "SELECT logo_key FROM companies WHERE id = $1";
    Ok(
        with_tx!(tx, |c| sqlx::query_scalar::<_, Option<String>>(SQL)
            .bind(company_id)
            .fetch_optional(c)
            .await)?
        .flatten(),
    )
}

/// Removes the logo; `None` when the company had none, else the key of the object it named
/// (itself `None` for a logo still in the old column).
pub async fn clear_logo(tx: &mut Tx, company_id: Uuid) -> Result<Option<Option<String>>> {
    let old = logo_key(tx, company_id).await?;
    const SQL: &str = "UPDATE companies SET logo = NULL, logo_key = NULL, logo_type = NULL, \
                       logo_updated_at = NULL WHERE id = $1 AND logo_type IS NOT NULL";
    Ok((exec_tx!(tx, sqlx::query(SQL).bind(company_id))? != 0).then_some(old))
}

/// Where the company's logo is: its object's key, or (stored before the move to the object
/// storage) its bytes; with its content type and when it changed. `None`: no logo.
pub async fn logo(db: &Db, company_id: Uuid) -> Result<Option<StoredLogo>> {
    const SQL: &str = "SELECT logo_key, logo, logo_type, logo_updated_at FROM companies \
                       WHERE id = $1 AND logo_type IS NOT NULL";
    Ok(with_db!(db, |pool| sqlx::query_as(SQL)
        .bind(company_id)
        .fetch_optional(pool)
        .await)?)
}

/// Records that a logo kept in the old column now lives at `key`; false when something else
/// changed the logo meanwhile (then the caller deletes the object it wrote).
pub async fn moved_logo(db: &Db, company_id: Uuid, key: &str) -> Result<bool> {
    const SQL: &str = "UPDATE companies SET logo_key = $1, logo = NULL \
                       WHERE id = $2 AND logo_key IS NULL AND logo IS NOT NULL";
    Ok(crate::exec!(db, sqlx::query(SQL).bind(key).bind(company_id))? == 1)
}

/// When the logo last changed, or `None` when the company has no logo.
pub async fn logo_updated_at(db: &Db, company_id: Uuid) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str =
        "SELECT logo_updated_at FROM companies WHERE id = $1 AND logo_type IS NOT NULL";
    Ok(with_db!(db, |pool| sqlx::query_scalar(SQL)
        .bind(company_id)
        .fetch_optional(pool)
        .await)?)
}

// ---- Members ----

pub async fn list_members(db: &Db, company_id: Uuid) -> Result<Vec<Member>> {
    const SQL: &str = "SELECT u.id AS user_id, u.name, u.email, m.role, \
                              COALESCE(m.disabled_at, u.disabled_at) AS disabled_at, \
                              u.last_login_at, m.created_at AS joined_at \
                       FROM memberships m JOIN users u ON u.id = m.user_id \
                       WHERE m.company_id = $1 ORDER BY u.name, u.email";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, Member>(SQL)
        .bind(company_id)
        .fetch_all(pool)
        .await)?)
}

#[derive(sqlx::FromRow)]
pub struct MembershipRow {
    pub role: String,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// A user's membership in the company, or `None` when they are not a member.
pub async fn find_membership(
    tx: &mut Tx,
    company_id: Uuid,
    user_id: Uuid,
) -> Result<Option<MembershipRow>> {
    const SQL: &str =
        "SELECT role, disabled_at FROM memberships WHERE company_id = $1 AND user_id = $2";
    Ok(with_tx!(tx, |c| sqlx::query_as::<_, MembershipRow>(SQL)
        .bind(company_id)
        .bind(user_id)
        .fetch_optional(c)
        .await)?)
}

/// A member's role in the company, or `None` when they are not a member.
pub async fn member_role(tx: &mut Tx, company_id: Uuid, user_id: Uuid) -> Result<Option<String>> {
    const SQL: &str = "SELECT role FROM memberships WHERE company_id = $1 AND user_id = $2";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(user_id)
        .fetch_optional(c)
        .await)?)
}

/// Active owners of the company (membership and account enabled) other than `user_id`.
pub async fn count_other_active_owners(
    tx: &mut Tx,
    company_id: Uuid,
    user_id: Uuid,
) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
                       WHERE m.company_id = $1 AND m.role = $2 AND m.user_id <> $3 \
                         AND m.disabled_at IS NULL AND u.disabled_at IS NULL";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(access::OWNER)
        .bind(user_id)
        .fetch_one(c)
        .await)?)
}

pub async fn set_role(tx: &mut Tx, company_id: Uuid, user_id: Uuid, role: &str) -> Result<()> {
    const SQL: &str = "UPDATE memberships SET role = $1 WHERE company_id = $2 AND user_id = $3";
    exec_tx!(
        tx,
        sqlx::query(SQL).bind(role).bind(company_id).bind(user_id)
    )?;
    Ok(())
}

/// Disables the membership from `disabled_at`, or enables it again when `None`.
pub async fn set_membership_disabled(
    tx: &mut Tx,
    company_id: Uuid,
    user_id: Uuid,
    disabled_at: Option<DateTime<Utc>>,
) -> Result<()> {
    const SQL: &str =
        "UPDATE memberships SET disabled_at = $1 WHERE company_id = $2 AND user_id = $3";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(disabled_at)
            .bind(company_id)
            .bind(user_id)
    )?;
    Ok(())
}

/// Withdraws all of a user's store access in the company.
pub async fn delete_store_access_of(tx: &mut Tx, company_id: Uuid, user_id: Uuid) -> Result<()> {
    const SQL: &str = "DELETE FROM store_access WHERE company_id = $1 AND user_id = $2";
    exec_tx!(tx, sqlx::query(SQL).bind(company_id).bind(user_id))?;
    Ok(())
}

pub async fn delete_membership(tx: &mut Tx, company_id: Uuid, user_id: Uuid) -> Result<()> {
    const SQL: &str = "DELETE FROM memberships WHERE company_id = $1 AND user_id = $2";
    exec_tx!(tx, sqlx::query(SQL).bind(company_id).bind(user_id))?;
    Ok(())
}

// ---- Roles ----

#[derive(sqlx::FromRow)]
pub struct CustomRoleRow {
    pub slug: String,
    pub name: String,
    pub permissions: String,
}

/// The company's custom roles, by name.
pub async fn list_custom_roles(db: &Db, company_id: Uuid) -> Result<Vec<CustomRoleRow>> {
    const SQL: &str =
        "SELECT slug, name, permissions FROM roles WHERE company_id = $1 ORDER BY name";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, CustomRoleRow>(
        SQL
    )
    .bind(company_id)
    .fetch_all(pool)
    .await)?)
}

#[derive(sqlx::FromRow)]
pub struct RoleCountRow {
    pub role: String,
    pub n: i64,
}

/// How many memberships (enabled or not) hold each role; roles nobody holds are absent.
pub async fn count_members_by_role(db: &Db, company_id: Uuid) -> Result<Vec<RoleCountRow>> {
    const SQL: &str =
        "SELECT role, COUNT(*) AS n FROM memberships WHERE company_id = $1 GROUP BY role";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, RoleCountRow>(SQL)
        .bind(company_id)
        .fetch_all(pool)
        .await)?)
}

/// The permission keys of a custom role, or `None` when the company has no such role.
pub async fn custom_role_permissions(
    tx: &mut Tx,
    company_id: Uuid,
    slug: &str,
) -> Result<Option<String>> {
    const SQL: &str = "SELECT permissions FROM roles WHERE company_id = $1 AND slug = $2";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(slug)
        .fetch_optional(c)
        .await)?)
}

pub async fn insert_role(
    tx: &mut Tx,
    company_id: Uuid,
    slug: &str,
    name: &str,
    permissions: String,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO roles (company_id, slug, name, permissions, created_at) \
                       VALUES ($1, $2, $3, $4, $5)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(company_id)
            .bind(slug)
            .bind(name)
            .bind(permissions)
            .bind(now)
    )
    .map_err(|e| crate::db::conflict_on_unique(e, "A role with this name already exists."))?;
    Ok(())
}

/// Renames a custom role and sets its permissions; false when the company has no such role.
pub async fn update_role(
    tx: &mut Tx,
    company_id: Uuid,
    slug: &str,
    name: &str,
    permissions: String,
) -> Result<bool> {
    const SQL: &str =
        "UPDATE roles SET name = $1, permissions = $2 WHERE company_id = $3 AND slug = $4";
    let n = exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(name)
            .bind(permissions)
            .bind(company_id)
            .bind(slug)
    )
    .map_err(|e| crate::db::conflict_on_unique(e, "A role with this name already exists."))?;
    Ok(n != 0)
}

/// Memberships plus open (neither accepted nor revoked) invitations that hold the role.
pub async fn count_role_uses(tx: &mut Tx, company_id: Uuid, slug: &str) -> Result<i64> {
    const SQL: &str =
        "SELECT (SELECT COUNT(*) FROM memberships WHERE company_id = $1 AND role = $2) \
                          + (SELECT COUNT(*) FROM invitations WHERE company_id = $1 AND role = $2 \
                             AND accepted_at IS NULL AND revoked_at IS NULL)";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(slug)
        .fetch_one(c)
        .await)?)
}

/// Deletes a custom role; false when the company has no such role.
pub async fn delete_role(tx: &mut Tx, company_id: Uuid, slug: &str) -> Result<bool> {
    const SQL: &str = "DELETE FROM roles WHERE company_id = $1 AND slug = $2";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(company_id).bind(slug))? != 0)
}

// ---- Stores ----

/// The company's stores by name: all of them when `all`, else those granted to `user_id`.
pub async fn visible_stores(
    db: &Db,
    company_id: Uuid,
    user_id: Uuid,
    all: bool,
) -> Result<Vec<Store>> {
    const ALL: &str = "SELECT id, name, platform, created_at FROM stores \
                       WHERE company_id = $1 ORDER BY name";
    const GRANTED: &str = "SELECT s.id, s.name, s.platform, s.created_at FROM stores s \
                           JOIN store_access a ON a.store_id = s.id \
                           WHERE s.company_id = $1 AND a.user_id = $2 ORDER BY s.name";
    let sql = if all { ALL } else { GRANTED };
    Ok(with_db!(db, |pool| sqlx::query_as::<_, Store>(sql)
        .bind(company_id)
        .bind(user_id)
        .fetch_all(pool)
        .await)?)
}

pub async fn insert_store(tx: &mut Tx, company_id: Uuid, store: &Store) -> Result<()> {
    const SQL: &str = "INSERT INTO stores (id, company_id, name, platform, created_at) \
                       VALUES ($1, $2, $3, $4, $5)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(store.id)
            .bind(company_id)
            .bind(&store.name)
            .bind(&store.platform)
            .bind(store.created_at)
    )
    .map_err(|e| crate::db::conflict_on_unique(e, "A store with this name already exists."))?;
    Ok(())
}

/// Deletes a store; false when the company has no such store.
pub async fn delete_store(tx: &mut Tx, company_id: Uuid, store_id: Uuid) -> Result<bool> {
    const SQL: &str = "DELETE FROM stores WHERE id = $1 AND company_id = $2";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(store_id).bind(company_id))? != 0)
}

/// Every (user, store) access grant in the company.
pub async fn store_access(db: &Db, company_id: Uuid) -> Result<Vec<(Uuid, Uuid)>> {
    const SQL: &str = "SELECT user_id, store_id FROM store_access WHERE company_id = $1";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, (Uuid, Uuid)>(SQL)
        .bind(company_id)
        .fetch_all(pool)
        .await)?)
}

/// Whether the store belongs to the company.
pub async fn store_in_company(tx: &mut Tx, company_id: Uuid, store_id: Uuid) -> Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM stores WHERE company_id = $1 AND id = $2";
    let n: i64 = with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(store_id)
        .fetch_one(c)
        .await)?;
    Ok(n != 0)
}

/// Grants a user access to a store; false when they already had it.
pub async fn grant_store_access(
    tx: &mut Tx,
    company_id: Uuid,
    user_id: Uuid,
    store_id: Uuid,
) -> Result<bool> {
    const SQL: &str =
        "INSERT INTO store_access (store_id, user_id, company_id) VALUES ($1, $2, $3) \
                         ON CONFLICT (store_id, user_id) DO NOTHING";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(store_id)
            .bind(user_id)
            .bind(company_id)
    )? != 0)
}

/// Withdraws a user's access to a store; false when they did not have it.
pub async fn withdraw_store_access(
    tx: &mut Tx,
    company_id: Uuid,
    user_id: Uuid,
    store_id: Uuid,
) -> Result<bool> {
    const SQL: &str =
        "DELETE FROM store_access WHERE store_id = $1 AND user_id = $2 AND company_id = $3";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(store_id)
            .bind(user_id)
            .bind(company_id)
    )? != 0)
}

/// Grants a user access to a store when the store belongs to the company (else nothing).
pub async fn grant_store_access_if_owned(
    tx: &mut Tx,
    company_id: Uuid,
    user_id: Uuid,
    store_id: Uuid,
) -> Result<()> {
    const SQL: &str = "INSERT INTO store_access (store_id, user_id, company_id) \
                         SELECT id, $2, company_id FROM stores WHERE id = $1 AND company_id = $3";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(store_id)
            .bind(user_id)
            .bind(company_id)
    )?;
    Ok(())
}

// ---- Invitations ----

/// Whether a member of the company has this email.
pub async fn is_member_email(tx: &mut Tx, company_id: Uuid, email: &str) -> Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
                          WHERE m.company_id = $1 AND u.email = $2";
    let n: i64 = with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(company_id)
        .bind(email)
        .fetch_one(c)
        .await)?;
    Ok(n > 0)
}

/// Revokes (as of `now`) the email's open invitations to the company that have expired.
pub async fn revoke_expired_invitations(
    tx: &mut Tx,
    company_id: Uuid,
    email: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "UPDATE invitations SET revoked_at = $1 WHERE company_id = $2 AND email = $3 \
                          AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= $1";
    exec_tx!(tx, sqlx::query(SQL).bind(now).bind(company_id).bind(email))?;
    Ok(())
}

/// A new invitation; it is sent when it is created.
pub struct NewInvitation<'a> {
    pub id: Uuid,
    pub company_id: Uuid,
    pub email: &'a str,
    pub role: &'a str,
    pub store_ids: &'a [Uuid],
    pub token_hash: &'a str,
    pub invited_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Inserts the invitation; a conflict when one to the same email is already pending.
pub async fn insert_invitation(tx: &mut Tx, new: &NewInvitation<'_>) -> Result<()> {
    const SQL: &str =
        "INSERT INTO invitations (id, company_id, email, role, store_ids, token_hash, \
                              invited_by, created_at, expires_at, sent_at) \
                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(new.id)
            .bind(new.company_id)
            .bind(new.email)
            .bind(new.role)
            .bind(Json(new.store_ids))
            .bind(new.token_hash)
            .bind(new.invited_by)
            .bind(new.created_at)
            .bind(new.expires_at)
    )
    .map_err(|e| {
        crate::db::conflict_on_unique(
            e,
            &format!(
                "An invitation to {} is already pending. Resend or revoke it instead.",
                new.email
            ),
        )
    })?;
    Ok(())
}

/// The company's open (neither accepted nor revoked) invitations, newest first.
pub async fn list_open_invitations(db: &Db, company_id: Uuid) -> Result<Vec<Invitation>> {
    const SQL: &str = "SELECT i.id, i.email, i.role, u.name AS invited_by, i.created_at, i.sent_at, i.expires_at \
                       FROM invitations i LEFT JOIN users u ON u.id = i.invited_by \
                       WHERE i.company_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL \
                       ORDER BY i.created_at DESC";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, Invitation>(SQL)
        .bind(company_id)
        .fetch_all(pool)
        .await)?)
}

/// Gives an open invitation a new token, sent at `now` and expiring at `expires_at`; its
/// (email, role), or `None` when the company has no such open invitation.
pub async fn renew_invitation(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Option<(String, String)>> {
    const SQL: &str = "UPDATE invitations SET token_hash = $1, sent_at = $2, expires_at = $3 \
                       WHERE id = $4 AND company_id = $5 AND accepted_at IS NULL AND revoked_at IS NULL \
                       RETURNING email, role";
    Ok(with_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .bind(id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

/// Revokes an open invitation; its email, or `None` when the company has no such open
/// invitation.
pub async fn revoke_invitation(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    const SQL: &str = "UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND company_id = $3 \
                       AND accepted_at IS NULL AND revoked_at IS NULL RETURNING email";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(now)
        .bind(id)
        .bind(company_id)
        .fetch_optional(c)
        .await)?)
}

/// An invitation found by its link, whatever its state.
#[derive(sqlx::FromRow)]
pub struct Found {
    pub id: Uuid,
    pub company_id: Uuid,
    pub company_name: String,
    pub email: String,
    pub role: String,
    pub custom_role_name: Option<String>,
    pub store_ids: Json<Vec<Uuid>>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub has_account: bool,
}

/// The invitation whose token hashes to `token_hash`, or `None`.
pub async fn find_invitation(db: &Db, token_hash: &str) -> Result<Option<Found>> {
    const SQL: &str = "SELECT i.id, i.company_id, c.name AS company_name, i.email, i.role, \
                              r.name AS custom_role_name, i.store_ids, i.expires_at, i.accepted_at, i.revoked_at, \
                              EXISTS (SELECT 1 FROM users u WHERE u.email = i.email) AS has_account \
                       FROM invitations i JOIN companies c ON c.id = i.company_id \
                       LEFT JOIN roles r ON r.company_id = i.company_id AND r.slug = i.role \
                       WHERE i.token_hash = $1";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, Found>(SQL)
        .bind(token_hash)
        .fetch_optional(pool)
        .await)?)
}

/// Marks the invitation accepted at `now` if it is still open and unexpired; false when it
/// was not (another acceptance won, or it was revoked or expired meanwhile).
pub async fn claim_invitation(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str = "UPDATE invitations SET accepted_at = $1 WHERE id = $2 \
                         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(now).bind(id))? == 1)
}

/// Adds the membership; false when the user is already a member of the company.
pub async fn insert_membership_if_absent(
    tx: &mut Tx,
    company_id: Uuid,
    user_id: Uuid,
    role: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO memberships (company_id, user_id, role, created_at) \
                          VALUES ($1, $2, $3, $4) ON CONFLICT (company_id, user_id) DO NOTHING";
    Ok(exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(company_id)
            .bind(user_id)
            .bind(role)
            .bind(now)
    )? != 0)
}
