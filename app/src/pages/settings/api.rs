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
    let hooks = webhook_data();
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
        <Webhooks data=hooks/>
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
    let said = said_alert(&f, "api-keys-said");
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
                <div class="mt-1">{scopes}</div>
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

const ENDPOINT_FORM: &str = "webhook-endpoints";

/// A one-button form of the endpoints' form endpoint.
fn op_form(
    op: &'static str,
    id: &str,
    label: &'static str,
    aria: String,
    class: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action="/settings/api/endpoints" class="inline">
            <input type="hidden" name="op" value=op/>
            <input type="hidden" name="id" value=id.to_string()/>
            <button type="submit" class=class aria-label=aria>{label}</button>
        </form>
    }
}

fn said_alert(f: &Option<FormFlash>, testid: &'static str) -> Option<impl IntoView> {
    f.clone().filter(|f| f.field.is_none()).map(|f| {
        let ok = f.value("tone") == "ok";
        view! {
            <div class="mb-4" data-testid=testid>
                <Alert tone=if ok { Tone::Success } else { Tone::Error }>{f.message}</Alert>
            </div>
        }
    })
}

/// The webhooks section's data: the endpoints and the chosen one's log (refreshed while a
/// delivery is under way), the form's choices with a secret to show once, and the forms'
/// message. Made at the page's top level, so the browser finds each one's server-rendered
/// value when it hydrates (a resource made inside a suspended child may be asked again, and a
/// secret taken from the session is there only once).
#[derive(Clone, Copy)]
struct WebhookData {
    page: Resource<Result<crate::api::keys::WebhooksPage, crate::api::AppError>>,
    form: Resource<Result<crate::api::keys::WebhookForm, crate::api::AppError>>,
    flash: Resource<Result<Option<FormFlash>, crate::api::AppError>>,
}

fn webhook_data() -> WebhookData {
    use crate::api::keys::{get_webhook_form, get_webhooks};
    use crate::components::ui::refresh_while;
    let query = leptos_router::hooks::use_query_map();
    let (tick, set_tick) = signal(0u32);
    let page = Resource::new(
        move || (query.read().get("endpoint").unwrap_or_default(), tick.get()),
        |(endpoint, _)| get_webhooks(endpoint),
    );
    let flash = Resource::new_blocking(|| (), |_| take_form_flash(ENDPOINT_FORM.into()));
    let form = Resource::new_blocking(|| (), |_| get_webhook_form());
    refresh_while(
        std::time::Duration::from_secs(2),
        move || {
            page.get()
                .and_then(|r| r.ok())
                .and_then(|p| p.log)
                .is_some_and(|l| l.deliveries.iter().any(|d| d.status == "pending"))
        },
        set_tick,
    );
    WebhookData { page, form, flash }
}

/// Outgoing webhooks: the endpoints, one endpoint's delivery log, and the form to add one.
#[component]
fn Webhooks(data: WebhookData) -> impl IntoView {
    let WebhookData { page, form, flash } = data;
    view! {
        <section class="mt-10" aria-labelledby="webhooks-title">
            <h2 id="webhooks-title" class="text-lg font-semibold text-slate-900 dark:text-white">"Webhooks"</h2>
            <p class="mb-4 mt-1 text-sm text-slate-500 dark:text-slate-400">
                "Switchyard POSTs the events you choose to your endpoints, signed the Standard Webhooks way. A failed delivery is tried again after 5 s, 5 min, 30 min, 2 h, 5 h and 10 h, then kept to replay."
            </p>
            <Suspense>
                {move || Suspend::new(async move {
                    let f = flash.await.ok().flatten();
                    let shown = form.await.ok().and_then(|w| w.secret).map(|(_, s)| view! {
                        <div class="mb-4 rounded-xl border border-emerald-200 bg-emerald-50 p-4 dark:border-emerald-900 dark:bg-emerald-950/40">
                            <label for="webhook-secret" class="text-sm font-semibold text-emerald-900 dark:text-emerald-200">"Signing secret"</label>
                            <input id="webhook-secret" readonly value=s class=format!("mt-2 font-mono {INPUT}") data-testid="webhook-secret"/>
                            <p class="mt-2 text-xs text-emerald-800 dark:text-emerald-300">"Your receiver checks each delivery's webhook-signature with it (any Standard Webhooks library does). Reveal it again from the endpoint when needed."</p>
                        </div>
                    });
                    view! { {said_alert(&f, "webhooks-said")}{shown} }
                })}
            </Suspense>
            <div class="grid gap-6 lg:grid-cols-3">
                <div class="space-y-6 lg:col-span-2">
                    <Transition>
                        {move || Suspend::new(async move {
                            match page.await {
                                Ok(p) => view! { <EndpointsView p/> }.into_any(),
                                Err(e) => view! { <Alert tone=Tone::Error>{e.message}</Alert> }.into_any(),
                            }
                        })}
                    </Transition>
                </div>
                <Card title="Add an endpoint">
                    <Suspense>
                        {move || Suspend::new(async move {
                            let f = flash.await.ok().flatten();
                            let events = form.await.map(|w| w.events).unwrap_or_default();
                            view! { <EndpointForm events f/> }
                        })}
                    </Suspense>
                </Card>
            </div>
            <div class="mt-6">
                <Transition>
                    {move || Suspend::new(async move {
                        page.await.ok().map(|p| view! { <DeliveryLog p/> })
                    })}
                </Transition>
            </div>
        </section>
    }
}

#[component]
fn EndpointForm(events: Vec<(String, String)>, f: Option<FormFlash>) -> impl IntoView {
    let error = |field: &str| {
        f.as_ref()
            .filter(|f| f.field.as_deref() == Some(field))
            .map(|f| f.message.clone())
    };
    let typed = |field: &str| f.as_ref().map(|f| f.value(field)).unwrap_or_default();
    let ticked: Vec<String> = typed("events")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let events_error = error("events");
    let boxes = events
        .into_iter()
        .map(|(key, text)| {
            let id = format!("event-{}", key.replace('.', "-"));
            let label_for = id.clone();
            let checked = ticked.contains(&key);
            view! {
                <label for=label_for class="flex items-start gap-2 py-1 text-sm">
                    <input id=id type="checkbox" name="events" value=key.clone() checked=checked
                        class="mt-0.5 h-4 w-4 rounded border-slate-300 text-brand-600 focus:ring-brand-500"/>
                    <span>
                        <span class="font-mono text-xs text-slate-900 dark:text-white">{key}</span>
                        <span class="block text-xs text-slate-500">{text}</span>
                    </span>
                </label>
            }
        })
        .collect_view();
    view! {
        <form method="post" action="/settings/api/endpoints" class="space-y-4" data-testid="new-endpoint-form">
            <input type="hidden" name="op" value="create"/>
            <Field name="url" label="Endpoint URL" kind="url" value=typed("url") hint="https://… where your program receives the events." error=error("url")/>
            <Field name="description" label="Description" required=false value=typed("description") error=error("description")/>
            <fieldset>
                <legend class="text-sm font-medium text-slate-700 dark:text-slate-300">"Events"</legend>
                <div class="mt-1">{boxes}</div>
                {events_error.map(|e| view! { <p class="mt-1 text-sm text-red-600">{e}</p> })}
            </fieldset>
            <button type="submit" class=format!("{BUTTON} w-full")>"Add endpoint"</button>
        </form>
    }
}

#[component]
fn EndpointsView(p: crate::api::keys::WebhooksPage) -> impl IntoView {
    use crate::components::ui::BUTTON_QUIET;
    let list = if p.endpoints.is_empty() {
        view! { <EmptyState title="No endpoint yet" text="Add one to receive orders, analyses and token events as they happen."/> }.into_any()
    } else {
        p.endpoints
            .iter()
            .map(|e| {
                let id = e.id.clone();
                let state = match (e.enabled, e.circuit.as_str()) {
                    (false, _) => view! { <Badge text="Disabled" warn=true/> }.into_any(),
                    (true, "open") => view! { <Badge text=format!("Paused: {} failures in a row", e.failures) warn=true/> }.into_any(),
                    (true, "half-open") => view! { <Badge text="Trying again" warn=true/> }.into_any(),
                    _ => view! { <Badge text="Active"/> }.into_any(),
                };
                let rotating = e.previous_until.clone().map(|t| view! { <p class="text-xs text-slate-500">{format!("The previous secret also signs until {t}.")}</p> });
                let toggle = if e.enabled {
                    op_form("disable", &id, "Disable", format!("Disable {}", e.url), BUTTON_QUIET).into_any()
                } else {
                    op_form("enable", &id, "Enable", format!("Enable {}", e.url), BUTTON_QUIET).into_any()
                };
                let delete_aria = format!("Delete the endpoint {}", e.url);
                view! {
                    <li class="py-4" data-testid="webhook-endpoint">
                        <div class="flex flex-wrap items-start justify-between gap-2">
                            <div class="min-w-0">
                                <p class="break-all font-mono text-sm text-slate-900 dark:text-white">{e.url.clone()}</p>
                                <p class="text-xs text-slate-500">{if e.description.is_empty() { String::new() } else { format!("{} · ", e.description) }}{e.events.join(", ")}</p>
                                {rotating}
                            </div>
                            {state}
                        </div>
                        <div class="mt-2 flex flex-wrap items-center gap-2">
                            <a href=format!("/settings/api?endpoint={id}#deliveries") class=BUTTON_QUIET>"Deliveries"</a>
                            {op_form("test", &id, "Send test event", format!("Send a test event to {}", e.url), BUTTON_QUIET)}
                            {op_form("reveal", &id, "Reveal secret", format!("Reveal the secret of {}", e.url), BUTTON_QUIET)}
                            {op_form("rotate", &id, "Rotate secret", format!("Rotate the secret of {}", e.url), BUTTON_QUIET)}
                            {toggle}
                            <Confirm label="Delete" aria_label=delete_aria.clone()
                                question=format!("Delete the endpoint {}? Its deliveries go with it.", e.url)>
                                <form method="post" action="/settings/api/endpoints">
                                    <input type="hidden" name="op" value="delete"/>
                                    <input type="hidden" name="id" value=id.clone()/>
                                    <button type="submit" class=BUTTON_DANGER aria-label=delete_aria.clone()>"Delete"</button>
                                </form>
                            </Confirm>
                        </div>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <Card title="Endpoints">
            <ul class="divide-y divide-slate-100 dark:divide-slate-800">{list}</ul>
        </Card>
    }
}

/// The chosen endpoint's latest deliveries, full width.
#[component]
fn DeliveryLog(p: crate::api::keys::WebhooksPage) -> impl IntoView {
    use crate::components::ui::BUTTON_QUIET;
    p.log.map(|l| {
        let endpoint = l.id.clone();
        let rows = if l.deliveries.is_empty() {
            view! { <EmptyState title="No delivery yet" text="Send a test event to see one."/> }.into_any()
        } else {
            view! {
                <div class="-mx-4 overflow-x-auto sm:mx-0">
                    <table class=TABLE aria-label="Deliveries">
                        <thead><tr>
                            <th class=TH scope="col">"When"</th>
                            <th class=TH scope="col">"Event"</th>
                            <th class=TH scope="col">"Status"</th>
                            <th class=TH scope="col">"Last answer"</th>
                            <th class=TH scope="col"><span class="sr-only">"Replay"</span></th>
                        </tr></thead>
                        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                            {l.deliveries.into_iter().map(|d| {
                                let status = match d.status.as_str() {
                                    "delivered" => view! { <Badge text="Delivered"/> }.into_any(),
                                    "dead" => view! { <Badge text="Failed" warn=true/> }.into_any(),
                                    _ => view! { <Badge text=match &d.next { Some(n) => format!("Next try {n}"), None => "Sending".to_string() } warn=true/> }.into_any(),
                                };
                                let answer = match (d.last_status, &d.last_error) {
                                    (Some(s), _) => format!("{s} in {} ms{}", d.last_ms.unwrap_or(0), d.last_response.as_deref().filter(|r| !r.is_empty()).map(|r| format!(" · {}", r.chars().take(80).collect::<String>())).unwrap_or_default()),
                                    (None, Some(e)) => e.clone(),
                                    _ => "—".to_string(),
                                };
                                let replay = (d.status != "pending").then(|| view! {
                                    <form method="post" action="/settings/api/endpoints">
                                        <input type="hidden" name="op" value="replay"/>
                                        <input type="hidden" name="id" value=endpoint.clone()/>
                                        <input type="hidden" name="delivery" value=d.id.clone()/>
                                        <button type="submit" class=BUTTON_QUIET aria-label=format!("Replay {}", d.event_id)>"Replay"</button>
                                    </form>
                                });
                                view! {
                                    <tr data-testid="webhook-delivery" data-status=d.status.clone()>
                                        <td class=format!("{TD} whitespace-nowrap text-xs")>{d.created.clone()}</td>
                                        <td class=TD>
                                            <p class="font-mono text-xs">{d.event_type.clone()}</p>
                                            <p class="font-mono text-[11px] text-slate-500">{d.event_id.clone()}</p>
                                        </td>
                                        <td class=TD>{status}<p class="mt-0.5 text-xs text-slate-500">{format!("{} attempt{}", d.attempts, if d.attempts == 1 { "" } else { "s" })}</p></td>
                                        <td class=format!("{TD} max-w-xs break-words text-xs")>{answer}</td>
                                        <td class=format!("{TD} text-right")>{replay}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        };
        view! {
            <div id="deliveries">
                <Card title=format!("Deliveries to {}", l.url)>{rows}</Card>
            </div>
        }
    })
}
