//! The roles of a company: the built-in ones and the custom ones its admins compose
//! (Settings → Roles).

use chrono::Utc;
use serde::Serialize;
use uuid::Uuid;

use super::repo;
use crate::access::Principal;
use crate::{
    access::{self, Permission, PermissionSet, CUSTOM_PREFIX},
    audit::{self, Action, Entry, RequestMeta},
    db::Tx,
    error::{Error, Result},
    identity::{clean_text, slugify},
    Db,
};

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Role {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub permissions: PermissionSet,
    pub builtin: bool,
    pub members: i64,
}

/// Every role a member of this company can hold, built-in first, with member counts.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id))]
pub async fn list(db: &Db, p: &Principal) -> Result<Vec<Role>> {
    let (custom, counts) = tokio::try_join!(
        repo::list_custom_roles(db, p.company_id),
        repo::count_members_by_role(db, p.company_id),
    )?;
    let count = |slug: &str| {
        counts
            .iter()
            .find(|c| c.role == slug)
            .map(|c| c.n)
            .unwrap_or(0)
    };
    let mut roles: Vec<Role> = access::BUILTIN_ROLES
        .iter()
        .map(|b| Role {
            slug: b.slug.into(),
            name: b.name.into(),
            description: b.description.into(),
            permissions: PermissionSet::of(b.permissions),
            builtin: true,
            members: count(b.slug),
        })
        .collect();
    roles.extend(custom.into_iter().map(|c| {
        let permissions = PermissionSet::from_keys(&c.permissions);
        Role {
            members: count(&c.slug),
            description: format!(
                "Custom role with {} permissions",
                permissions.iter().count()
            ),
            slug: c.slug,
            name: c.name,
            permissions,
            builtin: false,
        }
    }));
    Ok(roles)
}

/// The permissions of role `slug` in the company, or a field error when there is no such role.
#[tracing::instrument(skip_all, fields(company_id = %company_id))]
pub async fn resolve(tx: &mut Tx, company_id: Uuid, slug: &str) -> Result<PermissionSet> {
    if let Some(b) = access::builtin(slug) {
        return Ok(PermissionSet::of(b.permissions));
    }
    repo::custom_role_permissions(tx, company_id, slug)
        .await?
        .map(|k| PermissionSet::from_keys(&k))
        .ok_or_else(|| Error::validation("role", "Choose one of the company's roles."))
}

/// Only owners hand out or take away the owner role; nobody grants more than they hold.
pub fn check_can_grant(p: &Principal, slug: &str, perms: PermissionSet) -> Result<()> {
    if slug == access::OWNER && !p.is_owner() {
        return Err(Error::validation(
            "role",
            "Only an owner can make someone an owner.",
        ));
    }
    if !p.permissions.covers(perms) {
        return Err(Error::validation(
            "role",
            "You cannot give a role with permissions you do not have yourself.",
        ));
    }
    Ok(())
}

/// A custom role as an admin submits it.
pub struct RoleInput {
    pub name: String,
    pub permissions: Vec<String>,
}

fn parse_input(input: &RoleInput) -> Result<(String, PermissionSet)> {
    let name = clean_text("name", "Role name", &input.name, 2, 60)?;
    let mut perms = Vec::new();
    for key in &input.permissions {
        perms.push(Permission::parse(key).ok_or_else(|| {
            Error::validation("permissions", format!("Unknown permission `{key}`."))
        })?);
    }
    if perms.is_empty() {
        return Err(Error::validation(
            "permissions",
            "Choose at least one permission.",
        ));
    }
    Ok((name, PermissionSet::of(&perms)))
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn create(db: &Db, p: &Principal, meta: &RequestMeta, input: RoleInput) -> Result<Role> {
    p.authorize(Permission::SettingsManage)?;
    let (name, perms) = parse_input(&input)?;
    if access::BUILTIN_ROLES
        .iter()
        .any(|b| b.name.eq_ignore_ascii_case(&name))
    {
        return Err(Error::validation(
            "name",
            "That name belongs to a built-in role; choose another.",
        ));
    }
    check_can_grant(p, "", perms)?;
    let slug = format!("{CUSTOM_PREFIX}{}", slugify(&name));
    let mut tx = db.begin().await?;
    repo::insert_role(
        &mut tx,
        p.company_id,
        &slug,
        &name,
        perms.to_keys(),
        Utc::now(),
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::RoleCreated,
            Some(format!("role:{slug}")),
            serde_json::json!({ "name": name, "permissions": perms.to_keys() }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Role {
        slug,
        name,
        description: String::new(),
        permissions: perms,
        builtin: false,
        members: 0,
    })
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn update(
    db: &Db,
    p: &Principal,
    meta: &RequestMeta,
    slug: &str,
    input: RoleInput,
) -> Result<()> {
    p.authorize(Permission::SettingsManage)?;
    if access::builtin(slug).is_some() {
        return Err(Error::Conflict("Built-in roles cannot be changed.".into()));
    }
    let (name, perms) = parse_input(&input)?;
    check_can_grant(p, "", perms)?;
    let mut tx = db.begin().await?;
    if !repo::update_role(&mut tx, p.company_id, slug, &name, perms.to_keys()).await? {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::RoleUpdated,
            Some(format!("role:{slug}")),
            serde_json::json!({ "name": name, "permissions": perms.to_keys() }),
        ),
    )
    .await?;
    tx.commit().await
}

#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn delete(db: &Db, p: &Principal, meta: &RequestMeta, slug: &str) -> Result<()> {
    p.authorize(Permission::SettingsManage)?;
    if access::builtin(slug).is_some() {
        return Err(Error::Conflict("Built-in roles cannot be deleted.".into()));
    }
    let mut tx = db.begin().await?;
    tx.lock_company(p.company_id).await?;
    let used = repo::count_role_uses(&mut tx, p.company_id, slug).await?;
    if used > 0 {
        return Err(Error::Conflict(format!(
            "{used} member(s) or open invitation(s) still use this role. Give them another role first."
        )));
    }
    if !repo::delete_role(&mut tx, p.company_id, slug).await? {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::RoleDeleted,
            Some(format!("role:{slug}")),
            serde_json::json!({}),
        ),
    )
    .await?;
    tx.commit().await
}
