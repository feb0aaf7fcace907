-- Outgoing webhooks (api::webhooks): a company's endpoints with the event types they receive,
-- their signing secret (sealed with APP_SECRET_KEY; the previous one keeps signing until
-- `previous_until` after a rotation) and their circuit (consecutive failed attempts, and until
-- when no attempt is made).
CREATE TABLE webhook_endpoints (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_until TEXT,
    enabled BOOLEAN NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    circuit_open_until TEXT,
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_company ON webhook_endpoints (company_id, created_at);

-- One event for one endpoint, through its attempts: pending (an attempt is due), delivered, or
-- dead (every attempt of the schedule failed; replayable). `event_id` is the webhook-id header,
-- the same for every attempt.
CREATE TABLE webhook_deliveries (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    endpoint_id BLOB NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_status INTEGER,
    last_error TEXT,
    last_response TEXT,
    last_ms BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
