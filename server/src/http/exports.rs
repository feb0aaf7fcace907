//! Downloads that are not pages: the audit log as CSV. A POST (from a form carrying the
//! page's filters), so GET stays free of effects and the origin check applies.

use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    Extension, Form,
};
use serde::Deserialize;

use super::{auth::Meta, middleware::CurrentUser};
use crate::{access::Permission, audit, error::Error, state::AppState};

/// The most rows one export holds.
pub const MAX_EXPORT_ROWS: i64 = 50_000;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditFilterForm {
    actor: String,
    action: String,
    from: String,
    to: String,
}

pub async fn audit_csv(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
    Form(form): Form<AuditFilterForm>,
) -> Response {
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::AuditRead)?;
        let filter = audit::Filter::parse(&form.actor, &form.action, &form.from, &form.to)?;
        let csv = audit::export_csv(&state.db, &p, &meta, &filter, MAX_EXPORT_ROWS).await?;
        Ok::<_, Error>((p.company_name, csv))
    }
    .await;
    match result {
        Ok((company, csv)) => csv_download("audit", &company, csv),
        Err(e) => e.into_response(),
    }
}

/// POST /billing/export: the company's token ledger as CSV (billing.read).
pub async fn ledger_csv(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Meta(meta): Meta,
) -> Response {
    let result = async {
        let p = user.0.ok_or(Error::Unauthorized)?;
        p.authorize(Permission::BillingRead)?;
        let csv = crate::billing::report::ledger_csv(&state.db, &p, &meta, MAX_EXPORT_ROWS).await?;
        Ok::<_, Error>((p.company_name, csv))
    }
    .await;
    match result {
        Ok((company, csv)) => csv_download("tokens", &company, csv),
        Err(e) => e.into_response(),
    }
}

/// A CSV attachment named `{what}-{company}-{date}.csv`, never cached.
fn csv_download(what: &str, company: &str, csv: Vec<u8>) -> Response {
    let name: String = company
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let date = chrono::Utc::now().format("%Y-%m-%d");
    let disposition = format!("attachment; filename=\"{what}-{name}-{date}.csv\"");
    let mut res = csv.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
