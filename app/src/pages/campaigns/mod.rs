//! The campaigns pages: /campaigns (every campaign of the imported ad accounts, per platform),
//! /campaigns/:id (one campaign: its days, controls, changes, alerts and suggestions),
//! /campaigns/rules (alert rules), /campaigns/insights (suggestions) and /campaigns/approvals
//! (budget changes waiting for an approver). The pieces they share live
//! here.

mod approvals;
mod detail;
mod insights;
mod list;
mod rules;

use approvals::ApprovalsPage;
use detail::CampaignPage;
use insights::InsightsPage;
use list::CampaignsPage;
use rules::RulesPage;

use leptos::prelude::*;
use leptos_router::components::A;

/// Every campaigns page, behind one lazy route (`/campaigns` and `/campaigns/:section`): in the
/// split build their code is one chunk, so what they share (the header, the view types'
/// decoding) is not carried by the main bundle every first visit downloads.
#[component]
pub fn CampaignsArea() -> impl IntoView {
    let page = super::area_page("/campaigns", |p| {
        Some(match p {
            [] => "list",
            ["rules"] => "rules",
            ["insights"] => "insights",
            ["approvals"] => "approvals",
            _ => "campaign",
        })
    });
    move || match page.get() {
        "list" => view! { <CampaignsPage/> }.into_any(),
        "rules" => view! { <RulesPage/> }.into_any(),
        "insights" => view! { <InsightsPage/> }.into_any(),
        "approvals" => view! { <ApprovalsPage/> }.into_any(),
        _ => view! { <CampaignPage/> }.into_any(),
    }
}

use crate::components::ui::{FilterField, INPUT, SELECT, TAB};

/// The campaigns pages' heading and tab bar (the approval queue only for approvers).
#[component]
pub(super) fn CampaignsHeader(#[prop(into)] text: String) -> impl IntoView {
    let me = crate::components::shell::use_member();
    let approvals = move || {
        Suspend::new(async move {
            let me = match me {
                Some(me) => me.await.ok().flatten(),
                None => None,
            };
            me.filter(|m| m.can("campaigns.approve")).map(|_| {
                view! { <A href="/campaigns/approvals" attr:class=TAB>"Approvals"</A> }
            })
        })
    };
    view! {
        <div class="mb-6">
            <h1 class="page-title">"Campaigns"</h1>
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{text}</p>
            <nav class="mt-4 flex gap-6 overflow-x-auto border-b border-slate-200 dark:border-slate-800" aria-label="Campaigns">
                <A href="/campaigns" exact=true attr:class=TAB>"Campaigns"</A>
                <A href="/campaigns/rules" attr:class=TAB>"Alert rules"</A>
                <A href="/campaigns/insights" attr:class=TAB>"Suggestions"</A>
                <Suspense>{approvals}</Suspense>
            </nav>
        </div>
    }
}

/// A campaign's status as a coloured pill.
#[component]
pub(super) fn CampaignStatus(status: String) -> impl IntoView {
    let (class, label) = match status.as_str() {
        "ACTIVE" => ("bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300", "Active"),
        "PAUSED" => ("bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-400/10 dark:text-amber-300", "Paused"),
        "ARCHIVED" => ("bg-slate-100 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300", "Archived"),
        _ => ("bg-slate-100 text-slate-500 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-400", "Deleted"),
    };
    view! {
        <span class=format!("inline-flex items-center whitespace-nowrap rounded-md px-2 py-0.5 text-xs font-semibold ring-1 ring-inset {class}")
            data-testid="campaign-status" data-status=status>{label}</span>
    }
}

/// Today's pacing, coloured by how it compares with an even pace.
#[component]
pub(super) fn Pacing(state: String, text: String) -> impl IntoView {
    let class = match state.as_str() {
        "over" | "spent" => "text-red-700 dark:text-red-300",
        "under" => "text-amber-700 dark:text-amber-300",
        "on" => "text-emerald-700 dark:text-emerald-300",
        _ => "text-slate-400",
    };
    view! { <span class=format!("text-xs {class}") data-testid="pacing" data-pacing=state>{text}</span> }
}

/// The period fields of a filter form: the last 7, 30 or 90 days, or chosen dates.
#[component]
pub(super) fn PeriodFields(preset: String, from: String, to: String) -> impl IntoView {
    let options = [
        ("7", "Last 7 days"),
        ("30", "Last 30 days"),
        ("90", "Last 90 days"),
        ("custom", "Chosen dates"),
    ]
    .into_iter()
    .map(|(v, l)| view! { <option value=v selected=preset == v>{l}</option> })
    .collect_view();
    view! {
        <FilterField label="Period" for_id="f-range">
            <select id="f-range" name="range" class=SELECT>{options}</select>
        </FilterField>
        <FilterField label="From (chosen dates)" for_id="f-from">
            <input id="f-from" name="from" type="date" value=from class=INPUT/>
        </FilterField>
        <FilterField label="To" for_id="f-to">
            <input id="f-to" name="to" type="date" value=to class=INPUT/>
        </FilterField>
    }
}
