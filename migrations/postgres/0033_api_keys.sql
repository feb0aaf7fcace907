-- The JSON API's company keys (api::keys). A key is shown once; only its SHA-256 is kept, with
-- the visible prefix it is looked up by. `scopes` are permission keys separated by spaces (a
-- subset of the creator's when created; the creator's current permissions still bound them).
CREATE TABLE api_keys (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    created_by UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    secret_hash BYTEA NOT NULL,
    scopes TEXT NOT NULL,
    store_id UUID REFERENCES stores (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    last_used_ip TEXT,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_keys_company ON api_keys (company_id, created_at);

-- Idempotency-Key on the API's POSTs: the first answer to (key, Idempotency-Key) is kept a day
-- and replayed for the same body; another body under the same key is refused (422).
CREATE TABLE api_idempotency (
    api_key_id UUID NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    idem_key TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    status INTEGER,                    -- NULL while the first request is being answered
    body TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (api_key_id, idem_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);
