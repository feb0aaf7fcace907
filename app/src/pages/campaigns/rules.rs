//! /campaigns/rules — alert rules: conditions on a metric over a window combined with AND or
//! OR; notify, pause or cut the budget; undone after some hours unless a person keeps it; a
//! 24-hour rest per rule and campaign. A dry run shows which campaigns a rule as typed would
//! fire for now. Below, what the rules did lately, each action with "Keep" while it waits to
//! be undone.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::CampaignsHeader;
use crate::api::campaigns::*;
use crate::components::ui::{
    Card, Confirm, EmptyState, LastSaid, Loaded, BUTTON, BUTTON_DANGER, BUTTON_QUIET,
    BUTTON_SECONDARY, INPUT, SELECT,
};

/// Condition rows of the form (empty rows are ignored).
const ROWS: usize = 3;

#[component]
pub fn RulesPage() -> impl IntoView {
    let save = ServerAction::<SaveRule>::new();
    let dry = ServerAction::<DryRunRule>::new();
    let enable = ServerAction::<SetRuleEnabled>::new();
    let delete = ServerAction::<DeleteRule>::new();
    let keep = ServerAction::<KeepFiring>::new();
    let page = Resource::new(
        move || {
            (
                save.version().get(),
                enable.version().get(),
                delete.version().get(),
                keep.version().get(),
            )
        },
        |_| get_rules(),
    );
    let answers = vec![
        (save.version(), save.value().into()),
        (enable.version(), enable.value().into()),
        (delete.version(), delete.value().into()),
        (keep.version(), keep.value().into()),
    ];
    view! {
        <Title text="Alert rules · Campaigns · Switchyard"/>
        <CampaignsHeader text="Rules watch every active campaign every 15 minutes and act when their conditions hold."/>
        <LastSaid answers/>
        <Loaded resource=page render=move |v: RulesView| {
            let list = if v.rules.is_empty() {
                view! { <EmptyState title="No alert rules yet" text="A rule such as “ROAS below 1.5 over 7 days → pause, undone after 24 hours” watches every active campaign."/> }.into_any()
            } else {
                let can = v.can_manage;
                v.rules.into_iter().map(|r| view! { <RuleLine r can enable delete/> }).collect_view().into_any()
            };
            let form = v.can_manage.then(|| view! { <RuleForm save dry/> });
            view! {
                <div class="grid gap-6 xl:grid-cols-5">
                    <div class="space-y-6 xl:col-span-3">
                        <Card title="Rules"><ul class="divide-y divide-slate-100 dark:divide-slate-800">{list}</ul></Card>
                        <Firings firings=v.firings.clone() keep/>
                    </div>
                    <div class="xl:col-span-2">{form}</div>
                </div>
            }
        }/>
    }
}

#[component]
fn RuleLine(
    r: RuleView,
    can: bool,
    enable: ServerAction<SetRuleEnabled>,
    delete: ServerAction<DeleteRule>,
) -> impl IntoView {
    let controls = can.then(|| {
        let (id, id2) = (r.id.clone(), r.id.clone());
        let aria = format!("Delete rule {}", r.name);
        let toggle = format!("Turn {} rule {}", if r.enabled { "off" } else { "on" }, r.name);
        view! {
            <div class="flex items-center gap-2">
                <ActionForm action=enable>
                    <input type="hidden" name="rule_id" value=id/>
                    <input type="hidden" name="enabled" value=if r.enabled { "false" } else { "true" }/>
                    <button type="submit" class=BUTTON_QUIET aria-label=toggle aria-pressed=if r.enabled { "true" } else { "false" }>
                        {if r.enabled { "Turn off" } else { "Turn on" }}
                    </button>
                </ActionForm>
                <Confirm label="Delete" aria_label=aria.clone() question=format!("Delete the rule {}? What it did stays in the campaigns' history.", r.name)>
                    <ActionForm action=delete>
                        <input type="hidden" name="rule_id" value=id2/>
                        <button type="submit" class=BUTTON_DANGER aria-label=aria>"Delete"</button>
                    </ActionForm>
                </Confirm>
            </div>
        }
    });
    view! {
        <li class="flex flex-wrap items-start justify-between gap-3 py-3" data-testid="rule">
            <div>
                <p class="text-sm font-medium text-slate-900 dark:text-white">
                    {r.name.clone()}
                    {(!r.enabled).then(|| view! { <span class="ml-2 text-xs font-normal text-slate-500">"(off)"</span> })}
                </p>
                <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">{r.text.clone()}</p>
            </div>
            {controls}
        </li>
    }
}

#[component]
fn Firings(firings: Vec<FiringView>, keep: ServerAction<KeepFiring>) -> impl IntoView {
    if firings.is_empty() {
        return view! { <Card title="What the rules did"><EmptyState title="Nothing yet" text="When a rule's conditions hold for a campaign, what it did is listed here."/></Card> }.into_any();
    }
    let items = firings
        .into_iter()
        .map(|f| {
            let keep_form = f.may_keep.then(|| {
                let id = f.id.clone();
                view! {
                    <ActionForm action=keep attr:class="mt-2">
                        <input type="hidden" name="firing_id" value=id/>
                        <button type="submit" class=BUTTON_QUIET>"Keep it (do not undo)"</button>
                    </ActionForm>
                }
            });
            view! {
                <li class="py-3" data-testid="firing">
                    <p class="text-sm font-medium text-slate-900 dark:text-white">
                        <a href=format!("/campaigns/{}", f.campaign_id) class="hover:text-brand-600">{f.rule.clone()}</a>
                        <span class="ml-2 text-xs font-normal text-slate-500">{f.when.clone()}</span>
                    </p>
                    <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">{f.summary.clone()}</p>
                    <p class="mt-1 text-xs text-slate-500">{f.action.clone()}</p>
                    {(!f.rollback.is_empty()).then(|| view! { <p class="mt-1 text-xs text-slate-500" data-testid="rollback">{f.rollback.clone()}</p> })}
                    {keep_form}
                </li>
            }
        })
        .collect_view();
    view! { <Card title="What the rules did"><ul class="divide-y divide-slate-100 dark:divide-slate-800">{items}</ul></Card> }.into_any()
}

/// The rule form; "Try it now" sends the same fields to the dry run.
#[component]
fn RuleForm(save: ServerAction<SaveRule>, dry: ServerAction<DryRunRule>) -> impl IntoView {
    let error = move |f: &str| {
        save.value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| dry.value().get().and_then(|r| r.err()))
            .and_then(|e| e.for_field(f))
    };
    let rows = (0..ROWS)
        .map(|i| {
            let metrics = [("", "—"), ("spend", "Spend"), ("cpa", "CPA"), ("roas", "ROAS"), ("ctr", "CTR (%)"), ("frequency", "Frequency"), ("pacing", "Pacing (%)")]
                .into_iter()
                .map(|(v, l)| view! { <option value=v>{l}</option> })
                .collect_view();
            let ops = [(">", "above"), (">=", "at least"), ("<", "below"), ("<=", "at most")]
                .into_iter()
                .map(|(v, l)| view! { <option value=v>{l}</option> })
                .collect_view();
            let field = move |what: &'static str| format!("conditions.{i}.{what}");
            view! {
                <fieldset class="grid grid-cols-4 gap-2" data-testid="condition">
                    <legend class="sr-only">{format!("Condition {}", i + 1)}</legend>
                    <select name=format!("metric[{i}]") aria-label=format!("Condition {} metric", i + 1) class=SELECT>{metrics}</select>
                    <select name=format!("op[{i}]") aria-label=format!("Condition {} comparison", i + 1) class=SELECT>{ops}</select>
                    <input name=format!("value[{i}]") aria-label=format!("Condition {} value", i + 1) inputmode="decimal" placeholder="Value" class=INPUT/>
                    <input name=format!("days[{i}]") aria-label=format!("Condition {} days", i + 1) inputmode="numeric" placeholder="Days" class=INPUT/>
                    {move || ["metric", "op", "value", "days"].into_iter().find_map(|w| error(&field(w))).map(|e| view! {
                        <p class="col-span-4 text-xs text-red-700 dark:text-red-300">{e}</p>
                    })}
                </fieldset>
            }
        })
        .collect_view();
    let tried = move || {
        dry.value().get().and_then(|r| r.ok()).map(|lines| {
            if lines.is_empty() {
                return view! { <p class="mt-3 text-sm text-slate-500" data-testid="dry-run">"No active campaign to check."</p> }.into_any();
            }
            let items = lines.into_iter().map(|l| view! {
                <li class="py-2">
                    <p class=if l.fires { "text-sm font-medium text-red-700 dark:text-red-300" } else { "text-sm text-slate-700 dark:text-slate-300" }>
                        {format!("{}: {}", l.campaign, if l.fires { "would fire" } else { "would not fire" })}
                    </p>
                    <p class="text-xs text-slate-500">{l.summary}</p>
                </li>
            }).collect_view();
            view! { <ul class="mt-3 divide-y divide-slate-100 dark:divide-slate-800" data-testid="dry-run">{items}</ul> }.into_any()
        })
    };
    // "Try it now" reads the form as it is (once hydrated) and asks for a dry run.
    let form = NodeRef::<leptos::html::Form>::new();
    let live = RwSignal::new(false);
    Effect::new(move || live.set(true));
    let try_now = move |_: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(data) = form
            .get()
            .and_then(|f| web_sys::FormData::new_with_form(&f).ok())
        {
            let one = |k: &str| data.get(k).as_string().unwrap_or_default();
            let rows = |k: &str| {
                (0..ROWS)
                    .map(|i| one(&format!("{k}[{i}]")))
                    .collect::<Vec<_>>()
            };
            dry.dispatch(DryRunRule {
                name: one("name"),
                combine: one("combine"),
                metric: rows("metric"),
                op: rows("op"),
                value: rows("value"),
                days: rows("days"),
                action: one("action"),
                reduce_percent: one("reduce_percent"),
                rollback_hours: one("rollback_hours"),
            });
        }
    };
    view! {
        <Card title="New rule">
            <ActionForm action=save node_ref=form attr:class="space-y-4">
            <div>
                <label for="f-rule-name" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Name"</label>
                <input id="f-rule-name" name="name" class=format!("mt-1 {INPUT}")/>
                {move || error("name").map(|e| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-300">{e}</p> })}
            </div>
            <div>
                <label for="f-rule-combine" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Fires when"</label>
                <select id="f-rule-combine" name="combine" class=format!("mt-1 {SELECT}")>
                    <option value="all">"all conditions hold (AND)"</option>
                    <option value="any">"any condition holds (OR)"</option>
                </select>
            </div>
            <div class="space-y-2">
                <p class="text-sm font-medium text-slate-700 dark:text-slate-300">"Conditions"</p>
                <p class="text-xs text-slate-500">"Each over the last days given (today included; 1 when empty). Money in the account's currency; pacing is today's spend against an even pace, in %."</p>
                {move || error("conditions").map(|e| view! { <p class="text-xs text-red-700 dark:text-red-300">{e}</p> })}
                {rows}
            </div>
            <div class="grid grid-cols-2 gap-3">
                <div>
                    <label for="f-rule-action" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Then"</label>
                    <select id="f-rule-action" name="action" class=format!("mt-1 {SELECT}")>
                        <option value="notify">"Notify (email and in-app)"</option>
                        <option value="pause">"Pause the campaign"</option>
                        <option value="reduce_budget">"Cut the daily budget"</option>
                    </select>
                </div>
                <div>
                    <label for="f-rule-percent" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Cut by (%)"</label>
                    <input id="f-rule-percent" name="reduce_percent" inputmode="numeric" placeholder="20" class=format!("mt-1 {INPUT}")/>
                    {move || error("reduce_percent").map(|e| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-300">{e}</p> })}
                </div>
            </div>
            <div>
                <label for="f-rule-rollback" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Undo after (hours)"</label>
                <input id="f-rule-rollback" name="rollback_hours" inputmode="numeric" placeholder="Never" class=format!("mt-1 {INPUT}")/>
                {move || error("rollback_hours").map(|e| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-300">{e}</p> })}
                {move || error("action").map(|e| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-300">{e}</p> })}
            </div>

                <div class="flex gap-3">
                    <button type="submit" class=format!("{BUTTON} flex-1")>"Save rule"</button>
                    <button type="button" class=BUTTON_SECONDARY disabled=move || !live.get() on:click=try_now
                        title="Which active campaigns it would fire for now; nothing is saved or changed">"Try it now"</button>
                </div>
            </ActionForm>
            {tried}
        </Card>
    }
}
