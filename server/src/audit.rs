//! The audit log: who did what, when, from where. Entries are written inside the same
//! transaction as the change they describe.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

use crate::{db::Tx, error::Result, exec_tx, with_db, Db};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    Login,
    LoginFailed,
    Logout,
    CompanyCreated,
    UserInvited,
    InvitationResent,
    InvitationRevoked,
    InvitationAccepted,
    UserDeleted,
    UserDisabled,
    UserEnabled,
    RoleChanged,
    RoleCreated,
    RoleUpdated,
    RoleDeleted,
    StoreCreated,
    StoreDeleted,
    StoreAccessChanged,
    SettingsChanged,
    SessionRevoked,
    PasswordChanged,
    PasswordResetRequested,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "LOGIN",
            Action::LoginFailed => "LOGIN_FAILED",
            Action::Logout => "LOGOUT",
            Action::CompanyCreated => "COMPANY_CREATED",
            Action::UserInvited => "USER_INVITED",
            Action::InvitationResent => "INVITATION_RESENT",
            Action::InvitationRevoked => "INVITATION_REVOKED",
            Action::InvitationAccepted => "INVITATION_ACCEPTED",
            Action::UserDeleted => "USER_DELETED",
            Action::UserDisabled => "USER_DISABLED",
            Action::UserEnabled => "USER_ENABLED",
            Action::RoleChanged => "ROLE_CHANGED",
            Action::RoleCreated => "ROLE_CREATED",
            Action::RoleUpdated => "ROLE_UPDATED",
            Action::RoleDeleted => "ROLE_DELETED",
            Action::StoreCreated => "STORE_CREATED",
            Action::StoreDeleted => "STORE_DELETED",
            Action::StoreAccessChanged => "STORE_ACCESS_CHANGED",
            Action::SettingsChanged => "SETTINGS_CHANGED",
            Action::SessionRevoked => "SESSION_REVOKED",
            Action::PasswordChanged => "PASSWORD_CHANGED",
            Action::PasswordResetRequested => "PASSWORD_RESET_REQUESTED",
        }
    }
}

/// Where a request came from, for the audit trail.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub struct Entry {
    pub company_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub action: Action,
    pub target: Option<String>,
    pub details: serde_json::Value,
}

const INSERT: &str = "INSERT INTO audit_log (company_id, actor_id, action, target, ip, user_agent, details, created_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Records an entry inside the caller's transaction.
pub async fn record(tx: &mut Tx, meta: &RequestMeta, e: Entry) -> Result<()> {
    let ua = meta
        .user_agent
        .as_deref()
        .map(|s| s.chars().take(400).collect::<String>());
    exec_tx!(
        tx,
        sqlx::query(INSERT)
            .bind(e.company_id)
            .bind(e.actor_id)
            .bind(e.action.as_str())
            .bind(e.target.as_deref())
            .bind(meta.ip.as_deref())
            .bind(ua.as_deref())
            .bind(Json(&e.details))
            .bind(Utc::now())
    )?;
    Ok(())
}

/// Records a single entry that has no other change to share a transaction with
/// (a failed sign-in, a sign-out).
pub async fn record_alone(db: &Db, meta: &RequestMeta, e: Entry) -> Result<()> {
    let mut tx = db.begin().await?;
    record(&mut tx, meta, e).await?;
    tx.commit().await
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub action: String,
    pub actor_name: Option<String>,
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The newest entries of one company.
pub async fn recent(db: &Db, company_id: Uuid, limit: i64) -> Result<Vec<EventRow>> {
    const SQL: &str = "SELECT a.id, a.action, u.name AS actor_name, a.ip, a.created_at \
                       FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
                       WHERE a.company_id = $1 ORDER BY a.created_at DESC, a.id DESC LIMIT $2";
    Ok(with_db!(db, |p| sqlx::query_as::<_, EventRow>(SQL)
        .bind(company_id)
        .bind(limit)
        .fetch_all(p)
        .await)?)
}

/// How many entries (optionally of one action) a company has since `since`.
pub async fn count_since(
    db: &Db,
    company_id: Uuid,
    action: Option<Action>,
    since: DateTime<Utc>,
) -> Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM audit_log \
                       WHERE company_id = $1 AND created_at >= $2 AND ($3 IS NULL OR action = $3)";
    let action = action.map(Action::as_str);
    Ok(with_db!(db, |p| sqlx::query_scalar::<_, i64>(SQL)
        .bind(company_id)
        .bind(since)
        .bind(action)
        .fetch_one(p)
        .await)?)
}

impl Entry {
    /// An entry for something a signed-in member did in their active company.
    pub fn by(
        p: &crate::identity::Principal,
        action: Action,
        target: Option<String>,
        details: serde_json::Value,
    ) -> Self {
        Entry {
            company_id: Some(p.company_id),
            actor_id: Some(p.user_id),
            action,
            target,
            details,
        }
    }
}
