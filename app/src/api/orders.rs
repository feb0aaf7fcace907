//! Server functions of /orders (the inbox and an order's page) and of the store connections
//! on Settings → Stores. Thin: permission first, then server::orders.
// The inbox's filters are the server function's arguments (one per URL parameter).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;
#[cfg(feature = "ssr")]
use server::access::Permission;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: String,
    pub number: String,
    pub store: String,
    pub status: String,
    pub status_label: String,
    pub customer: String,
    pub contact: String,
    pub total: String,
    /// Labels of the validation flags raised.
    pub flags: Vec<String>,
    pub placed: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrdersPage {
    pub rows: Vec<OrderSummary>,
    pub page: i64,
    pub per_page: i64,
    /// The change mark when this page was read (see [`get_orders_mark`]).
    pub mark: String,
    /// A fresh key for this page's bulk form: a double click starts one run.
    pub key: String,
    /// The member may change orders (the bulk form shows).
    pub can_write: bool,
    /// The statuses a bulk change may set: (key, label).
    pub manual_statuses: Vec<(String, String)>,
}

/// How many orders the inbox's filter matches: asked apart from the page ([`get_orders_count`]),
/// so the rows of a common term show before it has been counted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrdersCount {
    /// How many match, up to the count's cap (see `more`).
    pub total: i64,
    /// More than `total` match (large lists are not counted to the end).
    pub more: bool,
    /// Pages of the asked size (at least the page asked for, plus one when `more`).
    pub pages: i64,
}

/// What the inbox's filters offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderFilters {
    /// The stores the member sees: (id, name).
    pub stores: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
    pub flags: Vec<(String, String)>,
    pub sizes: Vec<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddressView {
    pub lines: Vec<String>,
    pub missing: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    pub title: String,
    pub sku: String,
    pub quantity: i64,
    pub unit_price: String,
    pub total: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    pub when: String,
    pub kind: String,
    pub who: String,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    pub number: String,
    pub store: String,
    pub status: String,
    pub status_label: String,
    pub financial: String,
    pub fulfillment: String,
    pub placed: String,
    pub updated: String,
    pub cancelled: Option<String>,
    pub customer: String,
    pub email: String,
    pub phone: String,
    pub shipping: Option<AddressView>,
    pub billing: Option<AddressView>,
    pub gateway: String,
    pub note: String,
    pub flags: Vec<String>,
    pub items: Vec<ItemView>,
    pub subtotal: String,
    pub shipping_cost: String,
    pub tax: String,
    pub total: String,
    pub events: Vec<EventView>,
    /// The edit form's values, for members with orders.write.
    pub edit: Option<ContactForm>,
}

/// The customer and shipping address as the edit form shows them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactForm {
    /// The order's version: an edit of an order that changed since is refused.
    pub seen: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address1: String,
    pub address2: String,
    pub city: String,
    pub county: String,
    pub postcode: String,
    pub country: String,
    /// The store is a connected Shopify shop: the edit is written back there first.
    pub writes_back: bool,
}

#[cfg(feature = "ssr")]
fn flag_labels(flags: &str) -> Vec<String> {
    flags
        .split_whitespace()
        .map(|f| {
            server::orders::model::FLAGS
                .iter()
                .find(|(k, _)| *k == f)
                .map(|(_, l)| l.to_string())
                .unwrap_or_else(|| f.to_string())
        })
        .collect()
}

#[cfg(feature = "ssr")]
fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, l)| (k.to_string(), l.to_string()))
        .collect()
}

/// The inbox's query from the address's parameters, as typed.
#[cfg(feature = "ssr")]
fn inbox_query(
    p: &server::access::Principal,
    [store, status, q, flag, preset, from, to, sort, dir]: [String; 9],
    page: i64,
    per: i64,
) -> Result<server::orders::service::Query, AppError> {
    let (from, to) = ssr::date_range(p, &preset, &from, &to)?;
    let some = |s: String| (!s.trim().is_empty()).then_some(s);
    Ok(server::orders::service::Query {
        store: some(store),
        status: some(status),
        q: some(q),
        flag: some(flag),
        from,
        to,
        sort: some(sort),
        asc: dir == "asc",
        page,
        per_page: per,
    })
}

/// One page of the inbox, without its count ([`get_orders_count`]). Arguments are the
/// address's parameters, as typed.
#[server(endpoint = "orders")]
pub async fn get_orders(
    store: String,
    status: String,
    q: String,
    flag: String,
    preset: String,
    from: String,
    to: String,
    sort: String,
    dir: String,
    page: i64,
    per: i64,
) -> Result<OrdersPage, AppError> {
    use server::orders::{model, service};
    let p = ssr::authorize(Permission::OrdersRead)?;
    let db = &ssr::state()?.db;
    let filter = [store, status, q, flag, preset, from, to, sort, dir];
    let query = inbox_query(&p, filter, page, per)?;
    let (inbox, mark) = tokio::try_join!(
        service::inbox_page(db, &p, &query),
        service::change_mark(db, &p),
    )
    .map_err(ssr::fail)?;
    let rows = inbox
        .rows
        .into_iter()
        .map(|r| OrderSummary {
            id: r.id.to_string(),
            status_label: model::status_label(&r.status).to_string(),
            status: r.status,
            store: r.store_name,
            customer: r.customer_name,
            contact: r.phone.or(r.email).unwrap_or_default(),
            total: server::money::format_money(r.total_minor, &r.currency),
            flags: flag_labels(&r.flags),
            placed: ssr::local_time(&p, r.placed_at),
            number: r.number,
        })
        .collect();
    Ok(OrdersPage {
        rows,
        page: inbox.page,
        per_page: inbox.per_page,
        mark,
        key: uuid::Uuid::new_v4().to_string(),
        can_write: p.authorize(Permission::OrdersWrite).is_ok(),
        manual_statuses: model::MANUAL_STATUSES
            .iter()
            .map(|s| (s.to_string(), model::status_label(s).to_string()))
            .collect(),
    })
}

/// How many orders the inbox's filter matches, and the pages they make. Arguments as
/// [`get_orders`].
#[server(endpoint = "orders_count")]
pub async fn get_orders_count(
    store: String,
    status: String,
    q: String,
    flag: String,
    preset: String,
    from: String,
    to: String,
    sort: String,
    dir: String,
    page: i64,
    per: i64,
) -> Result<OrdersCount, AppError> {
    use server::orders::service;
    let p = ssr::authorize(Permission::OrdersRead)?;
    let db = &ssr::state()?.db;
    let filter = [store, status, q, flag, preset, from, to, sort, dir];
    let query = inbox_query(&p, filter, page, per)?;
    let c = service::inbox_count(db, &p, &query)
        .await
        .map_err(ssr::fail)?;
    Ok(OrdersCount {
        total: c.total,
        more: c.more,
        pages: c.pages,
    })
}

/// The inbox's filter choices: the member's stores, the statuses and checks, page sizes.
#[server(endpoint = "order_filters")]
pub async fn get_order_filters() -> Result<OrderFilters, AppError> {
    use server::orders::{model, service};
    let p = ssr::authorize(Permission::OrdersRead)?;
    let stores = server::team::stores::visible(&ssr::state()?.db, &p)
        .await
        .map_err(ssr::fail)?;
    Ok(OrderFilters {
        stores: stores
            .into_iter()
            .map(|s| (s.id.to_string(), s.name))
            .collect(),
        statuses: pairs(model::STATUSES),
        flags: pairs(model::FLAGS),
        sizes: service::PAGE_SIZES.to_vec(),
    })
}

/// One order with its items, addresses and timeline.
#[server(endpoint = "order")]
pub async fn get_order(id: String) -> Result<OrderView, AppError> {
    use server::orders::{model, service};
    let p = ssr::authorize(Permission::OrdersRead)?;
    let id = ssr::parse_id(&id)?;
    // Taken before the first await: while the page renders on the server, the request's
    // context is not there once this function has been suspended.
    let state = ssr::state()?;
    let d = service::detail(&state.db, &p, id)
        .await
        .map_err(ssr::fail)?;
    let o = d.order;
    let money = |minor: i64| server::money::format_money(minor, &o.currency);
    let address = |a: Option<model::Address>| {
        a.map(|a| {
            let missing = a.missing().iter().map(|m| m.to_string()).collect();
            let mut lines = vec![a.name.clone()];
            lines.extend(a.company.clone());
            lines.push(a.address1.clone());
            lines.extend(a.address2.clone());
            lines.push(
                [a.postcode.as_str(), a.city.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            lines.push(
                [a.county.as_str(), a.country_code.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            lines.extend(a.phone.clone());
            lines.retain(|l| !l.trim().is_empty());
            AddressView { lines, missing }
        })
    };
    let edit = match p.authorize(Permission::OrdersWrite) {
        Ok(()) => {
            let a = d.shipping.clone().unwrap_or_default();
            Some(ContactForm {
                seen: server::orders::edit::version(o.updated_at),
                name: o.customer_name.clone(),
                email: o.email.clone().unwrap_or_default(),
                phone: o.phone.clone().or(a.phone.clone()).unwrap_or_default(),
                address1: a.address1,
                address2: a.address2.unwrap_or_default(),
                city: a.city,
                county: a.county,
                postcode: a.postcode,
                country: if a.country_code.is_empty() {
                    "RO".into()
                } else {
                    a.country_code
                },
                writes_back: server::orders::edit::writes_back(
                    &state.db,
                    o.store_id,
                    &o.external_id,
                )
                .await
                .map_err(ssr::fail)?,
            })
        }
        Err(_) => None,
    };
    Ok(OrderView {
        edit,
        id: o.id.to_string(),
        number: o.number.clone(),
        store: o.store_name.clone(),
        status: o.status.clone(),
        status_label: model::status_label(&o.status).to_string(),
        financial: o.financial_status.clone().unwrap_or_else(|| "—".into()),
        fulfillment: o
            .fulfillment_status
            .clone()
            .unwrap_or_else(|| "unfulfilled".into()),
        placed: ssr::local_time(&p, o.placed_at),
        updated: ssr::local_time(&p, o.source_updated_at),
        cancelled: o.cancelled_at.map(|t| ssr::local_time(&p, t)),
        customer: o.customer_name.clone(),
        email: o.email.clone().unwrap_or_default(),
        phone: o.phone.clone().unwrap_or_default(),
        shipping: address(d.shipping),
        billing: address(d.billing),
        gateway: o.payment_gateway.clone().unwrap_or_default(),
        note: o.note.clone().unwrap_or_default(),
        flags: flag_labels(&o.flags),
        items: d
            .items
            .iter()
            .map(|i| ItemView {
                title: match &i.variant {
                    Some(v) => format!("{} — {v}", i.title),
                    None => i.title.clone(),
                },
                sku: i.sku.clone().unwrap_or_default(),
                quantity: i.quantity,
                unit_price: money(i.unit_price_minor),
                total: money(i.unit_price_minor.saturating_mul(i.quantity)),
            })
            .collect(),
        subtotal: money(o.subtotal_minor),
        shipping_cost: money(o.shipping_minor),
        tax: money(o.tax_minor),
        total: money(o.total_minor),
        events: d
            .events
            .into_iter()
            .map(|e| EventView {
                when: ssr::local_time(&p, e.happened_at),
                kind: e.kind,
                who: e.actor_name.unwrap_or_else(|| "Switchyard".into()),
                detail: e.detail,
            })
            .collect(),
    })
}

/// "Edit customer and address" (orders.write): saved here, and written back to Shopify first
/// when the store is connected there. Answers what happened, for the toast.
#[server(endpoint = "edit_order_contact")]
pub async fn edit_order_contact(
    id: String,
    seen: String,
    name: String,
    email: String,
    phone: String,
    address1: String,
    address2: String,
    city: String,
    county: String,
    postcode: String,
    country: String,
) -> Result<String, AppError> {
    use server::orders::edit::{self, ContactEdit, Saved};
    let p = ssr::authorize(Permission::OrdersWrite)?;
    let state = ssr::state()?;
    let saved = edit::edit_contact(
        &state.db,
        &state.config.app_secret_key,
        state
            .config
            .section::<server::orders::config::OrdersConfig>(),
        &p,
        &ssr::meta(),
        &ContactEdit {
            order_id: ssr::parse_id(&id)?,
            seen,
            name,
            email,
            phone,
            address1,
            address2,
            city,
            county,
            postcode,
            country,
        },
    )
    .await
    .map_err(ssr::fail)?;
    Ok(match saved {
        Saved::WrittenBack => "Saved, and written back to Shopify.".into(),
        Saved::Here => "Saved.".into(),
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub store_id: String,
    pub platform: String,
    pub shop_domain: String,
    pub hint: String,
    pub currency: String,
    pub connected: String,
    pub uninstalled: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Connections {
    pub list: Vec<ConnectionView>,
    /// Where a shop's webhooks go (shown for the Shopify app's settings).
    pub webhook_url: String,
}

/// The company's store connections (stores.manage).
#[server(endpoint = "store_connections")]
pub async fn get_connections() -> Result<Connections, AppError> {
    let p = ssr::authorize(Permission::StoresManage)?;
    let state = ssr::state()?;
    let list = server::orders::connections::list(&state.db, &p)
        .await
        .map_err(ssr::fail)?;
    let webhook_url = state
        .config
        .public_url
        .join("/webhooks/shopify")
        .map(|u| u.to_string())
        .unwrap_or_default();
    let list = list
        .into_iter()
        .map(|c| ConnectionView {
            store_id: c.store_id.to_string(),
            platform: c.platform,
            shop_domain: c.shop_domain.unwrap_or_default(),
            hint: c.hint,
            currency: c.currency,
            connected: ssr::local_time(&p, c.connected_at),
            uninstalled: c.uninstalled_at.map(|t| ssr::local_time(&p, t)),
        })
        .collect();
    Ok(Connections { list, webhook_url })
}

#[server(endpoint = "connect_shopify")]
pub async fn connect_shopify(
    store_id: String,
    shop_domain: String,
    access_token: String,
    webhook_secret: String,
    currency: String,
) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::StoresManage)?;
    let state = ssr::state()?;
    server::orders::connections::connect_shopify(
        &state.db,
        &state.config.app_secret_key,
        &p,
        &ssr::meta(),
        server::orders::connections::ShopifyInput {
            store_id: ssr::parse_id(&store_id)?,
            shop_domain,
            access_token,
            webhook_secret,
            currency,
        },
    )
    .await
    .map_err(ssr::fail)
}

#[server(endpoint = "connect_trendyol")]
pub async fn connect_trendyol(
    store_id: String,
    seller_id: String,
    api_key: String,
    api_secret: String,
    environment: String,
    currency: String,
) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::StoresManage)?;
    let state = ssr::state()?;
    server::orders::connections::connect_trendyol(
        &state.db,
        &state.config.app_secret_key,
        &p,
        &ssr::meta(),
        server::orders::connections::TrendyolInput {
            store_id: ssr::parse_id(&store_id)?,
            seller_id,
            api_key,
            api_secret,
            environment,
            currency,
        },
    )
    .await
    .map_err(ssr::fail)
}

#[server(endpoint = "disconnect_store")]
pub async fn disconnect_store(store_id: String) -> Result<(), AppError> {
    let p = ssr::authorize(Permission::StoresManage)?;
    server::orders::connections::disconnect(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        ssr::parse_id(&store_id)?,
    )
    .await
    .map_err(ssr::fail)
}

/// Changes whenever one of the member's orders is created or updated (the inbox polls it).
#[server(endpoint = "orders_mark")]
pub async fn get_orders_mark() -> Result<String, AppError> {
    let p = ssr::authorize(Permission::OrdersRead)?;
    server::orders::service::change_mark(&ssr::state()?.db, &p)
        .await
        .map_err(ssr::fail)
}

/// A connected store's sync, as the inbox shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncView {
    pub store_id: String,
    pub store: String,
    /// The shop's domain (Shopify) or "Trendyol".
    pub shop: String,
    /// Compared day by day with the platform (Shopify only).
    pub reconciled: bool,
    /// A pass is queued or running.
    pub running: bool,
    /// "Syncing: 150 orders read", "Last synced Mar 14, 2026 09:30 (1 order read)", "Never synced".
    pub state: String,
    pub error: Option<String>,
    pub uninstalled: bool,
    /// "Compared with Shopify Mar 14, 2026 09:30" or "Not compared with Shopify yet".
    pub checked: String,
    /// Days that differ from the shop: (day YYYY-MM-DD, what differs).
    pub drift: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncPanel {
    pub stores: Vec<SyncView>,
    pub can_sync: bool,
}

/// How the member's connected stores' syncs stand.
#[server(endpoint = "order_syncs")]
pub async fn get_syncs() -> Result<SyncPanel, AppError> {
    let p = ssr::authorize(Permission::OrdersRead)?;
    let db = &ssr::state()?.db;
    let (list, drift) = tokio::try_join!(
        server::orders::sync::statuses(db, &p),
        server::orders::reconcile::drift(db, &p)
    )
    .map_err(ssr::fail)?;
    let stores = list
        .into_iter()
        .map(|s| {
            let running = s.sync_state.is_some();
            let what = match s.sync_day {
                Some(d) => format!("Re-syncing the orders of {}", d.format("%b %-d")),
                None => "Syncing".to_string(),
            };
            let state = match (&s.sync_state, s.sync_finished_at) {
                (Some(st), _) if st == "queued" => format!("{what}: queued"),
                (Some(_), _) if s.sync_bulk && s.sync_done == 0 => {
                    format!("{what}: Shopify is preparing a bulk export of every order")
                }
                (Some(_), _) if s.sync_bulk => {
                    format!(
                        "{what} (bulk export): {} read",
                        crate::format::count(s.sync_done, "order", "orders")
                    )
                }
                (Some(_), _) => format!(
                    "{what}: {} read",
                    crate::format::count(s.sync_done, "order", "orders")
                ),
                (None, Some(t)) => format!(
                    "Last synced {} ({} read)",
                    ssr::local_time(&p, t),
                    crate::format::count(s.sync_done, "order", "orders")
                ),
                (None, None) => "Never synced".to_string(),
            };
            SyncView {
                store_id: s.store_id.to_string(),
                store: s.store_name,
                shop: match s.platform.as_str() {
                    "trendyol" => "Trendyol".to_string(),
                    _ => s.shop_domain.unwrap_or_default(),
                },
                reconciled: s.platform == "shopify",
                running,
                state,
                error: s.sync_error,
                uninstalled: s.uninstalled_at.is_some(),
                checked: match s.reconciled_at {
                    Some(t) => format!("Compared with Shopify {}", ssr::local_time(&p, t)),
                    None => "Not compared with Shopify yet".into(),
                },
                drift: drift
                    .iter()
                    .filter(|d| d.store_id == s.store_id)
                    .map(|d| {
                        let what = if d.shop_count != d.our_count {
                            format!(
                                "Shopify has {} orders, Switchyard {}",
                                d.shop_count, d.our_count
                            )
                        } else {
                            "Shopify changed an order after the copy here".to_string()
                        };
                        (
                            d.day.to_string(),
                            format!("{}: {what}", d.day.format("%b %-d, %Y")),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(SyncPanel {
        stores,
        can_sync: p.permissions.contains(Permission::OrdersWrite),
    })
}

/// "Sync now" for one store (orders.write).
#[server(endpoint = "sync_store")]
pub async fn sync_store(store_id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::OrdersWrite)?;
    let queued = server::orders::sync::sync_now(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        ssr::parse_id(&store_id)?,
        None,
    )
    .await
    .map_err(ssr::fail)?;
    Ok(if queued {
        "Sync started.".into()
    } else {
        "A sync of this store is already under way.".into()
    })
}

/// "Test connection" (stores.manage): asks Shopify for the shop with the stored token.
#[server(endpoint = "test_store_connection")]
pub async fn test_store_connection(store_id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::StoresManage)?;
    let state = ssr::state()?;
    server::orders::sync::test_connection(
        &state.db,
        &state.config.app_secret_key,
        state
            .config
            .section::<server::orders::config::OrdersConfig>(),
        &p,
        ssr::parse_id(&store_id)?,
    )
    .await
    .map_err(ssr::fail)
}

/// "Compare with Shopify" (orders.write): the last 30 days' counts, now.
#[server(endpoint = "check_store")]
pub async fn check_store(store_id: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::OrdersWrite)?;
    let state = ssr::state()?;
    let drifting = server::orders::reconcile::check_now(
        &state.db,
        &state.config.app_secret_key,
        state
            .config
            .section::<server::orders::config::OrdersConfig>(),
        &p,
        ssr::parse_id(&store_id)?,
    )
    .await
    .map_err(ssr::fail)?;
    Ok(match drifting {
        0 => "The last 30 days match Shopify.".into(),
        1 => "One day differs from Shopify.".into(),
        n => format!("{n} days differ from Shopify."),
    })
}

/// "Re-sync this day" (orders.write): the orders created that day, read again.
#[server(endpoint = "resync_day")]
pub async fn resync_day(store_id: String, day: String) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::OrdersWrite)?;
    let day = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| {
        ssr::fail(server::Error::validation(
            "day",
            "A day such as 2026-11-28.",
        ))
    })?;
    let queued = server::orders::sync::sync_now(
        &ssr::state()?.db,
        &p,
        &ssr::meta(),
        ssr::parse_id(&store_id)?,
        Some(day),
    )
    .await
    .map_err(ssr::fail)?;
    Ok(if queued {
        format!("Re-syncing the orders of {}.", day.format("%b %-d"))
    } else {
        "A sync of this store is already under way.".into()
    })
}
