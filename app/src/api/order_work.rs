//! Server functions of the work on orders: a bulk run's page (progress and a result per
//! order), the recent runs, and the processing errors tab with retry and skip. Thin:
//! permission first, then server::orders::{bulk, errors}. Starting a run is the inbox's form
//! (POST /orders/bulk), so it works the same before and after hydration.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;
#[cfg(feature = "ssr")]
use server::access::Permission;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: String,
    pub action: String,
    pub creator: String,
    pub created: String,
    pub state: String,
    pub total: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub skipped: i64,
    /// The run made AWBs for some orders: its picking list downloads.
    pub picking_list: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunItem {
    pub order_id: String,
    pub number: String,
    pub store: String,
    pub status: String,
    pub status_label: String,
    pub result: String,
    pub result_label: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunPage {
    pub run: RunSummary,
    pub finished: Option<String>,
    pub items: Vec<RunItem>,
    /// How many of the run's orders the list leaves out.
    pub not_listed: i64,
}

#[cfg(feature = "ssr")]
fn summary(p: &server::access::Principal, r: server::orders::bulk::RunRow) -> RunSummary {
    RunSummary {
        id: r.id.to_string(),
        action: server::orders::bulk::action_label(&r.action, r.target_status.as_deref()),
        picking_list: matches!(r.action.as_str(), "process" | "awb") && r.succeeded > 0,
        creator: r.creator.unwrap_or_else(|| "A former member".into()),
        created: ssr::local_time(p, r.created_at),
        state: r.state,
        total: r.total,
        succeeded: r.succeeded,
        failed: r.failed,
        skipped: r.skipped,
    }
}

/// A bulk run with its orders (failures first).
#[server(endpoint = "order_run")]
pub async fn get_bulk_run(id: String) -> Result<RunPage, AppError> {
    use server::orders::{bulk, model};
    let p = ssr::authorize(Permission::OrdersRead)?;
    let id = ssr::parse_id(&id)?;
    let v = bulk::view(&ssr::state()?.db, &p, id)
        .await
        .map_err(ssr::fail)?;
    let items: Vec<RunItem> = v
        .items
        .into_iter()
        .map(|i| RunItem {
            order_id: i.order_id.to_string(),
            number: i.number,
            store: i.store_name,
            status_label: model::status_label(&i.status).to_string(),
            status: i.status,
            result_label: bulk::result_label(&i.result).to_string(),
            result: i.result,
            message: i.message.unwrap_or_default(),
        })
        .collect();
    let finished = v.run.finished_at.map(|t| ssr::local_time(&p, t));
    let not_listed = (v.run.total - items.len() as i64).max(0);
    Ok(RunPage {
        run: summary(&p, v.run),
        finished,
        items,
        not_listed,
    })
}

/// The newest bulk runs the member may see.
#[server(endpoint = "order_runs")]
pub async fn get_bulk_runs() -> Result<Vec<RunSummary>, AppError> {
    let p = ssr::authorize(Permission::OrdersRead)?;
    let runs = server::orders::bulk::recent(&ssr::state()?.db, &p)
        .await
        .map_err(ssr::fail)?;
    Ok(runs.into_iter().map(|r| summary(&p, r)).collect())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorView {
    pub id: String,
    pub order_id: String,
    pub number: String,
    pub store: String,
    pub step: String,
    pub status: String,
    pub status_label: String,
    pub message: String,
    pub attempts: i64,
    pub updated: String,
    pub by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorsPage {
    pub rows: Vec<ErrorView>,
    /// (status, label, how many) for every status.
    pub counts: Vec<(String, String, i64)>,
    /// The status shown ("" for the open ones).
    pub status: String,
    pub page: i64,
    /// A next page exists.
    pub more: bool,
    pub can_write: bool,
}

/// The processing errors of `status` ("" for the open ones: pending, retrying, failed).
#[server(endpoint = "order_errors")]
pub async fn get_order_errors(status: String, page: i64) -> Result<ErrorsPage, AppError> {
    use server::orders::errors;
    let p = ssr::authorize(Permission::OrdersRead)?;
    let wanted = (!status.is_empty()).then_some(status.as_str());
    let list = errors::list(&ssr::state()?.db, &p, wanted, page)
        .await
        .map_err(ssr::fail)?;
    let label = |s: &str| {
        errors::STATUSES
            .iter()
            .find(|(k, _)| *k == s)
            .map_or(s.to_string(), |(_, l)| l.to_string())
    };
    let more = list.rows.len() as i64 == errors::PER_PAGE;
    let rows = list
        .rows
        .into_iter()
        .map(|e| ErrorView {
            id: e.id.to_string(),
            order_id: e.order_id.to_string(),
            number: e.number,
            store: e.store_name,
            step: match e.action.as_str() {
                "validate" => "Validation".to_string(),
                other => other.to_string(),
            },
            status_label: label(&e.status),
            status: e.status,
            message: e.message,
            attempts: e.attempts,
            updated: ssr::local_time(&p, e.updated_at),
            by: e.updated_by_name.unwrap_or_default(),
        })
        .collect();
    Ok(ErrorsPage {
        rows,
        counts: list
            .counts
            .into_iter()
            .map(|(s, n)| (s.to_string(), label(s), n))
            .collect(),
        status,
        page: page.max(1),
        more,
        can_write: p.authorize(Permission::OrdersWrite).is_ok(),
    })
}

/// Retry a processing error: its step runs again for that order.
#[server(endpoint = "retry_order_error")]
pub async fn retry_order_error(id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::OrdersWrite)?;
    let retried =
        server::orders::errors::retry(&ssr::state()?.db, &p, &ssr::meta(), ssr::parse_id(&id)?)
            .await
            .map_err(ssr::fail)?;
    Ok(if retried {
        "Retrying: the result shows here in a moment.".into()
    } else {
        "Nothing to retry: it is already retrying or resolved.".into()
    })
}

/// Skip a processing error: set aside until the step next succeeds.
#[server(endpoint = "skip_order_error")]
pub async fn skip_order_error(id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::OrdersWrite)?;
    let skipped =
        server::orders::errors::skip(&ssr::state()?.db, &p, &ssr::meta(), ssr::parse_id(&id)?)
            .await
            .map_err(ssr::fail)?;
    Ok(if skipped {
        "Skipped.".into()
    } else {
        "Nothing to skip: it is retrying, resolved or already skipped.".into()
    })
}
