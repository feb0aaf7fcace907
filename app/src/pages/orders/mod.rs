//! The orders pages, one file each: /orders (the inbox), /orders/:id (one order),
//! /orders/errors (processing errors), /orders/runs[/:id] (bulk runs), /orders/handover
//! (the day's parcels handed to the courier) and /orders/import[/:id] (orders from a file). The pieces they
//! share live here.

mod detail;
mod errors;
mod handover;
mod import;
mod inbox;
mod runs;
mod shipping;

use detail::OrderPage;
use errors::OrderErrorsPage;
use handover::HandoverPage;
use import::{ImportPage, ImportPreviewPage};
use inbox::OrdersPage;
use runs::{BulkRunPage, BulkRunsPage};

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::ui::TAB;

/// Every orders page, behind one lazy route (each of the area's paths in `app::App` names it):
/// the page is chosen from the path the router matched, so `/orders/:id` and the named
/// sections keep their own routes and the router's params.
#[component]
pub fn OrdersArea() -> impl IntoView {
    let page = super::area_page("/orders", |p| {
        Some(match p {
            [] => "inbox",
            ["errors"] => "errors",
            ["runs"] => "runs",
            ["runs", _] => "run",
            ["handover"] => "handover",
            ["import"] => "import",
            ["import", _] => "import-preview",
            _ => "order",
        })
    });
    move || match page.get() {
        "inbox" => view! { <OrdersPage/> }.into_any(),
        "errors" => view! { <OrderErrorsPage/> }.into_any(),
        "runs" => view! { <BulkRunsPage/> }.into_any(),
        "run" => view! { <BulkRunPage/> }.into_any(),
        "handover" => view! { <HandoverPage/> }.into_any(),
        "import" => view! { <ImportPage/> }.into_any(),
        "import-preview" => view! { <ImportPreviewPage/> }.into_any(),
        _ => view! { <OrderPage/> }.into_any(),
    }
}

/// The orders pages' heading and tab bar (Inbox, Processing errors, Bulk runs, Courier handover).
#[component]
pub(super) fn OrdersHeader(#[prop(into)] text: String) -> impl IntoView {
    view! {
        <div class="mb-6">
            <h1 class="page-title">"Orders"</h1>
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{text}</p>
            <nav class="mt-4 flex gap-6 overflow-x-auto border-b border-slate-200 dark:border-slate-800" aria-label="Orders">
                <A href="/orders" exact=true attr:class=TAB>"Inbox"</A>
                <A href="/orders/errors" attr:class=TAB>"Processing errors"</A>
                <A href="/orders/runs" attr:class=TAB>"Bulk runs"</A>
                <A href="/orders/handover" attr:class=TAB>"Courier handover"</A>
            </nav>
        </div>
    }
}

/// How a bulk run's order or a processing error ended, as a pill.
#[component]
pub(super) fn ResultBadge(result: String, label: String) -> impl IntoView {
    let class = match result.as_str() {
        "failed" | "FAILED" => "bg-red-50 text-red-700 ring-red-600/20 dark:bg-red-500/10 dark:text-red-300",
        "succeeded" | "RESOLVED" => {
            "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300"
        }
        "pending" | "PENDING" | "RETRYING" => {
            "bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-400/10 dark:text-amber-300"
        }
        _ => "bg-slate-100 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300",
    };
    view! {
        <span class=format!("inline-flex items-center whitespace-nowrap rounded-md px-2 py-0.5 text-xs font-semibold ring-1 ring-inset {class}")
            data-testid="result" data-result=result>{label}</span>
    }
}

/// An order's unified status as a coloured pill.
#[component]
pub(super) fn OrderStatus(status: String, label: String) -> impl IntoView {
    let class = match status.as_str() {
        "CANCELLED" | "RETURNED" | "VALIDATION_FAILED" | "INVOICE_ERROR" | "AWB_ERROR" => {
            "bg-red-50 text-red-700 ring-red-600/20 dark:bg-red-500/10 dark:text-red-300"
        }
        "SHIPPED" | "DELIVERED" => {
            "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300"
        }
        "PENDING" | "WAIT_TRANSFER" => {
            "bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-400/10 dark:text-amber-300"
        }
        _ => "bg-brand-50 text-brand-700 ring-brand-600/20 dark:bg-brand-500/10 dark:text-brand-300",
    };
    view! {
        <span class=format!("inline-flex items-center whitespace-nowrap rounded-md px-2 py-0.5 text-xs font-semibold ring-1 ring-inset {class}")
            data-testid="order-status" data-status=status>{label}</span>
    }
}

/// A validation flag ("Phone missing or invalid") as a warning pill.
#[component]
pub(super) fn FlagBadge(text: String) -> impl IntoView {
    view! {
        <span class="inline-flex items-center whitespace-nowrap rounded-md bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-inset ring-amber-600/20 dark:bg-amber-400/10 dark:text-amber-300"
            data-testid="order-flag">{text}</span>
    }
}
