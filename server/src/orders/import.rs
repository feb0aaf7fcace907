//! Importing orders from a CSV or XLSX file (orders.write, a store the member sees), in two
//! steps: the file is checked and kept as a preview (each row's outcome: a new order, already
//! in the store, or what is wrong with it) and nothing is written to the orders until the
//! member confirms. Confirming writes every new order of the preview in one transaction, once
//! (a second click finds the import done). An order is known by (store, order number): a
//! number already in the store is skipped, so importing the same file twice adds nothing.
//!
//! The file's first row names its columns (English or Romanian names, any case); rows with the
//! same order number are one order with several items. Guards: 10 MiB per file, 10,000 rows,
//! and an XLSX (a zip) whose parts would inflate past 64 MiB is refused before it is read.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::{
        derive_status, normalise_phone, status_label, Address, Item, OrderFacts, PlatformState,
    },
    repo::{self, imports as store_repo, Write},
};
use crate::{
    access::{Permission, Principal},
    audit::{self, Action, Entry, RequestMeta},
    money::parse_minor,
    Db, Error, Result,
};

/// The largest file taken.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most rows (besides the header) one file may have.
pub const MAX_ROWS: usize = 10_000;
/// What an XLSX's parts may inflate to, in all.
const MAX_INFLATED: u64 = 64 * 1024 * 1024;
/// The most columns a sheet's values may span.
const MAX_COLUMNS: usize = 100;
/// The most parts an XLSX may have.
const MAX_PARTS: usize = 1_000;

/// The columns an import reads: (key, names it goes by, required).
const COLUMNS: &[(&str, &[&str], bool)] = &[
    (
        "number",
        &[
            "order number",
            "order",
            "number",
            "order no",
            "nr comanda",
            "comanda",
        ],
        true,
    ),
    (
        "customer",
        &["customer", "customer name", "name", "client", "nume"],
        true,
    ),
    ("email", &["email", "e-mail"], false),
    ("phone", &["phone", "telephone", "telefon"], false),
    (
        "street",
        &["address", "street", "address1", "adresa", "strada"],
        false,
    ),
    ("city", &["city", "town", "oras", "localitate"], false),
    ("county", &["county", "province", "state", "judet"], false),
    (
        "postcode",
        &["postcode", "postal code", "zip", "cod postal"],
        false,
    ),
    ("country", &["country", "tara"], false),
    ("total", &["total", "order total", "valoare"], true),
    ("currency", &["currency", "moneda"], false),
    (
        "date",
        &["date", "order date", "placed at", "created at", "data"],
        false,
    ),
    ("sku", &["sku", "cod produs"], false),
    ("item", &["item", "product", "title", "produs"], false),
    ("quantity", &["quantity", "qty", "cantitate"], false),
    ("price", &["price", "unit price", "pret"], false),
    ("note", &["note", "notes", "observatii"], false),
];

/// One order as the preview keeps it, ready to write.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ImportedOrder {
    pub number: String,
    pub customer: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub shipping: Option<Address>,
    pub currency: String,
    pub total_minor: i64,
    pub placed_at: DateTime<Utc>,
    pub note: Option<String>,
    pub items: Vec<Item>,
}

/// A row's outcome in the preview.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RowOutcome {
    /// Becomes (part of) a new order.
    New,
    /// Another item of an order of an earlier row.
    Item,
    /// The store has this order number already: skipped.
    Exists,
    /// What is wrong, in words: the row is skipped.
    Error { problems: Vec<String> },
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PreviewRow {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    pub number: String,
    pub customer: String,
    /// The total as written in the file.
    pub total: String,
    #[serde(flatten)]
    pub outcome: RowOutcome,
}

/// An import as its page shows it.
#[derive(Clone, Debug)]
pub struct ImportView {
    pub id: Uuid,
    pub store_id: Uuid,
    pub store_name: String,
    pub file_name: String,
    pub created_at: DateTime<Utc>,
    pub rows: Vec<PreviewRow>,
    /// Columns of the file this import does not read.
    pub ignored: Vec<String>,
    pub new_orders: i64,
    pub existing: i64,
    pub errors: i64,
    /// Set once confirmed: when, and how many orders were written.
    pub imported_at: Option<DateTime<Utc>>,
    pub imported: i64,
}

use crate::sheets::Table;

/// Reads a CSV (comma or semicolon separated, UTF-8 with or without BOM) or an XLSX's first
/// sheet into text cells. Errors name what is wrong with the file as a whole.
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table> {
    let bad = |m: String| Error::validation("file", m);
    crate::sheets::check_size(bytes, MAX_BYTES)?;
    let lower = file_name.to_ascii_lowercase();
    let table = if lower.ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") {
        read_csv(bytes)?
    } else {
        return Err(bad("Choose a CSV or XLSX file.".into()));
    };
    if table.len() > MAX_ROWS + 1 {
        return Err(bad(format!(
            "The file has {} rows; import at most {MAX_ROWS} at a time.",
            table.len() - 1
        )));
    }
    if table.len() < 2 {
        return Err(bad(
            "The file has no orders: a header row, then one row per order (or item).".into(),
        ));
    }
    Ok(table)
}

fn read_csv(bytes: &[u8]) -> Result<Table> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Error::validation("file", "The CSV is not UTF-8 text: save it as “CSV UTF-8”.")
    })?;
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut table = Vec::new();
    for record in reader.records() {
        let record = record
            .map_err(|e| Error::validation("file", format!("The CSV cannot be read: {e}.")))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        table.push(record.iter().map(|c| c.trim().to_string()).collect());
        if table.len() > MAX_ROWS + 1 {
            break;
        }
    }
    Ok(table)
}

fn read_xlsx(bytes: &[u8]) -> Result<Table> {
    let caps = crate::sheets::Caps {
        rows: MAX_ROWS,
        columns: MAX_COLUMNS,
        inflated: MAX_INFLATED,
        parts: MAX_PARTS,
    };
    Ok(crate::sheets::read_xlsx(bytes, caps)?.rows)
}

/// Our columns found in a file: (our key, the file's column index).
type Found = Vec<(&'static str, usize)>;

/// Which column of the file each of ours is, and the file's columns nobody reads.
fn map_columns(header: &[String]) -> Result<(Found, Vec<String>)> {
    let mut found = Vec::new();
    let mut ignored = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let n = name.trim().to_lowercase().replace(['_', '.'], " ");
        let n = n.trim_start_matches('#').trim();
        match COLUMNS.iter().find(|(_, names, _)| names.contains(&n)) {
            Some((key, _, _)) if !found.iter().any(|(k, _)| k == key) => found.push((*key, i)),
            _ if !name.trim().is_empty() => ignored.push(name.trim().to_string()),
            _ => {}
        }
    }
    for (key, names, required) in COLUMNS {
        if *required && !found.iter().any(|(k, _)| k == key) {
            return Err(Error::validation(
                "file",
                format!(
                    "The file has no “{}” column: its first row must name the columns (order number, customer, total; then email, phone, address, city, county, postcode, date, sku, item, quantity, price as you have them).",
                    names[0]
                ),
            ));
        }
    }
    Ok((found, ignored))
}

/// An amount as people write it: "229.90", "229,90", "1 229.90".
fn amount(raw: &str, currency: &str) -> Option<i64> {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let s = if s.contains(',') && !s.contains('.') {
        s.replace(',', ".")
    } else {
        s
    };
    parse_minor(&s, currency).filter(|v| *v >= 0)
}

/// A date or date and time, in the member's time zone.
fn placed(raw: &str, tz: &chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    let naive = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%d.%m.%Y %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
            .and_then(|d| d.and_hms_opt(12, 0, 0))
    })?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// A checked file: each row's outcome, the orders to write, the columns not read.
pub type Checked = (Vec<PreviewRow>, Vec<ImportedOrder>, Vec<String>);

/// Checks the table against the store: each row's outcome, and the orders to write.
pub fn check(
    table: &Table,
    store_currency: &str,
    tz: &str,
    existing: &std::collections::HashSet<String>,
    now: DateTime<Utc>,
) -> Result<Checked> {
    let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    let (columns, ignored) = map_columns(&table[0])?;
    let mut rows = Vec::with_capacity(table.len() - 1);
    let mut orders: Vec<ImportedOrder> = Vec::new();
    for (i, cells) in table.iter().enumerate().skip(1) {
        let get = |key: &str| -> String {
            columns
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, idx)| cells.get(*idx))
                .map(|c| c.trim().to_string())
                .unwrap_or_default()
        };
        let some = |key: &str| Some(get(key)).filter(|v| !v.is_empty());
        let (number, customer, total) = (get("number"), get("customer"), get("total"));
        let mut problems = Vec::new();
        // A formula typed into a CSV (or kept as text in a sheet) is refused, never stored:
        // it could run when the order is exported and opened again.
        for (key, idx) in &columns {
            if let Some(cell) = cells.get(*idx).filter(|c| c.trim_start().starts_with('=')) {
                let shown: String = cell.chars().take(30).collect();
                problems.push(format!(
                    "The {key} “{shown}” is a formula: type its value instead."
                ));
            }
        }
        if number.is_empty() {
            problems.push("No order number.".to_string());
        } else if number.chars().count() > 64 {
            problems.push("The order number is longer than 64 characters.".to_string());
        }
        if customer.is_empty() {
            problems.push("No customer name.".to_string());
        }
        let currency = some("currency")
            .map(|c| c.to_ascii_uppercase())
            .unwrap_or_else(|| store_currency.to_string());
        let currency_ok = currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase());
        if !currency_ok {
            problems.push(format!("“{currency}” is not a currency code such as RON."));
        }
        let total_minor = amount(&total, &currency);
        if currency_ok && total_minor.is_none() {
            problems.push(if total.is_empty() {
                "No total.".to_string()
            } else {
                format!("The total “{total}” is not an amount in {currency}.")
            });
        }
        let email = some("email").map(|e| e.to_lowercase());
        if email
            .as_deref()
            .is_some_and(|e| !e.contains('@') || e.contains(char::is_whitespace) || e.len() > 254)
        {
            problems.push(format!("“{}” is not an email address.", get("email")));
        }
        let placed_at = match some("date") {
            None => Some(now),
            Some(d) => placed(&d, &tz),
        };
        if placed_at.is_none() {
            problems.push(format!(
                "The date “{}” is not a date such as 2026-03-14 or 14.03.2026.",
                get("date")
            ));
        }
        if placed_at.is_some_and(|t| t > now + chrono::Duration::days(1)) {
            problems.push("The date is in the future.".to_string());
        }
        let quantity = match some("quantity") {
            None => Some(1),
            Some(q) => q.parse::<i64>().ok().filter(|q| (1..=100_000).contains(q)),
        };
        if quantity.is_none() {
            problems.push(format!(
                "The quantity “{}” is not a whole number from 1.",
                get("quantity")
            ));
        }
        let price = match some("price") {
            None => Some(0),
            Some(p) => amount(&p, &currency),
        };
        if currency_ok && price.is_none() {
            problems.push(format!(
                "The price “{}” is not an amount in {currency}.",
                get("price")
            ));
        }
        let item = (some("item").is_some() || some("sku").is_some()).then(|| Item {
            sku: some("sku"),
            title: some("item").or_else(|| some("sku")).unwrap_or_default(),
            variant: None,
            quantity: quantity.unwrap_or(1),
            unit_price_minor: price.unwrap_or(0),
        });
        let earlier = orders.iter_mut().find(|o| o.number == number);
        let outcome = if !problems.is_empty() {
            RowOutcome::Error { problems }
        } else if existing.contains(&number) {
            RowOutcome::Exists
        } else if let Some(order) = earlier {
            if order.customer != customer || Some(order.total_minor) != total_minor {
                RowOutcome::Error {
                    problems: vec![format!(
                        "Order {number} appeared on an earlier row with another customer or total."
                    )],
                }
            } else {
                order.items.extend(item);
                RowOutcome::Item
            }
        } else if rows.iter().any(|r: &PreviewRow| r.number == number) {
            // Its first row had errors: this one cannot stand alone.
            RowOutcome::Error {
                problems: vec![format!("Order {number}'s first row has errors.")],
            }
        } else {
            let country = some("country")
                .map(|c| c.to_ascii_uppercase())
                .unwrap_or_else(|| "RO".into());
            let phone_raw = some("phone");
            let shipping = some("street").or(some("city")).map(|_| Address {
                name: customer.clone(),
                company: None,
                address1: get("street"),
                address2: None,
                city: get("city"),
                county: get("county"),
                postcode: get("postcode"),
                country_code: country.clone(),
                phone: phone_raw.clone(),
            });
            orders.push(ImportedOrder {
                number: number.clone(),
                customer: customer.clone(),
                email,
                phone: phone_raw.and_then(|p| normalise_phone(&p, &country)),
                shipping,
                currency: currency.clone(),
                total_minor: total_minor.unwrap_or(0),
                placed_at: placed_at.unwrap_or(now),
                note: some("note"),
                items: item.into_iter().collect(),
            });
            RowOutcome::New
        };
        rows.push(PreviewRow {
            line: i + 1,
            number,
            customer,
            total,
            outcome,
        });
    }
    Ok((rows, orders, ignored))
}

impl ImportedOrder {
    fn facts(&self) -> OrderFacts {
        let subtotal = self
            .items
            .iter()
            .map(|i| i.unit_price_minor.saturating_mul(i.quantity))
            .sum::<i64>();
        OrderFacts {
            external_id: format!("import:{}", self.number),
            number: self.number.clone(),
            placed_at: self.placed_at,
            updated_at: self.placed_at,
            cancelled_at: None,
            financial_status: None,
            fulfillment_status: None,
            currency: self.currency.clone(),
            total_minor: self.total_minor,
            subtotal_minor: if subtotal > 0 {
                subtotal
            } else {
                self.total_minor
            },
            shipping_minor: 0,
            tax_minor: 0,
            customer_name: self.customer.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            shipping: self.shipping.clone(),
            billing: None,
            payment_gateway: None,
            note: self.note.clone(),
            items: self.items.clone(),
            state: PlatformState::default(),
        }
    }
}

/// Step one: checks the file against the store and keeps the preview. Nothing is written to
/// the orders. Answers the import's id.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, store_id = %store_id), err(level = "info"))]
pub async fn preview(
    db: &Db,
    p: &Principal,
    store_id: Uuid,
    file_name: &str,
    bytes: &[u8],
) -> Result<Uuid> {
    p.authorize(Permission::OrdersWrite)?;
    let store = store_repo::visible_store(db, p.company_id, p.store_limit(), store_id)
        .await?
        .ok_or_else(|| Error::validation("store_id", "Choose one of your stores."))?;
    let name: String = std::path::Path::new(file_name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("orders")
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    let table = read_table(&name, bytes)?;
    // The order numbers of the file, to ask the store which it has already.
    let (columns, _) = map_columns(&table[0])?;
    let numbers: Vec<String> = {
        let at = columns
            .iter()
            .find(|(k, _)| *k == "number")
            .map(|(_, i)| *i);
        let mut seen = std::collections::HashSet::new();
        table
            .iter()
            .skip(1)
            .filter_map(|row| at.and_then(|i| row.get(i)))
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty() && n.chars().count() <= 64 && seen.insert(n.clone()))
            .collect()
    };
    let existing = store_repo::numbers_taken(db, store_id, &numbers).await?;
    let now = Utc::now();
    let (rows, orders, ignored) = check(&table, &store.currency, &p.timezone, &existing, now)?;
    let count = |f: fn(&RowOutcome) -> bool| rows.iter().filter(|r| f(&r.outcome)).count() as i64;
    let id = Uuid::now_v7();
    store_repo::insert(
        db,
        &store_repo::NewImport {
            id,
            company_id: p.company_id,
            store_id,
            by: p.user_id,
            file_name: &name,
            rows: &serde_json::to_string(&rows).map_err(|e| Error::Internal(e.into()))?,
            orders: &serde_json::to_string(&orders).map_err(|e| Error::Internal(e.into()))?,
            ignored: &ignored.join("\u{1f}"),
            new_orders: orders.len() as i64,
            existing: count(|o| matches!(o, RowOutcome::Exists)),
            errors: count(|o| matches!(o, RowOutcome::Error { .. })),
            now,
        },
    )
    .await?;
    Ok(id)
}

/// An import of the member's company, in a store they see (NotFound otherwise).
pub async fn get(db: &Db, p: &Principal, id: Uuid) -> Result<ImportView> {
    p.authorize(Permission::OrdersWrite)?;
    let row = store_repo::get(db, p.company_id, p.store_limit(), id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(ImportView {
        id: row.id,
        store_id: row.store_id,
        store_name: row.store_name,
        file_name: row.file_name,
        created_at: row.created_at,
        rows: serde_json::from_str(&row.rows).map_err(|e| Error::Internal(e.into()))?,
        ignored: row
            .ignored
            .split('\u{1f}')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        new_orders: row.new_orders,
        existing: row.existing,
        errors: row.errors,
        imported_at: row.imported_at,
        imported: row.imported,
    })
}

/// Step two: writes the preview's new orders, all in one transaction, once. Answers how many
/// were written (a second confirmation writes none and answers the first's count). An order
/// number that reached the store since the preview is skipped.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id, import = %id), err(level = "info"))]
pub async fn confirm(db: &Db, p: &Principal, meta: &RequestMeta, id: Uuid) -> Result<i64> {
    p.authorize(Permission::OrdersWrite)?;
    let row = store_repo::get(db, p.company_id, p.store_limit(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if row.imported_at.is_some() {
        return Ok(row.imported);
    }
    let orders: Vec<ImportedOrder> =
        serde_json::from_str(&row.orders).map_err(|e| Error::Internal(e.into()))?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    // The claim: a concurrent or repeated confirmation finds it taken and writes nothing.
    if !store_repo::claim(&mut tx, id, now).await? {
        drop(tx);
        return Ok(store_repo::get(db, p.company_id, p.store_limit(), id)
            .await?
            .map_or(0, |r| r.imported));
    }
    let mut written = 0i64;
    for order in &orders {
        let facts = order.facts();
        let status = derive_status(facts.state, None);
        let flags = facts.flags().join(" ");
        let order_id = Uuid::now_v7();
        let w = Write {
            id: order_id,
            company_id: p.company_id,
            store_id: row.store_id,
            facts: &facts,
            status: &status,
            flags: &flags,
            raw: &serde_json::to_string(order).map_err(|e| Error::Internal(e.into()))?,
            now,
            placed_day: crate::dates::local_day(&p.timezone, facts.placed_at),
        };
        if store_repo::number_taken(&mut tx, row.store_id, &order.number).await? {
            continue;
        }
        if repo::insert_order(&mut tx, &w).await? {
            let detail = format!(
                "Imported from {} by {}: {}",
                row.file_name,
                p.name,
                status_label(&status)
            );
            repo::add_event(
                &mut tx,
                p.company_id,
                order_id,
                "ingest",
                Some(p.user_id),
                &detail,
                now,
            )
            .await?;
            written += 1;
        }
    }
    store_repo::finish(&mut tx, id, written).await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::OrdersImported,
            Some(format!("store:{}", row.store_id)),
            serde_json::json!({ "import": id, "file": row.file_name, "orders": written }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(csv: &str) -> Table {
        read_table("orders.csv", csv.as_bytes()).unwrap()
    }

    #[test]
    fn rows_become_orders_and_items_with_their_problems_named() {
        let t = table(
            "Order number;Customer;Email;Phone;Address;City;County;Postcode;Total;SKU;Item;Qty;Price;Colour\n\
             1001;Ana Pop;ana@example.ro;0722 123 456;Str. Mare 1;Cluj-Napoca;Cluj;400001;129,90;CANA;Cană;2;49,95;blue\n\
             1001;Ana Pop;;;;;;;129,90;SUP;Suport;1;30;\n\
             1002;;x;;;;;;12;;;;;\n\
             1003;Dan;dan@example.ro;;;;;;abc;;;;;\n\
             1004;Ioana;;;;;;;10.5;;;0;;\n\
             1005;Radu;;;;;;;99;;;;;\n\
             1001;Someone Else;;;;;;;5;;;;;\n\
             1006;=HYPERLINK(\"http://x\");;;;;;;5;;;;;\n",
        );
        let existing = ["1005".to_string()].into_iter().collect();
        let now = Utc::now();
        let (rows, orders, ignored) = check(&t, "RON", "Europe/Bucharest", &existing, now).unwrap();
        assert_eq!(ignored, vec!["Colour"]);
        let outcomes: Vec<(usize, &RowOutcome)> =
            rows.iter().map(|r| (r.line, &r.outcome)).collect();
        assert_eq!(outcomes[0], (2, &RowOutcome::New));
        assert_eq!(outcomes[1], (3, &RowOutcome::Item));
        let problems = |i: usize| match &rows[i].outcome {
            RowOutcome::Error { problems } => problems.join(" "),
            o => panic!("{o:?}"),
        };
        assert!(problems(2).contains("No customer name") && problems(2).contains("not an email"));
        assert!(problems(3).contains("The total “abc” is not an amount in RON"));
        assert!(problems(4).contains("quantity “0”"));
        assert_eq!(rows[5].outcome, RowOutcome::Exists);
        assert!(problems(6).contains("another customer or total"));
        assert!(
            problems(7).contains("The customer “=HYPERLINK(\"http://x\")” is a formula"),
            "{}",
            problems(7)
        );
        assert_eq!(orders.len(), 1);
        let o = &orders[0];
        assert_eq!((o.total_minor, o.items.len()), (12990, 2));
        assert_eq!(o.items[0].unit_price_minor, 4995);
        assert_eq!(o.phone.as_deref(), Some("+40722123456"));
        assert!(o.facts().flags().is_empty());
    }

    #[test]
    fn a_file_without_its_columns_or_rows_is_refused_whole() {
        for (csv, says) in [
            ("Customer,Total\nAna,10\n", "“order number” column"),
            ("Order number,Customer,Total\n", "no orders"),
            ("", "empty"),
        ] {
            let err = read_table("o.csv", csv.as_bytes())
                .and_then(|t| check(&t, "RON", "UTC", &Default::default(), Utc::now()).map(|_| ()));
            match err {
                Err(Error::Validation { message, .. }) => {
                    assert!(message.contains(says), "{message}")
                }
                other => panic!("{csv:?}: {other:?}"),
            }
        }
        assert!(matches!(
            read_table("orders.pdf", b"%PDF-1.4"),
            Err(Error::Validation { .. })
        ));
        let many = format!(
            "Order number,Customer,Total\n{}",
            "1,A,1\n".repeat(MAX_ROWS + 1)
        );
        match read_table("o.csv", many.as_bytes()) {
            Err(Error::Validation { message, .. }) => assert!(message.contains("at most 10000")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dates_are_read_in_the_members_zone() {
        let tz: chrono_tz::Tz = "Europe/Bucharest".parse().unwrap();
        assert_eq!(
            placed("2026-03-14 09:30", &tz).unwrap().to_rfc3339(),
            "2026-03-14T07:30:00+00:00"
        );
        assert_eq!(
            placed("14.03.2026", &tz).unwrap().to_rfc3339(),
            "2026-03-14T10:00:00+00:00"
        );
        assert!(placed("March 14", &tz).is_none());
        assert_eq!(amount("1 229,90", "RON"), Some(122990));
        assert_eq!(amount("-5", "RON"), None);
    }
}
