-- Seeds :n orders spread over the bench company's five stores (bench/orders.sh, PostgreSQL);
-- the same shape as bench/seed_orders.py.
WITH c AS (SELECT id FROM companies LIMIT 1),
s AS (SELECT id, row_number() OVER (ORDER BY name) - 1 AS k FROM stores WHERE company_id = (SELECT id FROM c)),
g AS (
  SELECT i,
    (ARRAY['Ana','Ioana','Maria','Elena','Andrei','Mihai','Radu','Cristina','Vlad','Alexandra','Dan','Gabriela'])[1 + (i * 7) % 12]
      || ' ' || (ARRAY['Pop','Popescu','Ionescu','Ene','Stan','Dumitru','Marin','Constantin','Georgescu','Munteanu'])[1 + (i * 13) % 10] AS name,
    TIMESTAMPTZ '2026-01-01 00:00:00+00' + ((i * 7919) % 28771200) * INTERVAL '1 second' AS placed,
    CASE WHEN i % 10 = 0 THEN NULL ELSE '+407' || lpad(((i * 48271) % 100000000)::text, 8, '0') END AS phone
  FROM generate_series(0::bigint, :n - 1) AS i
)
INSERT INTO orders (id, company_id, store_id, external_id, number, status, financial_status, currency,
  total_minor, subtotal_minor, shipping_minor, tax_minor, customer_name, email, phone, flags, search,
  placed_at, source_updated_at, created_at, updated_at, placed_day)
SELECT gen_random_uuid(), (SELECT id FROM c), s.id, (1000000000 + g.i)::text, '#S' || (s.k + 1) || '-' || (g.i / 5),
  (ARRAY['PENDING','PENDING','PENDING','VALIDATED','PICKING','PACKED','AWB_CREATED','SHIPPED','SHIPPED','SHIPPED','SHIPPED',
         'DELIVERED','DELIVERED','DELIVERED','DELIVERED','DELIVERED','DELIVERED','CANCELLED','RETURNED'])[1 + (g.i * 31) % 19],
  'paid', 'RON', 1000 + (g.i * 7907) % 199000, 1000 + (g.i * 7907) % 199000, 0, 0, g.name,
  lower(replace(g.name, ' ', '.')) || g.i || '@example.ro', g.phone,
  trim(CASE WHEN g.phone IS NULL THEN 'phone' ELSE '' END || CASE WHEN g.i % 20 = 0 THEN ' address' ELSE '' END),
  lower('#S' || (s.k + 1) || '-' || (g.i / 5) || ' ' || g.name || ' ' || lower(replace(g.name, ' ', '.')) || g.i || '@example.ro ' || coalesce(g.phone, '')),
  g.placed, g.placed, g.placed, g.placed,
  (g.placed AT TIME ZONE (SELECT timezone FROM companies WHERE id = (SELECT id FROM c)))::date
FROM g JOIN s ON s.k = g.i % 5;
ANALYZE orders;
