//! /invite/:token: what an invitation link offers (anonymous).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::super::ssr;
use super::super::AppError;

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
    let view = server::team::invitations::lookup(&ssr::state()?.db, &token)
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
            refusal: Some(server::team::invitations::UNKNOWN_LINK.into()),
            company_name: String::new(),
            email: String::new(),
            role_name: String::new(),
            has_account: false,
        },
    })
}
