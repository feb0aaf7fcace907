//! /orders — every order of the stores the member may see, in one inbox: filters in the
//! address (store, status, checks, text, dates with presets), sortable columns, page sizes
//! of 50 to 1,000. Once hydrated it watches for new or updated orders and reloads its rows
//! when one arrives (a webhook lands in the inbox without a reload).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{FlagBadge, OrderStatus, OrdersHeader};
use crate::api::orders::*;
use crate::components::pager::Pager;
use crate::components::table::{Column, DataTable, SelectCell, Sort};
use crate::components::ui::{
    Alert, Card, FilterBar, FilterField, LastSaid, Loaded, Tone, BUTTON, BUTTON_QUIET, INPUT,
    SELECT, TD,
};

const COLUMNS: &[Column] = &[
    Column::new("number", "Order").sortable(),
    Column::new("customer", "Customer").sortable(),
    Column::new("status", "Status").sortable(),
    Column::new("checks", "Checks"),
    Column::new("total", "Total").sortable().numeric(),
    Column::new("placed", "Placed").sortable(),
];

/// How often the hydrated inbox asks whether orders changed.
#[cfg(feature = "hydrate")]
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(4);

#[component]
pub fn OrdersPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).unwrap_or_default();
    let (version, set_version) = signal(0u32);
    // The page and its count are asked apart, so the rows of a common term show before it
    // has been counted; both follow the address.
    let key = move || {
        (
            [
                get("store"),
                get("status"),
                get("q"),
                get("flag"),
                get("preset"),
                get("from"),
                get("to"),
                get("sort"),
                get("dir"),
            ],
            get("page").parse::<i64>().unwrap_or(1),
            get("per").parse::<i64>().unwrap_or(50),
            version.get(),
        )
    };
    let data = Resource::new(
        key,
        |([store, status, q, flag, preset, from, to, sort, dir], page, per, _)| {
            get_orders(
                store, status, q, flag, preset, from, to, sort, dir, page, per,
            )
        },
    );
    let count = Resource::new(
        key,
        |([store, status, q, flag, preset, from, to, sort, dir], page, per, _)| {
            get_orders_count(
                store, status, q, flag, preset, from, to, sort, dir, page, per,
            )
        },
    );
    // A part of the page that shows the count: `waiting` until it is known.
    let counted = move |waiting: &'static str, part: fn(OrdersCount, i64) -> AnyView, page: i64| {
        view! {
            <Suspense fallback=move || waiting>
                {move || Suspend::new(async move {
                    match count.await {
                        Ok(c) => part(c, page),
                        Err(e) => e.message.into_any(),
                    }
                })}
            </Suspense>
        }
    };
    let sync = ServerAction::<SyncStore>::new();
    let check = ServerAction::<CheckStore>::new();
    let resync = ServerAction::<ResyncDay>::new();
    let syncs = Resource::new(
        move || {
            (
                sync.version().get(),
                check.version().get(),
                resync.version().get(),
            )
        },
        |_| get_syncs(),
    );
    #[cfg(feature = "hydrate")]
    {
        let watch = move || {
            if syncs
                .get_untracked()
                .and_then(|r| r.ok())
                .is_some_and(|p| p.stores.iter().any(|s| s.running))
            {
                syncs.refetch();
            }
            leptos::task::spawn_local(async move {
                let shown = data.get_untracked().and_then(|r| r.ok()).map(|p| p.mark);
                if let (Ok(now), Some(shown)) = (get_orders_mark().await, shown) {
                    if now != shown {
                        set_version.update(|v| *v += 1);
                    }
                }
            })
        };
        if let Ok(handle) = set_interval_with_handle(watch, WATCH_EVERY) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_version;
    let option = move |key: &'static str, value: String, label: String| {
        let v = value.clone();
        view! { <option value=value selected=move || get(key) == v>{label}</option> }
    };
    let filters = Resource::new(|| (), |_| get_order_filters());
    let filter_bar = move |f: OrderFilters| {
        let choices = move |key: &'static str, any: &str, list: &[(String, String)]| {
            let mut all = vec![option(key, String::new(), any.to_string()).into_any()];
            all.extend(
                list.iter()
                    .map(|(k, l)| option(key, k.clone(), l.clone()).into_any()),
            );
            all
        };
        let per = get("per");
        let sizes = f.sizes.iter().map(|n| {
            let n = n.to_string();
            let selected = per == n;
            view! { <option value=n.clone() selected=selected>{format!("{n} per page")}</option> }
        }).collect_view();
        let presets = [
            ("", "Any time"),
            ("today", "Today"),
            ("week", "This week"),
            ("month", "This month"),
            ("last_month", "Last month"),
        ]
        .into_iter()
        .map(|(k, l)| option("preset", k.to_string(), l.to_string()))
        .collect_view();
        view! {
            <FilterBar action="/orders" columns="lg:grid-cols-5">
                <div class="sm:col-span-2">
                    <FilterField label="Search" for_id="f-q">
                        <input id="f-q" name="q" type="search" class=INPUT prop:value=move || get("q") placeholder="Number, customer, email, phone"/>
                    </FilterField>
                </div>
                <FilterField label="Store" for_id="f-store">
                    <select id="f-store" name="store" class=SELECT>{choices("store", "All stores", &f.stores)}</select>
                </FilterField>
                <FilterField label="Status" for_id="f-status">
                    <select id="f-status" name="status" class=SELECT>{choices("status", "Any status", &f.statuses)}</select>
                </FilterField>
                <FilterField label="Checks" for_id="f-flag">
                    <select id="f-flag" name="flag" class=SELECT>{choices("flag", "Any", &f.flags)}</select>
                </FilterField>
                <FilterField label="Period" for_id="f-preset">
                    <select id="f-preset" name="preset" class=SELECT>{presets}</select>
                </FilterField>
                <FilterField label="From" for_id="f-from">
                    <input id="f-from" name="from" type="date" class=INPUT prop:value=move || get("from")/>
                </FilterField>
                <FilterField label="To" for_id="f-to">
                    <input id="f-to" name="to" type="date" class=INPUT prop:value=move || get("to")/>
                </FilterField>
                <FilterField label="Page size" for_id="f-per">
                    <select id="f-per" name="per" class=SELECT>{sizes}</select>
                </FilterField>
                <input type="hidden" name="sort" value=move || get("sort")/>
                <input type="hidden" name="dir" value=move || get("dir")/>
            </FilterBar>
        }
    };
    let page = move |d: OrdersPage| {
        let sort = Sort::from_query(&query.read_untracked(), COLUMNS, "placed", true);
        let can_write = d.can_write;
        let row = move |r: OrderSummary| {
            let href = format!("/orders/{}", r.id);
            let flags = r
                .flags
                .iter()
                .map(|f| view! { <FlagBadge text=f.clone()/> })
                .collect_view();
            view! {
                <tr data-testid="order-row">
                    {can_write.then(|| view! { <SelectCell name="ids" value=r.id.clone() label=format!("Select order {}", r.number)/> })}
                    <td class=TD>
                        <a href=href class="font-medium text-brand-700 hover:underline dark:text-brand-300">{r.number.clone()}</a>
                        <p class="text-xs text-slate-500">{r.store.clone()}</p>
                    </td>
                    <td class=TD>
                        <p class="text-slate-900 dark:text-white">{r.customer.clone()}</p>
                        <p class="text-xs text-slate-500">{r.contact.clone()}</p>
                    </td>
                    <td class=TD><OrderStatus status=r.status.clone() label=r.status_label.clone()/></td>
                    <td class=TD><div class="flex flex-wrap gap-1">{flags}</div></td>
                    <td class=format!("{TD} whitespace-nowrap text-right tabular-nums")>{r.total.clone()}</td>
                    <td class=format!("{TD} whitespace-nowrap")>{r.placed.clone()}</td>
                </tr>
            }
        };
        // A page past the end still shows the pager, to go back.
        let found = !d.rows.is_empty() || d.page > 1;
        // The export and bulk forms carry the address's filter and order (not its page).
        let filter_fields = move || {
            query
                .get_untracked()
                .into_iter()
                .filter(|(k, _)| !matches!(k.as_ref(), "page" | "per" | "bulk_error"))
                .map(|(k, v)| view! { <input type="hidden" name=k.to_string() value=v/> })
                .collect_view()
        };
        let table = if can_write {
            let statuses = d
                .manual_statuses
                .iter()
                .map(|(k, l)| view! { <option value=k.clone()>{l.clone()}</option> })
                .collect_view();
            let all_label = counted(
                "All orders matching",
                |c, _| {
                    let summary = summary(&c).to_lowercase();
                    if c.more {
                        format!("All {summary} matching (up to 10,000)").into_any()
                    } else {
                        format!("All {summary} matching").into_any()
                    }
                },
                d.page,
            );
            view! {
                <form method="post" action="/orders/bulk" data-testid="bulk-form">
                    <input type="hidden" name="key" value=d.key.clone()/>
                    <input type="hidden" name="per" value=d.per_page.to_string()/>
                    {filter_fields()}
                    <div class="mb-3 flex flex-wrap items-end gap-3 rounded-lg bg-slate-50 p-3 dark:bg-slate-800/50">
                        <FilterField label="Bulk action" for_id="bulk-op">
                            <select id="bulk-op" name="op" class=SELECT>
                                <option value="validate">"Validate phone and address"</option>
                                <option value="status">"Set status…"</option>
                                <option value="awb">"Create AWBs (FAN Courier)"</option>
                                <option value="process">"Process: validate, AWB, picking list"</option>
                            </select>
                        </FilterField>
                        <FilterField label="Status to set" for_id="bulk-status">
                            <select id="bulk-status" name="to_status" class=SELECT>
                                <option value="">"—"</option>
                                {statuses}
                            </select>
                        </FilterField>
                        <fieldset class="flex flex-wrap items-center gap-3 text-sm text-slate-700 dark:text-slate-300">
                            <legend class="sr-only">"Which orders"</legend>
                            <label class="inline-flex items-center gap-1.5">
                                <input type="radio" name="scope" value="selected" checked=true/>
                                "Ticked orders"
                            </label>
                            <label class="inline-flex items-center gap-1.5">
                                <input type="radio" name="scope" value="all"/>
                                {all_label}
                            </label>
                        </fieldset>
                        <button type="submit" class=BUTTON data-testid="bulk-run">"Run"</button>
                    </div>
                    <DataTable columns=COLUMNS rows=d.rows.clone() row sort select="ids" label="Orders"
                        empty_title="No orders match" empty_text="Orders arrive from connected stores (Settings → Stores). Change the filters to see more."/>
                </form>
            }
            .into_any()
        } else {
            view! {
                <DataTable columns=COLUMNS rows=d.rows.clone() row sort label="Orders"
                    empty_title="No orders match" empty_text="Orders arrive from connected stores (Settings → Stores). Change the filters to see more."/>
            }
            .into_any()
        };
        view! {
            <Card>
                {(found || can_write).then(|| {
                    let import = can_write.then(|| view! {
                        <a href="/orders/import" class=BUTTON_QUIET>"Import orders"</a>
                    });
                    let export = found.then(|| view! {
                        <form method="post" action="/orders/export" class="flex items-center gap-2">
                            {filter_fields()}
                            <span class="text-xs text-slate-500">"Export these orders:"</span>
                            <button type="submit" name="format" value="csv" class=BUTTON_QUIET>"CSV"</button>
                            <button type="submit" name="format" value="xlsx" class=BUTTON_QUIET>"XLSX"</button>
                        </form>
                    });
                    view! {
                        <div class="mb-3 flex flex-wrap items-center justify-between gap-3">
                            <p class="text-sm text-slate-600 dark:text-slate-400" data-testid="orders-total">
                                {found.then(|| counted("Counting…", |c, _| summary(&c).into_any(), d.page))}
                            </p>
                            <div class="flex flex-wrap items-center gap-3">{import}{export}</div>
                        </div>
                    }
                })}
                {table}
                {found.then(|| counted("", |c, page| {
                    let where_ = if c.more {
                        format!("{} · page {page}", summary(&c))
                    } else {
                        format!("{} · page {page} of {}", summary(&c), c.pages)
                    };
                    view! { <Pager page pages=c.pages summary=where_/> }.into_any()
                }, d.page))}
            </Card>
        }
    };
    // A refusal of the bulk form (POST /orders/bulk sends it back here with the field).
    let bulk_error = move || {
        let field = get("bulk_error");
        let text = match field.as_str() {
            "" => return None,
            "ids" => "Tick at least one order (at most 1,000), or choose all orders matching the filter.",
            "scope" => "No orders match the filter, or more than 10,000 do: change the filter and try again.",
            "to_status" => "Choose the status to set.",
            "op" => "Choose a bulk action.",
            "key" => "The form had expired: try again.",
            _ => "The filter is not valid: change it and try again.",
        };
        Some(
            view! { <div class="mb-4" data-testid="bulk-error"><Alert tone=Tone::Error>{text}</Alert></div> },
        )
    };
    view! {
        <Title text="Orders · Switchyard"/>
        <OrdersHeader text="Every order of your stores in one inbox, newest first."/>
        {bulk_error}
        <LastSaid answers=vec![
            (sync.version(), Signal::derive(move || sync.value().get())),
            (check.version(), Signal::derive(move || check.value().get())),
            (resync.version(), Signal::derive(move || resync.value().get())),
        ]/>
        <Loaded resource=syncs render=move |p: SyncPanel| view! { <SyncStrip p sync check resync/> }/>
        <div class="mb-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <Loaded resource=filters render=filter_bar/>
        </div>
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => page(d).into_any(),
                    Err(e) => view! { <Alert tone=Tone::Error>{e.message}</Alert> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The connected stores above the inbox: how each one's sync stands, with "Sync now" for
/// members who update orders.
#[component]
fn SyncStrip(
    p: SyncPanel,
    sync: ServerAction<SyncStore>,
    check: ServerAction<CheckStore>,
    resync: ServerAction<ResyncDay>,
) -> impl IntoView {
    if p.stores.is_empty() {
        return None;
    }
    let can_sync = p.can_sync;
    let items = p
        .stores
        .into_iter()
        .map(|s| {
            let aria = format!("Sync {} now", s.store);
            let check_label = format!("Compare {} with Shopify", s.store);
            let (id_check, id_sync) = (s.store_id.clone(), s.store_id.clone());
            let running = s.running;
            let reconciled = s.reconciled;
            let button = (can_sync && !s.uninstalled).then(move || {
                let compare = reconciled.then(|| view! {
                    <ActionForm action=check>
                        <input type="hidden" name="store_id" value=id_check/>
                        <button type="submit" class=BUTTON_QUIET aria-label=check_label>"Compare with Shopify"</button>
                    </ActionForm>
                });
                view! {
                    <div class="flex items-center gap-2">
                        {compare}
                        <ActionForm action=sync>
                            <input type="hidden" name="store_id" value=id_sync/>
                            <button type="submit" class=BUTTON_QUIET aria-label=aria disabled=running>
                                {if running { "Syncing…" } else { "Sync now" }}
                            </button>
                        </ActionForm>
                    </div>
                }
            });
            let may_resync = can_sync && !s.uninstalled && !s.running;
            let drift = s.drift.clone().into_iter().map(|(day, text)| {
                let store_id = s.store_id.clone();
                let resync_button = may_resync.then(move || view! {
                    <ActionForm action=resync>
                        <input type="hidden" name="store_id" value=store_id/>
                        <input type="hidden" name="day" value=day/>
                        <button type="submit" class="text-xs font-medium text-brand-700 underline hover:text-brand-600 dark:text-brand-300">"Re-sync this day"</button>
                    </ActionForm>
                });
                view! {
                    <li class="flex flex-wrap items-center gap-2 text-xs text-amber-800 dark:text-amber-300" data-testid="drift">
                        <span>{text}</span>
                        {resync_button}
                    </li>
                }
            }).collect_view();
            let error = s.error.clone().map(|e| {
                view! { <p class="text-xs text-red-700 dark:text-red-300">{e}</p> }
            });
            let state = if s.uninstalled {
                "Shopify app uninstalled: reconnect it in Settings → Stores".to_string()
            } else {
                s.state.clone()
            };
            view! {
                <li class="flex flex-wrap items-center justify-between gap-3 py-2" data-testid="store-sync">
                    <div>
                        <p class="text-sm font-medium text-slate-900 dark:text-white">
                            {s.store.clone()}
                            <span class="ml-2 text-xs font-normal text-slate-500">{s.shop.clone()}</span>
                        </p>
                        <p class="text-xs text-slate-600 dark:text-slate-400" data-testid="sync-state">{state}</p>
                        {s.reconciled.then(|| view! { <p class="text-xs text-slate-500" data-testid="check-state">{s.checked.clone()}</p> })}
                        {error}
                        <ul class="mt-1 space-y-1" aria-label=format!("Days of {} that differ from Shopify", s.store)>{drift}</ul>
                    </div>
                    {button}
                </li>
            }
        })
        .collect_view();
    Some(view! {
        <div class="mb-4 rounded-xl border border-slate-200 bg-white px-4 py-2 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <ul class="divide-y divide-slate-100 dark:divide-slate-800" aria-label="Connected stores">{items}</ul>
        </div>
    })
}

/// "More than 10,000 orders", "1 order", "250 orders".
fn summary(c: &OrdersCount) -> String {
    match (c.total, c.more) {
        (n, true) => format!("More than {} orders", crate::format::group(n)),
        (1, false) => "1 order".to_string(),
        (n, false) => format!("{} orders", crate::format::group(n)),
    }
}
