//! The one order model every platform's orders are read into: unified statuses, money in
//! integer minor units, addresses, and the validation flags computed on ingest.

use serde::{Deserialize, Serialize};

/// The unified order statuses (the seed's), in workflow order.
pub const STATUSES: &[(&str, &str)] = &[
    ("PENDING", "Pending"),
    ("VALIDATED", "Validated"),
    ("VALIDATION_FAILED", "Validation failed"),
    ("WAIT_TRANSFER", "Awaiting transfer"),
    ("INVOICE_PENDING", "Invoice pending"),
    ("INVOICE_ERROR", "Invoice error"),
    ("INVOICED", "Invoiced"),
    ("PICKING", "Picking"),
    ("PACKED", "Packed"),
    ("AWB_PENDING", "AWB pending"),
    ("AWB_CREATED", "AWB created"),
    ("AWB_ERROR", "AWB error"),
    ("SHIPPED", "Shipped"),
    ("DELIVERED", "Delivered"),
    ("RETURNED", "Returned"),
    ("CANCELLED", "Cancelled"),
];

/// The label of a status key (the key itself when unknown).
pub fn status_label(key: &str) -> &str {
    STATUSES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or(key)
}

pub fn is_status(key: &str) -> bool {
    STATUSES.iter().any(|(k, _)| *k == key)
}

/// Statuses the platform's own facts may move an order out of: once staff have started on
/// it (validated, invoiced, shipped …) a platform update no longer changes our status, except
/// a cancellation before it has shipped.
const UNTOUCHED: &[&str] = &["PENDING", "WAIT_TRANSFER"];
const SHIPPED_OR_LATER: &[&str] = &["SHIPPED", "DELIVERED", "RETURNED"];

/// What the platform says about an order that bears on our status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlatformState {
    pub cancelled: bool,
    /// Paid by bank transfer that has not arrived yet (or, on Trendyol, a package still in
    /// its payment check).
    pub awaiting_transfer: bool,
    pub fulfilled: bool,
    /// A status the platform itself moves the package through (Trendyol: PICKING, INVOICED,
    /// SHIPPED, DELIVERED, RETURNED); None where the platform only knows `fulfilled`.
    pub progress: Option<&'static str>,
}

/// How far along the way to the customer a status is: 0 before it ships.
fn shipping_rank(status: &str) -> u8 {
    match status {
        "SHIPPED" => 1,
        "DELIVERED" => 2,
        "RETURNED" => 3,
        _ => 0,
    }
}

/// The status an order takes from its platform's state: a new order's (`current` None) or an
/// update's, which respects what staff already did. Past that, a platform that tracks the
/// parcel itself (`progress`, Trendyol) still moves an order further along the way to the
/// customer (shipped → delivered → returned) when it is ahead of ours; any platform cancels
/// one that has not shipped.
pub fn derive_status(state: PlatformState, current: Option<&str>) -> String {
    let from_platform = if state.cancelled {
        "CANCELLED"
    } else if let Some(progress) = state.progress {
        progress
    } else if state.fulfilled {
        "SHIPPED"
    } else if state.awaiting_transfer {
        "WAIT_TRANSFER"
    } else {
        "PENDING"
    };
    match current {
        None => from_platform.to_string(),
        Some(cur) if UNTOUCHED.contains(&cur) => from_platform.to_string(),
        Some(cur) if state.cancelled && !SHIPPED_OR_LATER.contains(&cur) && cur != "CANCELLED" => {
            "CANCELLED".to_string()
        }
        // Only a platform that tracks the parcel itself (Trendyol) moves a started order on;
        // Shopify's "fulfilled" leaves what staff did alone, as before.
        Some(cur)
            if state.progress.is_some()
                && cur != "CANCELLED"
                && shipping_rank(from_platform) > shipping_rank(cur) =>
        {
            from_platform.to_string()
        }
        Some(cur) => cur.to_string(),
    }
}

/// The statuses a person may set by hand (a bulk status change); the others belong to their
/// own step (validation, invoicing, AWB) and are set by it.
pub const MANUAL_STATUSES: &[&str] = &[
    "PENDING",
    "WAIT_TRANSFER",
    "PICKING",
    "PACKED",
    "SHIPPED",
    "DELIVERED",
    "RETURNED",
    "CANCELLED",
];

/// What a change of status by hand does to an order now in `from`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Allowed,
    /// Nothing to do (already there), with why.
    Skip(String),
    /// Not allowed, with why.
    Refused(String),
}

/// Whether a person may move an order from `from` to `to` (a status of [`MANUAL_STATUSES`]).
pub fn manual_change(from: &str, to: &str) -> Change {
    if from == to {
        return Change::Skip(format!("Already {}.", status_label(to).to_lowercase()));
    }
    let refused = |why: &str| Change::Refused(why.to_string());
    match (from, to) {
        (_, to) if !MANUAL_STATUSES.contains(&to) => {
            refused("That status is set by its own step (validation, invoicing or AWB).")
        }
        ("RETURNED", _) => refused("A returned order's status is final."),
        ("CANCELLED", to) if to != "PENDING" => {
            refused("A cancelled order can only be reopened as Pending.")
        }
        ("DELIVERED", to) if to != "RETURNED" => {
            refused("A delivered order can only be marked Returned.")
        }
        (from, "DELIVERED") if from != "SHIPPED" => {
            refused("Only a shipped order can be marked Delivered.")
        }
        (from, "RETURNED") if !matches!(from, "SHIPPED" | "DELIVERED") => {
            refused("Only a shipped or delivered order can be marked Returned.")
        }
        _ => Change::Allowed,
    }
}

/// Statuses validation applies to; the others are past it (or not yet due).
const AWAITING_VALIDATION: &[&str] = &["PENDING", "VALIDATION_FAILED"];

/// What validating an order finds: None when it may be shipped, else what is wrong, in words.
pub fn validation_problems(phone: Option<&str>, shipping: Option<&Address>) -> Option<String> {
    let mut out = Vec::new();
    if phone.is_none() {
        out.push("Phone number missing or invalid.".to_string());
    }
    match shipping {
        None => out.push("No shipping address.".to_string()),
        Some(a) => {
            let missing = a.missing();
            if !missing.is_empty() {
                out.push(format!("Shipping address lacks {}.", missing.join(", ")));
            }
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// Whether an order in `status` is due for validation (Skip with why when it is not).
pub fn validation_due(status: &str) -> Change {
    if status == "VALIDATED" {
        Change::Skip("Already validated.".to_string())
    } else if AWAITING_VALIDATION.contains(&status) {
        Change::Allowed
    } else {
        Change::Skip(format!(
            "Not awaiting validation ({}).",
            status_label(status).to_lowercase()
        ))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Address {
    pub name: String,
    pub company: Option<String>,
    pub address1: String,
    pub address2: Option<String>,
    pub city: String,
    /// County (județ), province or state.
    pub county: String,
    pub postcode: String,
    pub country_code: String,
    pub phone: Option<String>,
}

impl Address {
    /// The parts a courier needs that are missing ("county", "city", "postcode", "street").
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.address1.trim().is_empty() {
            out.push("street");
        }
        if self.city.trim().is_empty() {
            out.push("city");
        }
        if self.county.trim().is_empty() {
            out.push("county");
        }
        let pc = self.postcode.trim();
        let pc_ok = if self.country_code == "RO" {
            pc.len() == 6 && pc.bytes().all(|b| b.is_ascii_digit())
        } else {
            !pc.is_empty()
        };
        if !pc_ok {
            out.push("postcode");
        }
        out
    }
}

/// A phone number in international form (+40712345678), from what customers type: spaces,
/// dots, dashes, brackets, a leading 0 (national, `country` decides the prefix) or 00. None
/// when it cannot be a phone number; Romanian numbers must have nine digits after +40.
pub fn normalise_phone(raw: &str, country: &str) -> Option<String> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    if t.chars()
        .any(|c| !(c.is_ascii_digit() || " +-.()/".contains(c)))
    {
        return None;
    }
    let plus = t.starts_with('+');
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    let international = if plus {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_string()
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("{}{rest}", calling_code(country)?)
    } else if country == "RO" && digits.len() == 11 && digits.starts_with("40") {
        digits
    } else {
        return None;
    };
    if let Some(national) = international.strip_prefix("40") {
        return (national.len() == 9 && !national.starts_with('0'))
            .then(|| format!("+{international}"));
    }
    (8..=15)
        .contains(&international.len())
        .then(|| format!("+{international}"))
}

/// Country calling codes of the markets the seed sells in.
fn calling_code(country: &str) -> Option<&'static str> {
    Some(match country {
        "RO" => "40",
        "MD" => "373",
        "BG" => "359",
        "HU" => "36",
        "TR" => "90",
        "DE" => "49",
        "IT" => "39",
        "ES" => "34",
        "FR" => "33",
        "GB" => "44",
        "PT" => "351",
        _ => return None,
    })
}

/// The validation flags of an order: "phone" when no usable phone number, "address" when the
/// shipping address misses what the courier needs.
pub fn flags(phone: Option<&str>, shipping: Option<&Address>) -> Vec<&'static str> {
    let mut out = Vec::new();
    if phone.is_none() {
        out.push("phone");
    }
    if shipping.is_none_or(|a| !a.missing().is_empty()) {
        out.push("address");
    }
    out
}

/// What the inbox's text filter matches: number, customer, email and phone, lower-cased.
pub fn search_text(
    number: &str,
    customer: &str,
    email: Option<&str>,
    phone: Option<&str>,
) -> String {
    let mut s = format!("{number} {customer}");
    for extra in [email, phone].into_iter().flatten() {
        s.push(' ');
        s.push_str(extra);
    }
    s.to_lowercase()
}

/// The flags the inbox can filter on.
pub const FLAGS: &[(&str, &str)] = &[
    ("phone", "Phone missing or invalid"),
    ("address", "Address incomplete"),
];

/// An order as its platform describes it, read into our model (before our status is derived
/// and before it is stored).
#[derive(Clone, Debug, PartialEq)]
pub struct OrderFacts {
    pub external_id: String,
    pub number: String,
    pub placed_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub cancelled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub financial_status: Option<String>,
    pub fulfillment_status: Option<String>,
    pub currency: String,
    pub total_minor: i64,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub customer_name: String,
    pub email: Option<String>,
    /// Normalised (+40…); None when missing or unusable.
    pub phone: Option<String>,
    pub shipping: Option<Address>,
    pub billing: Option<Address>,
    pub payment_gateway: Option<String>,
    pub note: Option<String>,
    pub items: Vec<Item>,
    pub state: PlatformState,
}

impl OrderFacts {
    pub fn flags(&self) -> Vec<&'static str> {
        flags(self.phone.as_deref(), self.shipping.as_ref())
    }

    /// What the inbox's text filter matches: number, customer, email and phone, lower-cased.
    pub fn search_text(&self) -> String {
        search_text(
            &self.number,
            &self.customer_name,
            self.email.as_deref(),
            self.phone.as_deref(),
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Item {
    pub sku: Option<String>,
    pub title: String,
    pub variant: Option<String>,
    pub quantity: i64,
    pub unit_price_minor: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_changes_follow_the_workflow() {
        assert_eq!(manual_change("PENDING", "PICKING"), Change::Allowed);
        assert_eq!(manual_change("VALIDATED", "PACKED"), Change::Allowed);
        assert_eq!(manual_change("SHIPPED", "DELIVERED"), Change::Allowed);
        assert_eq!(manual_change("DELIVERED", "RETURNED"), Change::Allowed);
        assert_eq!(manual_change("CANCELLED", "PENDING"), Change::Allowed);
        assert!(matches!(
            manual_change("PICKING", "PICKING"),
            Change::Skip(_)
        ));
        for (from, to) in [
            ("PENDING", "VALIDATED"),
            ("PENDING", "AWB_CREATED"),
            ("RETURNED", "PENDING"),
            ("CANCELLED", "PICKING"),
            ("DELIVERED", "PENDING"),
            ("PACKED", "DELIVERED"),
            ("PENDING", "RETURNED"),
        ] {
            assert!(
                matches!(manual_change(from, to), Change::Refused(_)),
                "{from} -> {to}"
            );
        }
    }

    #[test]
    fn validation_names_what_is_missing() {
        let mut a = Address {
            name: "Ana".into(),
            address1: "Str. Lunga 1".into(),
            city: "Cluj-Napoca".into(),
            county: "Cluj".into(),
            postcode: "400001".into(),
            country_code: "RO".into(),
            ..Address::default()
        };
        assert_eq!(validation_problems(Some("+40712345678"), Some(&a)), None);
        a.county.clear();
        a.postcode = "4000".into();
        assert_eq!(
            validation_problems(None, Some(&a)).as_deref(),
            Some("Phone number missing or invalid. Shipping address lacks county, postcode.")
        );
        assert_eq!(
            validation_problems(Some("+40712345678"), None).as_deref(),
            Some("No shipping address.")
        );
        assert_eq!(validation_due("PENDING"), Change::Allowed);
        assert_eq!(validation_due("VALIDATION_FAILED"), Change::Allowed);
        assert!(matches!(validation_due("VALIDATED"), Change::Skip(_)));
        assert!(matches!(validation_due("SHIPPED"), Change::Skip(_)));
    }

    #[test]
    fn phones_are_normalised_or_refused() {
        for ok in [
            "0712 345 678",
            "+40 712 345 678",
            "0040712345678",
            "(0712) 345-678",
            "40712345678",
        ] {
            assert_eq!(
                normalise_phone(ok, "RO").as_deref(),
                Some("+40712345678"),
                "{ok}"
            );
        }
        assert_eq!(
            normalise_phone("+49 30 1234567", "RO").as_deref(),
            Some("+49301234567")
        );
        for bad in [
            "",
            "0712 345 67",
            "+40 0712345678",
            "call me",
            "712345678",
            "07123456789",
        ] {
            assert_eq!(normalise_phone(bad, "RO"), None, "{bad}");
        }
        assert_eq!(normalise_phone("030 1234567", "ZZ"), None);
    }

    #[test]
    fn addresses_need_street_city_county_and_postcode() {
        let mut a = Address {
            name: "Ana Pop".into(),
            address1: "Str. Lungă 5".into(),
            city: "Brașov".into(),
            county: "Brașov".into(),
            postcode: "500035".into(),
            country_code: "RO".into(),
            ..Default::default()
        };
        assert!(a.missing().is_empty());
        assert_eq!(flags(Some("+40712345678"), Some(&a)), Vec::<&str>::new());
        a.postcode = "5000".into();
        a.county.clear();
        assert_eq!(a.missing(), vec!["county", "postcode"]);
        assert_eq!(flags(None, Some(&a)), vec!["phone", "address"]);
        assert_eq!(flags(Some("+40712345678"), None), vec!["address"]);
    }

    #[test]
    fn platform_updates_respect_what_staff_did() {
        let open = PlatformState::default();
        let cancelled = PlatformState {
            cancelled: true,
            ..open
        };
        let transfer = PlatformState {
            awaiting_transfer: true,
            ..open
        };
        assert_eq!(derive_status(open, None), "PENDING");
        assert_eq!(derive_status(transfer, None), "WAIT_TRANSFER");
        assert_eq!(derive_status(open, Some("WAIT_TRANSFER")), "PENDING");
        assert_eq!(derive_status(open, Some("PICKING")), "PICKING");
        assert_eq!(derive_status(cancelled, Some("PICKING")), "CANCELLED");
        assert_eq!(derive_status(cancelled, Some("SHIPPED")), "SHIPPED");
        assert_eq!(
            derive_status(
                PlatformState {
                    fulfilled: true,
                    ..open
                },
                Some("PENDING")
            ),
            "SHIPPED"
        );
        // The platform's own progress moves an order along, never back.
        let at = |progress| PlatformState {
            progress: Some(progress),
            ..open
        };
        assert_eq!(derive_status(at("PICKING"), None), "PICKING");
        assert_eq!(derive_status(at("PICKING"), Some("PENDING")), "PICKING");
        assert_eq!(
            derive_status(at("PICKING"), Some("AWB_CREATED")),
            "AWB_CREATED"
        );
        assert_eq!(derive_status(at("SHIPPED"), Some("AWB_CREATED")), "SHIPPED");
        assert_eq!(derive_status(at("DELIVERED"), Some("SHIPPED")), "DELIVERED");
        assert_eq!(derive_status(at("SHIPPED"), Some("DELIVERED")), "DELIVERED");
        assert_eq!(derive_status(at("RETURNED"), Some("DELIVERED")), "RETURNED");
        assert_eq!(
            derive_status(at("DELIVERED"), Some("CANCELLED")),
            "CANCELLED"
        );
    }
}
