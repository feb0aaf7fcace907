//! The members of a company (Settings → Members): list, change role, disable, remove.
//! A company always keeps at least one active owner.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::roles;
use crate::access::Principal;
use crate::{
    access::{self, Permission},
    audit::{self, Action, Entry, RequestMeta},
    db::Tx,
    error::{Error, Result},
    exec_tx,
    sessions::{Ending, Sessions},
    with_db, with_tx, Db,
};

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Member {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: String,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub joined_at: DateTime<Utc>,
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn list(db: &Db, p: &Principal) -> Result<Vec<Member>> {
    p.authorize(Permission::MembersManage)?;
    const SQL: &str = "SELECT u.id AS user_id, u.name, u.email, m.role, \
                              COALESCE(m.disabled_at, u.disabled_at) AS disabled_at, \
                              u.last_login_at, m.created_at AS joined_at \
                       FROM memberships m JOIN users u ON u.id = m.user_id \
                       WHERE m.company_id = $1 ORDER BY u.name, u.email";
    Ok(with_db!(db, |pool| sqlx::query_as::<_, Member>(SQL)
        .bind(p.company_id)
        .fetch_all(pool)
        .await)?)
}

#[derive(sqlx::FromRow)]
struct MembershipRow {
    role: String,
    disabled_at: Option<DateTime<Utc>>,
}

/// The target's membership in the principal's company, inside the transaction.
async fn membership(tx: &mut Tx, company_id: Uuid, user_id: Uuid) -> Result<MembershipRow> {
    const SQL: &str =
        "SELECT role, disabled_at FROM memberships WHERE company_id = $1 AND user_id = $2";
    with_tx!(tx, |c| sqlx::query_as::<_, MembershipRow>(SQL)
        .bind(company_id)
        .bind(user_id)
        .fetch_optional(c)
        .await)?
    .ok_or(Error::NotFound)
}

/// Active owners other than `user_id`.
async fn other_active_owners(tx: &mut Tx, company_id: Uuid, user_id: Uuid) -> Result<i64> {
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

/// Whether `p` may change, disable, enable or remove the member whose role is `current_role`:
/// only when `p` holds every permission that member has (so a custom role with only
/// members.manage cannot touch an admin), and owners only by owners. Refused with 403.
pub(crate) async fn guard_target(tx: &mut Tx, p: &Principal, current_role: &str) -> Result<()> {
    if current_role == access::OWNER && !p.is_owner() {
        return Err(Error::Forbidden);
    }
    let theirs = roles::resolve(tx, p.company_id, current_role).await?;
    if !p.permissions.covers(theirs) {
        tracing::info!(
            role = current_role,
            "member action refused: the target's role grants more"
        );
        return Err(Error::Forbidden);
    }
    Ok(())
}

/// Taking away the last active owner is refused.
async fn guard_last_owner(
    tx: &mut Tx,
    p: &Principal,
    target: Uuid,
    current_role: &str,
) -> Result<()> {
    if current_role == access::OWNER && other_active_owners(tx, p.company_id, target).await? == 0 {
        return Err(Error::Conflict(
            "This is the company's last owner. Make someone else an owner first.".into(),
        ));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn change_role(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    target: Uuid,
    role: &str,
) -> Result<()> {
    p.authorize(Permission::MembersManage)?;
    let mut tx = db.begin().await?;
    tx.lock_company(p.company_id).await?;
    let current = membership(&mut tx, p.company_id, target).await?;
    guard_target(&mut tx, p, &current.role).await?;
    let perms = roles::resolve(&mut tx, p.company_id, role).await?;
    roles::check_can_grant(p, role, perms)?;
    if current.role == role {
        return Ok(());
    }
    guard_last_owner(&mut tx, p, target, &current.role).await?;
    const SQL: &str = "UPDATE memberships SET role = $1 WHERE company_id = $2 AND user_id = $3";
    exec_tx!(
        &mut tx,
        sqlx::query(SQL).bind(role).bind(p.company_id).bind(target)
    )?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::RoleChanged,
            Some(format!("user:{target}")),
            serde_json::json!({ "from": current.role, "to": role }),
        ),
    )
    .await?;
    tx.commit().await
}

/// Disabling ends the member's sessions in this company at once; enabling lets them sign in.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn set_disabled(
    db: &Db,
    sessions: &Sessions,
    p: &Principal,
    meta: &RequestMeta,
    target: Uuid,
    disable: bool,
) -> Result<()> {
    p.authorize(Permission::MembersManage)?;
    if disable && target == p.user_id {
        return Err(Error::Conflict("You cannot disable yourself.".into()));
    }
    let mut tx = db.begin().await?;
    tx.lock_company(p.company_id).await?;
    let current = membership(&mut tx, p.company_id, target).await?;
    if current.disabled_at.is_some() == disable {
        return Ok(());
    }
    guard_target(&mut tx, p, &current.role).await?;
    if disable {
        guard_last_owner(&mut tx, p, target, &current.role).await?;
    }
    const SQL: &str =
        "UPDATE memberships SET disabled_at = $1 WHERE company_id = $2 AND user_id = $3";
    exec_tx!(
        &mut tx,
        sqlx::query(SQL)
            .bind(disable.then(Utc::now))
            .bind(p.company_id)
            .bind(target)
    )?;
    let ended = if disable {
        sessions
            .end(
                &mut tx,
                Ending::InCompany {
                    company: p.company_id,
                    user: target,
                },
            )
            .await?
    } else {
        0
    };
    let action = if disable {
        Action::UserDisabled
    } else {
        Action::UserEnabled
    };
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            action,
            Some(format!("user:{target}")),
            serde_json::json!({ "sessions_ended": ended }),
        ),
    )
    .await?;
    tx.commit().await
}

/// Removes the member from this company (their account and other companies stay).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn remove(
    db: &Db,
    sessions: &Sessions,
    p: &Principal,
    meta: &RequestMeta,
    target: Uuid,
) -> Result<()> {
    p.authorize(Permission::MembersManage)?;
    if target == p.user_id {
        return Err(Error::Conflict(
            "You cannot remove yourself. Ask another admin.".into(),
        ));
    }
    let mut tx = db.begin().await?;
    tx.lock_company(p.company_id).await?;
    let current = membership(&mut tx, p.company_id, target).await?;
    guard_target(&mut tx, p, &current.role).await?;
    guard_last_owner(&mut tx, p, target, &current.role).await?;
    const ACCESS: &str = "DELETE FROM store_access WHERE company_id = $1 AND user_id = $2";
    exec_tx!(&mut tx, sqlx::query(ACCESS).bind(p.company_id).bind(target))?;
    const SQL: &str = "DELETE FROM memberships WHERE company_id = $1 AND user_id = $2";
    exec_tx!(&mut tx, sqlx::query(SQL).bind(p.company_id).bind(target))?;
    let ended = sessions
        .end(
            &mut tx,
            Ending::InCompany {
                company: p.company_id,
                user: target,
            },
        )
        .await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::UserDeleted,
            Some(format!("user:{target}")),
            serde_json::json!({ "role": current.role, "sessions_ended": ended }),
        ),
    )
    .await?;
    tx.commit().await
}
