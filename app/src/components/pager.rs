//! Previous/next links of a paged list.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

use super::ui::BUTTON_QUIET;

/// Previous/next links that keep every other query parameter of the address (the list's
/// filters and sort), so a filtered list pages the same before and after hydration and a page
/// can be bookmarked. Plain links: no JavaScript needed.
#[component]
pub fn Pager(
    /// The page shown (from 1).
    page: i64,
    /// How many pages there are.
    pages: i64,
    /// Left of the links; "Page N of M" when empty.
    #[prop(into, optional)]
    summary: String,
    /// `data-testid` of the summary, for the end-to-end tests.
    #[prop(into, optional)]
    testid: String,
    /// The links' words: "Previous"/"Next" unless given (a ledger says "Newer"/"Older").
    #[prop(optional)]
    words: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let href = move |n: i64| {
        let mut q = query.get_untracked();
        q.replace("page", n.to_string());
        format!(
            "{}{}",
            location.pathname.get_untracked(),
            q.to_query_string()
        )
    };
    let (back, forward) = words.unwrap_or(("Previous", "Next"));
    let summary = if summary.is_empty() {
        format!("Page {page} of {pages}")
    } else {
        summary
    };
    let testid = (!testid.is_empty()).then_some(testid);
    view! {
        <nav class="mt-4 flex flex-wrap items-center justify-between gap-3 text-sm" aria-label="Pages">
            <span class="text-slate-500 dark:text-slate-400" data-testid=testid>{summary}</span>
            <span class="flex gap-2">
                {(page > 1).then(|| view! { <a href=href(page - 1) class=BUTTON_QUIET rel="prev">{back}</a> })}
                {(page < pages).then(|| view! { <a href=href(page + 1) class=BUTTON_QUIET rel="next">{forward}</a> })}
            </span>
        </nav>
    }
}
