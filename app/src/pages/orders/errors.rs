//! /orders/errors — the processing errors tab: what failed on which order, by status (the
//! open ones first: pending, retrying, failed), with Retry and Skip for members who update
//! orders. Once hydrated it follows retries under way.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{OrdersHeader, ResultBadge};
use crate::api::order_work::*;
use crate::components::pager::Pager;
use crate::components::table::{Column, DataTable};
use crate::components::ui::{refresh_while, Alert, Card, LastSaid, Tone, BUTTON_QUIET, TD};

const COLUMNS: &[Column] = &[
    Column::new("order", "Order"),
    Column::new("step", "Step"),
    Column::new("status", "Status"),
    Column::new("message", "Error"),
    Column::new("updated", "Last change"),
    Column::new("actions", "Actions").quiet(),
];

/// How often the hydrated tab looks again while a retry is under way.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

#[component]
pub fn OrderErrorsPage() -> impl IntoView {
    let query = use_query_map();
    let retry = ServerAction::<RetryOrderError>::new();
    let skip = ServerAction::<SkipOrderError>::new();
    let (tick, set_tick) = signal(0u32);
    let data = Resource::new(
        move || {
            let q = query.read();
            (
                q.get("status").unwrap_or_default(),
                q.get("page")
                    .and_then(|p| p.parse::<i64>().ok())
                    .unwrap_or(1),
                retry.version().get(),
                skip.version().get(),
                tick.get(),
            )
        },
        |(status, page, ..)| get_order_errors(status, page),
    );
    let retrying = move || {
        data.get_untracked()
            .and_then(|r| r.ok())
            .is_some_and(|p| p.rows.iter().any(|e| e.status == "RETRYING"))
    };
    refresh_while(WATCH_EVERY, retrying, set_tick);
    view! {
        <Title text="Processing errors · Orders · Switchyard"/>
        <OrdersHeader text="Orders a step failed on: fix the cause, then retry, or skip."/>
        <LastSaid answers=vec![
            (retry.version(), Signal::derive(move || retry.value().get())),
            (skip.version(), Signal::derive(move || skip.value().get())),
        ]/>
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! { <Errors p retry skip/> }.into_any(),
                    Err(e) => view! { <Alert tone=Tone::Error>{e.message}</Alert> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Errors(
    p: ErrorsPage,
    retry: ServerAction<RetryOrderError>,
    skip: ServerAction<SkipOrderError>,
) -> impl IntoView {
    let open: i64 = p
        .counts
        .iter()
        .filter(|(s, _, _)| matches!(s.as_str(), "PENDING" | "RETRYING" | "FAILED"))
        .map(|(_, _, n)| n)
        .sum();
    let mut filters = vec![(String::new(), "Open".to_string(), open)];
    filters.extend(p.counts.iter().cloned());
    let chips = filters
        .into_iter()
        .map(|(key, label, n)| {
            let current = key == p.status;
            let href = if key.is_empty() {
                "/orders/errors".to_string()
            } else {
                format!("/orders/errors?status={key}")
            };
            let class = if current {
                "rounded-full bg-brand-600 px-3 py-1 text-xs font-semibold text-white"
            } else {
                "rounded-full bg-white px-3 py-1 text-xs font-medium text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 dark:bg-slate-900 dark:text-slate-300 dark:ring-slate-700"
            };
            view! {
                <a href=href class=class aria-current=current.then_some("page")>
                    {format!("{label} · {}", crate::format::group(n))}
                </a>
            }
        })
        .collect_view();
    let can_write = p.can_write;
    let row = move |e: ErrorView| {
        let retryable = can_write && matches!(e.status.as_str(), "PENDING" | "FAILED" | "SKIPPED");
        let skippable = can_write && matches!(e.status.as_str(), "PENDING" | "FAILED");
        let (id_retry, id_skip) = (e.id.clone(), e.id.clone());
        let number = e.number.clone();
        let by = (!e.by.is_empty())
            .then(|| view! { <p class="text-xs text-slate-500">{e.by.clone()}</p> });
        view! {
            <tr data-testid="error-row">
                <td class=TD>
                    <a href=format!("/orders/{}", e.order_id) class="font-medium text-brand-700 hover:underline dark:text-brand-300">{e.number.clone()}</a>
                    <p class="text-xs text-slate-500">{e.store.clone()}</p>
                </td>
                <td class=TD>{e.step.clone()}</td>
                <td class=TD><ResultBadge result=e.status.clone() label=e.status_label.clone()/></td>
                <td class=TD>
                    <p data-testid="error-message">{e.message.clone()}</p>
                    <p class="text-xs text-slate-500">{if e.attempts == 1 { "1 attempt".to_string() } else { format!("{} attempts", e.attempts) }}</p>
                </td>
                <td class=format!("{TD} whitespace-nowrap")><p>{e.updated.clone()}</p>{by}</td>
                <td class=format!("{TD} text-right")>
                    <div class="flex justify-end gap-2">
                        {retryable.then(|| view! {
                            <ActionForm action=retry>
                                <input type="hidden" name="id" value=id_retry/>
                                <button type="submit" class=BUTTON_QUIET aria-label=format!("Retry {number}")>"Retry"</button>
                            </ActionForm>
                        })}
                        {skippable.then(|| view! {
                            <ActionForm action=skip>
                                <input type="hidden" name="id" value=id_skip/>
                                <button type="submit" class=BUTTON_QUIET aria-label=format!("Skip {}", e.number)>"Skip"</button>
                            </ActionForm>
                        })}
                    </div>
                </td>
            </tr>
        }
    };
    let pages = p.page + i64::from(p.more);
    view! {
        <nav class="mb-4 flex flex-wrap gap-2" aria-label="Error statuses">{chips}</nav>
        <Card>
            <DataTable columns=COLUMNS rows=p.rows.clone() row label="Processing errors"
                empty_title="Nothing here" empty_text="When validating or shipping an order fails, the order is listed here with why."/>
            {(pages > 1).then(|| view! { <Pager page=p.page pages/> })}
        </Card>
    }
}
