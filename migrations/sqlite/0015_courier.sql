-- Shipping with FAN Courier: a company's account, its AWBs and their tracking events.

-- A company's FAN Courier account: the client id, the sign-in (sealed with APP_SECRET_KEY), the
-- token FAN Courier gave (sealed, kept until it ends: 24 hours) and the AWB defaults.
CREATE TABLE courier_accounts (
    company_id BLOB PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    courier TEXT NOT NULL DEFAULT 'fancourier',
    client_id TEXT NOT NULL,
    sealed_credentials TEXT NOT NULL,
    credentials_hint TEXT NOT NULL,
    sealed_token TEXT,
    token_expires_at TEXT,
    service TEXT NOT NULL,
    payer TEXT NOT NULL,
    weight_grams BIGINT NOT NULL,
    updated_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL
);

-- An AWB asked for: 'creating' while FAN Courier is asked (the claim that keeps a second one
-- from being made for the same order), then 'active' with its number, or 'failed' with why.
CREATE TABLE awbs (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    order_id BLOB NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    courier TEXT NOT NULL DEFAULT 'fancourier',
    number TEXT,
    state TEXT NOT NULL CHECK (state IN ('creating', 'active', 'failed')),
    service TEXT NOT NULL,
    payer TEXT NOT NULL,
    weight_grams BIGINT NOT NULL,
    parcels BIGINT NOT NULL,
    cod_minor BIGINT NOT NULL,
    declared_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    notes TEXT NOT NULL,
    message TEXT,
    -- The last tracking event: FAN Courier's code and words, and when we last asked.
    courier_status TEXT,
    courier_status_name TEXT,
    tracked_at TEXT,
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX awbs_order_open ON awbs (order_id) WHERE state IN ('creating', 'active');
CREATE INDEX awbs_order ON awbs (order_id, created_at);
CREATE INDEX awbs_tracking ON awbs (state, tracked_at);

-- An AWB's tracking history as FAN Courier reports it.
CREATE TABLE awb_events (
    awb_id BLOB NOT NULL REFERENCES awbs (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    location TEXT NOT NULL,
    happened_at TEXT NOT NULL,
    PRIMARY KEY (awb_id, happened_at, code)
);
