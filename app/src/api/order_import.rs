//! Server functions of /orders/import (the form's stores) and /orders/import/:id (a checked
//! file's preview, and whether it was imported). The file itself and the confirmation are
//! plain form posts to server routes (server::orders::http), so both work before hydration.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;
#[cfg(feature = "ssr")]
use server::access::Permission;

/// The stores a file may be imported into: (id, name).
#[server(endpoint = "import_stores")]
pub async fn get_import_stores() -> Result<Vec<(String, String)>, AppError> {
    let p = ssr::authorize(Permission::OrdersWrite)?;
    Ok(server::team::stores::visible(&ssr::state()?.db, &p)
        .await
        .map_err(ssr::fail)?
        .into_iter()
        .map(|s| (s.id.to_string(), s.name))
        .collect())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportRowView {
    pub line: usize,
    pub number: String,
    pub customer: String,
    pub total: String,
    /// "new", "item", "exists" or "error".
    pub outcome: String,
    pub problems: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportView {
    pub id: String,
    pub store_id: String,
    pub store: String,
    pub file_name: String,
    pub checked: String,
    pub rows: Vec<ImportRowView>,
    pub ignored: Vec<String>,
    pub new_orders: i64,
    pub existing: i64,
    pub errors: i64,
    /// When it was imported, and how many orders were written.
    pub imported: Option<(String, i64)>,
}

/// A checked file's preview (orders.write, a store the member sees).
#[server(endpoint = "order_import")]
pub async fn get_import(id: String) -> Result<ImportView, AppError> {
    use server::orders::import::{self, RowOutcome};
    let p = ssr::authorize(Permission::OrdersWrite)?;
    let v = import::get(&ssr::state()?.db, &p, ssr::parse_id(&id)?)
        .await
        .map_err(ssr::fail)?;
    Ok(ImportView {
        id: v.id.to_string(),
        store_id: v.store_id.to_string(),
        store: v.store_name,
        file_name: v.file_name,
        checked: ssr::local_time(&p, v.created_at),
        rows: v
            .rows
            .into_iter()
            .map(|r| {
                let (outcome, problems) = match r.outcome {
                    RowOutcome::New => ("new", vec![]),
                    RowOutcome::Item => ("item", vec![]),
                    RowOutcome::Exists => ("exists", vec![]),
                    RowOutcome::Error { problems } => ("error", problems),
                };
                ImportRowView {
                    line: r.line,
                    number: r.number,
                    customer: r.customer,
                    total: r.total,
                    outcome: outcome.into(),
                    problems,
                }
            })
            .collect(),
        ignored: v.ignored,
        new_orders: v.new_orders,
        existing: v.existing,
        errors: v.errors,
        imported: v.imported_at.map(|t| (ssr::local_time(&p, t), v.imported)),
    })
}
