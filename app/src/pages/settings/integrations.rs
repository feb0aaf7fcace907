//! /settings/integrations — the company's own AI provider keys for analyses.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsHeader;
use crate::api::analyses::*;
use crate::components::ui::{
    ActionResult, Card, Confirm, EmptyState, Field, Loaded, BUTTON, BUTTON_DANGER, SELECT,
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
        <SettingsHeader title="Settings" text="The AI provider that reads your test reports. Keys are encrypted at rest and never shown again."/>
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
    }
}
