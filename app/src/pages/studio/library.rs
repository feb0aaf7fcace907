//! /campaigns/studio/library — every generated piece, newest first, filtered by kind and text
//! (filters in the address), open rates per campaign, and the export.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::StudioHeader;
use crate::api::studio::{get_library, LibraryView};
use crate::components::ui::{
    Card, EmptyState, FilterBar, FilterField, Loaded, BUTTON_SECONDARY, INPUT, SELECT, TABLE, TD,
    TH,
};

#[component]
pub fn LibraryPage() -> impl IntoView {
    let query = use_query_map();
    let filters = move || {
        let q = query.read();
        (
            q.get("kind").unwrap_or_default(),
            q.get("q").unwrap_or_default(),
        )
    };
    let data = Resource::new(filters, |(kind, q)| get_library(kind, q));
    view! {
        <Title text="Library · Content studio · Switchyard"/>
        <StudioHeader text="Every email and post written here, with its versions and opens."/>
        <div class="mb-4 flex flex-wrap items-end justify-between gap-3">
            {move || {
                let (kind, q) = filters();
                view! {
                    <FilterBar action="/campaigns/studio/library" columns="lg:grid-cols-3">
                        <FilterField label="Kind" for_id="f-kind">
                            <select id="f-kind" name="kind" class=SELECT>
                                <option value="" selected=kind.is_empty()>"Emails and posts"</option>
                                <option value="email" selected=kind == "email">"Emails"</option>
                                <option value="post" selected=kind == "post">"Posts"</option>
                            </select>
                        </FilterField>
                        <FilterField label="Title or campaign" for_id="f-q">
                            <input id="f-q" name="q" value=q class=INPUT/>
                        </FilterField>
                    </FilterBar>
                }
            }}
            <a href="/campaigns/studio/export/library" class=BUTTON_SECONDARY rel="external" download="">"Export CSV"</a>
        </div>
        <Loaded resource=data render=move |v: LibraryView| view! { <Library v/> }/>
    }
}

#[component]
fn Library(v: LibraryView) -> impl IntoView {
    let rates = (!v.rates.is_empty()).then(|| {
        let rows = v.rates.iter().map(|(c, sent, opened, rate)| view! {
            <tr data-testid="open-rate">
                <td class=TD>{c.clone()}</td><td class=TD>{*sent}</td><td class=TD>{*opened}</td>
                <td class=format!("{TD} font-semibold")>{rate.clone()}</td>
            </tr>
        }).collect_view();
        view! {
            <Card title="Open rates (emails marked sent; a person's opens only)">
                <table class=TABLE>
                    <thead><tr><th class=TH>"Campaign"</th><th class=TH>"Sent"</th><th class=TH>"Opened"</th><th class=TH>"Rate"</th></tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                </table>
            </Card>
        }
    });
    let list = if v.rows.is_empty() {
        view! { <EmptyState title="Nothing written yet" text="Write an outreach email or a LinkedIn post: it is kept here with every version."/> }.into_any()
    } else {
        let rows = v.rows.into_iter().map(|r| {
            let opens = if r.kind == "email" {
                format!("{} by a person · {} machine", r.human_opens, r.machine_opens)
            } else {
                "—".into()
            };
            view! {
                <tr data-testid="library-row">
                    <td class=TD>
                        <a class="font-medium text-brand-700 hover:underline dark:text-brand-300" href=format!("/campaigns/studio/pieces/{}", r.id)>{r.title.clone()}</a>
                        <p class="line-clamp-1 max-w-md text-xs text-slate-500">{r.head.clone()}</p>
                    </td>
                    <td class=TD>{if r.kind == "email" { "Email" } else { "Post" }}</td>
                    <td class=TD>{r.campaign.clone()}</td>
                    <td class=TD>{format!("v{} · {}", r.version, r.source)}</td>
                    <td class=TD>{if r.sent { "Sent" } else { "Draft" }}</td>
                    <td class=TD>{opens}</td>
                    <td class=TD>{r.created.clone()}</td>
                </tr>
            }
        }).collect_view();
        view! {
            <div class="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                <table class=TABLE>
                    <thead><tr>
                        <th class=TH>"Piece"</th><th class=TH>"Kind"</th><th class=TH>"Campaign"</th><th class=TH>"Version"</th>
                        <th class=TH>"State"</th><th class=TH>"Opens"</th><th class=TH>"Written"</th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                </table>
            </div>
        }.into_any()
    };
    view! { <div class="space-y-6">{rates}{list}</div> }
}
