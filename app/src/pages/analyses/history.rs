//! /analyses — the history: filters in the URL, presets, sort, pages of 20, multi-select export.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::*;
use crate::api::analyses::*;
use crate::components::pager::Pager;
use crate::components::table::{Column, DataTable, SelectCell, Sort};
use crate::components::ui::{Alert, Badge, Card, EmptyState, FilterBar, FilterField, Tone};

/// The history's columns; the report's date and score order the list.
const COLUMNS: &[Column] = &[
    Column::new("report", "Report"),
    Column::new("status", "Status"),
    Column::new("verdict", "Verdict"),
    Column::new("score", "Score").sortable().numeric(),
    Column::new("by", "By"),
    Column::new("date", "Uploaded").sortable(),
];

/// The order the history's server function understands, from the address's `sort` and `dir`
/// (the header links); older addresses' `sort=date_asc` / `score_asc` pass through.
fn server_sort(sort: &str, dir: &str) -> String {
    match (sort, dir) {
        ("score", "asc") => "score_asc",
        ("score", _) => "score",
        ("date", "asc") => "date_asc",
        ("date", _) => "",
        (other, _) => other,
    }
    .to_string()
}

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
                server_sort(&get("sort"), &get("dir")),
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
                <h1 class="page-title">"Analyses"</h1>
                <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">"Commissioning test reports checked against your standard: grounding, insulation resistance and thermography."</p>
            </div>
        </div>
        {move || deleted().then(|| view! { <div class="mb-4"><Alert tone=Tone::Success>"The analysis and its files were deleted."</Alert></div> })}
        <div class="mb-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <FilterBar action="/analyses" columns="lg:grid-cols-8">
                <div class="sm:col-span-2">
                    <FilterField label="File name" for_id="f-q">
                        <input id="f-q" name="q" type="search" class=INPUT prop:value=move || get("q") placeholder="Search file names"/>
                    </FilterField>
                </div>
                <FilterField label="Test" for_id="f-type">
                    <select id="f-type" name="type" class=SELECT>
                        {option("type", "", "All tests")}
                        {option("type", "grounding", "Grounding")}
                        {option("type", "insulation", "Insulation")}
                        {option("type", "thermography", "Thermography")}
                    </select>
                </FilterField>
                <FilterField label="Verdict" for_id="f-verdict">
                    <select id="f-verdict" name="verdict" class=SELECT>
                        {option("verdict", "", "Any verdict")}
                        {option("verdict", "REJECTED", "Rejected")}
                        {option("verdict", "APPROVED_WITH_COMMENTS", "With comments")}
                        {option("verdict", "APPROVED", "Approved")}
                    </select>
                </FilterField>
                <FilterField label="Period" for_id="f-preset">
                    <select id="f-preset" name="preset" class=SELECT>
                        {option("preset", "", "Any time")}
                        {option("preset", "today", "Today")}
                        {option("preset", "week", "This week")}
                        {option("preset", "month", "This month")}
                        {option("preset", "last_month", "Last month")}
                    </select>
                </FilterField>
                <FilterField label="From" for_id="f-from">
                    <input id="f-from" name="from" type="date" class=INPUT prop:value=move || get("from")/>
                </FilterField>
                <FilterField label="To" for_id="f-to">
                    <input id="f-to" name="to" type="date" class=INPUT prop:value=move || get("to")/>
                </FilterField>
                // The order chosen by a column header stays when the filters change.
                <input type="hidden" name="sort" value=move || get("sort")/>
                <input type="hidden" name="dir" value=move || get("dir")/>
            </FilterBar>
        </div>
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
            let sort = Sort::from_query(&query.read_untracked(), COLUMNS, "date", true);
            let row = |r: AnalysisSummary| {
                let href = format!("/analyses/{}", r.id);
                view! {
                    <tr data-testid="analysis-row">
                        <SelectCell name="ids" value=r.id.clone() label=format!("Select {}", r.filename)/>
                        <td class=TD>
                            <a href=href class="font-medium text-brand-700 hover:underline dark:text-brand-300">{r.filename.clone()}</a>
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
            };
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
                        <DataTable columns=COLUMNS rows=d.rows.clone() row sort select="ids" label="Analyses"
                            empty_title="No analyses match" empty_text="Change the filters."/>
                    </form>
                    <Pager page=d.page pages=d.pages/>
                </Card>
            }.into_any()
        }}/>
    }
}
