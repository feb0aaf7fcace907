//! /orders/:id — one order: items and totals, customer, shipping and billing addresses (with
//! what a courier would miss), payment and fulfilment, the checks raised on ingest, the note,
//! and the timeline of everything that happened to it.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{FlagBadge, OrderStatus};
use crate::api::orders::*;
use crate::components::ui::{Alert, Card, Loaded, Toast, Tone, BUTTON, INPUT, TABLE, TD, TH};

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    // An AWB made on this page moves the order's status and timeline too.
    let create = ServerAction::<crate::api::courier::CreateOrderAwb>::new();
    // A saved edit shows the order as it now is; a refused one keeps the form as typed.
    let edit = ServerAction::<EditOrderContact>::new();
    let saved = RwSignal::new(0usize);
    Effect::watch(
        move || edit.version().get(),
        move |_, _, _| {
            if matches!(edit.value().get_untracked(), Some(Ok(_))) {
                saved.update(|n| *n += 1);
            }
        },
        false,
    );
    let data = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                create.version().get(),
                saved.get(),
            )
        },
        |(id, _, _)| get_order(id),
    );
    // Created here, not in the shipping card: a resource made inside the order's `Loaded` would
    // be made again each time the server walks that Suspense.
    let shipping = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                create.version().get(),
            )
        },
        |(id, _)| crate::api::courier::get_order_shipping(id),
    );
    view! {
        <Title text="Order · Switchyard"/>
        <a href="/orders" class="text-sm text-brand-700 hover:underline dark:text-brand-300">"← Orders"</a>
        <div class="mt-2">
            {move || edit.value().get().and_then(|r| r.ok()).map(|text| view! { <Toast text/> })}
            <Loaded resource=data render=move |o: OrderView| view! { <Order o create edit shipping/> }/>
        </div>
    }
}

#[component]
fn Order(
    o: OrderView,
    create: ServerAction<crate::api::courier::CreateOrderAwb>,
    edit: ServerAction<EditOrderContact>,
    shipping: super::shipping::ShippingResource,
) -> impl IntoView {
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
                {o.edit.clone().map(|form| view! { <EditContact id=o.id.clone() form edit/> })}
                {(!o.note.is_empty()).then(|| view! {
                    <Card title="Customer note"><p class="whitespace-pre-line text-sm text-slate-700 dark:text-slate-300">{o.note.clone()}</p></Card>
                })}
            </div>
            <div class="space-y-6">
                <super::shipping::Shipping id=o.id.clone() create data=shipping/>
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

/// "Edit customer and address": the customer's name, email and phone and the shipping
/// address, saved here (and written back to Shopify first when the store is connected there).
/// A refused field is marked in place and what was typed stays.
#[component]
fn EditContact(
    id: String,
    form: ContactForm,
    edit: ServerAction<EditOrderContact>,
) -> impl IntoView {
    let error = move |field: &'static str| {
        Signal::derive(move || {
            edit.value()
                .get()
                .and_then(|r| r.err())
                .and_then(|e| e.for_field(field))
        })
    };
    // A refusal that is not about one field (the order changed meanwhile).
    let general = move || {
        edit.value().get().and_then(|r| r.err()).and_then(|e| {
            let fields = [
                "name", "email", "phone", "address1", "address2", "city", "county", "postcode",
                "country",
            ];
            fields
                .iter()
                .all(|f| e.for_field(f).is_none())
                .then_some(e.message)
        })
    };
    let note = if form.writes_back {
        "Saved here and written back to the Shopify order first; if Shopify refuses, nothing changes."
    } else {
        "Saved here only: this store's platform is not written back to."
    };
    view! {
        <details class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="edit-contact">
            <summary class="cursor-pointer text-sm font-semibold text-slate-900 dark:text-white">"Edit customer and address"</summary>
            <p class="mt-2 text-xs text-slate-500">{note}</p>
            {move || general().map(|m| view! { <div class="mt-3" data-testid="edit-error"><Alert tone=Tone::Error>{m}</Alert></div> })}
            <ActionForm action=edit attr:class="mt-4 grid gap-4 sm:grid-cols-2">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="seen" value=form.seen/>
                <EditField name="name" label="Customer's name" value=form.name required=true error=error("name")/>
                <EditField name="email" label="Email" value=form.email kind="email" error=error("email")/>
                <EditField name="phone" label="Phone" value=form.phone kind="tel" error=error("phone")/>
                <EditField name="address1" label="Street and number" value=form.address1 required=true error=error("address1")/>
                <EditField name="address2" label="Apartment, floor (optional)" value=form.address2 error=error("address2")/>
                <EditField name="city" label="City" value=form.city required=true error=error("city")/>
                <EditField name="county" label="County" value=form.county required=true error=error("county")/>
                <EditField name="postcode" label="Postcode" value=form.postcode required=true error=error("postcode")/>
                <EditField name="country" label="Country code" value=form.country error=error("country")/>
                <div class="flex items-end">
                    <button type="submit" class=format!("{BUTTON} w-full") data-testid="edit-save">"Save customer and address"</button>
                </div>
            </ActionForm>
        </details>
    }
}

#[component]
fn EditField(
    name: &'static str,
    label: &'static str,
    value: String,
    #[prop(optional)] required: bool,
    #[prop(optional)] kind: &'static str,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("f-edit-{name}");
    let err_id = format!("{id}-error");
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-700 dark:text-slate-300">{label}</label>
            <input id=id name=name type=if kind.is_empty() { "text" } else { kind } value=value required=required
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=err_id.clone()
                class=format!("mt-1 {INPUT}")/>
            {move || error.get().map(|e| view! { <p id=err_id.clone() class="mt-1 text-xs text-red-700 dark:text-red-300">{e}</p> })}
        </div>
    }
}
