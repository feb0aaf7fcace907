-- Counters raised, in the same transaction, whenever a company's dashboard figures change:
-- `sales` (order rollups, stores, store access), `ads` (ad rollups, ad accounts, stores, store
-- access) and `company` (analyses, tokens, token purchases). The dashboard keeps the figures
-- it read under the counters it read them at, so a view whose counters have not moved asks
-- the database for nothing but its latest lists; any write moves them, so nothing is stale.
CREATE TABLE rollup_versions (
    company_id BLOB PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    sales BIGINT NOT NULL DEFAULT 0,
    ads BIGINT NOT NULL DEFAULT 0,
    company BIGINT NOT NULL DEFAULT 0
);
INSERT INTO rollup_versions (company_id) SELECT id FROM companies;

CREATE TRIGGER rollup_versions_company AFTER INSERT ON companies BEGIN
    INSERT INTO rollup_versions (company_id) VALUES (NEW.id);
END;

-- SQLite has one writer at a time: the counter is raised at once, row by row.
CREATE TRIGGER rollup_versions_order_days_insert AFTER INSERT ON order_days BEGIN
    UPDATE rollup_versions SET sales = sales + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_order_days_update AFTER UPDATE ON order_days BEGIN
    UPDATE rollup_versions SET sales = sales + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_order_days_delete AFTER DELETE ON order_days BEGIN
    UPDATE rollup_versions SET sales = sales + 1 WHERE company_id = OLD.company_id;
END;

CREATE TRIGGER rollup_versions_ad_days_insert AFTER INSERT ON ad_days BEGIN
    UPDATE rollup_versions SET ads = ads + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_ad_days_update AFTER UPDATE ON ad_days BEGIN
    UPDATE rollup_versions SET ads = ads + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_ad_days_delete AFTER DELETE ON ad_days BEGIN
    UPDATE rollup_versions SET ads = ads + 1 WHERE company_id = OLD.company_id;
END;

CREATE TRIGGER rollup_versions_ad_accounts_insert AFTER INSERT ON ad_accounts BEGIN
    UPDATE rollup_versions SET ads = ads + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_ad_accounts_update AFTER UPDATE OF store_id, imported, platform, currency, company_id ON ad_accounts BEGIN
    UPDATE rollup_versions SET ads = ads + 1 WHERE company_id IN (OLD.company_id, NEW.company_id);
END;
CREATE TRIGGER rollup_versions_ad_accounts_delete AFTER DELETE ON ad_accounts BEGIN
    UPDATE rollup_versions SET ads = ads + 1 WHERE company_id = OLD.company_id;
END;

CREATE TRIGGER rollup_versions_stores_insert AFTER INSERT ON stores BEGIN
    UPDATE rollup_versions SET sales = sales + 1, ads = ads + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_stores_update AFTER UPDATE OF name, company_id ON stores BEGIN
    UPDATE rollup_versions SET sales = sales + 1, ads = ads + 1 WHERE company_id IN (OLD.company_id, NEW.company_id);
END;
CREATE TRIGGER rollup_versions_stores_delete AFTER DELETE ON stores BEGIN
    UPDATE rollup_versions SET sales = sales + 1, ads = ads + 1 WHERE company_id = OLD.company_id;
END;

CREATE TRIGGER rollup_versions_store_access_insert AFTER INSERT ON store_access BEGIN
    UPDATE rollup_versions SET sales = sales + 1, ads = ads + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_store_access_update AFTER UPDATE ON store_access BEGIN
    UPDATE rollup_versions SET sales = sales + 1, ads = ads + 1 WHERE company_id IN (OLD.company_id, NEW.company_id);
END;
CREATE TRIGGER rollup_versions_store_access_delete AFTER DELETE ON store_access BEGIN
    UPDATE rollup_versions SET sales = sales + 1, ads = ads + 1 WHERE company_id = OLD.company_id;
END;

CREATE TRIGGER rollup_versions_analysis_days_insert AFTER INSERT ON analysis_days BEGIN
    UPDATE rollup_versions SET company = company + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_analysis_days_update AFTER UPDATE ON analysis_days BEGIN
    UPDATE rollup_versions SET company = company + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_analysis_days_delete AFTER DELETE ON analysis_days BEGIN
    UPDATE rollup_versions SET company = company + 1 WHERE company_id = OLD.company_id;
END;

CREATE TRIGGER rollup_versions_token_hours_insert AFTER INSERT ON token_hours BEGIN
    UPDATE rollup_versions SET company = company + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_token_hours_update AFTER UPDATE ON token_hours BEGIN
    UPDATE rollup_versions SET company = company + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_token_hours_delete AFTER DELETE ON token_hours BEGIN
    UPDATE rollup_versions SET company = company + 1 WHERE company_id = OLD.company_id;
END;

CREATE TRIGGER rollup_versions_token_purchases_insert AFTER INSERT ON token_purchases BEGIN
    UPDATE rollup_versions SET company = company + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_token_purchases_update AFTER UPDATE OF status, amount, tokens, currency ON token_purchases BEGIN
    UPDATE rollup_versions SET company = company + 1 WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER rollup_versions_token_purchases_delete AFTER DELETE ON token_purchases BEGIN
    UPDATE rollup_versions SET company = company + 1 WHERE company_id = OLD.company_id;
END;
