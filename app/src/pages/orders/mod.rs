//! The orders pages, one file each: /orders (the inbox) and /orders/:id (one order). The
//! pieces they share live here.

mod detail;
mod inbox;

pub use detail::OrderPage;
pub use inbox::OrdersPage;

use leptos::prelude::*;

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
