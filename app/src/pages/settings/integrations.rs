//! /settings/integrations — the company's own AI provider keys for analyses, and its FAN
//! Courier account for shipping orders.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsHeader;
use crate::api::analyses::*;
use crate::components::ui::{
    ActionResult, Card, Confirm, EmptyState, Field, Loaded, BUTTON, BUTTON_DANGER, BUTTON_QUIET,
    SELECT,
};

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let save = ServerAction::<SaveAiKey>::new();
    let remove = ServerAction::<RemoveAiKey>::new();
    let page = Resource::new(
        move || (save.version().get(), remove.version().get()),
        |_| get_integrations(),
    );
    let field_error = move |f: &str| {
        save.value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    view! {
        <Title text="Integrations · Switchyard"/>
        <SettingsHeader title="Settings" text="The AI provider that reads your test reports, and the courier that ships your orders. Keys and passwords are encrypted at rest and never shown again."/>
        <ActionResult value=move || remove.value().get() success="Key removed."/>
        <Loaded resource=page render=move |v: IntegrationsView| {
            let keys = if v.keys.is_empty() {
                view! { <EmptyState title="No company key" text=format!("Analyses use {}.", v.platform_default)/> }.into_any()
            } else {
                v.keys.iter().map(|k| {
                    let (provider, aria) = (k.provider.clone(), format!("Remove the {} key", k.label));
                    view! {
                        <li class="flex items-center justify-between py-3" data-testid="ai-key">
                            <div>
                                <p class="text-sm font-medium text-slate-900 dark:text-white">{format!("{} · key {}", k.label, k.hint)}</p>
                                <p class="text-xs text-slate-500">{format!("Model {} · saved {}", k.model, k.updated)}</p>
                            </div>
                            <Confirm label="Remove" aria_label=aria.clone()
                                question=format!("Remove the {} key? Analyses then use the platform's key, or the local reader.", k.label)>
                                <ActionForm action=remove>
                                    <input type="hidden" name="provider" value=provider/>
                                    <button type="submit" class=BUTTON_DANGER aria-label=aria>"Remove"</button>
                                </ActionForm>
                            </Confirm>
                        </li>
                    }
                }).collect_view().into_any()
            };
            let options = v.providers.iter().map(|(k, l)| view! { <option value=k.clone()>{l.clone()}</option> }).collect_view();
            view! {
                <div class="grid gap-6 lg:grid-cols-3">
                    <div class="lg:col-span-2">
                        <Card title="AI provider for analyses">
                            <ul class="divide-y divide-slate-100 dark:divide-slate-800">{keys}</ul>
                            <p class="mt-4 text-xs text-slate-500 dark:text-slate-400">"With a key of your own, analyses are read by that provider (Claude first when both are set) and its usage is charged in tokens: input + output + cache tokens, as the provider reports them."</p>
                        </Card>
                    </div>
                    <Card title="Save a key">
                        <ActionResult value=move || save.value().get().filter(|r| r.as_ref().is_err_and(|e| e.field.is_none()) || r.is_ok()) success="Key saved."/>
                        <ActionForm action=save attr:class="space-y-4">
                            <div>
                                <label for="f-provider" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Provider"</label>
                                <select id="f-provider" name="provider" class=format!("mt-1 {SELECT}")>{options}</select>
                            </div>
                            <Field name="api_key" label="API key" kind="password" autocomplete="off" error=field_error("api_key")/>
                            <Field name="model" label="Model" required=false hint="Leave empty for claude-sonnet-4-20250514 or gpt-4o-2024-08-06." error=field_error("model")/>
                            <button type="submit" class=format!("{BUTTON} w-full")>"Save key"</button>
                        </ActionForm>
                    </Card>
                </div>
            }
        }/>
        <div class="mt-6"><CourierCard/></div>
    }
}

/// The FAN Courier account: client id, sign-in, the AWB defaults; Test connection; Remove.
#[component]
fn CourierCard() -> impl IntoView {
    use crate::api::courier::*;
    let save = ServerAction::<SaveCourierAccount>::new();
    let test = ServerAction::<TestCourierAccount>::new();
    let remove = ServerAction::<RemoveCourierAccount>::new();
    let data = Resource::new(
        move || (save.version().get(), remove.version().get()),
        |_| get_courier_account(),
    );
    let field_error = move |f: &str| {
        save.value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    view! {
        <Card title="FAN Courier">
            <crate::components::ui::LastSaid answers=vec![
                (save.version(), Signal::derive(move || save.value().get().filter(|r| r.as_ref().is_ok() || r.as_ref().is_err_and(|e| e.field.is_none())))),
                (test.version(), Signal::derive(move || test.value().get())),
                (remove.version(), Signal::derive(move || remove.value().get())),
            ]/>
            <Loaded resource=data render=move |v: CourierSettings| {
                let a = v.account.clone();
                let connected = a.as_ref().map(|a| view! {
                    <div class="mb-4 flex flex-wrap items-center justify-between gap-3 rounded-lg bg-slate-50 p-3 dark:bg-slate-800/50" data-testid="courier-account">
                        <div>
                            <p class="text-sm font-medium text-slate-900 dark:text-white">{format!("Client {} · {}", a.client_id, a.hint)}</p>
                            <p class="text-xs text-slate-500">{format!("Defaults: {} · {} pays · {} kg · handover closes {} · saved {}", a.service, if a.payer == "sender" { "sender" } else { "recipient" }, a.weight_kg, a.handover_close, a.updated)}</p>
                        </div>
                        <div class="flex items-center gap-2">
                            <ActionForm action=test>
                                <button type="submit" class=BUTTON_QUIET>"Test connection"</button>
                            </ActionForm>
                            <Confirm label="Remove" aria_label="Remove the FAN Courier account".to_string()
                                question="Remove the FAN Courier account? AWBs already made stay; new ones cannot be made until an account is saved again.".to_string()>
                                <ActionForm action=remove>
                                    <button type="submit" class=BUTTON_DANGER aria-label="Remove the FAN Courier account">"Remove"</button>
                                </ActionForm>
                            </Confirm>
                        </div>
                    </div>
                });
                let current = {
                    let a = a.clone();
                    move |f: fn(&CourierAccountView) -> String| a.as_ref().map(f).unwrap_or_default()
                };
                let service_now = current(|a| a.service.clone());
                let payer_now = current(|a| a.payer.clone());
                let services = v.services.iter().map(|s| {
                    let selected = *s == service_now;
                    view! { <option value=s.clone() selected=selected>{s.clone()}</option> }
                }).collect_view();
                let payers = v.payers.iter().map(|(k, l)| {
                    let selected = *k == payer_now;
                    view! { <option value=k.clone() selected=selected>{l.clone()}</option> }
                }).collect_view();
                let has_account = a.is_some();
                view! {
                    {connected}
                    <ActionForm action=save attr:class="grid gap-4 sm:grid-cols-3">
                        <Field name="client_id" label="Client id" value=current(|a| a.client_id.clone()) error=field_error("client_id")/>
                        <Field name="username" label="Username" autocomplete="off" error=field_error("username")/>
                        <Field name="password" label="Password" kind="password" autocomplete="new-password" required=!has_account
                            hint=if has_account { "Leave empty to keep the saved one." } else { "" } error=field_error("password")/>
                        <div>
                            <label for="f-service" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Default service"</label>
                            <select id="f-service" name="service" class=format!("mt-1 {SELECT}")>{services}</select>
                        </div>
                        <div>
                            <label for="f-payer" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Transport paid by"</label>
                            <select id="f-payer" name="payer" class=format!("mt-1 {SELECT}")>{payers}</select>
                        </div>
                        <Field name="weight_kg" label="Default weight (kg)" value=Some(current(|a| a.weight_kg.clone())).filter(|w| !w.is_empty()).unwrap_or_else(|| "1".into()) error=field_error("weight_kg")/>
                        <Field name="handover_close" label="Handover closes at" kind="time" value=Some(current(|a| a.handover_close.clone())).filter(|w| !w.is_empty()).unwrap_or_else(|| "20:00".into())
                            hint="In the company's time zone; AWBs not scanned by then are listed as not handed over." error=field_error("handover_close")/>
                        <div class="sm:col-span-3">
                            <button type="submit" class=BUTTON>"Save FAN Courier account"</button>
                        </div>
                    </ActionForm>
                }
            }/>
        </Card>
    }
}
