//! /campaigns/:id — one campaign over a period: its figures and today's pacing, the controls
//! (pause or resume; a new daily budget with a preview of today's pacing, a large rise
//! waiting for an approver), the chart and table of its days, its changes with the platform's
//! answers, the alerts that fired for it and the suggestions made for it (decided on the
//! Suggestions tab).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{CampaignStatus, CampaignsHeader, Pacing, PeriodFields};
use crate::api::campaigns::*;
use crate::components::chart::{Chart, ChartKind, Series};
use crate::components::ui::{
    Alert, Card, EmptyState, FilterBar, LastSaid, Loaded, Tone, BUTTON, BUTTON_QUIET,
    BUTTON_SECONDARY, INPUT, TABLE, TD, TH,
};

#[component]
pub fn CampaignPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let status = ServerAction::<ChangeCampaignStatus>::new();
    let budget = ServerAction::<ChangeCampaignBudget>::new();
    let resubmit = ServerAction::<ResubmitChange>::new();
    let data = Resource::new(
        move || {
            (
                params.read().get("section").unwrap_or_default(),
                [
                    query.read().get("range").unwrap_or_default(),
                    query.read().get("from").unwrap_or_default(),
                    query.read().get("to").unwrap_or_default(),
                ],
                (
                    status.version().get(),
                    budget.version().get(),
                    resubmit.version().get(),
                ),
            )
        },
        |(id, [range, from, to], _)| get_campaign(id, range, from, to),
    );
    let answers = vec![
        (status.version(), status.value().into()),
        (budget.version(), budget.value().into()),
        (resubmit.version(), resubmit.value().into()),
    ];
    view! {
        <Title text="Campaign · Switchyard"/>
        <CampaignsHeader text="One campaign: its days, its controls and what happened to it."/>
        <LastSaid answers/>
        <Loaded resource=data render=move |v: CampaignView| {
            let l = v.line.clone();
            let f = l.figures.clone();
            let figure = |label: &'static str, value: String| view! {
                <div>
                    <dt class="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</dt>
                    <dd class="mt-1 whitespace-nowrap text-base font-semibold tabular-nums text-slate-900 dark:text-white">{value}</dd>
                </div>
            };
            let reconnect = l.reconnect.then(|| view! {
                <div class="mb-4"><Alert tone=Tone::Error>"The platform no longer accepts this account's connection: connect it again in Settings → Ad accounts before changing anything."</Alert></div>
            });
            let controls = v.can_manage.then(|| view! { <Controls v=v.clone() status budget/> });
            let action = format!("/campaigns/{}", l.id);
            view! {
                <Title text=format!("{} · Campaigns · Switchyard", l.name)/>
                {reconnect}
                <div class="mb-6 flex flex-wrap items-start justify-between gap-4">
                    <div>
                        <h2 class="text-xl font-semibold text-slate-900 dark:text-white" data-testid="campaign-name">{l.name.clone()}</h2>
                        <p class="mt-1 text-sm text-slate-500">{format!("{} · {}{}", l.platform, l.account, if l.objective.is_empty() { String::new() } else { format!(" · {}", l.objective) })}</p>
                        <div class="mt-2 flex flex-wrap items-center gap-3 text-sm">
                            <CampaignStatus status=l.status.clone()/>
                            <span class="text-slate-600 dark:text-slate-300" data-testid="budget">{l.budget.clone()}</span>
                            <Pacing state=l.pacing_state.clone() text=l.pacing.clone()/>
                        </div>
                    </div>
                </div>
                {controls}
                <div class="mb-6">
                    <FilterBar action columns="lg:grid-cols-4">
                        <PeriodFields preset=v.preset.clone() from=v.from.clone() to=v.to.clone()/>
                    </FilterBar>
                </div>
                <div class="space-y-6">
                    <Card title=format!("{} · {}", v.period, l.currency)>
                        <dl class="mb-4 grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-5 2xl:grid-cols-9" data-testid="campaign-figures">
                            {figure("Spend", f.spend.clone())}
                            {figure("Impressions", f.impressions.clone())}
                            {figure("Clicks", f.clicks.clone())}
                            {figure("CTR", f.ctr.clone())}
                            {figure("CPC", f.cpc.clone())}
                            {figure("Purchases", f.conversions.clone())}
                            {figure("CPA", f.cpa.clone())}
                            {figure("Purchase value", f.value.clone())}
                            {figure("ROAS", f.roas.clone())}
                        </dl>
                        <Chart kind=ChartKind::Lines labels=v.labels.clone()
                            series=vec![Series::new("Spend", v.spend.clone()), Series::new("Purchase value", v.value.clone())]
                            unit=l.currency.clone()
                            label=format!("Spend against purchase value per day, {}", v.period)
                            caption=format!("{} spent, {} in purchases", f.spend, f.value)/>
                    </Card>
                    <Days days=v.days.clone()/>
                    <Changes changes=v.changes.clone() resubmit/>
                    <Firings firings=v.firings.clone()/>
                    <Insights insights=v.insights.clone() can_manage=v.can_manage/>
                </div>
            }.into_any()
        }/>
    }
}

/// Pause or resume, and a new daily budget with a preview of today's pacing (once hydrated).
#[component]
fn Controls(
    v: CampaignView,
    status: ServerAction<ChangeCampaignStatus>,
    budget: ServerAction<ChangeCampaignBudget>,
) -> impl IntoView {
    let preview = ServerAction::<PreviewCampaignBudget>::new();
    let (pause, label) = match v.status.as_str() {
        "ACTIVE" => (Some("pause"), "Pause campaign"),
        "PAUSED" => (Some("resume"), "Resume campaign"),
        _ => (None, ""),
    };
    let (id, request_id, version) = (
        v.line.id.clone(),
        v.request_id.clone(),
        v.version.to_string(),
    );
    let (id2, request_id2, version2) = (id.clone(), request_id.clone(), version.clone());
    let daily_budget = v.daily_budget.clone();
    let status_form = pause.map(|act| {
        view! {
            <ActionForm action=status>
                <input type="hidden" name="campaign_id" value=id.clone()/>
                <input type="hidden" name="version" value=version.clone()/>
                <input type="hidden" name="request_id" value=request_id.clone()/>
                <input type="hidden" name="action" value=act/>
                <button type="submit" class=BUTTON_SECONDARY>{label}</button>
            </ActionForm>
        }
    });
    let campaign_id = v.line.id.clone();
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if !value.trim().is_empty() {
            preview.dispatch(PreviewCampaignBudget {
                campaign_id: campaign_id.clone(),
                budget: value,
            });
        }
    };
    let budget_error = move || {
        budget
            .value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field("budget"))
    };
    let previewed = move || {
        preview.value().get().map(|r| match r {
            Ok(p) => view! {
                <div class="mt-2 text-xs text-slate-600 dark:text-slate-300" data-testid="budget-preview">
                    <p>{p.change}</p>
                    <p>{format!("Today's pacing: {} now, {} with the new budget.", p.pacing_now, p.pacing_new)}</p>
                    {p.needs_approval.map(|r| view! { <p class="mt-1 font-medium text-amber-700 dark:text-amber-300">{format!("Needs an approver: {r}")}</p> })}
                </div>
            }.into_any(),
            Err(e) => view! { <p class="mt-2 text-xs text-red-700 dark:text-red-300" data-testid="budget-preview">{e.message}</p> }.into_any(),
        })
    };
    let budget_form = (!v.daily_budget.is_empty()).then(|| {
        view! {
            <ActionForm action=budget attr:class="flex flex-wrap items-end gap-3">
                <input type="hidden" name="campaign_id" value=id2/>
                <input type="hidden" name="version" value=version2/>
                <input type="hidden" name="request_id" value=request_id2/>
                <div>
                    <label for="f-budget" class="block text-sm font-medium text-slate-700 dark:text-slate-300">{format!("Daily budget ({})", v.line.currency)}</label>
                    <input id="f-budget" name="budget" inputmode="decimal" value=daily_budget on:input=on_input
                        aria-describedby="f-budget-help" class=format!("mt-1 w-40 {INPUT}")/>
                </div>
                <button type="submit" class=BUTTON>"Change budget"</button>
            </ActionForm>
            <p id="f-budget-help" class="mt-1 text-xs text-slate-500">"A rise of more than 50 % in one change, or above the company's cap, waits for an approver."</p>
            {move || budget_error().map(|e| view! { <p class="mt-1 text-sm text-red-600 dark:text-red-400">{e}</p> })}
            {previewed}
        }
    });
    let no_budget = v.daily_budget.is_empty().then(|| view! {
        <p class="text-sm text-slate-500">"This campaign has no daily budget of its own (a lifetime budget, or budgets on its ad sets): change it on the platform."</p>
    });
    view! {
        <div class="mb-6">
            <Card title="Controls">
                <div class="flex flex-wrap items-start gap-8">
                    <div>{budget_form}{no_budget}</div>
                    <div class="flex items-end">{status_form}</div>
                </div>
            </Card>
        </div>
    }
}

#[component]
fn Days(days: Vec<DayView>) -> impl IntoView {
    let rows = days
        .into_iter()
        .map(|d| {
            let f = d.figures;
            view! {
                <tr data-testid="day-row">
                    <td class=format!("{TD} whitespace-nowrap")>{d.day}</td>
                    <td class=format!("{TD} text-right tabular-nums whitespace-nowrap")>{f.spend}</td>
                    <td class=format!("{TD} text-right tabular-nums")>{f.impressions}</td>
                    <td class=format!("{TD} text-right tabular-nums")>{f.clicks}</td>
                    <td class=format!("{TD} text-right tabular-nums")>{f.ctr}</td>
                    <td class=format!("{TD} text-right tabular-nums whitespace-nowrap")>{f.cpc}</td>
                    <td class=format!("{TD} text-right tabular-nums")>{f.conversions}</td>
                    <td class=format!("{TD} text-right tabular-nums whitespace-nowrap")>{f.cpa}</td>
                    <td class=format!("{TD} text-right tabular-nums whitespace-nowrap")>{f.value}</td>
                    <td class=format!("{TD} text-right tabular-nums")>{f.roas}</td>
                </tr>
            }
        })
        .collect_view();
    let th = |label: &'static str| view! { <th scope="col" class=format!("{TH} text-right")>{label}</th> };
    view! {
        <Card title="Days">
            <div class="-mx-5 max-h-96 overflow-auto">
                <table class=TABLE aria-label="The campaign's days">
                    <thead><tr>
                        <th scope="col" class=TH>"Day"</th>
                        {th("Spend")}{th("Impr.")}{th("Clicks")}{th("CTR")}{th("CPC")}{th("Purchases")}{th("CPA")}{th("Value")}{th("ROAS")}
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                </table>
            </div>
        </Card>
    }
}

/// A change's state as a pill.
fn state_pill(state: &str) -> impl IntoView {
    let (class, label) = match state {
        "applied" => ("bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300", "Applied"),
        "pending" => ("bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-400/10 dark:text-amber-300", "Waiting for approval"),
        "rejected" => ("bg-red-50 text-red-700 ring-red-600/20 dark:bg-red-500/10 dark:text-red-300", "Rejected"),
        "failed" => ("bg-red-50 text-red-700 ring-red-600/20 dark:bg-red-500/10 dark:text-red-300", "Refused by the platform"),
        _ => ("bg-slate-100 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300", "Being applied"),
    };
    view! {
        <span class=format!("inline-flex items-center whitespace-nowrap rounded-md px-2 py-0.5 text-xs font-semibold ring-1 ring-inset {class}")
            data-testid="change-state" data-state=state.to_string()>{label}</span>
    }
}

#[component]
fn Changes(changes: Vec<ChangeView>, resubmit: ServerAction<ResubmitChange>) -> impl IntoView {
    if changes.is_empty() {
        return view! { <Card title="Changes"><EmptyState title="No changes yet" text="Pauses, resumes and budget changes made here, by alert rules or from suggestions are listed with the platform's answer."/></Card> }.into_any();
    }
    let items = changes
        .into_iter()
        .map(|c| {
            let again = c.may_resubmit.then(|| {
                let id = c.id.clone();
                view! {
                    <ActionForm action=resubmit attr:class="mt-2 flex flex-wrap items-end gap-2">
                        <input type="hidden" name="change_id" value=id/>
                        <div>
                            <label class="block text-xs text-slate-500" for=format!("f-resubmit-{}", c.id)>"Budget to ask for"</label>
                            <input id=format!("f-resubmit-{}", c.id) name="budget" value=c.new_budget.clone() class=format!("mt-1 w-32 {INPUT}")/>
                        </div>
                        <button type="submit" class=BUTTON_QUIET>"Resubmit"</button>
                    </ActionForm>
                }
            });
            view! {
                <li class="py-3" data-testid="change">
                    <div class="flex flex-wrap items-center gap-2">
                        <span class="text-sm font-medium text-slate-900 dark:text-white">{c.what.clone()}</span>
                        {state_pill(&c.state)}
                    </div>
                    <p class="mt-1 text-xs text-slate-500">{c.requested.clone()}</p>
                    {c.approval_reason.clone().map(|r| view! { <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">{format!("Needs approval: {r}")}</p> })}
                    {c.decided.clone().map(|d| view! { <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">{format!("Decided by {d}{}", c.decision_reason.clone().map(|r| format!(": {r}")).unwrap_or_default())}</p> })}
                    {c.platform_answer.clone().map(|a| view! { <p class="mt-1 text-xs text-slate-600 dark:text-slate-400" data-testid="platform-answer">{format!("Platform's answer: {a}")}</p> })}
                    {again}
                </li>
            }
        })
        .collect_view();
    view! { <Card title="Changes"><ul class="divide-y divide-slate-100 dark:divide-slate-800">{items}</ul></Card> }.into_any()
}

#[component]
fn Firings(firings: Vec<FiringView>) -> impl IntoView {
    if firings.is_empty() {
        return view! { <Card title="Alerts"><EmptyState title="No alert has fired" text="When an alert rule's conditions hold for this campaign, what it did is listed here."/></Card> }.into_any();
    }
    let items = firings
        .into_iter()
        .map(|f| view! {
            <li class="py-3" data-testid="firing">
                <p class="text-sm font-medium text-slate-900 dark:text-white">{format!("{} · {}", f.rule, f.when)}</p>
                <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">{f.summary}</p>
                <p class="mt-1 text-xs text-slate-500">{f.action.clone()}</p>
                {(!f.rollback.is_empty()).then(|| view! { <p class="mt-1 text-xs text-slate-500">{f.rollback.clone()}</p> })}
            </li>
        })
        .collect_view();
    view! { <Card title="Alerts"><ul class="divide-y divide-slate-100 dark:divide-slate-800">{items}</ul></Card> }.into_any()
}

/// The campaign's suggestions, to read; they are applied or dismissed on the Suggestions tab
/// (which keeps that tab's forms out of the code every page shares).
#[component]
fn Insights(insights: Vec<InsightView>, can_manage: bool) -> impl IntoView {
    if insights.is_empty() {
        return view! { <Card title="Suggestions"><EmptyState title="No suggestions yet" text="Suggestions appear after the company's daily run, or when someone asks for them on the Suggestions tab."/></Card> }.into_any();
    }
    let waiting = insights.iter().any(|i| i.status == "pending");
    let items = insights
        .into_iter()
        .map(|i| {
            let status = match i.status.as_str() {
                "pending" => "Waiting for a decision",
                "applied" => "Applied",
                "dismissed" => "Dismissed",
                _ => "Expired",
            };
            view! {
                <li class="py-3" data-testid="insight" data-status=i.status.clone()>
                    <p class="text-sm font-medium text-slate-900 dark:text-white">{i.title.clone()}</p>
                    <p class="mt-1 text-xs text-slate-500">{format!("{status} · confidence {} % · {} · {} → {}", i.confidence, i.created, i.current, i.suggested)}</p>
                    {i.dismiss_reason.clone().map(|r| view! { <p class="mt-1 text-xs text-slate-500">{format!("Dismissed: {r}")}</p> })}
                </li>
            }
        })
        .collect_view();
    let decide = (waiting && can_manage).then(|| view! {
        <p class="mt-3 text-sm"><a href="/campaigns/insights" class="font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">"Apply or dismiss them on the Suggestions tab"</a></p>
    });
    view! { <Card title="Suggestions"><ul class="divide-y divide-slate-100 dark:divide-slate-800">{items}</ul>{decide}</Card> }.into_any()
}
