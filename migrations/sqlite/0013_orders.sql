-- Orders: a store's connection to its platform (sealed credentials), the orders with their
-- items, payloads and timeline, and the Shopify webhook deliveries they arrived in.

-- One connection per store. Shopify shops are found by their permanent domain, which is
-- therefore unique across the installation (a webhook names only the shop).
CREATE TABLE store_connections (
    store_id BLOB PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    platform TEXT NOT NULL CHECK (platform IN ('shopify', 'trendyol')),
    shop_domain TEXT UNIQUE,
    -- JSON of the platform's credentials, sealed with APP_SECRET_KEY.
    sealed_credentials TEXT NOT NULL,
    -- What may be shown: the last characters of each secret.
    credentials_hint TEXT NOT NULL,
    currency TEXT NOT NULL DEFAULT 'RON',
    connected_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    connected_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Set by Shopify's app/uninstalled webhook: the credentials no longer work.
    uninstalled_at TEXT,
    -- Sync: the newest updated_at fully read (the next pass starts there); the pass under way
    -- (queued or running, since when, its filter, where it stopped and the newest updated_at it
    -- has read, so a retry resumes from its cursor without a gap); how the last pass ended.
    synced_until TEXT,
    sync_state TEXT CHECK (sync_state IN ('queued', 'running')),
    sync_state_at TEXT,
    sync_since TEXT,
    sync_cursor TEXT,
    sync_high TEXT,
    sync_done BIGINT NOT NULL DEFAULT 0,
    sync_finished_at TEXT,
    sync_error TEXT,
    -- A re-sync of one day's orders (by creation) instead of changes since the last pass.
    sync_day TEXT,
    -- When the shop's counts per day were last compared with ours.
    reconciled_at TEXT
);
CREATE INDEX store_connections_company ON store_connections (company_id);

CREATE TABLE orders (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    store_id BLOB NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    -- The platform's id of the order (Shopify's numeric id), unique within a store.
    external_id TEXT NOT NULL,
    number TEXT NOT NULL,
    status TEXT NOT NULL,
    financial_status TEXT,
    fulfillment_status TEXT,
    currency TEXT NOT NULL,
    -- Money in integer minor units of `currency`.
    total_minor BIGINT NOT NULL,
    subtotal_minor BIGINT NOT NULL,
    shipping_minor BIGINT NOT NULL,
    tax_minor BIGINT NOT NULL,
    customer_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    -- JSON of model::Address.
    shipping_address TEXT,
    billing_address TEXT,
    payment_gateway TEXT,
    note TEXT,
    -- Validation flags computed on ingest, space-separated ('' when the order is clean).
    flags TEXT NOT NULL,
    -- Lower-cased number, customer, email and phone digits: what the inbox's text filter reads.
    search TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    -- The platform's updated_at of the state kept: an older delivery never overwrites it.
    source_updated_at TEXT NOT NULL,
    cancelled_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (store_id, external_id)
);
CREATE INDEX orders_company_placed ON orders (company_id, placed_at, id);
CREATE INDEX orders_store_placed ON orders (store_id, placed_at, id);
CREATE INDEX orders_company_status_placed ON orders (company_id, status, placed_at, id);
CREATE INDEX orders_company_total ON orders (company_id, total_minor, id);
CREATE INDEX orders_company_number ON orders (company_id, number, id);
CREATE INDEX orders_store_status_placed ON orders (store_id, status, placed_at, id);
-- The inbox polls the newest change to show arrivals without a reload.
CREATE INDEX orders_company_updated ON orders (company_id, updated_at);

-- The payload of the kept state, for replay (apart, so listing never reads it).
CREATE TABLE order_payloads (
    order_id BLOB PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    raw TEXT NOT NULL
);

CREATE TABLE order_items (
    order_id BLOB NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sku TEXT,
    title TEXT NOT NULL,
    variant TEXT,
    quantity BIGINT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    PRIMARY KEY (order_id, position)
);

-- The order's timeline: ingest, status changes, notes, AWB events, who did what.
CREATE TABLE order_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BLOB NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    happened_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    detail TEXT NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, id);

-- Every Shopify webhook delivery, by its id: a redelivery finds its row and stops. The body
-- is kept until the `orders.shopify-webhook` job has applied it.
CREATE TABLE shopify_webhooks (
    shop_domain TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    store_id BLOB REFERENCES stores (id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    body TEXT,
    received_at TEXT NOT NULL,
    processed_at TEXT,
    outcome TEXT,
    PRIMARY KEY (shop_domain, webhook_id)
);
CREATE INDEX shopify_webhooks_received ON shopify_webhooks (received_at);

-- Reconciliation: per store and UTC day (by creation), the shop's order count and newest change
-- against ours, as last compared. A difference is drift, shown with a re-sync of that day.
CREATE TABLE order_reconciliation (
    store_id BLOB NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    shop_count BIGINT NOT NULL,
    our_count BIGINT NOT NULL,
    shop_latest TEXT,
    our_latest TEXT,
    checked_at TEXT NOT NULL,
    PRIMARY KEY (store_id, day)
);
