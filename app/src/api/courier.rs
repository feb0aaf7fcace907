//! Server functions of shipping with FAN Courier: the company's account (Settings →
//! Integrations) and an order's AWBs (the order's page). Thin: permission first, then
//! server::orders::courier. A label is downloaded from GET /orders/:id/awbs/:awb/label.
// The AWB form's fields are the server function's arguments.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;
use super::AppError;
#[cfg(feature = "ssr")]
use server::access::Permission;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourierAccountView {
    pub client_id: String,
    pub hint: String,
    pub service: String,
    pub payer: String,
    pub weight_kg: String,
    pub handover_close: String,
    pub updated: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourierSettings {
    pub account: Option<CourierAccountView>,
    pub services: Vec<String>,
    /// (key, label).
    pub payers: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
fn choices() -> (Vec<String>, Vec<(String, String)>) {
    use server::orders::fancourier::{PAYERS, SERVICES};
    (
        SERVICES.iter().map(|s| s.to_string()).collect(),
        PAYERS
            .iter()
            .map(|(k, l)| (k.to_string(), l.to_string()))
            .collect(),
    )
}

#[cfg(feature = "ssr")]
fn kg(grams: i64) -> String {
    let s = format!("{:.3}", grams as f64 / 1000.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(feature = "ssr")]
fn courier_of(state: &server::AppState) -> server::orders::courier::Courier<'_> {
    server::orders::courier::Courier::new(&state.db, &state.config)
}

/// Settings → Integrations: the FAN Courier account (no secrets) and the choices.
#[server(endpoint = "courier_account")]
pub async fn get_courier_account() -> Result<CourierSettings, AppError> {
    let p = ssr::authorize(Permission::SettingsManage)?;
    let account = server::orders::courier::account(&ssr::state()?.db, &p)
        .await
        .map_err(ssr::fail)?;
    let (services, payers) = choices();
    Ok(CourierSettings {
        account: account.map(|a| CourierAccountView {
            client_id: a.client_id,
            hint: a.hint,
            service: a.service,
            payer: a.payer,
            weight_kg: kg(a.weight_grams),
            handover_close: a.handover_close,
            updated: format!(
                "{}{}",
                ssr::local_time(&p, a.updated_at),
                a.updated_by.map(|n| format!(" by {n}")).unwrap_or_default()
            ),
        }),
        services,
        payers,
    })
}

#[server(endpoint = "save_courier_account")]
pub async fn save_courier_account(
    client_id: String,
    username: String,
    password: String,
    service: String,
    payer: String,
    weight_kg: String,
    handover_close: String,
) -> Result<String, AppError> {
    let p = ssr::authorize(Permission::SettingsManage)?;
    let state = ssr::state()?;
    server::orders::courier::save_account(
        &courier_of(&state),
        &p,
        &ssr::meta(),
        &server::orders::courier::AccountInput {
            client_id,
            username,
            password,
            service,
            payer,
            weight_kg,
            handover_close,
        },
    )
    .await
    .map_err(ssr::fail)?;
    Ok("FAN Courier account saved.".into())
}

#[server(endpoint = "test_courier_account")]
pub async fn test_courier_account() -> Result<String, AppError> {
    let p = ssr::authorize(Permission::SettingsManage)?;
    let state = ssr::state()?;
    server::orders::courier::test_account(&courier_of(&state), &p)
        .await
        .map_err(ssr::fail)
}

#[server(endpoint = "remove_courier_account")]
pub async fn remove_courier_account() -> Result<String, AppError> {
    let p = ssr::authorize(Permission::SettingsManage)?;
    server::orders::courier::remove_account(&ssr::state()?.db, &p, &ssr::meta())
        .await
        .map_err(ssr::fail)?;
    Ok("FAN Courier account removed.".into())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackingEvent {
    pub when: String,
    pub code: String,
    pub name: String,
    pub location: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AwbView {
    pub id: String,
    pub number: String,
    pub state: String,
    pub summary: String,
    pub message: String,
    pub courier_status: String,
    pub created: String,
    /// Where its label downloads (active AWBs only).
    pub label: Option<String>,
    pub events: Vec<TrackingEvent>,
}

/// The AWB form's starting values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AwbDefaults {
    pub service: String,
    pub payer: String,
    pub weight_kg: String,
    pub cod: String,
    pub declared: String,
    pub currency: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShippingView {
    pub awbs: Vec<AwbView>,
    /// None when the company has no FAN Courier account.
    pub defaults: Option<AwbDefaults>,
    pub can_write: bool,
    /// No AWB is active or being made.
    pub may_create: bool,
    pub services: Vec<String>,
    pub payers: Vec<(String, String)>,
}

/// An order's AWBs with their tracking, and the form's defaults.
#[server(endpoint = "order_shipping")]
pub async fn get_order_shipping(id: String) -> Result<ShippingView, AppError> {
    use server::orders::{courier, service};
    let p = ssr::authorize(Permission::OrdersRead)?;
    let id = ssr::parse_id(&id)?;
    let db = &ssr::state()?.db;
    let (o, awbs, defaults) = tokio::try_join!(
        service::visible_order(db, &p, id),
        courier::awbs(db, &p, id),
        courier::defaults(db, &p),
    )
    .map_err(ssr::fail)?;
    let money = |m: i64| server::money::format_money(m, &o.currency);
    let may_create = !awbs
        .iter()
        .any(|a| matches!(a.awb.state.as_str(), "creating" | "active"));
    let cod = match courier::cod_default(&o) {
        0 => String::new(),
        minor => server::money::format_decimal(minor, &o.currency),
    };
    let (services, payers) = choices();
    Ok(ShippingView {
        awbs: awbs
            .into_iter()
            .map(|v| {
                let a = v.awb;
                let mut summary = format!(
                    "{} · {} parcel{} · {} kg · {} pays",
                    a.service,
                    a.parcels,
                    if a.parcels == 1 { "" } else { "s" },
                    kg(a.weight_grams),
                    if a.payer == "sender" {
                        "sender"
                    } else {
                        "recipient"
                    }
                );
                if a.cod_minor > 0 {
                    summary.push_str(&format!(" · cash on delivery {}", money(a.cod_minor)));
                }
                if let (Some(cost), Some(currency)) = (a.cost_minor, &a.cost_currency) {
                    summary.push_str(&format!(
                        " · charged {}",
                        server::money::format_money(cost, currency)
                    ));
                }
                AwbView {
                    id: a.id.to_string(),
                    number: a.number.clone().unwrap_or_default(),
                    label: (a.state == "active" && a.number.is_some())
                        .then(|| format!("/orders/{id}/awbs/{}/label", a.id)),
                    state: a.state,
                    summary,
                    message: a.message.unwrap_or_default(),
                    courier_status: match (a.courier_status, a.courier_status_name) {
                        (Some(c), Some(n)) => format!("{n} ({c})"),
                        _ => String::new(),
                    },
                    created: format!(
                        "{}{}",
                        ssr::local_time(&p, a.created_at),
                        a.creator.map(|n| format!(" by {n}")).unwrap_or_default()
                    ),
                    events: v
                        .events
                        .into_iter()
                        .map(|e| TrackingEvent {
                            when: ssr::local_time(&p, e.happened_at),
                            code: e.code,
                            name: e.name,
                            location: e.location,
                        })
                        .collect(),
                }
            })
            .collect(),
        defaults: defaults.map(|(service, payer, grams)| AwbDefaults {
            service,
            payer,
            weight_kg: kg(grams),
            cod,
            declared: server::money::format_decimal(o.total_minor, &o.currency),
            currency: o.currency.clone(),
        }),
        can_write: p.authorize(Permission::OrdersWrite).is_ok(),
        may_create,
        services,
        payers,
    })
}

/// "Create AWB" on the order's page.
#[server(endpoint = "create_order_awb")]
pub async fn create_order_awb(
    id: String,
    service: String,
    payer: String,
    weight_kg: String,
    parcels: String,
    cod: String,
    declared: String,
    notes: String,
) -> Result<String, AppError> {
    use server::orders::{actions::Outcome, courier};
    let p = ssr::authorize(Permission::OrdersWrite)?;
    let id = ssr::parse_id(&id)?;
    let state = ssr::state()?;
    let form = courier::AwbForm {
        service,
        payer,
        weight_kg,
        parcels,
        cod,
        declared,
        notes,
    };
    match courier::create_from_form(&courier_of(&state), &p, id, &form)
        .await
        .map_err(ssr::fail)?
    {
        Outcome::Succeeded(text) => Ok(text),
        Outcome::Skipped(why) | Outcome::Failed(why) => {
            Err(ssr::fail(server::Error::validation("awb", why)))
        }
    }
}

/// An AWB in the handover lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HandoverAwb {
    pub id: String,
    pub number: String,
    pub order_id: String,
    pub order_number: String,
    pub customer: String,
    pub store: String,
    pub parcels: i64,
    pub cod: String,
    pub created: String,
    /// "14:02 by Ana", when handed over.
    pub handed_over: Option<String>,
    /// The last closed day that left it behind ("Tue 1 Dec").
    pub missed_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HandoverDay {
    /// YYYY-MM-DD, for links.
    pub key: String,
    /// "Wed 2 Dec".
    pub label: String,
    /// "20:00 at the set time" or "15:10 by Ana".
    pub closed: String,
    pub handed_over: i64,
    pub missed: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HandoverPage {
    pub day: String,
    /// Set when the day shown is a closed one.
    pub closed: Option<HandoverDay>,
    pub timezone: String,
    /// None without a FAN Courier account.
    pub close_time: Option<String>,
    pub waiting: Vec<HandoverAwb>,
    pub handed_over: Vec<HandoverAwb>,
    pub missed: Vec<HandoverAwb>,
    pub recent: Vec<HandoverDay>,
    pub can_scan: bool,
    pub can_close: bool,
}

/// The handover page: the open day, or `day` (YYYY-MM-DD) when it is a closed one.
#[server(endpoint = "handover")]
pub async fn get_handover(day: String) -> Result<HandoverPage, AppError> {
    use server::orders::handover;
    let p = ssr::authorize(Permission::OrdersRead)?;
    let day = match day.trim() {
        "" => None,
        d => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| ssr::fail(server::Error::NotFound))?,
        ),
    };
    let v = handover::view(&ssr::state()?.db, &p, day)
        .await
        .map_err(ssr::fail)?;
    let label = |d: chrono::NaiveDate| d.format("%a %-d %b").to_string();
    let awb = |a: server::orders::handover::HandoverAwbRow| HandoverAwb {
        id: a.id.to_string(),
        number: a.number.unwrap_or_default(),
        order_id: a.order_id.to_string(),
        order_number: a.order_number,
        customer: a.customer_name,
        store: a.store_name,
        parcels: a.parcels,
        cod: if a.cod_minor == 0 {
            String::new()
        } else {
            server::money::format_money(a.cod_minor, &a.currency)
        },
        created: server::dates::local_time(&p.timezone, a.created_at),
        handed_over: a.handed_over_at.map(|at| {
            format!(
                "{}{}",
                server::dates::local_time(&p.timezone, at),
                a.handed_over_by_name
                    .map(|n| format!(" by {n}"))
                    .unwrap_or_default()
            )
        }),
        missed_on: a
            .missed_on
            .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
            .map(label),
    };
    let closed_day = |c: handover::ClosedDay| HandoverDay {
        key: c.day.format("%Y-%m-%d").to_string(),
        label: label(c.day),
        closed: match (c.by_person, c.closed_by) {
            (true, Some(n)) => format!(
                "{} by {n}",
                server::dates::local_time(&p.timezone, c.closed_at)
            ),
            (true, None) => format!(
                "{} by hand",
                server::dates::local_time(&p.timezone, c.closed_at)
            ),
            (false, _) => format!(
                "{} at the set time",
                server::dates::local_time(&p.timezone, c.closed_at)
            ),
        },
        handed_over: c.handed_over,
        missed: c.missed,
    };
    Ok(HandoverPage {
        day: label(v.day),
        closed: v.closed.map(closed_day),
        timezone: v.timezone,
        close_time: v.close_time,
        waiting: v.waiting.into_iter().map(awb).collect(),
        handed_over: v.handed_over.into_iter().map(awb).collect(),
        missed: v.missed.into_iter().map(awb).collect(),
        recent: v.recent.into_iter().map(closed_day).collect(),
        can_scan: v.can_scan,
        can_close: v.can_close,
    })
}
