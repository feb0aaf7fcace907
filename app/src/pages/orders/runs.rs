//! /orders/runs — the newest bulk runs; /orders/runs/:id — one run: its progress (updating
//! by itself once hydrated, or on reload) and what happened to each order, failures first.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{OrderStatus, OrdersHeader, ResultBadge};
use crate::api::order_work::*;
use crate::components::table::{Column, DataTable};
use crate::components::ui::{refresh_while, Card, EmptyState, Loaded, BUTTON_SECONDARY, TD};

/// How often an unfinished run's page asks how far it got.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(1500);

fn progress_text(r: &RunSummary) -> String {
    let done = r.succeeded + r.failed + r.skipped;
    let mut parts = vec![format!("{} done", crate::format::group(r.succeeded))];
    if r.failed > 0 {
        parts.push(format!("{} failed", crate::format::group(r.failed)));
    }
    if r.skipped > 0 {
        parts.push(format!("{} skipped", crate::format::group(r.skipped)));
    }
    format!(
        "{} of {} orders · {}",
        crate::format::group(done),
        crate::format::group(r.total),
        parts.join(", ")
    )
}

fn state_label(state: &str) -> &'static str {
    match state {
        "queued" => "Waiting to start",
        "running" => "Running",
        _ => "Finished",
    }
}

#[component]
pub fn BulkRunPage() -> impl IntoView {
    let params = use_params_map();
    let (tick, set_tick) = signal(0u32);
    let data = Resource::new(
        move || (params.read().get("id").unwrap_or_default(), tick.get()),
        |(id, _)| get_bulk_run(id),
    );
    let running = move || {
        data.get_untracked()
            .and_then(|r| r.ok())
            .is_some_and(|p| p.run.state != "finished")
    };
    refresh_while(WATCH_EVERY, running, set_tick);
    view! {
        <Title text="Bulk run · Orders · Switchyard"/>
        <OrdersHeader text="What a bulk action did, order by order."/>
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! { <Run p/> }.into_any(),
                    Err(e) => view! { <crate::components::ui::Alert tone=crate::components::ui::Tone::Error>{e.message}</crate::components::ui::Alert> }.into_any(),
                }
            })}
        </Transition>
    }
}

const ITEM_COLUMNS: &[Column] = &[
    Column::new("order", "Order"),
    Column::new("result", "Result"),
    Column::new("message", "What happened"),
    Column::new("status", "Status now"),
];

#[component]
fn Run(p: RunPage) -> impl IntoView {
    let r = p.run.clone();
    let done = r.succeeded + r.failed + r.skipped;
    let pct = if r.total > 0 {
        done * 100 / r.total
    } else {
        100
    };
    let finished = r.state == "finished";
    let row = |i: RunItem| {
        view! {
            <tr data-testid="run-item">
                <td class=TD>
                    <a href=format!("/orders/{}", i.order_id) class="font-medium text-brand-700 hover:underline dark:text-brand-300">{i.number.clone()}</a>
                    <p class="text-xs text-slate-500">{i.store.clone()}</p>
                </td>
                <td class=TD><ResultBadge result=i.result.clone() label=i.result_label.clone()/></td>
                <td class=TD>{i.message.clone()}</td>
                <td class=TD><OrderStatus status=i.status.clone() label=i.status_label.clone()/></td>
            </tr>
        }
    };
    let when = match &p.finished {
        Some(f) => format!("Started {} by {} · finished {f}", r.created, r.creator),
        None => format!("Started {} by {}", r.created, r.creator),
    };
    view! {
        <Card>
            <div class="flex flex-wrap items-start justify-between gap-3">
                <div>
                    <h2 class="text-base font-semibold text-slate-900 dark:text-white" data-testid="run-action">{r.action.clone()}</h2>
                    <p class="mt-1 text-xs text-slate-500">{when}</p>
                </div>
                <div class="flex items-center gap-3">
                    {r.picking_list.then(|| view! {
                        <a href=format!("/orders/runs/{}/picking-list", r.id) class=BUTTON_SECONDARY data-testid="picking-list"
                            rel="external" download="">"Picking list (PDF)"</a>
                    })}
                    <span class="text-sm font-medium text-slate-700 dark:text-slate-300" data-testid="run-state" data-state=r.state.clone()>{state_label(&r.state)}</span>
                </div>
            </div>
            <div class="mt-4">
                <div class="h-2 w-full overflow-hidden rounded-full bg-slate-100 dark:bg-slate-800" role="progressbar"
                    aria-valuemin="0" aria-valuemax=r.total.to_string() aria-valuenow=done.to_string() aria-label="Progress">
                    <div class="h-2 rounded-full bg-brand-600" style=format!("width: {pct}%")></div>
                </div>
                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400" data-testid="run-progress">{progress_text(&r)}</p>
                {(!finished).then(|| view! {
                    <p class="mt-1 text-xs text-slate-500">"This page follows the run as it goes. "
                        <a href="" class="underline">"Refresh"</a></p>
                })}
            </div>
        </Card>
        <div class="mt-4">
            <Card>
                <DataTable columns=ITEM_COLUMNS rows=p.items.clone() row label="Orders of this run"
                    empty_title="No orders to show" empty_text="The orders of this run are in stores you cannot see."/>
                {(p.not_listed > 0).then(|| view! {
                    <p class="mt-3 text-xs text-slate-500">{format!("{} more orders are not listed here (failures come first).", crate::format::group(p.not_listed))}</p>
                })}
            </Card>
        </div>
    }
}

const RUN_COLUMNS: &[Column] = &[
    Column::new("action", "Action"),
    Column::new("state", "State"),
    Column::new("progress", "Progress"),
    Column::new("by", "Started"),
];

#[component]
pub fn BulkRunsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_bulk_runs());
    view! {
        <Title text="Bulk runs · Orders · Switchyard"/>
        <OrdersHeader text="The latest bulk actions on orders and how they went."/>
        <Loaded resource=data render={|runs: Vec<RunSummary>| {
            if runs.is_empty() {
                return view! {
                    <EmptyState title="No bulk runs yet" text="Select orders in the inbox (or all that match a filter) and choose an action."/>
                }.into_any();
            }
            let row = |r: RunSummary| {
                let progress = progress_text(&r);
                view! {
                    <tr data-testid="run-row">
                        <td class=TD><a href=format!("/orders/runs/{}", r.id) class="font-medium text-brand-700 hover:underline dark:text-brand-300">{r.action.clone()}</a></td>
                        <td class=TD>{state_label(&r.state)}</td>
                        <td class=TD>{progress}</td>
                        <td class=TD>
                            <p>{r.created.clone()}</p>
                            <p class="text-xs text-slate-500">{r.creator.clone()}</p>
                        </td>
                    </tr>
                }
            };
            view! {
                <Card>
                    <DataTable columns=RUN_COLUMNS rows=runs row label="Bulk runs" empty_title="" empty_text=""/>
                </Card>
            }.into_any()
        }}/>
    }
}
