//! /audit — the company's audit log: filter by member, action and dates (kept in the URL, so
//! the form works without JavaScript and a filtered view can be bookmarked), pages of 50, and
//! a CSV export of everything the filter matches.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::{get_audit, AuditEntry, AuditPage};
use crate::components::pager::Pager;
use crate::components::table::{Column, DataTable};
use crate::components::ui::{
    Alert, Badge, Card, EmptyState, FilterBar, FilterField, Tone, BUTTON_QUIET, INPUT, SELECT, TD,
};

const COLUMNS: &[Column] = &[
    Column::new("time", "Time"),
    Column::new("member", "Member"),
    Column::new("action", "Action"),
    Column::new("target", "Target").class("hidden md:table-cell"),
    Column::new("ip", "IP").class("hidden lg:table-cell"),
    Column::new("details", "Details").class("hidden xl:table-cell"),
];

#[derive(Clone, Default, PartialEq)]
struct Query {
    actor: String,
    action: String,
    from: String,
    to: String,
    page: i64,
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || {
        let m = query.read();
        Query {
            actor: m.get("actor").unwrap_or_default(),
            action: m.get("action").unwrap_or_default(),
            from: m.get("from").unwrap_or_default(),
            to: m.get("to").unwrap_or_default(),
            page: m.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        }
    };
    let data = Resource::new(q, |q| get_audit(q.actor, q.action, q.from, q.to, q.page));
    view! {
        <Title text="Audit log · Switchyard"/>
        <h1 class="page-title">"Audit log"</h1>
        <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">"Who did what, when and from where. Times are in the company's time zone."</p>
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let current = q();
                match data.await {
                    Err(e) => view! { <div class="mt-6"><Alert tone=Tone::Error>{e.message}</Alert></div><FilterForm q=current p=None/> }.into_any(),
                    Ok(p) => view! { <FilterForm q=current p=Some(p.clone())/><Results p/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FilterForm(q: Query, p: Option<AuditPage>) -> impl IntoView {
    let (actors, actions) = p.map(|p| (p.actors, p.actions)).unwrap_or_default();
    let export = q.clone();
    view! {
        <div class="mt-6">
            <Card>
                <FilterBar action="/audit">
                    <FilterField label="Member" for_id="f-actor">
                        <select id="f-actor" name="actor" class=SELECT>
                            <option value="">"Anyone"</option>
                            {actors.into_iter().map(|(id, name)| { let sel = id == q.actor; view! { <option value=id selected=sel>{name}</option> } }).collect_view()}
                        </select>
                    </FilterField>
                    <FilterField label="Action" for_id="f-action">
                        <select id="f-action" name="action" class=SELECT>
                            <option value="">"Any action"</option>
                            {actions.into_iter().map(|a| { let sel = a == q.action; let text = a.clone(); view! { <option value=a selected=sel>{text}</option> } }).collect_view()}
                        </select>
                    </FilterField>
                    <FilterField label="From" for_id="f-from">
                        <input id="f-from" name="from" type="date" value=q.from.clone() class=INPUT/>
                    </FilterField>
                    <FilterField label="To" for_id="f-to">
                        <input id="f-to" name="to" type="date" value=q.to.clone() class=INPUT/>
                    </FilterField>
                </FilterBar>
                <form method="post" action="/audit/export" class="mt-3 border-t border-slate-100 pt-3 dark:border-slate-800">
                    <input type="hidden" name="actor" value=export.actor/>
                    <input type="hidden" name="action" value=export.action/>
                    <input type="hidden" name="from" value=export.from/>
                    <input type="hidden" name="to" value=export.to/>
                    <button type="submit" class=BUTTON_QUIET>"Export CSV"</button>
                    <span class="ml-2 text-xs text-slate-500">"Everything this filter matches, up to 50,000 entries."</span>
                </form>
            </Card>
        </div>
    }
}

#[component]
fn Results(p: AuditPage) -> impl IntoView {
    let row = |e: AuditEntry| {
        let warn = e.action.ends_with("FAILED")
            || e.action.contains("DELETED")
            || e.action.contains("REVOKED");
        view! {
            <tr data-testid="audit-row">
                <td class=format!("{TD} whitespace-nowrap tabular-nums text-xs")>{e.when}</td>
                <td class=TD>{e.actor}</td>
                <td class=TD><Badge text=e.action warn/></td>
                <td class=format!("{TD} hidden text-xs md:table-cell")>{e.target}</td>
                <td class=format!("{TD} hidden text-xs lg:table-cell")>{e.ip}</td>
                <td class=format!("{TD} hidden max-w-xs truncate font-mono text-xs xl:table-cell")>{e.details}</td>
            </tr>
        }
    };
    if p.entries.is_empty() {
        return view! { <div class="mt-6"><EmptyState title="Nothing matches" text="Change or clear the filter."/></div> }.into_any();
    }
    view! {
        <div class="mt-6">
            <Card>
                <DataTable columns=COLUMNS rows=p.entries row label="Audit log"
                    empty_title="Nothing matches" empty_text="Change or clear the filter."/>
                <Pager page=p.page pages=p.pages testid="audit-count" summary=format!("{} entries · page {} of {}", p.total, p.page, p.pages)/>
            </Card>
        </div>
    }.into_any()
}
