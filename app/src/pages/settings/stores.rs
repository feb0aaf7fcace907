//! /settings/stores — the company's stores and the per-store access matrix.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsHeader;
use crate::api::orders::{
    get_connections, ConnectShopify, ConnectTrendyol, Connections, DisconnectStore,
    TestStoreConnection,
};
use crate::api::team::*;
use crate::components::ui::{
    ActionResult, Alert, Card, Confirm, EmptyState, Field, Loaded, Toast, Tone, BUTTON,
    BUTTON_DANGER, BUTTON_QUIET, INPUT, SELECT, TABLE, TD, TH,
};

#[component]
pub fn StoresPage() -> impl IntoView {
    let create = ServerAction::<CreateStore>::new();
    let delete = ServerAction::<DeleteStore>::new();
    let access = ServerAction::<SetStoreAccess>::new();
    let connect = ServerAction::<ConnectShopify>::new();
    let connect_trendyol = ServerAction::<ConnectTrendyol>::new();
    let disconnect = ServerAction::<DisconnectStore>::new();
    let test = ServerAction::<TestStoreConnection>::new();
    let connections = Resource::new(
        move || {
            (
                connect.version().get(),
                connect_trendyol.version().get(),
                disconnect.version().get(),
                create.version().get(),
            )
        },
        |_| get_connections(),
    );
    let page = Resource::new(
        move || {
            (
                create.version().get(),
                delete.version().get(),
                access.version().get(),
            )
        },
        |_| get_stores_page(),
    );
    let field_error = move |f: &str| {
        create
            .value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    view! {
        <Title text="Stores · Switchyard"/>
        <SettingsHeader title="Settings" text="The stores this company sells through, and which members may see each."/>
        <ActionResult value=move || delete.value().get() success="Store deleted."/>
        <ActionResult value=move || access.value().get() success="Access updated."/>
        <ActionResult value=move || disconnect.value().get() success="Store disconnected."/>
        {move || test.value().get().map(|r| match r {
            Ok(text) => view! { <Toast text/> }.into_any(),
            Err(e) => view! { <div class="mb-4" data-testid="test-error"><Alert tone=Tone::Error>{e.message}</Alert></div> }.into_any(),
        })}
        <Loaded resource=page render=move |p| {
                        let platforms = p.platforms.clone();
                        let label = move |k: &str| platforms.iter().find(|(key, _)| key == k).map(|(_, l)| l.clone()).unwrap_or_else(|| k.to_string());
                        let stores = p.stores.clone();
                        let label2 = label.clone();
                        let list = move |c: Connections| if stores.is_empty() {
                            view! { <EmptyState title="No stores yet" text="Add the first store with the form on this page."/> }.into_any()
                        } else {
                            let items = stores.iter().map(|s| {
                                let (id, platform, aria) = (s.id.clone(), label2(&s.platform), format!("Delete store {}", s.name));
                                let link = connection_line(s, &c, disconnect, test);
                                view! {
                                    <li class="flex items-center justify-between py-3" data-testid="store-row">
                                        <div>
                                            <p class="text-sm font-medium text-slate-900 dark:text-white">{s.name.clone()}</p>
                                            <p class="text-xs text-slate-500">{platform}</p>
                                            {link}
                                        </div>
                                        <Confirm label="Delete" aria_label=aria.clone()
                                            question=format!("Delete the store {}? Members lose their access to it.", s.name)>
                                            <ActionForm action=delete>
                                                <input type="hidden" name="id" value=id/>
                                                <button type="submit" class=BUTTON_DANGER aria-label=aria>"Delete"</button>
                                            </ActionForm>
                                        </Confirm>
                                    </li>
                                }
                            }).collect_view();
                            view! { <ul class="divide-y divide-slate-100 dark:divide-slate-800">{items}</ul> }.into_any()
                        };
                        let options = p.platforms.iter().map(|(k, l)| view! { <option value=k.clone()>{l.clone()}</option> }).collect_view();
                        let matrix = p.can_manage_access.then(|| view! { <AccessMatrix p=p.clone() access/> });
                        view! {
                            <div class="grid gap-6 lg:grid-cols-3">
                                <div class="space-y-6 lg:col-span-2">
                                    <Card title="Stores"><Loaded resource=connections render=list.clone()/></Card>
                                    {matrix}
                                </div>
                                <Card title="Add a store">
                                    <ActionResult value=move || create.value().get() success="Store added."/>
                                    <ActionForm action=create attr:class="space-y-4">
                                        <Field name="name" label="Store name" error=field_error("name")/>
                                        <div>
                                            <label for="f-platform" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Platform"</label>
                                            <select id="f-platform" name="platform" class=format!("mt-1 {SELECT}")>{options}</select>
                                        </div>
                                        <button type="submit" class=format!("{BUTTON} w-full")>"Add store"</button>
                                    </ActionForm>
                                </Card>
                            </div>
                            <ConnectShopifyCard stores=p.stores.clone() connections connect/>
                            <ConnectTrendyolCard stores=p.stores.clone() connections connect=connect_trendyol/>
                        }.into_any()
                    }/>
    }
}

#[component]
fn AccessMatrix(p: StoresPage, access: ServerAction<SetStoreAccess>) -> impl IntoView {
    if p.stores.is_empty() || p.limited_members.is_empty() {
        return view! {
            <Card title="Store access">
                <EmptyState title="Nothing to grant yet" text="Owners, admins and roles that manage stores see every store. Other members appear here once there are stores."/>
            </Card>
        }.into_any();
    }
    let head = p
        .stores
        .iter()
        .map(|s| view! { <th class=TH>{s.name.clone()}</th> })
        .collect_view();
    let rows = p.limited_members.iter().map(|m| {
        let cells = p.stores.iter().map(|s| {
            let on = p.grants.iter().any(|(u, st)| *u == m.user_id && *st == s.id);
            let label = format!("{} access to {} for {}", if on { "Withdraw" } else { "Grant" }, s.name, m.name);
            let (uid, sid) = (m.user_id.clone(), s.id.clone());
            view! {
                <td class=TD>
                    <ActionForm action=access>
                        <input type="hidden" name="user_id" value=uid/>
                        <input type="hidden" name="store_id" value=sid/>
                        <input type="hidden" name="allowed" value=if on { "false" } else { "true" }/>
                        <button type="submit" aria-label=label aria-pressed=if on { "true" } else { "false" }
                            class=if on {
                                "rounded-md bg-emerald-50 px-2 py-1 text-xs font-medium text-emerald-800 ring-1 ring-inset ring-emerald-600/20 hover:bg-emerald-100 dark:bg-emerald-400/10 dark:text-emerald-300"
                            } else {
                                "rounded-md bg-slate-50 px-2 py-1 text-xs font-medium text-slate-500 ring-1 ring-inset ring-slate-300 hover:bg-slate-100 dark:bg-slate-800 dark:text-slate-400"
                            }>
                            {if on { "Allowed" } else { "No access" }}
                        </button>
                    </ActionForm>
                </td>
            }
        }).collect_view();
        view! {
            <tr>
                <td class=TD><p class="font-medium text-slate-900 dark:text-white">{m.name.clone()}</p><p class="text-xs text-slate-500">{m.role_name.clone()}</p></td>
                {cells}
            </tr>
        }
    }).collect_view();
    view! {
        <Card title="Store access">
            <p class="mb-3 text-sm text-slate-500 dark:text-slate-400">"Owners, admins and roles that manage stores see every store. Everyone else sees only what is allowed here."</p>
            <div class="-mx-5 overflow-x-auto">
                <table class=TABLE>
                    <thead><tr><th class=TH>"Member"</th>{head}</tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                </table>
            </div>
        </Card>
    }.into_any()
}

/// Under a store's name: its connection (shop, credential hints, a Disconnect that asks
/// first), or how to connect it.
fn connection_line(
    s: &StoreRow,
    c: &Connections,
    disconnect: ServerAction<DisconnectStore>,
    test: ServerAction<TestStoreConnection>,
) -> Option<AnyView> {
    if !matches!(s.platform.as_str(), "shopify" | "trendyol") {
        return None;
    }
    let Some(conn) = c.list.iter().find(|x| x.store_id == s.id) else {
        return Some(view! { <p class="mt-1 text-xs text-amber-700 dark:text-amber-300" data-testid="store-connection">"Not connected: orders arrive once it is (below)."</p> }.into_any());
    };
    let state = match &conn.uninstalled {
        Some(when) => format!("App uninstalled {when}: reconnect with new credentials"),
        None => format!("Connected {}", conn.connected),
    };
    let aria = format!("Disconnect store {}", s.name);
    let (test_label, test_id) = (format!("Test the connection of {}", s.name), s.id.clone());
    let (id, question) = (
        s.id.clone(),
        format!(
            "Disconnect {}? Its webhooks stop being accepted; its orders stay.",
            s.name
        ),
    );
    Some(view! {
        <div class="mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-400" data-testid="store-connection">
            {(!conn.shop_domain.is_empty()).then(|| view! {
                <span class="font-medium text-emerald-700 dark:text-emerald-300">{conn.shop_domain.clone()}</span>
            })}
            <span>{format!("{} · {} · {}", conn.hint, conn.currency, state)}</span>
            <ActionForm action=test>
                <input type="hidden" name="store_id" value=test_id/>
                <button type="submit" class=BUTTON_QUIET aria-label=test_label>"Test connection"</button>
            </ActionForm>
            <Confirm label="Disconnect" aria_label=aria.clone() question>
                <ActionForm action=disconnect>
                    <input type="hidden" name="store_id" value=id/>
                    <button type="submit" class=BUTTON_DANGER aria-label=aria>"Disconnect"</button>
                </ActionForm>
            </Confirm>
        </div>
    }.into_any())
}

/// The `<option>`s of a platform's stores to connect: those not connected yet first (the
/// one chosen by default), the others offered for new credentials.
fn store_options(stores: &[StoreRow], c: &Connections) -> impl IntoView {
    let mut choices: Vec<(bool, &StoreRow)> = stores
        .iter()
        .map(|s| (c.list.iter().any(|x| x.store_id == s.id), s))
        .collect();
    choices.sort_by_key(|(connected, _)| *connected);
    choices
        .into_iter()
        .map(|(connected, s)| {
            let label = if connected {
                format!("{} (replace its credentials)", s.name)
            } else {
                s.name.clone()
            };
            view! { <option value=s.id.clone()>{label}</option> }
        })
        .collect_view()
}

/// Connecting a Shopify store: its shop domain, the Admin API access token and the webhook
/// signing secret of the shop's app, and the store's currency.
#[component]
fn ConnectShopifyCard(
    stores: Vec<StoreRow>,
    connections: Resource<Result<Connections, crate::api::AppError>>,
    connect: ServerAction<ConnectShopify>,
) -> impl IntoView {
    let field_error = move |f: &str| {
        connect
            .value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    let shopify: Vec<StoreRow> = stores
        .into_iter()
        .filter(|s| s.platform == "shopify")
        .collect();
    if shopify.is_empty() {
        return None;
    }
    Some(view! {
        <div class="mt-6">
            <Card title="Connect a Shopify store">
                <ActionResult value=move || connect.value().get() success="Store connected. New orders arrive by webhook."/>
                <Loaded resource=connections render=move |c: Connections| {
                    let options = store_options(&shopify, &c);
                    view! {
                        <p class="mb-4 text-sm text-slate-600 dark:text-slate-400">
                            "In the shop's admin, create an app with the read_orders and write_orders scopes, then subscribe its webhooks (orders/create, orders/updated, orders/cancelled, app/uninstalled) to "
                            <code class="rounded bg-slate-100 px-1 py-0.5 text-xs dark:bg-slate-800" data-testid="webhook-url">{c.webhook_url.clone()}</code>"."
                        </p>
                        <ActionForm action=connect attr:class="grid gap-4 sm:grid-cols-2">
                            <div>
                                <label for="f-connect-store" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Store"</label>
                                <select id="f-connect-store" name="store_id" class=format!("mt-1 {SELECT}")>{options}</select>
                            </div>
                            <Field name="shop_domain" label="Shop domain" hint="Such as ana-shop.myshopify.com" error=field_error("shop_domain")/>
                            <Field name="access_token" label="Admin API access token" kind="password" autocomplete="off" error=field_error("access_token")/>
                            <Field name="webhook_secret" label="Webhook signing secret" kind="password" autocomplete="off" error=field_error("webhook_secret")/>
                            <Field name="currency" label="Currency" value="RON" required=false error=field_error("currency")/>
                            <div class="flex items-end">
                                <button type="submit" class=format!("{BUTTON} w-full")>"Connect store"</button>
                            </div>
                        </ActionForm>
                    }
                }/>
            </Card>
        </div>
    })
}

/// Connecting a Trendyol store: the seller id, API key and secret from the seller panel, the
/// environment (production, or Trendyol's stage for testing) and the store's currency.
#[component]
fn ConnectTrendyolCard(
    stores: Vec<StoreRow>,
    connections: Resource<Result<Connections, crate::api::AppError>>,
    connect: ServerAction<ConnectTrendyol>,
) -> impl IntoView {
    let field_error = move |f: &str| {
        connect
            .value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    let trendyol: Vec<StoreRow> = stores
        .into_iter()
        .filter(|s| s.platform == "trendyol")
        .collect();
    if trendyol.is_empty() {
        return None;
    }
    Some(view! {
        <div class="mt-6">
            <Card title="Connect a Trendyol store">
                <ActionResult value=move || connect.value().get() success="Store connected. Its packages arrive with the next sync (every 15 minutes, or Sync now on the orders page)."/>
                <Loaded resource=connections render=move |c: Connections| {
                    let options = store_options(&trendyol, &c);
                    view! {
                        <p class="mb-4 text-sm text-slate-600 dark:text-slate-400">
                            "In the Trendyol seller panel, open Account → Integration information and copy the seller id, API key and API secret. Packages of the last three months are read, then every change."
                        </p>
                        <ActionForm action=connect attr:class="grid gap-4 sm:grid-cols-2">
                            <div>
                                <label for="f-trendyol-store" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Store"</label>
                                <select id="f-trendyol-store" name="store_id" class=format!("mt-1 {SELECT}")>{options}</select>
                            </div>
                            <Field name="seller_id" label="Seller id" hint="Digits only, such as 123456" error=field_error("seller_id")/>
                            <Field name="api_key" label="API key" kind="password" autocomplete="off" error=field_error("api_key")/>
                            <Field name="api_secret" label="API secret" kind="password" autocomplete="off" error=field_error("api_secret")/>
                            <div>
                                <label for="f-trendyol-env" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Environment"</label>
                                <select id="f-trendyol-env" name="environment" class=format!("mt-1 {SELECT}")>
                                    <option value="production">"Production"</option>
                                    <option value="stage">"Stage (Trendyol's test environment)"</option>
                                </select>
                                {move || field_error("environment").map(|e| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-300">{e}</p> })}
                            </div>
                            // Not `Field`: its id would repeat the Shopify card's currency field.
                            <div>
                                <label for="f-trendyol-currency" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Currency"</label>
                                <input id="f-trendyol-currency" name="currency" type="text" value="RON" class=format!("mt-1 {INPUT}")/>
                                {move || field_error("currency").map(|e| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-300">{e}</p> })}
                            </div>
                            <div class="flex items-end sm:col-span-2">
                                <button type="submit" class=format!("{BUTTON} w-full sm:w-auto")>"Connect Trendyol store"</button>
                            </div>
                        </ActionForm>
                    }
                }/>
            </Card>
        </div>
    })
}
