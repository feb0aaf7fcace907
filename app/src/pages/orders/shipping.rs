//! The order page's shipping card: its FAN Courier AWBs (state, what was asked for, the
//! courier's newest status, the label, the tracking history) and, for members who update
//! orders, "Create AWB" with the company's defaults filled in.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::courier::*;
use crate::components::ui::{Card, Loaded, BUTTON, BUTTON_QUIET, INPUT, SELECT};

/// The card's data, created by the order page (outside the order's Suspense).
pub(super) type ShippingResource = Resource<Result<ShippingView, crate::api::AppError>>;

#[component]
pub(super) fn Shipping(
    id: String,
    create: ServerAction<CreateOrderAwb>,
    data: ShippingResource,
) -> impl IntoView {
    let field_error = move |f: &str| {
        create
            .value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    view! {
        <Card title="Shipping (FAN Courier)">
            {move || create.value().get().map(|r| match r {
                Ok(text) => view! { <p class="mb-3 text-sm text-emerald-700 dark:text-emerald-300" role="status">{text}</p> }.into_any(),
                Err(e) if e.field.as_deref() == Some("awb") || e.field.is_none() =>
                    view! { <p class="mb-3 text-sm text-red-700 dark:text-red-300" role="alert" data-testid="awb-error">{e.message}</p> }.into_any(),
                Err(_) => ().into_any(),
            })}
            <Loaded resource=data render=move |v: ShippingView| {
                let awbs = v.awbs.iter().map(|a| view! { <Awb a=a.clone()/> }).collect_view();
                let none = v.awbs.is_empty().then(|| view! { <p class="text-sm text-slate-500">"No AWB yet."</p> });
                let id = id.clone();
                let form = match (v.defaults.clone(), v.can_write && v.may_create) {
                    (_, false) => None,
                    (None, true) => Some(view! {
                        <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">"Connect FAN Courier in Settings → Integrations to create AWBs."</p>
                    }.into_any()),
                    (Some(d), true) => {
                        let services = v.services.iter().map(|s| {
                            let selected = s == &d.service;
                            view! { <option value=s.clone() selected=selected>{s.clone()}</option> }
                        }).collect_view();
                        let payers = v.payers.iter().map(|(k, l)| {
                            let selected = k == &d.payer;
                            view! { <option value=k.clone() selected=selected>{l.clone()}</option> }
                        }).collect_view();
                        let input = move |name: &'static str, label: String, value: String, hint: &'static str| {
                            let id = format!("awb-{name}");
                            let err = field_error(name);
                            view! {
                                <div>
                                    <label for=id.clone() class="block text-xs font-medium text-slate-600 dark:text-slate-400">{label}</label>
                                    <input id=id name=name value=value class=format!("mt-1 {INPUT}") placeholder=hint
                                        aria-invalid=if err.is_some() { "true" } else { "false" }/>
                                    {err.map(|e| view! { <p class="mt-1 text-xs text-red-600 dark:text-red-400">{e}</p> })}
                                </div>
                            }
                        };
                        Some(view! {
                            <ActionForm action=create attr:class="mt-4 space-y-3 border-t border-slate-100 pt-4 dark:border-slate-800" attr:data-testid="awb-form">
                                <input type="hidden" name="id" value=id.clone()/>
                                <div class="grid gap-3 sm:grid-cols-2">
                                    <div>
                                        <label for="awb-service" class="block text-xs font-medium text-slate-600 dark:text-slate-400">"Service"</label>
                                        <select id="awb-service" name="service" class=format!("mt-1 {SELECT}")>{services}</select>
                                    </div>
                                    <div>
                                        <label for="awb-payer" class="block text-xs font-medium text-slate-600 dark:text-slate-400">"Transport paid by"</label>
                                        <select id="awb-payer" name="payer" class=format!("mt-1 {SELECT}")>{payers}</select>
                                    </div>
                                    {input("weight_kg", "Weight (kg)".into(), d.weight_kg.clone(), "1")}
                                    {input("parcels", "Parcels".into(), "1".into(), "1")}
                                    {input("cod", format!("Cash on delivery ({})", d.currency), d.cod.clone(), "0.00")}
                                    {input("declared", format!("Declared value ({})", d.currency), d.declared.clone(), "0.00")}
                                </div>
                                {input("notes", "Notes for the courier".into(), String::new(), "")}
                                <button type="submit" class=BUTTON>"Create AWB"</button>
                            </ActionForm>
                        }.into_any())
                    }
                };
                view! {
                    <ul class="divide-y divide-slate-100 dark:divide-slate-800">{awbs}</ul>
                    {none}
                    {form}
                }
            }/>
        </Card>
    }
}

#[component]
fn Awb(a: AwbView) -> impl IntoView {
    let (badge, class) = match a.state.as_str() {
        "active" => ("Active", "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300"),
        "creating" => ("Being created", "bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-400/10 dark:text-amber-300"),
        _ => ("Not created", "bg-red-50 text-red-700 ring-red-600/20 dark:bg-red-500/10 dark:text-red-300"),
    };
    let events = a
        .events
        .iter()
        .map(|e| {
            view! {
                <li class="text-xs text-slate-600 dark:text-slate-400" data-testid="awb-event">
                    {format!("{} · {} ({}) · {}", e.when, e.name, e.code, e.location)}
                </li>
            }
        })
        .collect_view();
    let number = if a.number.is_empty() {
        "—".to_string()
    } else {
        a.number.clone()
    };
    view! {
        <li class="py-3" data-testid="awb">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <p class="font-mono text-sm font-semibold text-slate-900 dark:text-white" data-testid="awb-number">{number}</p>
                <span class=format!("inline-flex rounded-md px-2 py-0.5 text-xs font-semibold ring-1 ring-inset {class}")>{badge}</span>
            </div>
            <p class="mt-1 text-xs text-slate-500">{a.summary.clone()}</p>
            <p class="text-xs text-slate-500">{format!("Created {}", a.created)}</p>
            {(!a.courier_status.is_empty()).then(|| view! {
                <p class="mt-1 text-sm text-slate-700 dark:text-slate-300" data-testid="awb-status">{format!("Courier: {}", a.courier_status)}</p>
            })}
            {(!a.message.is_empty()).then(|| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-300">{a.message.clone()}</p> })}
            {a.label.clone().map(|href| view! {
                <a href=href class=format!("mt-2 {BUTTON_QUIET}") download="" rel="external">"Download label (PDF)"</a>
            })}
            {(!a.events.is_empty()).then(|| view! { <ul class="mt-2 space-y-0.5" aria-label="Tracking">{events}</ul> })}
        </li>
    }
}
