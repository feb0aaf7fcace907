//! Settings → Members: the team, invitations sent, roles and access changed. Each server
//! function starts with `ssr::authorize(..)`; the service checks again.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::super::ssr;
use super::super::AppError;
use super::*;
#[cfg(feature = "ssr")]
use server::access::Permission;

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

#[server(endpoint = "team")]
pub async fn get_team() -> Result<TeamPage, AppError> {
    let p = ssr::authorize(Permission::MembersManage)?;
    let db = &ssr::state()?.db;
    let (members, roles, stores, invitations) = tokio::try_join!(
        server::team::members::list(db, &p),
        server::team::roles::list(db, &p),
        server::team::stores::visible(db, &p),
        server::team::invitations::list_open(db, &p),
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
    let sent = server::team::invitations::invite(
        &state.db,
        &p,
        &ssr::meta(),
        &state.config.public_url,
        state.config.invitation_ttl_days,
        server::team::invitations::InviteInput {
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
    let sent = server::team::invitations::resend(
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
    server::team::invitations::revoke(&ssr::state()?.db, &p, &ssr::meta(), ssr::parse_id(&id)?)
        .await
        .map_err(ssr::fail)
}

#[server(endpoint = "change_member_role")]
pub async fn change_member_role(user_id: String, role: String) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::MembersManage)?;
    server::team::members::change_role(
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
    server::team::members::set_disabled(
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
    server::team::members::remove(
        &state.db,
        &state.sessions,
        &p,
        &ssr::meta(),
        ssr::parse_id(&user_id)?,
    )
    .await
    .map_err(ssr::fail)
}
