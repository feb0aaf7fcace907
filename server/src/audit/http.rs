//! The audit log as CSV. A POST (from a form carrying the
//! page's filters), so GET stays free of effects and the origin check applies.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
    routing::post,
    Extension, Form, Router,
};
use serde::Deserialize;

use crate::{
    access::Permission,
    audit,
    error::Error,
    http::{
        forms::{csv_download, Meta},
        middleware::CurrentUser,
    },
    state::AppState,
};

/// The audit routes that are not pages.
pub fn routes() -> Router<AppState> {
    Router::new().route("/audit/export", post(audit_csv))
}

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
