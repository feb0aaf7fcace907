-- The inbox's validation filters ("phone missing", "address incomplete"): only flagged orders
-- (about one in seven) are in this index, with their flags, so a filter on a flag walks it in
-- the page's order and counts its matches without reading the orders themselves. The query
-- repeats `flags <> ''` so both planners see the index applies.
CREATE INDEX orders_company_flagged ON orders (company_id, placed_at, flags) WHERE flags <> '';
