//! Orders and shipping (DESIGN §2 Orders and shipping): store connections, Shopify webhooks
//! read into one order model, and the order inbox every member sees through their store
//! access.
//!
//! - `model`: unified statuses, money in minor units, addresses and validation flags;
//! - `shopify`: the webhook signature and the order payload;
//! - `trendyol` and `trendyol_api`: Trendyol's shipment packages and the API that pages them;
//! - `connections`: a store's platform credentials (sealed);
//! - `webhooks` and `jobs`: deliveries recorded at once, applied by the `orders.shopify-webhook` job;
//! - `ingest`: a platform's facts written into an order, never older over newer;
//! - `import`: orders from a CSV or XLSX file, previewed row by row, written once confirmed;
//! - `service`: the inbox and the order page; `edit`: a customer's contact and address edited,
//!   written back to Shopify first;
//! - `actions`, `bulk` and `errors`: status changes and validation, one order or thousands
//!   (a job with a result per order), and the processing errors tab with retry and skip;
//! - `courier`, `fancourier` and `handover`: AWBs with FAN Courier, their labels and tracking,
//!   and the daily handover of parcels to the courier.

pub mod actions;
pub mod bulk;
pub mod config;
pub mod connections;
pub mod courier;
pub mod edit;
pub mod errors;
pub mod export;
pub mod fancourier;
pub mod handover;
pub mod http;
pub mod import;
pub mod ingest;
pub mod jobs;
pub mod model;
pub mod picking;
pub mod reconcile;
mod repo;
pub mod service;
pub mod shopify;
pub mod shopify_api;
pub mod shopify_export;
pub mod sync;
pub mod trendyol;
pub mod trendyol_api;
pub mod webhooks;

/// The orders pages, and the Shopify webhook (signed, no session).
pub const PAGES: &[crate::http::middleware::PageRule] = {
    use crate::{
        access::Permission,
        http::middleware::{PageNeeds, PageRule},
    };
    &[
        PageRule::new("/webhooks/shopify", PageNeeds::Webhook),
        PageRule::new("/orders", PageNeeds::Permission(Permission::OrdersRead)),
        PageRule::new("/orders/*", PageNeeds::Permission(Permission::OrdersRead)),
        PageRule::new(
            "/orders/import",
            PageNeeds::Permission(Permission::OrdersWrite),
        ),
        PageRule::new(
            "/orders/import/*",
            PageNeeds::Permission(Permission::OrdersWrite),
        ),
    ]
};
