-- Orders imported from a CSV or XLSX file, in two steps: the checked file is kept as a
-- preview (each row's outcome, and the new orders ready to write) until a member confirms;
-- confirming writes them once (imported_at is the claim).
CREATE TABLE order_imports (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    store_id UUID NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    file_name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    -- JSON: each row's outcome (import::PreviewRow), and the orders to write (import::ImportedOrder).
    rows_json TEXT NOT NULL,
    orders_json TEXT NOT NULL,
    -- The file's columns the import does not read, separated by U+001F.
    ignored TEXT NOT NULL,
    new_orders BIGINT NOT NULL,
    existing BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    imported_at TIMESTAMPTZ,
    imported BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX order_imports_company ON order_imports (company_id, created_at);
-- An order is known by its number within a store (imports skip numbers already there).
CREATE INDEX orders_store_number ON orders (store_id, number);
