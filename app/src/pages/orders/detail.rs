//! /orders/:id — one order: items and totals, customer, shipping and billing addresses (with
//! what a courier would miss), payment and fulfilment, the checks raised on ingest, the note,
//! and the timeline of everything that happened to it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{FlagBadge, OrderStatus};
use crate::api::orders::*;
use crate::components::ui::{Card, Loaded, TABLE, TD, TH};

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    // An AWB made on this page moves the order's status and timeline too.
    let create = ServerAction::<crate::api::courier::CreateOrderAwb>::new();
    let data = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                create.version().get(),
            )
        },
        |(id, _)| get_order(id),
    );
    view! {
        <Title text="Order · Switchyard"/>
        <a href="/orders" class="text-sm text-brand-700 hover:underline dark:text-brand-300">"← Orders"</a>
        <div class="mt-2">
            <Loaded resource=data render=move |o: OrderView| view! { <Order o create/> }/>
        </div>
    }
}

#[component]
fn Order(o: OrderView, create: ServerAction<crate::api::courier::CreateOrderAwb>) -> impl IntoView {
    let flags = o
        .flags
        .iter()
        .map(|f| view! { <FlagBadge text=f.clone()/> })
        .collect_view();
    let items = o
        .items
        .iter()
        .map(|i| {
            view! {
                <tr data-testid="order-item">
                    <td class=TD>
                        <p class="text-slate-900 dark:text-white">{i.title.clone()}</p>
                        <p class="text-xs text-slate-500">{i.sku.clone()}</p>
                    </td>
                    <td class=format!("{TD} text-right tabular-nums")>{i.quantity}</td>
                    <td class=format!("{TD} whitespace-nowrap text-right tabular-nums")>{i.unit_price.clone()}</td>
                    <td class=format!("{TD} whitespace-nowrap text-right tabular-nums")>{i.total.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let total_row = |label: &'static str, value: String, strong: bool| {
        let class = if strong {
            "font-semibold text-slate-900 dark:text-white"
        } else {
            "text-slate-600 dark:text-slate-400"
        };
        view! {
            <div class=format!("flex justify-between gap-8 text-sm {class}")>
                <dt>{label}</dt><dd class="tabular-nums">{value}</dd>
            </div>
        }
    };
    let events = o
        .events
        .iter()
        .map(|e| {
            view! {
                <li class="py-2" data-testid="order-event">
                    <p class="text-sm text-slate-800 dark:text-slate-200">{e.detail.clone()}</p>
                    <p class="text-xs text-slate-500">{format!("{} · {}", e.when, e.who)}</p>
                </li>
            }
        })
        .collect_view();
    let line = |label: &'static str, value: String| {
        (!value.is_empty()).then(|| {
            view! {
                <div class="flex justify-between gap-4 py-1 text-sm">
                    <dt class="text-slate-500">{label}</dt>
                    <dd class="text-right text-slate-900 dark:text-white">{value}</dd>
                </div>
            }
        })
    };
    view! {
        <Title text=format!("Order {} · Switchyard", o.number)/>
        <div class="mb-6 flex flex-wrap items-start justify-between gap-4">
            <div>
                <h1 class="page-title" data-testid="order-number">{format!("Order {}", o.number)}</h1>
                <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{format!("{} · placed {}", o.store, o.placed)}</p>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                <OrderStatus status=o.status.clone() label=o.status_label.clone()/>
                {flags}
            </div>
        </div>
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="space-y-6 lg:col-span-2">
                <Card title="Items">
                    <div class="-mx-5 overflow-x-auto">
                        <table class=TABLE aria-label="Items">
                            <thead><tr>
                                <th scope="col" class=TH>"Item"</th>
                                <th scope="col" class=format!("{TH} text-right")>"Qty"</th>
                                <th scope="col" class=format!("{TH} text-right")>"Price"</th>
                                <th scope="col" class=format!("{TH} text-right")>"Total"</th>
                            </tr></thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{items}</tbody>
                        </table>
                    </div>
                    <dl class="mt-4 ml-auto max-w-xs space-y-1 border-t border-slate-100 pt-3 dark:border-slate-800">
                        {total_row("Subtotal", o.subtotal.clone(), false)}
                        {total_row("Shipping", o.shipping_cost.clone(), false)}
                        {total_row("Tax included", o.tax.clone(), false)}
                        {total_row("Total", o.total.clone(), true)}
                    </dl>
                </Card>
                <div class="grid gap-6 sm:grid-cols-2">
                    <AddressCard title="Shipping address" address=o.shipping.clone()/>
                    <AddressCard title="Billing address" address=o.billing.clone()/>
                </div>
                {(!o.note.is_empty()).then(|| view! {
                    <Card title="Customer note"><p class="whitespace-pre-line text-sm text-slate-700 dark:text-slate-300">{o.note.clone()}</p></Card>
                })}
            </div>
            <div class="space-y-6">
                <super::shipping::Shipping id=o.id.clone() create/>
                <Card title="Customer">
                    <dl>
                        {line("Name", o.customer.clone())}
                        {line("Email", o.email.clone())}
                        {line("Phone", if o.phone.is_empty() { "—".into() } else { o.phone.clone() })}
                    </dl>
                </Card>
                <Card title="Payment and fulfilment">
                    <dl>
                        {line("Payment", o.financial.clone())}
                        {line("Gateway", o.gateway.clone())}
                        {line("Fulfilment", o.fulfillment.clone())}
                        {line("Last change at the store", o.updated.clone())}
                        {line("Cancelled", o.cancelled.clone().unwrap_or_default())}
                    </dl>
                </Card>
                <Card title="Timeline">
                    <ul class="divide-y divide-slate-100 dark:divide-slate-800">{events}</ul>
                </Card>
            </div>
        </div>
    }
}

#[component]
fn AddressCard(title: &'static str, address: Option<AddressView>) -> impl IntoView {
    let body = match address {
        None => view! { <p class="text-sm text-slate-500">"None given."</p> }.into_any(),
        Some(a) => {
            let missing = (!a.missing.is_empty()).then(|| {
                view! {
                    <p class="mt-2 text-xs font-medium text-amber-700 dark:text-amber-300" data-testid="address-missing">
                        {format!("Missing for the courier: {}", a.missing.join(", "))}
                    </p>
                }
            });
            let lines = a
                .lines
                .into_iter()
                .map(|l| view! { <span class="block">{l}</span> })
                .collect_view();
            view! {
                <address class="text-sm not-italic text-slate-700 dark:text-slate-300">{lines}</address>
                {missing}
            }
            .into_any()
        }
    };
    view! { <Card title=title>{body}</Card> }
}
