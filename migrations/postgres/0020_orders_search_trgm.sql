-- The inbox's text search is a substring match on `search` (number, customer, email, phone).
-- Walking the orders newest first finds a common name's first page at once, but a rare one
-- (one customer's email) read every order of the company: 0.4–1.1 s over 1,000,000 orders.
-- A trigram index answers a rare term in milliseconds; the planner still walks by date for a
-- common one. pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the
-- database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX orders_search_trgm ON orders USING gin (search gin_trgm_ops);
