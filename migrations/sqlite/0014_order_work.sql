-- Bulk actions on orders and the processing errors they leave.

-- A bulk action as asked for: the orders it covers are fixed when it is created (the rows of
-- order_bulk_items), and the `orders.bulk` job works through them, each in its own
-- transaction, so a retried job resumes where it stopped. `request_key` comes from the form:
-- a double click (or a resubmitted form) finds the run it already made.
CREATE TABLE order_bulk_runs (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    request_key TEXT NOT NULL,
    -- 'status' (with target_status) or 'validate'.
    action TEXT NOT NULL,
    target_status TEXT,
    total BIGINT NOT NULL,
    succeeded BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'finished')),
    created_at TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (company_id, request_key)
);
CREATE INDEX order_bulk_runs_company ON order_bulk_runs (company_id, created_at);

-- One order of a run and what happened to it ('pending' until the job reaches it).
CREATE TABLE order_bulk_items (
    run_id BLOB NOT NULL REFERENCES order_bulk_runs (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    order_id BLOB NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    result TEXT NOT NULL DEFAULT 'pending' CHECK (result IN ('pending', 'succeeded', 'failed', 'skipped')),
    message TEXT,
    PRIMARY KEY (run_id, position)
);
CREATE INDEX order_bulk_items_result ON order_bulk_items (run_id, result, position);

-- The processing errors tab: one row per order and action that failed. PENDING waits for an
-- automatic retry (the platform or courier could not be reached), RETRYING has a retry under
-- way, FAILED needs a person, RESOLVED succeeded later, SKIPPED was set aside by a person.
CREATE TABLE order_errors (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    order_id BLOB NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'RETRYING', 'FAILED', 'RESOLVED', 'SKIPPED')),
    message TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Who retried, skipped or resolved it last (None for the jobs).
    updated_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (order_id, action)
);
CREATE INDEX order_errors_company_status ON order_errors (company_id, status, updated_at);
