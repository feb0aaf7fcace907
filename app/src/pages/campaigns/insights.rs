//! /campaigns/insights — suggestions per campaign (a budget, status or bid change with its
//! reasoning, confidence and estimated impact), made daily at the company's time or when asked:
//! apply one (through the same controls and approvals as a person's change) or dismiss it
//! saying why (the next run reads the last decisions). The runs that made them, with the
//! tokens they cost, and the daily time and target ROAS for those who manage settings.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::CampaignsHeader;
use crate::api::campaigns::*;
use crate::components::ui::{
    refresh_while, Card, EmptyState, LastSaid, Loaded, BUTTON, BUTTON_QUIET, INPUT,
};

#[component]
pub fn InsightsPage() -> impl IntoView {
    let ask = ServerAction::<AskInsights>::new();
    let apply = ServerAction::<ApplyInsight>::new();
    let dismiss = ServerAction::<DismissInsight>::new();
    let settings = ServerAction::<SaveInsightSettings>::new();
    let (tick, set_tick) = signal(0u32);
    let page = Resource::new(
        move || {
            (
                ask.version().get(),
                apply.version().get(),
                dismiss.version().get(),
                settings.version().get(),
                tick.get(),
            )
        },
        |_| get_insights(),
    );
    refresh_while(
        std::time::Duration::from_secs(2),
        move || {
            page.get_untracked()
                .and_then(|r| r.ok())
                .is_some_and(|v| v.running)
        },
        set_tick,
    );
    let answers = vec![
        (ask.version(), ask.value().into()),
        (apply.version(), apply.value().into()),
        (dismiss.version(), dismiss.value().into()),
        (settings.version(), settings.value().into()),
    ];
    view! {
        <Title text="Suggestions · Campaigns · Switchyard"/>
        <CampaignsHeader text="Suggestions for each campaign from its recent figures. Applying one goes through the same approvals as any change."/>
        <LastSaid answers/>
        <Loaded resource=page render=move |v: InsightsView| {
            let asking = v.can_manage.then(|| view! {
                <ActionForm action=ask>
                    <button type="submit" class=BUTTON disabled=v.running>{if v.running { "Working on suggestions…" } else { "Ask for suggestions now" }}</button>
                </ActionForm>
            });
            let list = if v.insights.is_empty() {
                view! { <EmptyState title="No suggestions yet" text="Ask for suggestions now, or set a daily time below."/> }.into_any()
            } else {
                let can = v.can_manage;
                let items = v.insights.into_iter().map(|i| view! { <Suggestion i can apply dismiss/> }).collect_view();
                view! { <ul class="divide-y divide-slate-100 dark:divide-slate-800">{items}</ul> }.into_any()
            };
            let config = v.can_configure.then(|| {
                let error = move |f: &str| settings.value().get().and_then(|r| r.err()).and_then(|e| e.for_field(f));
                view! {
                    <Card title="Daily suggestions">
                        <ActionForm action=settings attr:class="space-y-4">
                            <div>
                                <label for="f-daily-at" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Every day at (company time)"</label>
                                <input id="f-daily-at" name="daily_at" value=v.daily_at.clone() placeholder="07:30, on the quarter hour; empty for none" class=format!("mt-1 {INPUT}")/>
                                {move || error("daily_at").map(|e| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-300">{e}</p> })}
                            </div>
                            <div>
                                <label for="f-target-roas" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Target ROAS"</label>
                                <input id="f-target-roas" name="target_roas" value=v.target_roas.clone() inputmode="decimal" class=format!("mt-1 {INPUT}")/>
                                {move || error("target_roas").map(|e| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-300">{e}</p> })}
                            </div>
                            <button type="submit" class=format!("{BUTTON} w-full")>"Save"</button>
                        </ActionForm>
                    </Card>
                }
            });
            let runs = if v.runs.is_empty() {
                view! { <p class="text-sm text-slate-500">"None yet."</p> }.into_any()
            } else {
                v.runs.iter().map(|r| view! {
                    <li class="py-2" data-testid="run">
                        <p class="text-sm text-slate-900 dark:text-white">{format!("{} · {}", r.when, r.trigger)}</p>
                        <p class="text-xs text-slate-500" data-testid="run-state">{format!("{} · {} · {} suggestions · {} tokens", r.state, r.provider, r.suggestions, r.tokens)}</p>
                        {r.error.clone().map(|e| view! { <p class="text-xs text-red-700 dark:text-red-300">{e}</p> })}
                    </li>
                }).collect_view().into_any()
            };
            view! {
                <div class="mb-6 flex justify-end">{asking}</div>
                <div class="grid gap-6 xl:grid-cols-3">
                    <div class="xl:col-span-2"><Card title="Suggestions">{list}</Card></div>
                    <div class="space-y-6">
                        {config}
                        <Card title="Runs"><ul class="divide-y divide-slate-100 dark:divide-slate-800">{runs}</ul></Card>
                    </div>
                </div>
            }.into_any()
        }/>
    }
}

/// One suggestion, with Apply and Dismiss while it waits for a decision.
#[component]
fn Suggestion(
    i: InsightView,
    can: bool,
    apply: ServerAction<ApplyInsight>,
    dismiss: ServerAction<DismissInsight>,
) -> impl IntoView {
    let decide = (can && i.status == "pending").then(|| {
        let (a, d) = (i.id.clone(), i.id.clone());
        let apply_label = format!("Apply: {}", i.title);
        let reason_label = format!("Why dismiss “{}”", i.title);
        view! {
            <div class="mt-3 flex flex-wrap items-end gap-3">
                <ActionForm action=apply>
                    <input type="hidden" name="insight_id" value=a/>
                    <button type="submit" class=BUTTON_QUIET aria-label=apply_label>"Apply"</button>
                </ActionForm>
                <ActionForm action=dismiss attr:class="flex flex-wrap items-end gap-2">
                    <input type="hidden" name="insight_id" value=d/>
                    <input name="reason" aria-label=reason_label placeholder="Why not? (read by the next run)" class=format!("w-64 {INPUT}")/>
                    <button type="submit" class=BUTTON_QUIET>"Dismiss"</button>
                </ActionForm>
            </div>
        }
    });
    let status = match i.status.as_str() {
        "pending" => "Waiting for a decision",
        "applied" => "Applied",
        "dismissed" => "Dismissed",
        _ => "Expired",
    };
    view! {
        <li class="py-4" data-testid="insight" data-status=i.status.clone()>
            <div class="flex flex-wrap items-center gap-2">
                <a href=format!("/campaigns/{}", i.campaign_id) class="text-xs font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">{i.campaign.clone()}</a>
                <span class="text-xs text-slate-500">{format!("{status} · confidence {} % · {}", i.confidence, i.created)}</span>
            </div>
            <p class="mt-1 text-sm font-medium text-slate-900 dark:text-white">{i.title.clone()}</p>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">{i.reasoning.clone()}</p>
            <p class="mt-1 text-xs text-slate-500">{format!("{} → {} · {}", i.current, i.suggested, i.impact)}</p>
            {i.dismiss_reason.clone().map(|r| view! { <p class="mt-1 text-xs text-slate-500">{format!("Dismissed: {r}")}</p> })}
            {decide}
        </li>
    }
}
