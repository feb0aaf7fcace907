//! Server functions and the data they share with components. Each is thin: authenticate,
//! check the permission, call a `server` service, map the result.

pub mod account;
pub mod admin;
pub mod analyses;
pub mod audit;
pub mod billing;
pub mod campaigns;
pub mod courier;
pub mod dashboard;
pub mod keys;
pub mod order_import;
pub mod order_work;
pub mod orders;
pub mod studio;
pub mod team;

use leptos::prelude::*;
use leptos::server_fn::{codec::JsonEncoding, error::FromServerFnError};
use serde::{Deserialize, Serialize};

/// The error every server function returns; mirrors `server::Error` for the browser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        AppError {
            code: "request_failed".into(),
            message: format!("The request could not be completed: {value}"),
            field: None,
        }
    }
}

impl AppError {
    pub fn is_unauthorized(&self) -> bool {
        self.code == "unauthorized"
    }

    /// The message when it concerns `field`.
    pub fn for_field(&self, field: &str) -> Option<String> {
        (self.field.as_deref() == Some(field)).then(|| self.message.clone())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompanyChoice {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    pub company_name: String,
    pub role: String,
    pub role_name: String,
    /// Permission keys (`members.manage`); navigation shows only what these allow.
    pub permissions: Vec<String>,
    pub is_super_admin: bool,
    /// The other companies this user can switch to.
    pub other_companies: Vec<CompanyChoice>,
    /// The token balance, when it is below the low-balance threshold and this user may see it.
    pub low_balance: Option<String>,
}

impl Me {
    pub fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }
}

/// A form's one-shot error and refill values (see `server::http::flash`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormFlash {
    pub field: Option<String>,
    pub message: String,
    pub values: std::collections::BTreeMap<String, String>,
}

impl FormFlash {
    pub fn value(&self, key: &str) -> String {
        self.values.get(key).cloned().unwrap_or_default()
    }
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::AppError;
    use leptos::prelude::*;
    use server::access::Principal;
    use server::{http::middleware::CurrentUser, AppState};

    /// Maps a domain error, setting the HTTP status of the server function's response.
    pub fn fail(e: server::Error) -> AppError {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(e.status());
        }
        if e.status().is_server_error() {
            tracing::error!(error = ?e, "server function failed");
        }
        AppError {
            code: e.code().into(),
            message: e.public_message(),
            field: e.field().map(str::to_string),
        }
    }

    pub fn state() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            fail(server::Error::Internal(anyhow::anyhow!(
                "AppState not provided"
            )))
        })
    }

    /// The signed-in principal, if any (no side effects).
    pub fn current() -> Option<Principal> {
        use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<CurrentUser>().cloned())
            .and_then(|u| u.0)
    }

    /// The signed-in principal, or 401.
    pub fn authenticated() -> Result<Principal, AppError> {
        current().ok_or_else(|| fail(server::Error::Unauthorized))
    }

    /// The first line of every server function that needs a permission: the signed-in
    /// principal when their role grants `needed`, else 401 / 403.
    pub fn authorize(needed: server::access::Permission) -> Result<Principal, AppError> {
        let p = authenticated()?;
        p.authorize(needed).map_err(fail)?;
        Ok(p)
    }

    /// Where the request came from, for the audit log.
    pub fn meta() -> server::audit::RequestMeta {
        use_context::<http::request::Parts>()
            .map(|p| server::http::forms::meta_from_parts(&p))
            .unwrap_or_default()
    }

    /// Parses an id sent by the browser; a malformed one is simply not found.
    pub fn parse_id(raw: &str) -> Result<uuid::Uuid, AppError> {
        raw.parse().map_err(|_| fail(server::Error::NotFound))
    }

    /// A moment in the member's time zone, as lists show it ("Mar 14, 2026 09:30").
    pub fn local_time(p: &server::access::Principal, d: chrono::DateTime<chrono::Utc>) -> String {
        let tz: chrono_tz::Tz = p.timezone.parse().unwrap_or(chrono_tz::UTC);
        d.with_timezone(&tz).format("%b %-d, %Y %H:%M").to_string()
    }

    /// Resolves a preset (today, week, month, last_month) or explicit dates in the member's zone.
    pub fn date_range(
        p: &server::access::Principal,
        preset: &str,
        from: &str,
        to: &str,
    ) -> Result<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>), AppError> {
        server::dates::range(&p.timezone, preset, from, to).map_err(fail)
    }
}

/// Who is signed in (None when nobody is).
#[server(endpoint = "me")]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    let Some(p) = ssr::current() else {
        return Ok(None);
    };
    let state = ssr::state()?;
    // The principal says how many companies the member has: one (most members) asks nothing.
    let companies = if p.companies > 1 {
        server::identity::companies_of(&state.db, p.user_id)
            .await
            .map_err(ssr::fail)?
    } else {
        Vec::new()
    };
    let others = companies
        .into_iter()
        .filter(|(id, _)| *id != p.company_id)
        .map(|(id, name)| CompanyChoice {
            id: id.to_string(),
            name,
        })
        .collect();
    let low_balance = if p
        .permissions
        .contains(server::access::Permission::BillingRead)
    {
        let balance = p.balance;
        (balance
            < state
                .config
                .section::<server::billing::packs::BillingConfig>()
                .low_balance_threshold)
            .then(|| crate::format::group(balance))
    } else {
        None
    };
    Ok(Some(Me {
        low_balance,
        permissions: p.permissions.iter().map(|x| x.key().to_string()).collect(),
        name: p.name,
        email: p.email,
        company_name: p.company_name,
        role: p.role,
        role_name: p.role_name,
        is_super_admin: p.is_super_admin,
        other_companies: others,
    }))
}

/// Takes the one-shot message a form endpoint left for `form`, clearing its cookie.
#[server(endpoint = "form_flash")]
pub async fn take_form_flash(form: String) -> Result<Option<FormFlash>, AppError> {
    use server::http::flash::Flash;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Ok(None);
    };
    let Some(flash) = Flash::from_headers(&parts.headers) else {
        return Ok(None);
    };
    if flash.form != form {
        return Ok(None);
    }
    let secure = ssr::state()?.config.cookie_secure;
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.append_header(http::header::SET_COOKIE, Flash::clear_cookie(secure));
    }
    Ok(Some(FormFlash {
        field: flash.field,
        message: flash.message,
        values: flash.values,
    }))
}
