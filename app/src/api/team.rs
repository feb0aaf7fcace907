//! Server functions of Settings → Members, Stores, Roles and Outbox, and the company switcher.
//! Each starts with `ssr::authorize(..)`; the service checks again.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;
#[cfg(feature = "ssr")]
use server::access::Permission;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberRow {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub role_name: String,
    pub disabled: bool,
    pub last_login: Option<String>,
    pub is_you: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleOption {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub builtin: bool,
    pub members: i64,
    pub permissions: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreRow {
    pub id: String,
    pub name: String,
    pub platform: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub role_name: String,
    pub invited_by: Option<String>,
    pub sent: String,
    pub expires: String,
    pub expired: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamPage {
    pub members: Vec<MemberRow>,
    pub roles: Vec<RoleOption>,
    pub stores: Vec<StoreRow>,
    pub invitations: Vec<InvitationRow>,
    pub you_are_owner: bool,
}

/// A link that was just made, shown once so the admin can copy it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SentLink {
    pub email: String,
    pub link: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoresPage {
    pub stores: Vec<StoreRow>,
    pub platforms: Vec<(String, String)>,
    /// Members who see only granted stores (the rows of the access matrix).
    pub limited_members: Vec<MemberRow>,
    /// (user id, store id) pairs that are granted.
    pub grants: Vec<(String, String)>,
    pub can_manage_access: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RolesPage {
    pub roles: Vec<RoleOption>,
    /// (key, description) of every permission.
    pub permissions: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created: String,
    pub delivered: bool,
    /// Shown when not delivered: why ("no SMTP configured", the last error, "sending").
    pub pending: String,
}

#[cfg(feature = "ssr")]
fn local(dt: chrono::DateTime<chrono::Utc>, tz: &str) -> String {
    let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    dt.with_timezone(&tz).format("%b %-d, %Y %H:%M").to_string()
}

#[cfg(feature = "ssr")]
fn role_options(roles: Vec<server::roles::Role>) -> Vec<RoleOption> {
    roles
        .into_iter()
        .map(|r| RoleOption {
            permissions: r.permissions.iter().map(|p| p.key().to_string()).collect(),
            slug: r.slug,
            name: r.name,
            description: r.description,
            builtin: r.builtin,
            members: r.members,
        })
        .collect()
}

#[cfg(feature = "ssr")]
fn store_rows(stores: Vec<server::stores::Store>) -> Vec<StoreRow> {
    stores
        .into_iter()
        .map(|s| StoreRow {
            id: s.id.to_string(),
            name: s.name,
            platform: s.platform,
        })
        .collect()
}

#[cfg(feature = "ssr")]
fn member_rows(
    p: &server::access::Principal,
    members: Vec<server::members::Member>,
    roles: &[RoleOption],
) -> Vec<MemberRow> {
    members
        .into_iter()
        .map(|m| MemberRow {
            user_id: m.user_id.to_string(),
            role_name: roles
                .iter()
                .find(|r| r.slug == m.role)
                .map(|r| r.name.clone())
                .unwrap_or_else(|| m.role.clone()),
            is_you: m.user_id == p.user_id,
            name: m.name,
            email: m.email,
            role: m.role,
            disabled: m.disabled_at.is_some(),
            last_login: m.last_login_at.map(|d| local(d, &p.timezone)),
        })
        .collect()
}

#[server(endpoint = "team")]
pub async fn get_team() -> Result<TeamPage, AppError> {
    let p = ssr::authorize(Permission::MembersManage)?;
    let db = &ssr::state()?.db;
    let (members, roles, stores, invitations) = tokio::try_join!(
        server::members::list(db, &p),
        server::roles::list(db, &p),
        server::stores::visible(db, &p),
        server::invitations::list_open(db, &p),
    )
    .map_err(ssr::fail)?;
    let roles = role_options(roles);
    let now = chrono::Utc::now();
    Ok(TeamPage {
        members: member_rows(&p, members, &roles),
        invitations: invitations
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id.to_string(),
                email: i.email,
                role_name: roles
                    .iter()
                    .find(|r| r.slug == i.role)
                    .map(|r| r.name.clone())
                    .unwrap_or(i.role),
                invited_by: i.invited_by,
                sent: local(i.sent_at, &p.timezone),
                expires: local(i.expires_at, &p.timezone),
                expired: i.expires_at <= now,
            })
            .collect(),
        stores: store_rows(stores),
        roles,
        you_are_owner: p.is_owner(),
    })
}

#[server(endpoint = "invite_member")]
pub async fn invite_member(
    email: String,
    role: String,
    #[server(default)] store_ids: Vec<String>,
) -> Result<SentLink, AppError> {
    let p = ssr::authorize(Permission::MembersManage)?;
    let state = ssr::state()?;
    let store_ids = store_ids
        .iter()
        .map(|s| {
            s.parse().map_err(|_| {
                ssr::fail(server::Error::validation(
                    "stores",
                    "One of the chosen stores does not exist.",
                ))
            })
        })
        .collect::<Result<Vec<uuid::Uuid>, _>>()?;
    let sent = server::invitations::invite(
        &state.db,
        &p,
        &ssr::meta(),
        &state.config.public_url,
        state.config.invitation_ttl_days,
        server::invitations::InviteInput {
            email,
            role,
            store_ids,
        },
    )
    .await
    .map_err(ssr::fail)?;
    Ok(SentLink {
        email: sent.email,
        link: sent.link,
    })
}

#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(id: String) -> Result<SentLink, AppError> {
    let p = ssr::authorize(Permission::MembersManage)?;
    let state = ssr::state()?;
    let sent = server::invitations::resend(
        &state.db,
        &p,
        &ssr::meta(),
        &state.config.public_url,
        state.config.invitation_ttl_days,
        ssr::parse_id(&id)?,
    )
    .await
    .map_err(ssr::fail)?;
    Ok(SentLink {
        email: sent.email,
        link: sent.link,
    })
}

#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(id: String) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::MembersManage)?;
    server::invitations::revoke(&ssr::state()?.db, &p, &ssr::meta(), ssr::parse_id(&id)?)
        .await
        .map_err(ssr::fail)
}

#[server(endpoint = "change_member_role")]
pub async fn change_member_role(user_id: String, role: String) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::MembersManage)?;
    server::members::change_role(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        ssr::parse_id(&user_id)?,
        &role,
    )
    .await
    .map_err(ssr::fail)
}

#[server(endpoint = "set_member_disabled")]
pub async fn set_member_disabled(user_id: String, disabled: bool) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::MembersManage)?;
    let state = ssr::state()?;
    server::members::set_disabled(
        &state.db,
        &state.sessions,
        &p,
        &ssr::meta(),
        ssr::parse_id(&user_id)?,
        disabled,
    )
    .await
    .map_err(ssr::fail)
}

#[server(endpoint = "remove_member")]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::MembersManage)?;
    let state = ssr::state()?;
    server::members::remove(
        &state.db,
        &state.sessions,
        &p,
        &ssr::meta(),
        ssr::parse_id(&user_id)?,
    )
    .await
    .map_err(ssr::fail)
}

#[server(endpoint = "stores_page")]
pub async fn get_stores_page() -> Result<StoresPage, AppError> {
    let p = ssr::authorize(Permission::StoresManage)?;
    let db = &ssr::state()?.db;
    let stores = server::stores::visible(db, &p).await.map_err(ssr::fail)?;
    let can_manage_access = p.permissions.contains(Permission::MembersManage);
    let (limited_members, grants) = if can_manage_access {
        let (members, roles, grants) = tokio::try_join!(
            server::members::list(db, &p),
            server::roles::list(db, &p),
            server::stores::access_matrix(db, &p),
        )
        .map_err(ssr::fail)?;
        let limited: Vec<_> = members
            .into_iter()
            .filter(|m| {
                roles.iter().find(|r| r.slug == m.role).is_none_or(|r| {
                    !r.permissions
                        .contains(server::access::Permission::StoresManage)
                })
            })
            .collect();
        (
            member_rows(&p, limited, &role_options(roles)),
            grants
                .into_iter()
                .map(|(u, s)| (u.to_string(), s.to_string()))
                .collect(),
        )
    } else {
        (vec![], vec![])
    };
    Ok(StoresPage {
        stores: store_rows(stores),
        platforms: server::stores::PLATFORMS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        limited_members,
        grants,
        can_manage_access,
    })
}

#[server(endpoint = "create_store")]
pub async fn create_store(name: String, platform: String) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::StoresManage)?;
    server::stores::create(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        server::stores::StoreInput { name, platform },
    )
    .await
    .map(|_| ())
    .map_err(ssr::fail)
}

#[server(endpoint = "delete_store")]
pub async fn delete_store(id: String) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::StoresManage)?;
    server::stores::delete(&ssr::state()?.db, &p, &ssr::meta(), ssr::parse_id(&id)?)
        .await
        .map_err(ssr::fail)
}

#[server(endpoint = "set_store_access")]
pub async fn set_store_access(
    user_id: String,
    store_id: String,
    allowed: bool,
) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::MembersManage)?;
    server::stores::set_one(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        ssr::parse_id(&user_id)?,
        ssr::parse_id(&store_id)?,
        allowed,
    )
    .await
    .map_err(ssr::fail)
}

#[server(endpoint = "roles_page")]
pub async fn get_roles_page() -> Result<RolesPage, AppError> {
    let p = ssr::authorize(Permission::SettingsManage)?;
    let roles = server::roles::list(&ssr::state()?.db, &p)
        .await
        .map_err(ssr::fail)?;
    Ok(RolesPage {
        roles: role_options(roles),
        permissions: Permission::ALL
            .iter()
            .map(|p| (p.key().to_string(), p.describe().to_string()))
            .collect(),
    })
}

#[server(endpoint = "create_role")]
pub async fn create_role(
    name: String,
    #[server(default)] permissions: Vec<String>,
) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::SettingsManage)?;
    server::roles::create(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        server::roles::RoleInput { name, permissions },
    )
    .await
    .map(|_| ())
    .map_err(ssr::fail)
}

#[server(endpoint = "delete_role")]
pub async fn delete_role(slug: String) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::SettingsManage)?;
    server::roles::delete(&ssr::state()?.db, &p, &ssr::meta(), &slug)
        .await
        .map_err(ssr::fail)
}

#[server(endpoint = "outbox")]
pub async fn get_outbox() -> Result<Vec<OutboxRow>, AppError> {
    let p = ssr::authorize(Permission::MembersManage)?;
    let state = ssr::state()?;
    let smtp = state.mailer.is_some();
    let items = server::mail::outbox(&state.db, &p, 100)
        .await
        .map_err(ssr::fail)?;
    Ok(items
        .into_iter()
        .map(|m| OutboxRow {
            id: m.id,
            kind: m.kind,
            to: m.to_email,
            subject: m.subject,
            body: m.body,
            created: local(m.created_at, &p.timezone),
            delivered: m.sent_at.is_some(),
            pending: match (smtp, m.last_error) {
                (false, _) => "Not sent: no SMTP".into(),
                (true, Some(e)) => format!("Retrying: {}", e.chars().take(120).collect::<String>()),
                (true, None) => "Sending".into(),
            },
        })
        .collect())
}

/// Makes another of the user's companies the active one for this session.
#[server(endpoint = "switch_company")]
pub async fn switch_company(company_id: String) -> Result<(), AppError> {
    let p = ssr::authenticated()?;
    let state = ssr::state()?;
    let target = ssr::parse_id(&company_id)?;
    let next = server::identity::load_principal(&state.db, p.user_id, target)
        .await
        .map_err(ssr::fail)?
        .ok_or_else(|| ssr::fail(server::Error::Forbidden))?;
    let session = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<tower_sessions::Session>().cloned())
        .ok_or_else(|| ssr::fail(server::Error::Unauthorized))?;
    session
        .insert(server::sessions::COMPANY_ID, next.company_id)
        .await
        .map_err(|e| ssr::fail(server::Error::Unavailable(format!("session store: {e}"))))?;
    leptos_axum::redirect("/");
    Ok(())
}

/// What /invite/:token shows about its link (anonymous).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationInfo {
    /// Why the link cannot be used, when it cannot.
    pub refusal: Option<String>,
    pub company_name: String,
    pub email: String,
    pub role_name: String,
    pub has_account: bool,
}

#[server(endpoint = "invitation")]
pub async fn get_invitation(token: String) -> Result<InvitationInfo, AppError> {
    let view = server::invitations::lookup(&ssr::state()?.db, &token)
        .await
        .map_err(ssr::fail)?;
    Ok(match view {
        Some(v) => InvitationInfo {
            refusal: v.state.refusal().map(str::to_string),
            company_name: v.company_name,
            email: v.email,
            role_name: v.role_name,
            has_account: v.has_account,
        },
        None => InvitationInfo {
            refusal: Some(server::invitations::UNKNOWN_LINK.into()),
            company_name: String::new(),
            email: String::new(),
            role_name: String::new(),
            has_account: false,
        },
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompanyPage {
    pub name: String,
    pub timezone: String,
    pub currency: String,
    pub date_format: String,
    pub analysis_standard: String,
    pub currencies: Vec<String>,
    pub date_formats: Vec<String>,
    /// (key, label)
    pub standards: Vec<(String, String)>,
    /// When the logo last changed (for its URL), if there is one.
    pub logo_version: Option<i64>,
}

#[server(endpoint = "company_settings")]
pub async fn get_company_settings() -> Result<CompanyPage, AppError> {
    let p = ssr::authorize(Permission::SettingsManage)?;
    let db = &ssr::state()?.db;
    let (s, logo_version) = tokio::try_join!(
        server::company::get(db, &p),
        server::company::logo_version(db, p.company_id)
    )
    .map_err(ssr::fail)?;
    Ok(CompanyPage {
        logo_version,
        name: s.name,
        timezone: s.timezone,
        currency: s.currency,
        date_format: s.date_format,
        analysis_standard: s.analysis_standard,
        currencies: server::company::CURRENCIES
            .iter()
            .map(|c| c.to_string())
            .collect(),
        date_formats: server::company::DATE_FORMATS
            .iter()
            .map(|c| c.to_string())
            .collect(),
        standards: server::company::STANDARDS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    })
}

#[server(endpoint = "save_company_settings")]
pub async fn save_company_settings(
    name: String,
    timezone: String,
    currency: String,
    date_format: String,
    analysis_standard: String,
) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::SettingsManage)?;
    server::company::update(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        server::company::Settings {
            name,
            timezone,
            currency,
            date_format,
            analysis_standard,
        },
    )
    .await
    .map(|_| ())
    .map_err(ssr::fail)
}
