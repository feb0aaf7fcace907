//! /settings/api — the company's API keys: make one (name, scopes among the member's own
//! permissions, one store or all, an optional last day), see each key's prefix, scopes and last
//! use, revoke it. Plain form posts answered with a redirect back here, so it works the same
//! before and after hydration; a new key is shown once, then only its prefix.

use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsHeader;
use crate::api::keys::{get_api_keys, ApiKeyRow, ApiKeysPage};
use crate::api::{take_form_flash, FormFlash};
use crate::components::ui::{
    Alert, Badge, Card, Confirm, EmptyState, Field, Tone, BUTTON, BUTTON_DANGER, INPUT, SELECT,
    TABLE, TD, TH,
};

const FORM: &str = "api-keys";

#[component]
pub fn ApiPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| get_api_keys());
    let flash = Resource::new_blocking(|| (), |_| take_form_flash(FORM.into()));
    view! {
        <Title text="API · Switchyard"/>
        <SettingsHeader title="Settings" text="Keys for your own programs to call the Switchyard API. A key acts for you, only with the permissions you give it."/>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let f = flash.await.ok().flatten();
                match page.await {
                    Ok(v) => view! { <Keys v f/> }.into_any(),
                    Err(e) => view! { <Alert tone=Tone::Error>{e.message}</Alert> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Keys(v: ApiKeysPage, f: Option<FormFlash>) -> impl IntoView {
    let choices = FormChoices {
        scopes: v.scopes.clone(),
        stores: v.stores.clone(),
        min_expiry: v.min_expiry.clone(),
        max_expiry: v.max_expiry.clone(),
    };
    let said = f.clone().filter(|f| f.field.is_none()).map(|f| {
        let ok = f.value("tone") == "ok";
        view! {
            <div class="mb-4" data-testid="api-keys-said">
                <Alert tone=if ok { Tone::Success } else { Tone::Error }>{f.message}</Alert>
            </div>
        }
    });
    let new_key = v.new_key.clone().map(|k| view! {
        <div class="mb-6 rounded-xl border border-emerald-200 bg-emerald-50 p-4 dark:border-emerald-900 dark:bg-emerald-950/40" data-testid="new-api-key-card">
            <label for="new-api-key" class="text-sm font-semibold text-emerald-900 dark:text-emerald-200">"Your new API key"</label>
            <input id="new-api-key" readonly value=k.key class=format!("mt-2 font-mono {INPUT}") data-testid="new-api-key"/>
            <p class="mt-2 text-xs text-emerald-800 dark:text-emerald-300">"Copy it now and keep it somewhere safe: it is shown only this once. Programs send it as "<code>"Authorization: Bearer <key>"</code>"."</p>
        </div>
    });
    let rows = if v.keys.is_empty() {
        view! { <EmptyState title="No API key yet" text="Make one to let a program read your orders or tokens through the API."/> }.into_any()
    } else {
        view! {
            <div class="-mx-4 overflow-x-auto sm:mx-0">
                <table class=TABLE aria-label="API keys">
                    <thead><tr>
                        <th class=TH scope="col">"Name"</th>
                        <th class=TH scope="col">"Key"</th>
                        <th class=TH scope="col">"Scopes"</th>
                        <th class=TH scope="col">"Last used"</th>
                        <th class=TH scope="col"><span class="sr-only">"State"</span></th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                        {v.keys.into_iter().map(|k| view! { <KeyRow k/> }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        {said}
        {new_key}
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="lg:col-span-2">
                <Card title="Keys">
                    {rows}
                    <p class="mt-4 text-xs text-slate-500 dark:text-slate-400">
                        "What the API offers, its limits and its errors: "
                        <a href="/api/v1/docs" rel="external" class="font-medium text-brand-700 hover:underline dark:text-brand-300">"the API reference"</a>
                        " (and "<a href="/api/v1/openapi.json" rel="external" class="font-medium text-brand-700 hover:underline dark:text-brand-300">"its OpenAPI document"</a>")."
                    </p>
                </Card>
            </div>
            <Card title="Make a key">
                <NewKeyForm v=choices f/>
            </Card>
        </div>
    }
}

/// What the form needs of the page.
#[derive(Clone)]
struct FormChoices {
    scopes: Vec<(String, String)>,
    stores: Vec<(String, String)>,
    min_expiry: String,
    max_expiry: String,
}

#[component]
fn KeyRow(k: ApiKeyRow) -> impl IntoView {
    let aria = format!("Revoke the key {}", k.name);
    let state = match k.state.as_str() {
        "active" => view! {
            <Confirm label="Revoke" aria_label=aria.clone()
                question=format!("Revoke “{}”? Programs using it are refused from the next call. This cannot be undone.", k.name)>
                <form method="post" action="/settings/api/keys/revoke">
                    <input type="hidden" name="id" value=k.id.clone()/>
                    <button type="submit" class=BUTTON_DANGER aria-label=aria.clone()>"Revoke"</button>
                </form>
            </Confirm>
        }.into_any(),
        "revoked" => view! { <Badge text="Revoked" warn=true/> }.into_any(),
        _ => view! { <Badge text="Expired" warn=true/> }.into_any(),
    };
    let scope_text = k.scopes.join(", ");
    let reach = match (&k.store, &k.expires) {
        (Some(s), Some(e)) => format!("{s} only · until {e}"),
        (Some(s), None) => format!("{s} only"),
        (None, Some(e)) => format!("Every store · until {e}"),
        (None, None) => "Every store".to_string(),
    };
    view! {
        <tr data-testid="api-key" data-state=k.state.clone()>
            <td class=TD>
                <p class="font-medium text-slate-900 dark:text-white">{k.name.clone()}</p>
                <p class="text-xs text-slate-500">{format!("By {} · {}", k.creator, k.created)}</p>
            </td>
            <td class=format!("{TD} whitespace-nowrap font-mono text-xs")>{format!("{}…", k.prefix)}</td>
            <td class=TD>
                <p class="text-xs">{scope_text}</p>
                <p class="text-xs text-slate-500">{reach}</p>
            </td>
            <td class=format!("{TD} whitespace-nowrap text-xs")>
                {match (k.last_used, k.last_ip) {
                    (Some(t), Some(ip)) => format!("{t} · {ip}"),
                    (Some(t), None) => t,
                    _ => "Never".to_string(),
                }}
            </td>
            <td class=format!("{TD} text-right")>{state}</td>
        </tr>
    }
}

#[component]
fn NewKeyForm(v: FormChoices, f: Option<FormFlash>) -> impl IntoView {
    let error = |field: &str| {
        f.as_ref()
            .filter(|f| f.field.as_deref() == Some(field))
            .map(|f| f.message.clone())
    };
    let typed = |field: &str| f.as_ref().map(|f| f.value(field)).unwrap_or_default();
    let ticked: Vec<String> = typed("scopes")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let store_now = typed("store");
    let scopes_error = error("scopes");
    let store_error = error("store");
    let expires_error = error("expires");
    let described = scopes_error.as_ref().map(|_| "scopes-error");
    let scopes = v.scopes.iter().map(|(key, text)| {
        let id = format!("scope-{}", key.replace('.', "-"));
        let checked = ticked.contains(key);
        let label_for = id.clone();
        view! {
            <label for=label_for class="flex items-start gap-2 py-1 text-sm">
                <input id=id type="checkbox" name="scopes" value=key.clone() checked=checked
                    class="mt-0.5 h-4 w-4 rounded border-slate-300 text-brand-600 focus:ring-brand-500"/>
                <span>
                    <span class="font-mono text-xs text-slate-900 dark:text-white">{key.clone()}</span>
                    <span class="block text-xs text-slate-500">{text.clone()}</span>
                </span>
            </label>
        }
    }).collect_view();
    let stores = v
        .stores
        .iter()
        .map(|(id, name)| {
            let selected = *id == store_now;
            view! { <option value=id.clone() selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    view! {
        <form method="post" action="/settings/api/keys" class="space-y-4" data-testid="new-api-key-form">
            <Field name="name" label="Name" value=typed("name") hint="What uses it, e.g. “Warehouse sync”." error=error("name")/>
            <fieldset aria-describedby=described>
                <legend class="text-sm font-medium text-slate-700 dark:text-slate-300">"Scopes"</legend>
                <p class="text-xs text-slate-500">"Only permissions you hold; the key loses any you lose later."</p>
                <div class="mt-1 max-h-64 overflow-y-auto">{scopes}</div>
                {scopes_error.map(|e| view! { <p id="scopes-error" class="mt-1 text-sm text-red-600">{e}</p> })}
            </fieldset>
            <div>
                <label for="f-store" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Store"</label>
                <select id="f-store" name="store" class=format!("mt-1 {SELECT}")>
                    <option value="">"Every store I see"</option>
                    {stores}
                </select>
                {store_error.map(|e| view! { <p class="mt-1 text-sm text-red-600">{e}</p> })}
            </div>
            <div>
                <label for="f-expires" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Works until (optional)"</label>
                <input id="f-expires" type="date" name="expires" value=typed("expires") min=v.min_expiry max=v.max_expiry class=format!("mt-1 {INPUT}")/>
                {expires_error.map(|e| view! { <p class="mt-1 text-sm text-red-600">{e}</p> })}
            </div>
            <button type="submit" class=format!("{BUTTON} w-full")>"Make key"</button>
        </form>
    }
}
