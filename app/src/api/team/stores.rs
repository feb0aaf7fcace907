//! Settings → Stores: the company's shops and who may see which.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::super::ssr;
use super::super::AppError;
use super::*;
#[cfg(feature = "ssr")]
use server::access::Permission;

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

#[server(endpoint = "stores_page")]
pub async fn get_stores_page() -> Result<StoresPage, AppError> {
    let p = ssr::authorize(Permission::StoresManage)?;
    let db = &ssr::state()?.db;
    let stores = server::team::stores::visible(db, &p)
        .await
        .map_err(ssr::fail)?;
    let can_manage_access = p.permissions.contains(Permission::MembersManage);
    let (limited_members, grants) = if can_manage_access {
        let (members, roles, grants) = tokio::try_join!(
            server::team::members::list(db, &p),
            server::team::roles::list(db, &p),
            server::team::stores::access_matrix(db, &p),
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
        platforms: server::team::stores::PLATFORMS
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
    server::team::stores::create(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        server::team::stores::StoreInput { name, platform },
    )
    .await
    .map(|_| ())
    .map_err(ssr::fail)
}

#[server(endpoint = "delete_store")]
pub async fn delete_store(id: String) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::StoresManage)?;
    server::team::stores::delete(&ssr::state()?.db, &p, &ssr::meta(), ssr::parse_id(&id)?)
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
    server::team::stores::set_one(
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
