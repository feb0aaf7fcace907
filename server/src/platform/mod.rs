//! The platform super-admin (/admin): every company on this installation; create one with its
//! owner's invitation, disable or enable one, delete one after re-entering the password.

pub mod backups;
pub mod cron;
pub mod jobs;
mod repo;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Serialize;
use uuid::Uuid;

use crate::access::Principal;
use crate::{
    access::{self, PermissionSet},
    audit::{self, Action, Entry, RequestMeta},
    error::{Error, Result},
    identity::{self, clean_text, password, slugify},
    sessions::{Ending, Sessions},
    storage::Storage,
    team::invitations::{self, InviteInput, Sent},
    Db,
};

/// The platform operator's pages.
pub const PAGES: &[crate::http::middleware::PageRule] = {
    use crate::http::middleware::{PageNeeds, PageRule};
    &[
        PageRule::new("/admin", PageNeeds::SuperAdmin),
        PageRule::new("/admin/*", PageNeeds::SuperAdmin),
    ]
};

fn require(p: &Principal) -> Result<()> {
    if p.is_super_admin {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CompanyRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub members: i64,
    /// Owners' emails, comma separated (or a pending owner invitation's email).
    pub owners: Option<String>,
    pub pending_owner: Option<String>,
}

/// Every company, by name.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn companies(db: &Db, p: &Principal) -> Result<Vec<CompanyRow>> {
    require(p)?;
    repo::list_companies(db).await
}

pub struct NewCompany {
    pub name: String,
    pub owner_email: String,
    pub timezone: String,
}

/// Creates a company and invites its owner, in one transaction; answers the invitation (its
/// link is shown once to the super-admin, and the message waits in the outbox or is mailed).
#[tracing::instrument(skip_all, fields(user_id = %p.user_id), err(level = "info"))]
pub async fn create_company(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    base: &url::Url,
    ttl_days: i64,
    input: NewCompany,
) -> Result<Sent> {
    require(p)?;
    let name = clean_text("name", "Company name", &input.name, 2, 100)?;
    crate::email::Email::parse(&input.owner_email).map_err(|_| {
        Error::validation(
            "owner_email",
            "Enter the owner's email address, such as name@example.com.",
        )
    })?;
    let timezone = match input.timezone.trim() {
        "" => "UTC".to_string(),
        tz if tz.parse::<chrono_tz::Tz>().is_ok() => tz.to_string(),
        _ => {
            return Err(Error::validation(
                "timezone",
                "Choose a time zone from the list.",
            ))
        }
    };
    let (id, now) = (Uuid::now_v7(), Utc::now());
    let mut tx = db.begin().await?;
    identity::insert_company(&mut tx, id, &name, &slugify(&name), &timezone, now).await?;
    audit::record(
        &mut tx,
        meta,
        Entry {
            company_id: Some(id),
            actor_id: Some(p.user_id),
            action: Action::CompanyCreated,
            target: Some(format!("company:{id}")),
            details: serde_json::json!({ "name": name, "owner": input.owner_email.trim().to_lowercase(), "by": "super_admin" }),
        },
    )
    .await?;
    // The super-admin invites as if an owner of the new company (they do not become a member).
    let inviter = Principal {
        company_id: id,
        company_name: name.clone(),
        timezone,
        role: access::OWNER.into(),
        role_name: "Owner".into(),
        permissions: PermissionSet::all(),
        ..p.clone()
    };
    let sent = invitations::invite_in(
        &mut tx,
        &inviter,
        meta,
        base,
        ttl_days,
        InviteInput {
            email: input.owner_email,
            role: access::OWNER.into(),
            store_ids: vec![],
        },
        "Owner",
    )
    .await
    .map_err(|e| match e {
        Error::Validation { message, .. } => Error::validation("owner_email", message),
        other => other,
    })?;
    tx.commit().await?;
    Ok(sent)
}

/// Disables (nobody can work in it; its sessions end) or enables a company.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, target_company_id = %company_id))]
pub async fn set_disabled(
    db: &Db,
    sessions: &Sessions,
    p: &Principal,
    meta: &RequestMeta,
    company_id: Uuid,
    disabled: bool,
) -> Result<()> {
    require(p)?;
    if disabled && company_id == p.company_id {
        return Err(Error::Conflict(
            "You are working in this company. Switch to another one before disabling it.".into(),
        ));
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let name = repo::company_name(&mut tx, company_id).await?;
    repo::set_disabled_at(&mut tx, company_id, disabled.then_some(now)).await?;
    if disabled {
        sessions
            .end(
                &mut tx,
                Ending::Company {
                    company: company_id,
                },
            )
            .await?;
    }
    audit::record(
        &mut tx,
        meta,
        Entry {
            company_id: Some(company_id),
            actor_id: Some(p.user_id),
            action: if disabled {
                Action::CompanyDisabled
            } else {
                Action::CompanyEnabled
            },
            target: Some(format!("company:{company_id}")),
            details: serde_json::json!({ "name": name }),
        },
    )
    .await?;
    tx.commit().await
}

/// Deletes a company and everything in it, after the super-admin re-enters their password.
/// COMPANY_DELETED is kept in the super-admin's own company's log (the company's log goes
/// with it).
#[tracing::instrument(skip_all, fields(user_id = %p.user_id), err(level = "info"))]
pub async fn delete_company(
    db: &Db,
    sessions: &Sessions,
    storage: &Storage,
    p: &Principal,
    meta: &RequestMeta,
    company_id: Uuid,
    current_password: &str,
) -> Result<()> {
    require(p)?;
    let account = identity::find_account_by_id(db, p.user_id)
        .await?
        .ok_or(Error::Unauthorized)?;
    let ok = password::verify(
        SecretString::from(current_password.to_string()),
        account.password_hash,
    )
    .await?;
    if !ok {
        return Err(Error::validation(
            "current_password",
            "That is not your password. Nothing was deleted.",
        ));
    }
    if company_id == p.company_id {
        return Err(Error::Conflict(
            "You are working in this company. Switch to another one before deleting it.".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let name = repo::company_name(&mut tx, company_id).await?;
    let members = repo::count_members(&mut tx, company_id).await?;
    sessions
        .end(
            &mut tx,
            Ending::Company {
                company: company_id,
            },
        )
        .await?;
    repo::delete_company(&mut tx, company_id).await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::CompanyDeleted,
            Some(format!("company:{company_id}")),
            serde_json::json!({ "name": name, "members": members }),
        ),
    )
    .await?;
    tx.commit().await?;
    // Its files go too: the analyses' uploads and page images, and the logo. A failure leaves
    // orphans only (the rows are gone), so it is logged for the operator, not shown.
    for prefix in [
        format!("analyses/{company_id}/"),
        format!("companies/{company_id}/"),
    ] {
        if let Err(e) = storage.delete_prefix(&prefix).await {
            tracing::error!(error = %e, %prefix, "could not delete a deleted company's files");
        }
    }
    Ok(())
}
