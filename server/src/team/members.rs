//! The members of a company (Settings → Members): list, change role, disable, remove.
//! A company always keeps at least one active owner.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{
    repo::{self, MembershipRow},
    roles,
};
use crate::access::Principal;
use crate::{
    access::{self, Permission},
    audit::{self, Action, Entry, RequestMeta},
    db::Tx,
    error::{Error, Result},
    sessions::{Ending, Sessions},
    Db,
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
    repo::list_members(db, p.company_id).await
}

/// The target's membership in the principal's company, inside the transaction.
async fn membership(tx: &mut Tx, company_id: Uuid, user_id: Uuid) -> Result<MembershipRow> {
    repo::find_membership(tx, company_id, user_id)
        .await?
        .ok_or(Error::NotFound)
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
    if current_role == access::OWNER
        && repo::count_other_active_owners(tx, p.company_id, target).await? == 0
    {
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
    repo::set_role(&mut tx, p.company_id, target, role).await?;
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
    repo::set_membership_disabled(&mut tx, p.company_id, target, disable.then(Utc::now)).await?;
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
    repo::delete_store_access_of(&mut tx, p.company_id, target).await?;
    repo::delete_membership(&mut tx, p.company_id, target).await?;
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
