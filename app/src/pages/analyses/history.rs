//! /analyses — the history: filters in the URL, presets, sort, pages of 20, multi-select export.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::*;
use crate::api::analyses::*;
use crate::components::pager::Pager;
use crate::components::ui::{Alert, Badge, Card, EmptyState, Tone};

#[component]
pub fn AnalysesPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).unwrap_or_default();
    let data = Resource::new(
        move || {
            (
                get("q"),
                get("type"),
                get("verdict"),
                get("preset"),
                get("from"),
                get("to"),
                get("sort"),
                get("page").parse::<i64>().unwrap_or(1),
            )
        },
        |(q, t, v, preset, from, to, sort, page)| {
            get_analyses(q, t, v, preset, from, to, sort, page)
        },
    );
    let deleted = move || query.read().get("deleted").is_some();
    let option = move |key: &'static str, value: &'static str, label: &'static str| {
        view! { <option value=value selected=move || get(key) == value>{label}</option> }
    };
    view! {
        <Title text="Analyses · Switchyard"/>
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight text-slate-900 dark:text-white">"Analyses"</h1>
                <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">"Commissioning test reports checked against your standard: grounding, insulation resistance and thermography."</p>
            </div>
        </div>
        {move || deleted().then(|| view! { <div class="mb-4"><Alert tone=Tone::Success>"The analysis and its files were deleted."</Alert></div> })}
        <form method="get" action="/analyses" class="mb-4 grid grid-cols-2 gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-4 lg:grid-cols-8 dark:border-slate-800 dark:bg-slate-900" aria-label="Filter analyses">
            <div class="col-span-2">
                <label class=LABEL for="f-q">"File name"</label>
                <input id="f-q" name="q" type="search" class=INPUT prop:value=move || get("q") placeholder="Search file names"/>
            </div>
            <div>
                <label class=LABEL for="f-type">"Test"</label>
                <select id="f-type" name="type" class=SELECT>
                    {option("type", "", "All tests")}
                    {option("type", "grounding", "Grounding")}
                    {option("type", "insulation", "Insulation")}
                    {option("type", "thermography", "Thermography")}
                </select>
            </div>
            <div>
                <label class=LABEL for="f-verdict">"Verdict"</label>
                <select id="f-verdict" name="verdict" class=SELECT>
                    {option("verdict", "", "Any verdict")}
                    {option("verdict", "REJECTED", "Rejected")}
                    {option("verdict", "APPROVED_WITH_COMMENTS", "With comments")}
                    {option("verdict", "APPROVED", "Approved")}
                </select>
            </div>
            <div>
                <label class=LABEL for="f-preset">"Period"</label>
                <select id="f-preset" name="preset" class=SELECT>
                    {option("preset", "", "Any time")}
                    {option("preset", "today", "Today")}
                    {option("preset", "week", "This week")}
                    {option("preset", "month", "This month")}
                    {option("preset", "last_month", "Last month")}
                </select>
            </div>
            <div>
                <label class=LABEL for="f-from">"From"</label>
                <input id="f-from" name="from" type="date" class=INPUT prop:value=move || get("from")/>
            </div>
            <div>
                <label class=LABEL for="f-to">"To"</label>
                <input id="f-to" name="to" type="date" class=INPUT prop:value=move || get("to")/>
            </div>
            <div>
                <label class=LABEL for="f-sort">"Sort"</label>
                <select id="f-sort" name="sort" class=SELECT>
                    {option("sort", "", "Newest first")}
                    {option("sort", "date_asc", "Oldest first")}
                    {option("sort", "score", "Highest score")}
                    {option("sort", "score_asc", "Lowest score")}
                </select>
            </div>
            <div class="col-span-2 flex items-end gap-2 sm:col-span-4 lg:col-span-8">
                <button type="submit" class=BUTTON>"Apply filters"</button>
                <a href="/analyses" class=BUTTON_QUIET>"Clear"</a>
            </div>
        </form>
        <Loaded resource=data render={move |d: AnalysesPage| {
            let new_button = d.can_run.then(|| view! { <a href="/analyses/new" class=BUTTON data-testid="new-analysis">"New analysis"</a> });
            if d.rows.is_empty() {
                return view! {
                    <div class="space-y-4">
                        <div class="flex justify-end">{new_button}</div>
                        <EmptyState title="No analyses match" text="Upload a test report to get a verdict, or change the filters."/>
                    </div>
                }.into_any();
            }
            let rows = d.rows.clone().into_iter().map(|r| {
                let href = format!("/analyses/{}", r.id);
                view! {
                    <tr data-testid="analysis-row">
                        <td class=TD><input type="checkbox" name="ids" value=r.id.clone() aria-label=format!("Select {}", r.filename) class="h-4 w-4 rounded border-slate-300"/></td>
                        <td class=TD>
                            <a href=href class="font-medium text-indigo-700 hover:underline dark:text-indigo-300">{r.filename.clone()}</a>
                            {(r.version > 1).then(|| view! { <span class="ml-2"><Badge text=format!("v{}", r.version)/></span> })}
                            <p class="text-xs text-slate-500">{r.test_label.clone()}</p>
                        </td>
                        <td class=TD><StatusBadge status=r.status.clone()/></td>
                        <td class=TD>
                            <VerdictBadge verdict=r.verdict.clone()/>
                            {r.requires_review.then(|| view! { <p class="mt-1 text-xs text-amber-700 dark:text-amber-300">"Requires review"</p> })}
                        </td>
                        <td class=format!("{TD} text-right tabular-nums")>{r.score.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                        <td class=TD>{r.creator.clone()}</td>
                        <td class=format!("{TD} whitespace-nowrap")>{r.created.clone()}</td>
                    </tr>
                }
            }).collect_view();
            view! {
                <Card>
                    <form method="post" action="/analyses/export">
                        <div class="mb-3 flex flex-wrap items-center justify-between gap-3">
                            <p class="text-sm text-slate-600 dark:text-slate-400">{if d.total == 1 { "1 analysis".to_string() } else { format!("{} analyses", d.total) }}</p>
                            <div class="flex flex-wrap items-center gap-2">
                                <span class="text-xs text-slate-500">"Export selected:"</span>
                                <button type="submit" name="format" value="json" class=BUTTON_QUIET>"JSON"</button>
                                <button type="submit" name="format" value="csv" class=BUTTON_QUIET>"CSV"</button>
                                {new_button}
                            </div>
                        </div>
                        <div class="-mx-5 overflow-x-auto">
                            <table class=TABLE>
                                <thead><tr>
                                    <th class=TH><span class="sr-only">"Select"</span></th>
                                    <th class=TH>"Report"</th><th class=TH>"Status"</th><th class=TH>"Verdict"</th>
                                    <th class=format!("{TH} text-right")>"Score"</th><th class=TH>"By"</th><th class=TH>"Uploaded"</th>
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                            </table>
                        </div>
                    </form>
                    <Pager page=d.page pages=d.pages/>
                </Card>
            }.into_any()
        }}/>
    }
}
