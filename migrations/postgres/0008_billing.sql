-- Billing: token balance per company, the append-only ledger, holds for running analyses,
-- Checkout purchases and the Stripe events received.
ALTER TABLE companies ADD COLUMN token_balance BIGINT NOT NULL DEFAULT 0 CHECK (token_balance >= 0);
-- Set when the balance fell below the low-balance threshold and the owner was told; cleared
-- when it rises above it again (one email per crossing).
ALTER TABLE companies ADD COLUMN low_balance_warned_at TIMESTAMPTZ;

CREATE TABLE token_purchases (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    pack TEXT NOT NULL,
    tokens BIGINT NOT NULL CHECK (tokens > 0),
    amount BIGINT NOT NULL CHECK (amount >= 0), -- minor units of currency
    currency TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'paid', 'failed', 'expired', 'refunded', 'disputed')),
    checkout_session_id TEXT NOT NULL UNIQUE,
    checkout_url TEXT,
    payment_intent_id TEXT,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    paid_at TIMESTAMPTZ,
    clawed_back BIGINT NOT NULL DEFAULT 0,
    shortfall BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX token_purchases_company ON token_purchases (company_id, created_at);
CREATE INDEX token_purchases_payment_intent ON token_purchases (payment_intent_id);

CREATE TABLE token_holds (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    reference TEXT NOT NULL,
    tokens BIGINT NOT NULL CHECK (tokens > 0),
    status TEXT NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'settled', 'released')),
    charged BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    UNIQUE (company_id, reference)
);

-- Every movement of tokens. `tokens` is what the entry added to the balance (negative for
-- holds and clawbacks); `balance_after` the balance it left. One entry per kind and reference.
CREATE TABLE token_transactions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    kind TEXT NOT NULL
        CHECK (kind IN ('purchase', 'grant', 'hold', 'settle', 'release', 'clawback', 'adjustment')),
    tokens BIGINT NOT NULL,
    balance_after BIGINT NOT NULL CHECK (balance_after >= 0),
    reference TEXT NOT NULL,
    purchase_id UUID REFERENCES token_purchases (id) ON DELETE CASCADE,
    hold_id UUID REFERENCES token_holds (id) ON DELETE CASCADE,
    actor_id UUID, -- kept as history, no foreign key (an UPDATE would break append-only)
    note TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX token_transactions_once ON token_transactions (company_id, kind, reference);
CREATE INDEX token_transactions_company ON token_transactions (company_id, id);
CREATE FUNCTION token_transactions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'token_transactions is append-only';
END;
$$;
CREATE TRIGGER token_transactions_append_only BEFORE UPDATE ON token_transactions
    FOR EACH ROW EXECUTE FUNCTION token_transactions_append_only();

-- Stripe events by id: a redelivery finds its row and does nothing more.
CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    processed_at TIMESTAMPTZ,
    outcome TEXT
);

-- Stripe's receipt for a payment, from charge.succeeded / charge.updated. Keyed by payment
-- intent, so a receipt that arrives before its checkout.session.completed is kept until the
-- purchase learns its payment intent (the purchase list joins on it).
CREATE TABLE stripe_receipts (
    payment_intent_id TEXT PRIMARY KEY,
    charge_id TEXT NOT NULL,
    receipt_url TEXT NOT NULL
);
