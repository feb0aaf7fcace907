//! Orders for tests: a store, and the Shopify fixture order ingested as any number.
#![allow(dead_code)]

use serde_json::{json, Value};
use server::{
    access::Principal,
    audit::RequestMeta,
    orders::{ingest, shopify},
    team::stores::{self, StoreInput},
    Db,
};
use uuid::Uuid;

pub fn fixture() -> Value {
    serde_json::from_str(include_str!("../fixtures/shopify/order.json")).unwrap()
}

pub async fn store(db: &Db, owner: &Principal, name: &str) -> Uuid {
    stores::create(
        db,
        owner,
        &RequestMeta::default(),
        StoreInput {
            name: name.into(),
            platform: "shopify".into(),
        },
    )
    .await
    .unwrap()
    .id
}

/// Writes the fixture order as order `number` of the store, changed by `edit`.
pub async fn add_order(
    db: &Db,
    owner: &Principal,
    store_id: Uuid,
    number: u64,
    edit: impl FnOnce(&mut Value),
) -> Uuid {
    let mut o = fixture();
    o["id"] = json!(900_000 + number);
    o["name"] = json!(format!("#{number}"));
    o["created_at"] = json!(format!("2026-11-{:02}T10:00:00Z", 1 + number % 28));
    edit(&mut o);
    let raw = o.to_string();
    let facts = shopify::order_facts(&raw).unwrap();
    match ingest::ingest(db, owner.company_id, store_id, &facts, &raw, "a test")
        .await
        .unwrap()
    {
        ingest::Ingested::Created(id) => id,
        other => panic!("{other:?}"),
    }
}
