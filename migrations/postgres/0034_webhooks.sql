-- Outgoing webhooks (api::webhooks): a company's endpoints with the event types they receive,
-- their signing secret (sealed with APP_SECRET_KEY; the previous one keeps signing until
-- `previous_until` after a rotation) and their circuit (consecutive failed attempts, and until
-- when no attempt is made).
CREATE TABLE webhook_endpoints (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_until TIMESTAMPTZ,
    enabled BOOLEAN NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    circuit_open_until TIMESTAMPTZ,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_endpoints_company ON webhook_endpoints (company_id, created_at);

-- One event for one endpoint, through its attempts: pending (an attempt is due), delivered, or
-- dead (every attempt of the schedule failed; replayable). `event_id` is the webhook-id header,
-- the same for every attempt.
CREATE TABLE webhook_deliveries (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    endpoint_id UUID NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    last_status INTEGER,
    last_error TEXT,
    last_response TEXT,
    last_ms BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
