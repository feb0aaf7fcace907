-- The inbox's text search is a substring match on `search` (number, customer, email, phone).
-- Walking the orders newest first finds a common name's first page at once, but a rare term
-- (one customer's email, or nothing at all) read every order of the company: 3.7–4.5 s over
-- 1,000,000 orders. An FTS5 index with the trigram tokenizer (SQLite 3.34+, which the bundled
-- SQLite is) answers any substring of three characters or more from its index: the same
-- email in 5 ms. It holds no copy of the text (`content = 'orders'`) and is keyed by the
-- orders' rowid, kept in step by the triggers below (deletes by cascade fire them too).
-- SQLite may renumber rowids in a VACUUM; after one, rebuild it:
--   INSERT INTO orders_search (orders_search) VALUES ('rebuild');
CREATE VIRTUAL TABLE orders_search USING fts5 (search, content = 'orders', tokenize = 'trigram');

INSERT INTO orders_search (orders_search) VALUES ('rebuild');

CREATE TRIGGER orders_search_insert AFTER INSERT ON orders BEGIN
    INSERT INTO orders_search (rowid, search) VALUES (new.rowid, new.search);
END;

CREATE TRIGGER orders_search_delete AFTER DELETE ON orders BEGIN
    INSERT INTO orders_search (orders_search, rowid, search) VALUES ('delete', old.rowid, old.search);
END;

CREATE TRIGGER orders_search_update AFTER UPDATE OF search ON orders WHEN old.search IS NOT new.search BEGIN
    INSERT INTO orders_search (orders_search, rowid, search) VALUES ('delete', old.rowid, old.search);
    INSERT INTO orders_search (rowid, search) VALUES (new.rowid, new.search);
END;
