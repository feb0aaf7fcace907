//! Trendyol's shipment packages read into the one order model. A package is what is shipped
//! (one AWB), so each package is one order here: its `id` (the shipment package id) is the
//! order's external id, its `orderNumber` the number staff see. Amounts come as JSON numbers;
//! they are read from their decimal text, never through a float's arithmetic.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use super::model::{normalise_phone, Address, Item, OrderFacts, PlatformState};
use crate::money::parse_minor;

/// Trendyol's package statuses, in the order a package moves through them, with what each
/// means here: (Trendyol's name, our progress, cancelled, awaiting its payment check).
const STATUSES: &[(&str, Option<&str>, bool, bool)] = &[
    ("Awaiting", None, false, true),
    ("Created", None, false, false),
    ("Picking", Some("PICKING"), false, false),
    ("Invoiced", Some("INVOICED"), false, false),
    ("Shipped", Some("SHIPPED"), false, false),
    // Not delivered: with the carrier on its way back; Returned follows.
    ("UnDelivered", Some("SHIPPED"), false, false),
    ("Delivered", Some("DELIVERED"), false, false),
    ("Returned", Some("RETURNED"), false, false),
    ("Cancelled", None, true, false),
    // The seller could not supply it: Trendyol cancels the package.
    ("UnSupplied", None, true, false),
    // Waiting to be packed again: it stays as it was.
    ("Repack", None, false, false),
    // Split into new packages, which arrive as their own: this one is void and must not ship.
    ("UnPacked", None, true, false),
];

/// Our platform state for a Trendyol package status; None for a status we do not know.
pub fn state_for(status: &str) -> Option<PlatformState> {
    STATUSES
        .iter()
        .find(|(name, ..)| *name == status)
        .map(|&(_, progress, cancelled, awaiting)| PlatformState {
            cancelled,
            awaiting_transfer: awaiting,
            fulfilled: matches!(progress, Some("SHIPPED" | "DELIVERED" | "RETURNED")),
            progress,
        })
}

/// A JSON number or numeric string as its decimal text ("199.9"), for `parse_minor`.
fn decimal(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// Milliseconds since the epoch (how Trendyol writes every time) as a time.
fn millis(v: &Value) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(v.as_i64()?).single()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn address(a: &Value) -> Option<Address> {
    if !a.is_object() {
        return None;
    }
    let name = text(&a["fullName"]).unwrap_or_else(|| {
        [text(&a["firstName"]), text(&a["lastName"])]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    });
    // Trendyol's city is the province (Romania: the county, or Bucharest); its district is
    // the town or sector.
    let district = text(&a["district"]);
    let province = text(&a["city"]);
    let (city, county) = match (district, province) {
        (Some(d), Some(p)) => (d, p),
        (None, Some(p)) => (p.clone(), p),
        (Some(d), None) => (d, String::new()),
        (None, None) => (String::new(), String::new()),
    };
    Some(Address {
        name,
        company: text(&a["company"]),
        address1: text(&a["address1"]).unwrap_or_default(),
        address2: text(&a["address2"]),
        city,
        county,
        postcode: text(&a["postalCode"]).unwrap_or_default(),
        country_code: text(&a["countryCode"])
            .unwrap_or_default()
            .to_ascii_uppercase(),
        phone: text(&a["phone"]),
    })
}

/// Reads one shipment package. Errors say what is wrong (the package is then skipped and
/// logged, the rest of the page is read).
pub fn package_facts(p: &Value) -> Result<OrderFacts, String> {
    let id = match &p["id"] {
        Value::Number(n) if n.is_u64() => n.to_string(),
        _ => match &p["shipmentPackageId"] {
            Value::Number(n) if n.is_u64() => n.to_string(),
            _ => return Err("the package has no id".into()),
        },
    };
    let number = text(&p["orderNumber"]).ok_or("the package has no order number")?;
    let status = p["shipmentPackageStatus"]
        .as_str()
        .or_else(|| p["status"].as_str())
        .ok_or("the package has no status")?;
    let state = state_for(status).ok_or_else(|| format!("unknown package status {status:?}"))?;
    let currency = text(&p["currencyCode"])
        .unwrap_or_else(|| "TRY".into())
        .to_ascii_uppercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("unknown currency {currency:?}"));
    }
    let money = |field: &str, v: &Value| {
        let d = decimal(v).ok_or_else(|| format!("{field} is missing"))?;
        parse_minor(&d, &currency).ok_or_else(|| format!("{field} {d:?} is not an amount"))
    };
    let total_minor = money("totalPrice", &p["totalPrice"])?;
    let subtotal_minor = match decimal(&p["grossAmount"]) {
        Some(_) => money("grossAmount", &p["grossAmount"])?,
        None => total_minor,
    };
    // Trendyol writes `orderDate` shifted to Turkey's time (GMT+3); the package's history is
    // in GMT, so its first entry dates the order when there is one.
    let placed_at = p["packageHistories"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| millis(&h["createdDate"]))
        .min()
        .or_else(|| millis(&p["orderDate"]).map(|t| t - chrono::Duration::hours(3)))
        .ok_or("the package has no order date")?;
    let updated_at = millis(&p["lastModifiedDate"]).unwrap_or(placed_at);
    let mut items = Vec::new();
    for line in p["lines"].as_array().into_iter().flatten() {
        let quantity = line["quantity"]
            .as_i64()
            .filter(|q| *q > 0)
            .ok_or("a line has no quantity")?;
        let variant = [text(&line["productColor"]), text(&line["productSize"])]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / ");
        items.push(Item {
            sku: text(&line["merchantSku"]).or_else(|| text(&line["barcode"])),
            title: text(&line["productName"]).unwrap_or_else(|| "Product".into()),
            variant: Some(variant).filter(|v| !v.is_empty()),
            quantity,
            unit_price_minor: money("line price", &line["price"])?,
        });
    }
    let shipping = address(&p["shipmentAddress"]);
    let billing = address(&p["invoiceAddress"]);
    let customer_name = [text(&p["customerFirstName"]), text(&p["customerLastName"])]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let customer_name = Some(customer_name)
        .filter(|n| !n.is_empty())
        .or_else(|| shipping.as_ref().map(|a| a.name.clone()))
        .unwrap_or_default();
    let country = shipping
        .as_ref()
        .map(|a| a.country_code.clone())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "RO".into());
    let phone = [
        shipping.as_ref().and_then(|a| a.phone.clone()),
        billing.as_ref().and_then(|a| a.phone.clone()),
    ]
    .into_iter()
    .flatten()
    .find_map(|ph| normalise_phone(&ph, &country));
    let cancelled_at = state.cancelled.then(|| {
        p["packageHistories"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|h| h["status"] == "Cancelled" || h["status"] == "UnSupplied")
            .find_map(|h| millis(&h["createdDate"]))
            .unwrap_or(updated_at)
    });
    Ok(OrderFacts {
        external_id: id,
        number,
        placed_at,
        updated_at,
        cancelled_at,
        financial_status: Some(
            if state.awaiting_transfer {
                "pending"
            } else {
                "paid"
            }
            .into(),
        ),
        fulfillment_status: Some(status.to_ascii_lowercase()),
        currency,
        total_minor,
        subtotal_minor,
        shipping_minor: 0,
        tax_minor: 0,
        customer_name,
        email: text(&p["customerEmail"]).map(|e| e.to_lowercase()),
        phone,
        shipping,
        billing,
        // Trendyol collects the payment itself: nothing is paid on delivery.
        payment_gateway: Some("Trendyol".into()),
        note: text(&p["cargoProviderName"]).map(|c| format!("Carrier: {c}")),
        items,
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn package() -> Value {
        json!({
            "id": 3390721011u64, "orderNumber": "10655487654", "shipmentPackageStatus": "Created",
            "currencyCode": "RON", "grossAmount": 259.8, "totalPrice": 229.9, "totalDiscount": 29.9,
            "orderDate": 1764662400000i64, "lastModifiedDate": 1764666000000i64,
            "customerFirstName": "Ioana", "customerLastName": "Pop", "customerEmail": "Ioana@Example.ro",
            "cargoProviderName": "Trendyol Express",
            "shipmentAddress": { "firstName": "Ioana", "lastName": "Pop", "fullName": "Ioana Pop",
                "address1": "Str. Lalelelor 4", "city": "Cluj", "district": "Cluj-Napoca",
                "postalCode": "400001", "countryCode": "RO", "phone": "0722 123 456" },
            "invoiceAddress": { "fullName": "Ioana Pop", "address1": "Str. Lalelelor 4", "city": "Cluj",
                "district": "Cluj-Napoca", "postalCode": "400001", "countryCode": "RO" },
            "lines": [
                { "quantity": 2, "productName": "Cană ceramică", "merchantSku": "CANA-01",
                  "productColor": "Albastru", "productSize": "350 ml", "price": 99.95 },
                { "quantity": 1, "productName": "Suport", "barcode": "869000111", "price": 30 }
            ],
            "packageHistories": [{ "createdDate": 1764662400000i64, "status": "Created" }]
        })
    }

    #[test]
    fn a_package_reads_exactly() {
        let f = package_facts(&package()).unwrap();
        assert_eq!(f.external_id, "3390721011");
        assert_eq!(f.number, "10655487654");
        assert_eq!((f.total_minor, f.subtotal_minor), (22990, 25980));
        assert_eq!(f.currency, "RON");
        assert_eq!(f.customer_name, "Ioana Pop");
        assert_eq!(f.email.as_deref(), Some("ioana@example.ro"));
        assert_eq!(f.phone.as_deref(), Some("+40722123456"));
        let a = f.shipping.as_ref().unwrap();
        assert_eq!(
            (a.city.as_str(), a.county.as_str()),
            ("Cluj-Napoca", "Cluj")
        );
        assert!(f.flags().is_empty());
        assert_eq!(f.items.len(), 2);
        assert_eq!(f.items[0].unit_price_minor, 9995);
        assert_eq!(f.items[0].variant.as_deref(), Some("Albastru / 350 ml"));
        assert_eq!(f.items[1].sku.as_deref(), Some("869000111"));
        assert_eq!(f.placed_at.timestamp_millis(), 1764662400000);
        assert_eq!(f.updated_at.timestamp_millis(), 1764666000000);
        assert_eq!(f.state, PlatformState::default());
        assert_eq!(f.fulfillment_status.as_deref(), Some("created"));
    }

    #[test]
    fn every_status_of_the_flow_maps() {
        use super::super::model::derive_status;
        for (status, ours) in [
            ("Awaiting", "WAIT_TRANSFER"),
            ("Created", "PENDING"),
            ("Picking", "PICKING"),
            ("Invoiced", "INVOICED"),
            ("Shipped", "SHIPPED"),
            ("UnDelivered", "SHIPPED"),
            ("Delivered", "DELIVERED"),
            ("Returned", "RETURNED"),
            ("Cancelled", "CANCELLED"),
            ("UnSupplied", "CANCELLED"),
            ("Repack", "PENDING"),
            ("UnPacked", "CANCELLED"),
        ] {
            let state = state_for(status).unwrap();
            assert_eq!(derive_status(state, None), ours, "{status}");
        }
        assert_eq!(state_for("Lost"), None);
        let mut p = package();
        p["shipmentPackageStatus"] = json!("Cancelled");
        p["packageHistories"] = json!([{ "createdDate": 1764665000000i64, "status": "Cancelled" }]);
        let f = package_facts(&p).unwrap();
        assert_eq!(f.cancelled_at.unwrap().timestamp_millis(), 1764665000000);
    }

    #[test]
    fn bad_packages_say_what_is_wrong() {
        let cases: [(&str, Value); 6] = [
            ("id", json!(null)),
            ("orderNumber", json!(null)),
            ("shipmentPackageStatus", json!("Teleported")),
            ("totalPrice", json!("12.345")),
            ("packageHistories", json!(null)),
            ("currencyCode", json!("ro")),
        ];
        for (field, value) in cases {
            let mut p = package();
            p[field] = value;
            if field == "packageHistories" {
                p["orderDate"] = json!("yesterday");
            }
            assert!(package_facts(&p).is_err(), "{field}");
        }
        // Without a history, the order date is taken back from Turkey's time.
        let mut p = package();
        p["packageHistories"] = json!([]);
        assert_eq!(
            package_facts(&p).unwrap().placed_at.timestamp_millis(),
            1764662400000 - 3 * 3_600_000
        );
        let mut p = package();
        p["lines"][0]["quantity"] = json!(0);
        assert_eq!(package_facts(&p).unwrap_err(), "a line has no quantity");
    }
}
