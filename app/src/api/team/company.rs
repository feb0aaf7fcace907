//! Settings → Company, and the company switcher of the account menu.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::super::ssr;
use super::super::AppError;
#[cfg(feature = "ssr")]
use server::access::Permission;

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
        server::team::company::get(db, &p),
        server::team::company::logo_version(db, p.company_id)
    )
    .map_err(ssr::fail)?;
    Ok(CompanyPage {
        logo_version,
        name: s.name,
        timezone: s.timezone,
        currency: s.currency,
        date_format: s.date_format,
        analysis_standard: s.analysis_standard,
        currencies: server::team::company::CURRENCIES
            .iter()
            .map(|c| c.to_string())
            .collect(),
        date_formats: server::team::company::DATE_FORMATS
            .iter()
            .map(|c| c.to_string())
            .collect(),
        standards: server::team::company::STANDARDS
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
    server::team::company::update(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        server::team::company::Settings {
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
