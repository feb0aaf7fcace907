//! Settings → Roles: custom roles and what each built-in one grants.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::super::ssr;
use super::super::AppError;
use super::*;
#[cfg(feature = "ssr")]
use server::access::Permission;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RolesPage {
    pub roles: Vec<RoleOption>,
    /// (key, description) of every permission.
    pub permissions: Vec<(String, String)>,
}

#[server(endpoint = "roles_page")]
pub async fn get_roles_page() -> Result<RolesPage, AppError> {
    let p = ssr::authorize(Permission::SettingsManage)?;
    let roles = server::team::roles::list(&ssr::state()?.db, &p)
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
    server::team::roles::create(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        server::team::roles::RoleInput { name, permissions },
    )
    .await
    .map(|_| ())
    .map_err(ssr::fail)
}

#[server(endpoint = "delete_role")]
pub async fn delete_role(slug: String) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::SettingsManage)?;
    server::team::roles::delete(&ssr::state()?.db, &p, &ssr::meta(), &slug)
        .await
        .map_err(ssr::fail)
}
