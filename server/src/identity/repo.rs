//! SQL for identity. Written once, run on either backend.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{tokens::Link, Principal};
use crate::{
    access::{self, PermissionSet, RollupVersions},
    db::Tx,
    error::Result,
    exec, exec_tx, with_db, with_tx, Db,
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
                r.name AS custom_name, r.permissions AS custom_permissions, \
                c.token_balance AS balance, \
                COALESCE(v.sales, 0) AS sales_version, COALESCE(v.ads, 0) AS ads_version, \
                COALESCE(v.company, 0) AS company_version, \
                (SELECT COUNT(*) FROM memberships m2 JOIN companies c2 ON c2.id = m2.company_id \
                  WHERE m2.user_id = u.id AND m2.disabled_at IS NULL AND c2.disabled_at IS NULL) AS companies \
         FROM users u \
         JOIN memberships m ON m.user_id = u.id \
         JOIN companies c ON c.id = m.company_id \
         LEFT JOIN roles r ON r.company_id = m.company_id AND r.slug = m.role \
         LEFT JOIN rollup_versions v ON v.company_id = c.id \
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
    balance: i64,
    companies: i64,
    sales_version: i64,
    ads_version: i64,
    company_version: i64,
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
            balance: r.balance,
            companies: r.companies,
            rollups: RollupVersions {
                sales: r.sales_version,
                ads: r.ads_version,
                company: r.company_version,
            },
            all_stores: None,
        }
    }
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

// ---- Passwords and reset links ----

pub async fn set_password_hash(tx: &mut Tx, user_id: Uuid, hash: &str) -> Result<()> {
    const SQL: &str = "UPDATE users SET password_hash = $1 WHERE id = $2";
    exec_tx!(tx, sqlx::query(SQL).bind(hash).bind(user_id))?;
    Ok(())
}

/// Claims the right to mail a reset link: false when one was mailed after `since`.
pub async fn claim_reset_mail(
    tx: &mut Tx,
    user_id: Uuid,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE users SET reset_mailed_at = $1 \
                       WHERE id = $2 AND (reset_mailed_at IS NULL OR reset_mailed_at <= $3)";
    let claimed = exec_tx!(tx, sqlx::query(SQL).bind(now).bind(user_id).bind(since))?;
    Ok(claimed != 0)
}

/// (expires_at, used_at) of a reset link by its hash; `None` when there is no such link.
pub async fn reset_link_state(
    db: &Db,
    token_hash: &str,
) -> Result<Option<(DateTime<Utc>, Option<DateTime<Utc>>)>> {
    const SQL: &str = "SELECT expires_at, used_at FROM password_resets WHERE token_hash = $1";
    Ok(with_db!(db, |pool| sqlx::query_as(SQL)
        .bind(token_hash)
        .fetch_optional(pool)
        .await)?)
}

/// Marks every unused reset link of the account as used.
pub async fn spend_reset_links(tx: &mut Tx, user_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    const SQL: &str =
        "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL";
    exec_tx!(tx, sqlx::query(SQL).bind(now).bind(user_id))?;
    Ok(())
}

// ---- Single-use links (password resets, email proofs) ----

/// Forgets single-use links (reset and address confirmation) that expired before `before`,
/// used or not; answers how many rows went.
pub async fn prune_links(db: &Db, before: DateTime<Utc>) -> Result<u64> {
    const RESET: &str = "DELETE FROM password_resets WHERE expires_at < $1";
    const PROOF: &str = "DELETE FROM email_verifications WHERE expires_at < $1";
    let resets = crate::exec!(db, sqlx::query(RESET).bind(before))?;
    let proofs = crate::exec!(db, sqlx::query(PROOF).bind(before))?;
    Ok(resets + proofs)
}

/// Stores a link's hash in the table of its kind.
pub async fn insert_link_token(
    tx: &mut Tx,
    link: Link,
    token_hash: &str,
    user_id: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    const RESET: &str =
        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4)";
    const PROOF: &str =
        "INSERT INTO email_verifications (token_hash, user_id, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4)";
    let sql = match link {
        Link::PasswordReset => RESET,
        Link::EmailProof => PROOF,
    };
    exec_tx!(
        tx,
        sqlx::query(sql)
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
    )?;
    Ok(())
}

/// Marks a link used: the account it names, or `None` when it is unknown, spent or expired.
pub async fn claim_link_token(
    tx: &mut Tx,
    link: Link,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>> {
    const RESET: &str = "UPDATE password_resets SET used_at = $1 \
                         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id";
    const PROOF: &str = "UPDATE email_verifications SET used_at = $1 \
                         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id";
    let sql = match link {
        Link::PasswordReset => RESET,
        Link::EmailProof => PROOF,
    };
    Ok(with_tx!(tx, |c| sqlx::query_scalar(sql)
        .bind(now)
        .bind(token_hash)
        .fetch_optional(c)
        .await)?)
}

// ---- Proof of the mailbox ----

/// When the account proved its mailbox; `None` when not yet or when there is no such account.
pub async fn email_verified_at(db: &Db, user_id: Uuid) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str = "SELECT email_verified_at FROM users WHERE id = $1";
    let at: Option<Option<DateTime<Utc>>> = with_db!(db, |c| sqlx::query_scalar(SQL)
        .bind(user_id)
        .fetch_optional(c)
        .await)?;
    Ok(at.flatten())
}

/// Claims the right to mail a proof link to an unproven, enabled account not mailed one after
/// `since`: its email, or `None`.
pub async fn claim_proof_mail(
    tx: &mut Tx,
    user_id: Uuid,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Result<Option<String>> {
    const SQL: &str = "UPDATE users SET email_proof_sent_at = $1 \
                       WHERE id = $2 AND email_verified_at IS NULL AND disabled_at IS NULL \
                       AND (email_proof_sent_at IS NULL OR email_proof_sent_at <= $3) \
                       RETURNING email";
    Ok(with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(now)
        .bind(user_id)
        .bind(since)
        .fetch_optional(c)
        .await)?)
}

/// Whether a proof link with this hash was ever issued (used, expired or not).
pub async fn proof_link_known(tx: &mut Tx, token_hash: &str) -> Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM email_verifications WHERE token_hash = $1";
    let known: i64 = with_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(token_hash)
        .fetch_one(c)
        .await)?;
    Ok(known > 0)
}

/// Sets the proof time once; true when it was not set before.
pub async fn mark_email_proven(tx: &mut Tx, user_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str =
        "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(now).bind(user_id))? == 1)
}

/// (email_verified_at, two-factor on, totp_enabled_at) of an account; fails when it is missing.
pub async fn proof_state(
    tx: &mut Tx,
    user_id: Uuid,
) -> Result<(Option<DateTime<Utc>>, bool, Option<DateTime<Utc>>)> {
    const SQL: &str = "SELECT email_verified_at, totp_secret IS NOT NULL, totp_enabled_at \
                       FROM users WHERE id = $1";
    Ok(with_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(user_id)
        .fetch_one(c)
        .await)?)
}

// ---- Linked identities (Google) ----

/// The user linked to an identity.
pub async fn identity_user(db: &Db, issuer: &str, subject: &str) -> Result<Option<Uuid>> {
    const SQL: &str = "SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2";
    Ok(with_db!(db, |p| sqlx::query_scalar::<_, Uuid>(SQL)
        .bind(issuer)
        .bind(subject)
        .fetch_optional(p)
        .await)?)
}

/// The email of the user's identity at `issuer`, if one is linked.
pub async fn identity_email(db: &Db, user_id: Uuid, issuer: &str) -> Result<Option<String>> {
    const SQL: &str = "SELECT email FROM user_identities WHERE user_id = $1 AND issuer = $2";
    Ok(with_db!(db, |p| sqlx::query_scalar::<_, String>(SQL)
        .bind(user_id)
        .bind(issuer)
        .fetch_optional(p)
        .await)?)
}

/// (issuer, created_at) of every identity linked to the user.
pub async fn identity_links(tx: &mut Tx, user_id: Uuid) -> Result<Vec<(String, DateTime<Utc>)>> {
    const SQL: &str = "SELECT issuer, created_at FROM user_identities WHERE user_id = $1";
    Ok(with_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(user_id)
        .fetch_all(c)
        .await)?)
}

/// Links an identity (created and last used `now`); a conflict when the identity or the user's
/// link at that issuer already exists.
pub async fn insert_identity(
    tx: &mut Tx,
    issuer: &str,
    subject: &str,
    user_id: Uuid,
    email: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "INSERT INTO user_identities (issuer, subject, user_id, email, created_at, last_used_at) \
                       VALUES ($1, $2, $3, $4, $5, $5)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(issuer)
            .bind(subject)
            .bind(user_id)
            .bind(email)
            .bind(now)
    )
    .map_err(|e| {
        crate::db::conflict_on_unique(
            e,
            "This Google account is already linked to a Switchyard account, or yours already has a Google account linked.",
        )
    })?;
    Ok(())
}

/// Records a sign-in with an identity, with the email the provider gave this time.
pub async fn touch_identity(
    db: &Db,
    issuer: &str,
    subject: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "UPDATE user_identities SET email = $1, last_used_at = $2 WHERE issuer = $3 AND subject = $4";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(email)
            .bind(now)
            .bind(issuer)
            .bind(subject)
    )?;
    Ok(())
}

/// Unlinks the user's identity at `issuer`; false when none was linked.
pub async fn delete_identity(tx: &mut Tx, user_id: Uuid, issuer: &str) -> Result<bool> {
    const SQL: &str = "DELETE FROM user_identities WHERE user_id = $1 AND issuer = $2";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(user_id).bind(issuer))? != 0)
}

// ---- Two-factor sign-in ----

#[derive(sqlx::FromRow)]
pub struct TotpRow {
    /// Sealed; set once enrolment is confirmed.
    pub totp_secret: Option<String>,
    /// Sealed; an enrolment started but not confirmed.
    pub totp_pending: Option<String>,
    pub totp_last_step: Option<i64>,
}

/// The account's two-factor state; `None` when there is no such account.
pub async fn totp_row(db: &Db, user_id: Uuid) -> Result<Option<TotpRow>> {
    const SQL: &str = "SELECT totp_secret, totp_pending, totp_last_step FROM users WHERE id = $1";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, TotpRow>(SQL)
        .bind(user_id)
        .fetch_optional(pool)
        .await)?)
}

pub async fn set_totp_pending(db: &Db, user_id: Uuid, sealed: &str) -> Result<()> {
    const SQL: &str = "UPDATE users SET totp_pending = $1 WHERE id = $2";
    exec!(db, sqlx::query(SQL).bind(sealed).bind(user_id))?;
    Ok(())
}

/// Makes the pending secret the active one, if it is still `sealed`; false when it changed.
pub async fn enable_totp(
    tx: &mut Tx,
    user_id: Uuid,
    sealed: &str,
    step: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str =
        "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $1, \
                          totp_enabled_at = $4 \
                       WHERE id = $2 AND totp_pending = $3";
    let n = exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(step)
            .bind(user_id)
            .bind(sealed)
            .bind(now)
    )?;
    Ok(n == 1)
}

/// Removes the secret, any pending enrolment and the last accepted step.
pub async fn disable_totp(tx: &mut Tx, user_id: Uuid) -> Result<()> {
    const SQL: &str =
        "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL, \
                       totp_enabled_at = NULL WHERE id = $1";
    exec_tx!(tx, sqlx::query(SQL).bind(user_id))?;
    Ok(())
}

pub async fn delete_recovery_codes(tx: &mut Tx, user_id: Uuid) -> Result<()> {
    const SQL: &str = "DELETE FROM recovery_codes WHERE user_id = $1";
    exec_tx!(tx, sqlx::query(SQL).bind(user_id))?;
    Ok(())
}

pub async fn insert_recovery_code(tx: &mut Tx, user_id: Uuid, code_hash: &str) -> Result<()> {
    const SQL: &str = "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)";
    exec_tx!(tx, sqlx::query(SQL).bind(user_id).bind(code_hash))?;
    Ok(())
}

/// Records `step` as the last accepted one; false when it is not later than the stored one.
pub async fn claim_totp_step(db: &Db, user_id: Uuid, step: i64) -> Result<bool> {
    const SQL: &str = "UPDATE users SET totp_last_step = $1 WHERE id = $2 \
                       AND (totp_last_step IS NULL OR totp_last_step < $1)";
    Ok(exec!(db, sqlx::query(SQL).bind(step).bind(user_id))? == 1)
}

/// Spends an unused recovery code; false when the user has no such unused code.
pub async fn spend_recovery_code(
    db: &Db,
    user_id: Uuid,
    code_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE recovery_codes SET used_at = $1 \
                       WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL";
    let spent = exec!(db, sqlx::query(SQL).bind(now).bind(user_id).bind(code_hash))?;
    Ok(spent == 1)
}

/// Until when the sign-in code step is locked; `None` when not locked or no such account.
pub async fn totp_locked_until(db: &Db, user_id: Uuid) -> Result<Option<DateTime<Utc>>> {
    const SQL: &str = "SELECT totp_locked_until FROM users WHERE id = $1";
    let until: Option<Option<DateTime<Utc>>> = with_db!(db, |pool| sqlx::query_scalar(SQL)
        .bind(user_id)
        .fetch_optional(pool)
        .await)?;
    Ok(until.flatten())
}

/// Counts one more wrong code; answers the failures in a row and the account's email.
pub async fn bump_totp_failures(tx: &mut Tx, user_id: Uuid) -> Result<(i32, String)> {
    const SQL: &str =
        "UPDATE users SET totp_failures = totp_failures + 1 WHERE id = $1 RETURNING totp_failures, email";
    Ok(with_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(user_id)
        .fetch_one(c)
        .await)?)
}

pub async fn lock_totp_until(tx: &mut Tx, user_id: Uuid, until: DateTime<Utc>) -> Result<()> {
    const SQL: &str = "UPDATE users SET totp_locked_until = $1 WHERE id = $2";
    exec_tx!(tx, sqlx::query(SQL).bind(until).bind(user_id))?;
    Ok(())
}

/// Resets the run of wrong codes and any lock.
pub async fn clear_totp_failures(db: &Db, user_id: Uuid) -> Result<()> {
    const SQL: &str = "UPDATE users SET totp_failures = 0, totp_locked_until = NULL \
                       WHERE id = $1 AND (totp_failures > 0 OR totp_locked_until IS NOT NULL)";
    exec!(db, sqlx::query(SQL).bind(user_id))?;
    Ok(())
}

pub async fn count_unused_recovery_codes(db: &Db, user_id: Uuid) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL";
    Ok(with_db!(db, |pool| sqlx::query_scalar(SQL)
        .bind(user_id)
        .fetch_one(pool)
        .await)?)
}
