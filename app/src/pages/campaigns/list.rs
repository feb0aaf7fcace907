//! /campaigns — every campaign of the imported ad accounts over a period: per platform and
//! currency (never added across them) its totals and a chart of spend against purchase value
//! per day, then the campaigns with their figures and today's budget pacing, filtered and
//! sorted through the address.

use std::cmp::Ordering;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{CampaignStatus, CampaignsHeader, Pacing, PeriodFields};
use crate::api::campaigns::*;
use crate::components::chart::{Chart, ChartKind, Series};
use crate::components::table::{Column, DataTable, Sort};
use crate::components::ui::{
    Alert, Card, EmptyState, FilterBar, FilterField, Loaded, Tone, INPUT, SELECT, TD,
};

const COLUMNS: &[Column] = &[
    Column::new("name", "Campaign").sortable(),
    Column::new("status", "Status").sortable(),
    Column::new("budget", "Budget"),
    Column::new("pacing", "Pacing today"),
    Column::new("spend", "Spend").sortable().numeric(),
    Column::new("impressions", "Impr.")
        .numeric()
        .class("hidden xl:table-cell"),
    Column::new("ctr", "CTR").sortable().numeric(),
    Column::new("cpc", "CPC")
        .numeric()
        .class("hidden xl:table-cell"),
    Column::new("cpa", "CPA").sortable().numeric(),
    Column::new("roas", "ROAS").sortable().numeric(),
];

fn compare(key: &str, a: &CampaignLineView, b: &CampaignLineView) -> Ordering {
    let f = |x: f64, y: f64| x.partial_cmp(&y).unwrap_or(Ordering::Equal);
    match key {
        "status" => a.status.cmp(&b.status),
        "spend" => a.figures.spend_minor.cmp(&b.figures.spend_minor),
        "ctr" => f(a.figures.ctr_value, b.figures.ctr_value),
        "cpa" => a.figures.cpa_minor.cmp(&b.figures.cpa_minor),
        "roas" => f(a.figures.roas_value, b.figures.roas_value),
        _ => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
    }
}

#[component]
pub fn CampaignsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).unwrap_or_default();
    let data = Resource::new(
        move || {
            [
                get("range"),
                get("from"),
                get("to"),
                get("platform"),
                get("status"),
                get("q"),
            ]
        },
        |[range, from, to, platform, status, q]| {
            get_campaigns(range, from, to, platform, status, q)
        },
    );
    view! {
        <Title text="Campaigns · Switchyard"/>
        <CampaignsHeader text="Meta and TikTok campaigns of the imported ad accounts. Figures are per platform and currency, never added across them."/>
        <Loaded resource=data render=move |v: CampaignsView| {
            let option = move |key: &'static str, value: &'static str, label: &'static str| {
                view! { <option value=value selected=get(key) == value>{label}</option> }
            };
            let filters = view! {
                <FilterBar action="/campaigns" columns="lg:grid-cols-7">
                    <PeriodFields preset=v.preset.clone() from=v.from.clone() to=v.to.clone()/>
                    <FilterField label="Platform" for_id="f-platform">
                        <select id="f-platform" name="platform" class=SELECT>
                            {option("platform", "", "All platforms")}
                            {option("platform", "meta", "Meta")}
                            {option("platform", "tiktok", "TikTok")}
                        </select>
                    </FilterField>
                    <FilterField label="Status" for_id="f-status">
                        <select id="f-status" name="status" class=SELECT>
                            {option("status", "", "Any status")}
                            {option("status", "ACTIVE", "Active")}
                            {option("status", "PAUSED", "Paused")}
                            {option("status", "ARCHIVED", "Archived")}
                            {option("status", "DELETED", "Deleted")}
                        </select>
                    </FilterField>
                    <FilterField label="Name" for_id="f-q">
                        <input id="f-q" name="q" type="search" value=get("q") placeholder="Campaign or account" class=INPUT/>
                    </FilterField>
                </FilterBar>
            };
            let waiting = v.waiting.filter(|n| *n > 0).map(|n| view! {
                <div class="mb-4" data-testid="waiting-approvals">
                    <Alert tone=Tone::Info>
                        {format!("{n} budget {} waiting for your approval. ", if n == 1 { "change is" } else { "changes are" })}
                        <a href="/campaigns/approvals" class="font-medium underline">"Open the approval queue"</a>
                    </Alert>
                </div>
            });
            if !v.any_campaign {
                let text = if v.can_manage {
                    "Connect a Meta or TikTok ad account in Settings → Ad accounts and import it: its campaigns appear here after the first sync."
                } else {
                    "Nobody has imported an ad account yet: a member who manages campaigns connects one in Settings."
                };
                let link = v.can_manage.then(|| view! {
                    <p class="mt-4 text-center"><a href="/settings/ad-accounts" class="text-sm font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">"Go to Settings → Ad accounts"</a></p>
                });
                return view! { {waiting} <EmptyState title="No campaigns yet" text/> {link} }.into_any();
            }
            let several = v.groups.len() > 1;
            let groups = v.groups.iter().map(|g| view! { <GroupCard g=g.clone() period=v.period.clone()/> }).collect_view();
            let sort = Sort::from_query(&query.get_untracked(), COLUMNS, "spend", true);
            let mut rows = v.lines.clone();
            sort.apply(&mut rows, compare);
            let table = view! {
                <DataTable columns=COLUMNS rows sort label="Campaigns"
                    empty_title="No campaign matches" empty_text="Change the filters above, or clear them."
                    row=|l: CampaignLineView| view! {
                        <tr data-testid="campaign-row">
                            <td class=TD>
                                <a href=format!("/campaigns/{}", l.id) class="font-medium text-slate-900 hover:text-brand-600 dark:text-white dark:hover:text-brand-400">{l.name.clone()}</a>
                                <p class="text-xs text-slate-500">{format!("{} · {}", l.platform, l.account)}</p>
                            </td>
                            <td class=TD><CampaignStatus status=l.status.clone()/></td>
                            <td class=format!("{TD} whitespace-nowrap text-xs")>{l.budget.clone()}</td>
                            <td class=TD><Pacing state=l.pacing_state.clone() text=l.pacing.clone()/></td>
                            <td class=format!("{TD} whitespace-nowrap text-right tabular-nums") data-testid="spend">{l.figures.spend.clone()}</td>
                            <td class=format!("{TD} hidden text-right tabular-nums xl:table-cell")>{l.figures.impressions.clone()}</td>
                            <td class=format!("{TD} whitespace-nowrap text-right tabular-nums")>{l.figures.ctr.clone()}</td>
                            <td class=format!("{TD} hidden whitespace-nowrap text-right tabular-nums xl:table-cell")>{l.figures.cpc.clone()}</td>
                            <td class=format!("{TD} whitespace-nowrap text-right tabular-nums")>{l.figures.cpa.clone()}</td>
                            <td class=format!("{TD} text-right font-medium tabular-nums") data-testid="roas">{l.figures.roas.clone()}</td>
                        </tr>
                    }/>
            };
            view! {
                {waiting}
                <div class="mb-6">{filters}</div>
                <p class="mb-4 text-sm text-slate-500 dark:text-slate-400" data-testid="period">{v.period.clone()}</p>
                <div class=if several { "mb-6 grid gap-6 xl:grid-cols-2" } else { "mb-6 grid gap-6" }>{groups}</div>
                <Card title="Campaigns">{table}</Card>
            }.into_any()
        }/>
    }
}

/// One platform in one currency: its totals and its days.
#[component]
fn GroupCard(g: PlatformGroupView, period: String) -> impl IntoView {
    let figure = |label: &'static str, value: String| {
        view! {
            <div>
                <dt class="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</dt>
                <dd class="mt-1 whitespace-nowrap text-base font-semibold tabular-nums text-slate-900 dark:text-white">{value}</dd>
            </div>
        }
    };
    let f = g.figures.clone();
    let platform = g.platform.clone();
    let title = format!(
        "{} · {} · {} {}",
        g.platform,
        g.currency,
        g.campaigns,
        if g.campaigns == 1 {
            "campaign"
        } else {
            "campaigns"
        }
    );
    view! {
        <div data-testid="platform-totals" data-platform=platform>
            <Card title=title>
                <dl class="mb-4 grid grid-cols-2 gap-4 sm:grid-cols-3 2xl:grid-cols-6">
                    {figure("Spend", f.spend.clone())}
                    {figure("Purchase value", f.value.clone())}
                    {figure("ROAS", f.roas.clone())}
                    {figure("CPA", f.cpa.clone())}
                    {figure("CTR", f.ctr.clone())}
                    {figure("CPC", f.cpc.clone())}
                </dl>
                <Chart kind=ChartKind::Lines labels=g.labels.clone()
                    series=vec![Series::new("Spend", g.spend.clone()), Series::new("Purchase value", g.value.clone())]
                    unit=g.currency.clone()
                    label=format!("{} spend against purchase value per day, {period}", g.platform)
                    caption=format!("{} spent, {} in purchases", f.spend, f.value)/>
            </Card>
        </div>
    }
}
