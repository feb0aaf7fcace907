//! Shopify: the webhook signature and the order payload. Webhooks carry the order in the
//! Admin API's JSON order shape (ids as numbers, money as decimal strings); it is read here
//! into [`OrderFacts`].

use base64::{engine::general_purpose::STANDARD, Engine};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::model::{normalise_phone, Address, Item, OrderFacts, PlatformState};
use crate::money::parse_minor;

/// The webhook topics acted on; others are acknowledged and ignored.
pub const ORDER_TOPICS: &[&str] = &["orders/create", "orders/updated", "orders/cancelled"];
pub const UNINSTALLED: &str = "app/uninstalled";

/// Whether `header` (X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256 of the raw body under the
/// app's secret) signs `body`. The comparison is constant-time (`Mac::verify_slice`).
pub fn verify(body: &[u8], header: Option<&str>, secret: &str) -> bool {
    let Some(given) = header.and_then(|h| STANDARD.decode(h.trim()).ok()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// The signature Shopify would send for `body` (for the tests and the stand-ins).
pub fn sign(body: &[u8], secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// A shop's permanent domain, lower-cased: `name.myshopify.com` with a name of letters,
/// digits and hyphens. None for anything else (custom domains are not how webhooks name a
/// shop).
pub fn shop_domain(raw: &str) -> Option<String> {
    let d = raw.trim().to_ascii_lowercase();
    let d = d.strip_prefix("https://").unwrap_or(&d);
    let d = d.strip_suffix('/').unwrap_or(d);
    let name = d.strip_suffix(".myshopify.com")?;
    let ok = !name.is_empty()
        && name.len() <= 60
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    ok.then(|| d.to_string())
}

#[derive(Deserialize)]
struct Order {
    id: serde_json::Value,
    name: Option<String>,
    order_number: Option<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    cancelled_at: Option<DateTime<Utc>>,
    financial_status: Option<String>,
    fulfillment_status: Option<String>,
    currency: String,
    total_price: String,
    subtotal_price: Option<String>,
    total_tax: Option<String>,
    #[serde(default)]
    shipping_lines: Vec<ShippingLine>,
    email: Option<String>,
    contact_email: Option<String>,
    phone: Option<String>,
    customer: Option<Customer>,
    shipping_address: Option<ShopifyAddress>,
    billing_address: Option<ShopifyAddress>,
    #[serde(default)]
    payment_gateway_names: Vec<String>,
    note: Option<String>,
    #[serde(default)]
    line_items: Vec<LineItem>,
}

#[derive(Deserialize)]
struct ShippingLine {
    price: String,
}

#[derive(Deserialize)]
struct Customer {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize)]
struct ShopifyAddress {
    first_name: Option<String>,
    last_name: Option<String>,
    name: Option<String>,
    company: Option<String>,
    address1: Option<String>,
    address2: Option<String>,
    city: Option<String>,
    province: Option<String>,
    zip: Option<String>,
    country_code: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize)]
struct LineItem {
    title: String,
    variant_title: Option<String>,
    sku: Option<String>,
    quantity: i64,
    price: String,
}

fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn full_name(first: &Option<String>, last: &Option<String>) -> String {
    [first, last]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl ShopifyAddress {
    fn into_address(self) -> Address {
        let name =
            text(self.name.clone()).unwrap_or_else(|| full_name(&self.first_name, &self.last_name));
        Address {
            name,
            company: text(self.company),
            address1: text(self.address1).unwrap_or_default(),
            address2: text(self.address2),
            city: text(self.city).unwrap_or_default(),
            county: text(self.province).unwrap_or_default(),
            postcode: text(self.zip).unwrap_or_default(),
            country_code: text(self.country_code)
                .unwrap_or_default()
                .to_ascii_uppercase(),
            phone: text(self.phone),
        }
    }
}

/// Reads an order webhook's body. Errors say what is wrong, for the delivery's outcome.
pub fn order_facts(body: &str) -> Result<OrderFacts, String> {
    let o: Order = serde_json::from_str(body).map_err(|e| format!("not an order: {e}"))?;
    let external_id = match &o.id {
        serde_json::Value::Number(n) if n.is_u64() => n.to_string(),
        serde_json::Value::String(s) if !s.is_empty() && s.len() <= 100 => s.clone(),
        _ => return Err("the order has no id".into()),
    };
    let currency = o.currency.trim().to_ascii_uppercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("unknown currency {:?}", o.currency));
    }
    let money = |field: &str, v: &str| {
        parse_minor(v, &currency).ok_or_else(|| format!("{field} {v:?} is not an amount"))
    };
    let total_minor = money("total_price", &o.total_price)?;
    let subtotal_minor = match &o.subtotal_price {
        Some(v) => money("subtotal_price", v)?,
        None => total_minor,
    };
    let tax_minor = match &o.total_tax {
        Some(v) => money("total_tax", v)?,
        None => 0,
    };
    let mut shipping_minor = 0i64;
    for line in &o.shipping_lines {
        shipping_minor = shipping_minor.saturating_add(money("shipping price", &line.price)?);
    }
    let mut items = Vec::with_capacity(o.line_items.len());
    for li in o.line_items {
        items.push(Item {
            unit_price_minor: money("line item price", &li.price)?,
            sku: text(li.sku),
            title: li.title,
            variant: text(li.variant_title),
            quantity: li.quantity,
        });
    }
    let shipping = o.shipping_address.map(ShopifyAddress::into_address);
    let billing = o.billing_address.map(ShopifyAddress::into_address);
    let customer_name = o
        .customer
        .as_ref()
        .map(|c| full_name(&c.first_name, &c.last_name))
        .filter(|n| !n.is_empty())
        .or_else(|| shipping.as_ref().map(|a| a.name.clone()))
        .or_else(|| billing.as_ref().map(|a| a.name.clone()))
        .unwrap_or_default();
    let country = shipping
        .as_ref()
        .or(billing.as_ref())
        .map(|a| a.country_code.clone())
        .unwrap_or_else(|| "RO".into());
    let email = text(o.email)
        .or(text(o.contact_email))
        .or_else(|| o.customer.as_ref().and_then(|c| text(c.email.clone())))
        .map(|e| e.to_lowercase());
    let phone = [
        o.phone.clone(),
        shipping.as_ref().and_then(|a| a.phone.clone()),
        o.customer.as_ref().and_then(|c| c.phone.clone()),
        billing.as_ref().and_then(|a| a.phone.clone()),
    ]
    .into_iter()
    .flatten()
    .find_map(|p| normalise_phone(&p, &country));
    let gateway = o.payment_gateway_names.first().cloned();
    let financial = text(o.financial_status);
    let awaiting_transfer = financial.as_deref() == Some("pending")
        && o.payment_gateway_names.iter().any(|g| {
            let g = g.to_lowercase();
            g.contains("bank") || g.contains("transfer")
        });
    let fulfillment = text(o.fulfillment_status);
    let number = text(o.name)
        .or(o.order_number.map(|n| format!("#{n}")))
        .unwrap_or_else(|| format!("#{external_id}"));
    Ok(OrderFacts {
        external_id,
        number,
        placed_at: o.created_at,
        updated_at: o.updated_at,
        cancelled_at: o.cancelled_at,
        state: PlatformState {
            cancelled: o.cancelled_at.is_some(),
            awaiting_transfer,
            fulfilled: fulfillment.as_deref() == Some("fulfilled"),
            progress: None,
        },
        financial_status: financial,
        fulfillment_status: fulfillment,
        currency,
        total_minor,
        subtotal_minor,
        shipping_minor,
        tax_minor,
        customer_name,
        email,
        phone,
        shipping,
        billing,
        payment_gateway: gateway,
        note: text(o.note),
        items,
    })
}

/// Reads an order node of the GraphQL Admin API: it is put in the webhook payload's shape (the
/// numeric id of its `gid://shopify/Order/…`, snake_case fields, lower-case statuses) and read
/// by [`order_facts`], so both ways in agree on every field.
pub fn facts_from_node(node: &serde_json::Value) -> Result<OrderFacts, String> {
    use serde_json::{json, Value};
    let id = node["id"]
        .as_str()
        .and_then(|g| g.strip_prefix("gid://shopify/Order/"))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .ok_or("the order has no id")?;
    let money = |k: &str| node[k]["shopMoney"]["amount"].clone();
    let lower = |v: &Value| v.as_str().map(|s| Value::String(s.to_ascii_lowercase()));
    let address = |a: &Value| {
        if a.is_null() {
            return Value::Null;
        }
        json!({
            "name": a["name"], "first_name": a["firstName"], "last_name": a["lastName"],
            "company": a["company"], "address1": a["address1"], "address2": a["address2"],
            "city": a["city"], "province": a["province"], "zip": a["zip"],
            "country_code": a["countryCodeV2"], "phone": a["phone"],
        })
    };
    let fulfillment = match node["displayFulfillmentStatus"].as_str() {
        None | Some("UNFULFILLED") => Value::Null,
        Some(s) => Value::String(s.to_ascii_lowercase()),
    };
    let items: Vec<Value> = node["lineItems"]["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .map(|li| {
                    json!({
                        "title": li["title"], "variant_title": li["variantTitle"], "sku": li["sku"],
                        "quantity": li["quantity"], "price": li["originalUnitPriceSet"]["shopMoney"]["amount"],
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let shipping = money("totalShippingPriceSet");
    let shipping_lines = if shipping.is_null() {
        json!([])
    } else {
        json!([{ "price": shipping }])
    };
    let customer = &node["customer"];
    let rest = json!({
        "id": id.parse::<u64>().map_err(|_| "the order id is too large")?,
        "name": node["name"],
        "created_at": node["createdAt"],
        "updated_at": node["updatedAt"],
        "cancelled_at": node["cancelledAt"],
        "financial_status": lower(&node["displayFinancialStatus"]),
        "fulfillment_status": fulfillment,
        "currency": node["currencyCode"],
        "total_price": money("totalPriceSet"),
        "subtotal_price": money("subtotalPriceSet"),
        "total_tax": money("totalTaxSet"),
        "shipping_lines": shipping_lines,
        "email": node["email"],
        "phone": node["phone"],
        "note": node["note"],
        "payment_gateway_names": node["paymentGatewayNames"].as_array().cloned().unwrap_or_default(),
        "customer": if customer.is_null() { Value::Null } else { json!({
            "first_name": customer["firstName"], "last_name": customer["lastName"],
            "email": customer["email"], "phone": customer["phone"],
        }) },
        "shipping_address": address(&node["shippingAddress"]),
        "billing_address": address(&node["billingAddress"]),
        "line_items": items,
    });
    order_facts(&rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_on_the_raw_body() {
        let body = br#"{"id":1}"#;
        let sig = sign(body, "shpss_secret");
        assert!(verify(body, Some(&sig), "shpss_secret"));
        assert!(!verify(body, Some(&sig), "other"));
        assert!(!verify(br#"{"id":2}"#, Some(&sig), "shpss_secret"));
        assert!(!verify(body, None, "shpss_secret"));
        assert!(!verify(body, Some("not base64!"), "shpss_secret"));
        assert!(!verify(body, Some(""), "shpss_secret"));
    }

    #[test]
    fn only_myshopify_domains_name_a_shop() {
        assert_eq!(
            shop_domain(" https://Ana-Shop.myshopify.com/ ").as_deref(),
            Some("ana-shop.myshopify.com")
        );
        for bad in [
            "ana.com",
            ".myshopify.com",
            "a.b.myshopify.com",
            "-a.myshopify.com",
            "myshopify.com",
            "ana.myshopify.com.evil.io",
        ] {
            assert_eq!(shop_domain(bad), None, "{bad}");
        }
    }
}
