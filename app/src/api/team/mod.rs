//! Server functions of the team settings (Members, Stores, Roles, Outbox, Company), the
//! invitation page and the company switcher, one file per page; the rows they share live here.

mod company;
mod invitations;
mod members;
mod outbox;
mod roles;
mod stores;

pub use company::*;
pub use invitations::*;
pub use members::*;
pub use outbox::*;
pub use roles::*;
pub use stores::*;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberRow {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub role_name: String,
    pub disabled: bool,
    pub last_login: Option<String>,
    /// Seconds since the epoch of `last_login`, to order by.
    pub last_login_at: Option<i64>,
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

#[cfg(feature = "ssr")]
pub(super) fn local(dt: chrono::DateTime<chrono::Utc>, tz: &str) -> String {
    let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    dt.with_timezone(&tz).format("%b %-d, %Y %H:%M").to_string()
}

#[cfg(feature = "ssr")]
pub(super) fn role_options(roles: Vec<server::team::roles::Role>) -> Vec<RoleOption> {
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
pub(super) fn store_rows(stores: Vec<server::team::stores::Store>) -> Vec<StoreRow> {
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
pub(super) fn member_rows(
    p: &server::access::Principal,
    members: Vec<server::team::members::Member>,
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
            last_login_at: m.last_login_at.map(|d| d.timestamp()),
        })
        .collect()
}
