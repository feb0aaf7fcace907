//! Editing an order's customer, contact and shipping address (orders.write, an order of a
//! store the member sees). On a connected Shopify store the change is written back first
//! (GraphQL `orderUpdate`): when Shopify refuses, its words are shown and nothing changes
//! here. The form carries the order's `updated_at` as it was shown; if the order changed since
//! (a webhook, a sync, another member), the edit is refused as a conflict — before Shopify is
//! asked, and again when writing here — so nobody overwrites what they have not seen.

use chrono::{DateTime, SecondsFormat, Utc};
use secrecy::SecretString;
use uuid::Uuid;

use super::{
    config::OrdersConfig,
    connections,
    model::{self, Address},
    repo::{self, ContactWrite},
    service,
    shopify_api::{ApiError, ContactUpdate},
};
use crate::{
    access::{Permission, Principal},
    audit::{self, Action, Entry, RequestMeta},
    Db, Error, Result,
};

/// The form's fields, as typed.
#[derive(Clone, Debug, Default)]
pub struct ContactEdit {
    pub order_id: Uuid,
    /// The order's `updated_at` as the form showed it ([`version`]).
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
}

/// An order's version as the edit form carries it.
pub fn version(updated_at: DateTime<Utc>) -> String {
    updated_at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Where the edit went: here only, or written back to the store first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    Here,
    WrittenBack,
}

const CONFLICT: &str = "The order changed while you were editing it (a new version came from the store, or someone else edited it). Nothing was saved: look at the order as it is now and edit again.";

fn field(name: &'static str, label: &str, raw: &str, required: bool, max: usize) -> Result<String> {
    let v = raw.trim();
    if required && v.is_empty() {
        return Err(Error::validation(name, format!("{label} is required.")));
    }
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(Error::validation(
            name,
            format!("{label}: at most {max} characters, on one line."),
        ));
    }
    if v.starts_with('=') {
        return Err(Error::validation(
            name,
            format!("{label} cannot start with “=”."),
        ));
    }
    Ok(v.to_string())
}

/// Checks the form: every field a courier needs, a phone number that can be called, an
/// email address that looks like one.
fn checked(e: &ContactEdit) -> Result<(String, Option<String>, Option<String>, Address)> {
    let name = field("name", "The customer's name", &e.name, true, 120)?;
    let country = field("country", "The country", &e.country, false, 2)?.to_ascii_uppercase();
    let country = if country.is_empty() {
        "RO".to_string()
    } else {
        country
    };
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::validation(
            "country",
            "A two-letter country code such as RO.",
        ));
    }
    let email = field("email", "The email address", &e.email, false, 254)?.to_lowercase();
    if !email.is_empty()
        && (!email.contains('@')
            || email.starts_with('@')
            || email.ends_with('@')
            || email.contains(' '))
    {
        return Err(Error::validation(
            "email",
            "An email address such as ana@example.ro.",
        ));
    }
    let phone_raw = field("phone", "The phone number", &e.phone, false, 40)?;
    let phone = if phone_raw.is_empty() {
        None
    } else {
        Some(model::normalise_phone(&phone_raw, &country).ok_or_else(|| {
            Error::validation(
                "phone",
                "A phone number the courier can call, such as 0722 123 456 or +40 722 123 456.",
            )
        })?)
    };
    let address = Address {
        name: name.clone(),
        company: None,
        address1: field("address1", "The street and number", &e.address1, true, 200)?,
        address2: Some(field(
            "address2",
            "The second address line",
            &e.address2,
            false,
            200,
        )?)
        .filter(|v| !v.is_empty()),
        city: field("city", "The city", &e.city, true, 100)?,
        county: field("county", "The county", &e.county, true, 100)?,
        postcode: field("postcode", "The postcode", &e.postcode, true, 20)?,
        country_code: country,
        phone: phone.clone(),
    };
    if address.missing().contains(&"postcode") {
        return Err(Error::validation(
            "postcode",
            "A Romanian postcode has six digits, such as 400001.",
        ));
    }
    Ok((name, Some(email).filter(|e| !e.is_empty()), phone, address))
}

/// Whether an order came from Shopify (its id is Shopify's number, not an import's).
fn from_shopify(external_id: &str) -> bool {
    !external_id.is_empty() && external_id.bytes().all(|b| b.is_ascii_digit())
}

/// Whether an edit of this order is written back to its store (a connected Shopify, and an
/// order that came from there).
pub async fn writes_back(db: &Db, store_id: Uuid, external_id: &str) -> Result<bool> {
    Ok(from_shopify(external_id)
        && repo::sync_row(db, store_id)
            .await?
            .is_some_and(|c| c.platform == "shopify" && c.uninstalled_at.is_none()))
}

/// Saves the edit (and writes it back to Shopify first when the store is connected there).
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, order = %e.order_id), err(level = "info"))]
pub async fn edit_contact(
    db: &Db,
    app_key: &SecretString,
    config: &OrdersConfig,
    p: &Principal,
    meta: &RequestMeta,
    e: &ContactEdit,
) -> Result<Saved> {
    p.authorize(Permission::OrdersWrite)?;
    let order = service::visible_order(db, p, e.order_id).await?;
    let (name, email, phone, address) = checked(e)?;
    let seen = DateTime::parse_from_rfc3339(e.seen.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| Error::Conflict(CONFLICT.into()))?;
    if seen != order.updated_at {
        return Err(Error::Conflict(CONFLICT.into()));
    }
    // Written back to the store first: when Shopify says no, nothing changes here.
    let connection = repo::sync_row(db, order.store_id)
        .await?
        .filter(|c| c.platform == "shopify" && c.uninstalled_at.is_none())
        .filter(|_| from_shopify(&order.external_id));
    let mut store_version = None;
    if let Some(c) = connection {
        let api = connections::api(
            app_key,
            config,
            c.shop_domain.as_deref(),
            &c.sealed_credentials,
        )?;
        let (first, last) = match name.rsplit_once(' ') {
            Some((first, last)) => (first.to_string(), last.to_string()),
            None => (String::new(), name.clone()),
        };
        let update = ContactUpdate {
            email: email.clone(),
            first_name: first,
            last_name: last,
            phone: phone.clone(),
            address1: address.address1.clone(),
            address2: address.address2.clone(),
            city: address.city.clone(),
            province: address.county.clone(),
            zip: address.postcode.clone(),
            country_code: address.country_code.clone(),
        };
        store_version = Some(
            api.update_contact(&order.external_id, &update)
                .await
                .map_err(|err| match err {
                    ApiError::Refused(why) => Error::validation(
                        "address1",
                        format!("Shopify refused the change: {why}. Nothing was saved."),
                    ),
                    other => Error::validation(
                        "address1",
                        format!("{other}. Nothing was saved: try again shortly."),
                    ),
                })?,
        );
    }
    let flags = model::flags(phone.as_deref(), Some(&address)).join(" ");
    let search = model::search_text(&order.number, &name, email.as_deref(), phone.as_deref());
    let shipping = serde_json::to_string(&address).map_err(|err| Error::Internal(err.into()))?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let written = repo::update_contact(
        &mut tx,
        &ContactWrite {
            id: order.id,
            seen,
            customer_name: &name,
            email: email.as_deref(),
            phone: phone.as_deref(),
            shipping: &shipping,
            flags: &flags,
            search: &search,
            source_updated_at: store_version,
            now,
        },
    )
    .await?;
    if !written {
        // Changed between the check and now (Shopify has the edit; its webhook brings it).
        return Err(Error::Conflict(CONFLICT.into()));
    }
    let saved = if store_version.is_some() {
        Saved::WrittenBack
    } else {
        Saved::Here
    };
    let detail = match saved {
        Saved::WrittenBack => format!(
            "Customer and shipping address edited by {} (written back to Shopify).",
            p.name
        ),
        Saved::Here => format!("Customer and shipping address edited by {}.", p.name),
    };
    repo::add_event(
        &mut tx,
        p.company_id,
        order.id,
        "edit",
        Some(p.user_id),
        &detail,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::OrderEdited,
            Some(format!("order:{}", order.id)),
            serde_json::json!({ "number": order.number, "written_back": store_version.is_some() }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}
