//! The analyses pages, one file each: /analyses (history), /analyses/new (upload) and
//! /analyses/:id (verdict, findings, extracted data beside the page images, corrections,
//! versions, exports). The pieces they share live here.

mod detail;
mod history;
mod new;

use detail::AnalysisPage;
use history::AnalysesPage;
use new::NewAnalysisPage;

use leptos::prelude::*;

/// Every analyses page, behind one lazy route (see `super::area_page`).
#[component]
pub fn AnalysesArea() -> impl IntoView {
    let page = super::area_page("/analyses", |p| {
        Some(match p {
            [] => "history",
            ["new"] => "new",
            _ => "analysis",
        })
    });
    move || match page.get() {
        "history" => view! { <AnalysesPage/> }.into_any(),
        "new" => view! { <NewAnalysisPage/> }.into_any(),
        _ => view! { <AnalysisPage/> }.into_any(),
    }
}

use crate::components::ui::{Loaded, BUTTON, BUTTON_DANGER, BUTTON_QUIET, SELECT, TABLE, TD, TH};

pub(super) use crate::components::ui::INPUT;

/// The verdict as a coloured pill.
#[component]
pub(super) fn VerdictBadge(
    verdict: Option<String>,
    #[prop(optional)] large: bool,
) -> impl IntoView {
    let (text, class) = match verdict.as_deref() {
        Some("REJECTED") => ("REJECTED", "bg-red-50 text-red-700 ring-red-600/20 dark:bg-red-500/10 dark:text-red-300"),
        Some("APPROVED_WITH_COMMENTS") => ("APPROVED WITH COMMENTS", "bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-400/10 dark:text-amber-300"),
        Some("APPROVED") => ("APPROVED", "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300"),
        _ => ("—", "bg-slate-100 text-slate-600 ring-slate-500/10 dark:bg-slate-800 dark:text-slate-300"),
    };
    let size = if large {
        "px-3 py-1 text-sm"
    } else {
        "px-2 py-0.5 text-xs"
    };
    view! { <span class=format!("inline-flex items-center rounded-md font-semibold ring-1 ring-inset {size} {class}") data-testid="verdict">{text}</span> }
}

#[component]
pub(super) fn StatusBadge(status: String) -> impl IntoView {
    let class = match status.as_str() {
        "COMPLETED" => "text-emerald-700 dark:text-emerald-300",
        "FAILED" => "text-red-700 dark:text-red-300",
        "CANCELLED" => "text-slate-500",
        _ => "text-brand-700 dark:text-brand-300",
    };
    view! { <span class=format!("text-xs font-semibold tracking-wide {class}") data-testid="status">{status}</span> }
}

pub(super) fn severity_class(s: &str) -> &'static str {
    match s {
        "critical" => "bg-red-600 text-white",
        "major" => "bg-amber-500 text-white",
        _ => "bg-slate-500 text-white",
    }
}
