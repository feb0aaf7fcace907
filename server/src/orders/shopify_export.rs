//! A big Shopify store's first import through a bulk operation: instead of thousands of pages,
//! Shopify prepares one JSONL file of every order (`bulkOperationRunQuery`), we ask how it is
//! going every ORDERS_BULK_POLL_SECONDS (the job is deferred in between, holding no worker), then
//! read the file as it downloads, an order at a time, through the same `facts_from_node` and
//! `ingest` as the pages.
//!
//! - Only a first pass of a store with at least ORDERS_BULK_FROM orders takes this road
//!   (`ordersCount`); a small store is read page by page, which starts at once.
//! - The export is asked for with `groupObjects: true`, so each order's line items follow it
//!   directly and memory holds one order at a time. A file that is not grouped after all, an
//!   export Shopify refuses to start (one already running, an older API version) or one that
//!   fails, is cancelled or expires falls back to the page-by-page read: slower, never wrong.
//! - The pass's cursor is "bulk:<start ms>:<operation id>". A download cut off is retried by the
//!   queue and skips the orders already written. The next incremental pass starts from when the
//!   export was asked for (less the usual overlap): an order changed while Shopify was exporting
//!   is read again then.
//! - The file's address is Shopify's storage, not the shop: the access token is never sent there.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{
    config::OrdersConfig,
    ingest,
    repo::{self, SyncRow},
    shopify,
    shopify_api::{self, ApiError, ShopifyApi, LINE_FIELDS, ORDER_SCALARS},
};
use crate::{jobs::Defer, Db};

/// The cursor prefix of a pass that reads a bulk export.
pub const CURSOR: &str = "bulk:";
/// Orders written between two saves of the pass's progress.
const SAVE_EVERY: i64 = 250;
/// The longest line (one order) the file may hold.
const MAX_LINE: usize = 16 << 20;

/// How a pass that may read a bulk export went.
pub enum Export {
    /// The pass ended (read, or refused): what it says.
    Done(String),
    /// Read the store page by page instead.
    Paged,
}

/// A bulk operation as Shopify reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// CREATED, RUNNING, COMPLETED, CANCELING, CANCELED, FAILED or EXPIRED.
    pub status: String,
    /// Why it failed: ACCESS_DENIED, INTERNAL_SERVER_ERROR or TIMEOUT.
    pub error_code: Option<String>,
    /// Objects exported so far (orders and their line items).
    pub object_count: u64,
    /// The JSONL file, once completed (none when there was nothing to export).
    pub url: Option<String>,
}

impl ShopifyApi {
    /// How many orders the store has (Shopify counts up to 10,000).
    pub async fn orders_count(&self) -> Result<u64, ApiError> {
        let data = self
            .call("query { ordersCount { count precision } }", json!({}))
            .await?;
        data["ordersCount"]["count"]
            .as_u64()
            .ok_or_else(|| ApiError::Invalid("no order count".into()))
    }

    /// Asks Shopify to export every order with its line items; answers the operation's id.
    /// Shopify's `userErrors` (an export already running, say) come back as `Refused`.
    pub async fn start_export(&self) -> Result<String, ApiError> {
        let inner = format!(
            "{{ orders {{ edges {{ node {{ {ORDER_SCALARS} lineItems {{ edges {{ node {{ {LINE_FIELDS} }} }} }} }} }} }} }}"
        );
        let data = self
            .call(
                "mutation Export($query: String!) { bulkOperationRunQuery(query: $query, groupObjects: true) { \
                 bulkOperation { id status } userErrors { field message } } }",
                json!({ "query": inner }),
            )
            .await?;
        let payload = &data["bulkOperationRunQuery"];
        shopify_api::refused_by(payload)?;
        payload["bulkOperation"]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ApiError::Invalid("no bulk operation id".into()))
    }

    /// How the operation stands.
    pub async fn export_status(&self, id: &str) -> Result<Operation, ApiError> {
        let data = self
            .call(
                "query Export($id: ID!) { node(id: $id) { ... on BulkOperation { status errorCode objectCount url } } }",
                json!({ "id": id }),
            )
            .await?;
        let op = &data["node"];
        let status = op["status"]
            .as_str()
            .ok_or_else(|| ApiError::Invalid("no such bulk operation".into()))?;
        Ok(Operation {
            status: status.to_string(),
            error_code: op["errorCode"].as_str().map(str::to_string),
            // objectCount is an UnsignedInt64, sent as a string.
            object_count: match &op["objectCount"] {
                Value::String(s) => s.parse().unwrap_or(0),
                v => v.as_u64().unwrap_or(0),
            },
            url: op["url"].as_str().map(str::to_string),
        })
    }
}

/// Groups the lines of a grouped export into order nodes shaped like the pages' (`lineItems`
/// with `nodes`): an order's line comes first, its line items (`__parentId`) right after.
#[derive(Default)]
pub struct Grouper {
    current: Option<Value>,
}

impl Grouper {
    /// Takes one line; answers the order before it once a new order starts.
    pub fn line(&mut self, line: &[u8]) -> Result<Option<Value>, String> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let mut value: Value =
            serde_json::from_slice(line).map_err(|e| format!("a line is not JSON: {e}"))?;
        let Some(object) = value.as_object_mut() else {
            return Err("a line is not a JSON object".into());
        };
        match object.remove("__parentId") {
            Some(parent) => {
                let current = self
                    .current
                    .as_mut()
                    .filter(|o| o["id"] == parent)
                    .ok_or("a line item does not follow its order (the file is not grouped)")?;
                if let Some(items) = current["lineItems"]["nodes"].as_array_mut() {
                    items.push(value);
                }
                Ok(None)
            }
            None => {
                object.insert("lineItems".into(), json!({ "nodes": [] }));
                Ok(self.current.replace(value))
            }
        }
    }

    /// The last order, at the end of the file.
    pub fn finish(&mut self) -> Option<Value> {
        self.current.take()
    }
}

/// The export's file, line by line as it downloads.
struct Lines {
    response: reqwest::Response,
    buf: Vec<u8>,
    done: bool,
}

impl Lines {
    async fn open(config: &OrdersConfig, url: &str) -> Result<Lines, ApiError> {
        let url = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| ApiError::Invalid("the export's address is not a URL".into()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.request_timeout)
            .read_timeout(config.request_timeout)
            .build()
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
        let response = http
            .get(url)
            .send()
            .await
            .map_err(|e| ApiError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(ApiError::Unavailable(format!("export file: HTTP {status}")));
        }
        if !status.is_success() {
            // Expired (seven days) or otherwise gone: a new read is needed.
            return Err(ApiError::Refused(format!("export file: HTTP {status}")));
        }
        Ok(Lines {
            response,
            buf: Vec::new(),
            done: false,
        })
    }

    async fn next(&mut self) -> Result<Option<Vec<u8>>, ApiError> {
        loop {
            if let Some(end) = self.buf.iter().position(|b| *b == b'\n') {
                let rest = self.buf.split_off(end + 1);
                let mut line = std::mem::replace(&mut self.buf, rest);
                line.pop();
                return Ok(Some(line));
            }
            if self.done {
                return Ok((!self.buf.is_empty()).then(|| std::mem::take(&mut self.buf)));
            }
            if self.buf.len() > MAX_LINE {
                return Err(ApiError::Invalid("a line of the export is too long".into()));
            }
            match self
                .response
                .chunk()
                .await
                .map_err(|e| ApiError::Unavailable(e.without_url().to_string()))?
            {
                Some(bytes) => self.buf.extend_from_slice(&bytes),
                None => self.done = true,
            }
        }
    }
}

fn cursor(row: &SyncRow) -> Option<(DateTime<Utc>, &str)> {
    let rest = row.sync_cursor.as_deref()?.strip_prefix(CURSOR)?;
    let (ms, id) = rest.split_once(':')?;
    Some((DateTime::from_timestamp_millis(ms.parse().ok()?)?, id))
}

/// Runs a first pass's export, or answers `Paged`. `Err(Defer)` while Shopify prepares it;
/// another `Err` is a stop the queue retries.
pub async fn pass(
    db: &Db,
    api: &ShopifyApi,
    config: &OrdersConfig,
    store_id: Uuid,
    row: &SyncRow,
) -> anyhow::Result<Export> {
    let failed = |e: ApiError| async move {
        repo::sync_failed(db, store_id, &e.to_string()).await?;
        Err::<Export, anyhow::Error>(e.into())
    };
    let refused = |why: String| async move {
        let msg = format!("Shopify refused the sync: {why}");
        repo::finish_sync(db, store_id, None, Some(&msg), Utc::now()).await?;
        Ok::<Export, anyhow::Error>(Export::Done(msg))
    };
    let defer = || async {
        repo::sync_progress(
            db,
            store_id,
            row.sync_cursor.as_deref(),
            None,
            0,
            Utc::now(),
        )
        .await?;
        Err::<Export, anyhow::Error>(Defer(config.bulk_poll).into())
    };
    // Back to pages, from the start.
    let paged = || async {
        repo::sync_progress(db, store_id, None, None, 0, Utc::now()).await?;
        Ok::<Export, anyhow::Error>(Export::Paged)
    };
    let Some((started, id)) = cursor(row) else {
        let count = match api.orders_count().await {
            Ok(n) => n,
            Err(ApiError::Refused(why)) => return refused(why).await,
            Err(e) => return failed(e).await,
        };
        if count < config.bulk_from {
            return Ok(Export::Paged);
        }
        let started = Utc::now();
        let id = match api.start_export().await {
            Ok(id) => id,
            Err(ApiError::Refused(why)) => {
                tracing::warn!(%why, "shopify would not start a bulk export; reading pages");
                return Ok(Export::Paged);
            }
            Err(e) => return failed(e).await,
        };
        let cursor = format!("{CURSOR}{}:{id}", started.timestamp_millis());
        repo::sync_progress(db, store_id, Some(&cursor), None, 0, Utc::now()).await?;
        tracing::info!(%id, count, "shopify bulk export started");
        return Err(Defer(config.bulk_poll).into());
    };
    let op = match api.export_status(id).await {
        Ok(op) => op,
        Err(ApiError::Refused(why)) => {
            tracing::warn!(%why, "shopify bulk export unknown; reading pages");
            return paged().await;
        }
        Err(e) => return failed(e).await,
    };
    match op.status.as_str() {
        "CREATED" | "RUNNING" | "CANCELING" => return defer().await,
        "COMPLETED" => {}
        _ if op.error_code.as_deref() == Some("ACCESS_DENIED") => {
            return refused("the token may not read every order (ACCESS_DENIED)".into()).await;
        }
        status => {
            tracing::warn!(%status, error = ?op.error_code, "shopify bulk export ended unread; reading pages");
            return paged().await;
        }
    }
    let Some(url) = op.url else {
        // Nothing to export: the store has no orders.
        repo::finish_sync(db, store_id, Some(started), None, Utc::now()).await?;
        return Ok(Export::Done("0 orders read (bulk export)".into()));
    };
    let mut lines = match Lines::open(config, &url).await {
        Ok(lines) => lines,
        Err(ApiError::Refused(why)) => {
            tracing::warn!(%why, "shopify bulk export file unreadable; reading pages");
            return paged().await;
        }
        Err(e) => return failed(e).await,
    };
    // Orders met in the file; those a cut-off download already wrote are skipped.
    let skip = row.sync_done;
    let (mut met, mut high) = (0i64, row.sync_high);
    let mut grouper = Grouper::default();
    loop {
        let line = match lines.next().await {
            Ok(line) => line,
            Err(ApiError::Invalid(why)) => {
                tracing::warn!(%why, "shopify bulk export unreadable; reading pages");
                return paged().await;
            }
            Err(e) => return failed(e).await,
        };
        let node = match &line {
            Some(line) => match grouper.line(line) {
                Ok(node) => node,
                Err(why) => {
                    tracing::warn!(%why, "shopify bulk export unreadable; reading pages");
                    return paged().await;
                }
            },
            None => grouper.finish(),
        };
        if let Some(node) = node {
            met += 1;
            if met > skip {
                match shopify::facts_from_node(&node) {
                    Ok(facts) => {
                        let raw = node.to_string();
                        ingest::ingest(db, row.company_id, store_id, &facts, &raw, "Shopify sync")
                            .await?;
                        high = Some(high.map_or(facts.updated_at, |h| h.max(facts.updated_at)));
                    }
                    Err(why) => {
                        let order = node["id"].as_str().unwrap_or("?");
                        tracing::warn!(%order, %why, "shopify order unreadable during bulk export");
                    }
                }
                if met % SAVE_EVERY == 0 {
                    let cursor = row.sync_cursor.as_deref();
                    repo::sync_progress(db, store_id, cursor, high, met, Utc::now()).await?;
                }
            }
        }
        if line.is_none() {
            break;
        }
    }
    repo::sync_progress(
        db,
        store_id,
        row.sync_cursor.as_deref(),
        high,
        met,
        Utc::now(),
    )
    .await?;
    repo::finish_sync(db, store_id, Some(started), None, Utc::now()).await?;
    Ok(Export::Done(format!("{met} orders read (bulk export)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(g: &mut Grouper, text: &str) -> Result<Vec<Value>, String> {
        let mut out = Vec::new();
        for line in text.split('\n') {
            out.extend(g.line(line.as_bytes())?);
        }
        out.extend(g.finish());
        Ok(out)
    }

    #[test]
    fn a_grouped_export_gives_each_order_with_its_line_items() {
        let text = r##"{"id":"gid://shopify/Order/1","name":"#1001"}
{"title":"Mug","quantity":2,"__parentId":"gid://shopify/Order/1"}
{"title":"Plate","quantity":1,"__parentId":"gid://shopify/Order/1"}

{"id":"gid://shopify/Order/2","name":"#1002"}
{"id":"gid://shopify/Order/3","name":"#1003"}
{"title":"Bowl","quantity":3,"__parentId":"gid://shopify/Order/3"}"##;
        let orders = lines(&mut Grouper::default(), text).unwrap();
        let names: Vec<&str> = orders.iter().map(|o| o["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["#1001", "#1002", "#1003"]);
        assert_eq!(orders[0]["lineItems"]["nodes"].as_array().unwrap().len(), 2);
        assert_eq!(orders[0]["lineItems"]["nodes"][1]["title"], "Plate");
        assert!(orders[0]["lineItems"]["nodes"][0]
            .get("__parentId")
            .is_none());
        assert_eq!(orders[1]["lineItems"]["nodes"], json!([]));
        assert_eq!(orders[2]["lineItems"]["nodes"][0]["quantity"], 3);
    }

    #[test]
    fn an_ungrouped_or_broken_export_is_refused() {
        let orphan = r##"{"id":"gid://shopify/Order/1"}
{"id":"gid://shopify/Order/2"}
{"title":"Mug","__parentId":"gid://shopify/Order/1"}"##;
        assert!(lines(&mut Grouper::default(), orphan)
            .unwrap_err()
            .contains("not grouped"));
        let first = r##"{"title":"Mug","__parentId":"gid://shopify/Order/1"}"##;
        assert!(lines(&mut Grouper::default(), first).is_err());
        assert!(lines(&mut Grouper::default(), "{not json").is_err());
        assert!(lines(&mut Grouper::default(), "[1,2]").is_err());
    }
}
