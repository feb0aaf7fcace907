-- Counters raised, in the same transaction, whenever a company's dashboard figures change:
-- `sales` (order rollups, stores, store access), `ads` (ad rollups, ad accounts, stores, store
-- access) and `company` (analyses, tokens, token purchases). The dashboard keeps the figures
-- it read under the counters it read them at, so a view whose counters have not moved asks
-- the database for nothing but its latest lists; any write moves them, so nothing is stale.
CREATE TABLE rollup_versions (
    company_id UUID PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    sales BIGINT NOT NULL DEFAULT 0,
    ads BIGINT NOT NULL DEFAULT 0,
    company BIGINT NOT NULL DEFAULT 0
);
INSERT INTO rollup_versions (company_id) SELECT id FROM companies;

CREATE FUNCTION rollup_versions_company() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollup_versions (company_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_versions_company AFTER INSERT ON companies
    FOR EACH ROW EXECUTE FUNCTION rollup_versions_company();

-- Raised once per transaction and company, when it commits (a deferred trigger): the row's
-- lock is taken after every other lock of the transaction and held only while it commits, so
-- writers of one company queue for an instant instead of deadlocking on it. TG_ARGV[0] names
-- the counters: 'sales', 'ads', 'both' (sales and ads) or 'company'.
CREATE FUNCTION rollup_versions_raise() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cid UUID;
    flag TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN cid := OLD.company_id; ELSE cid := NEW.company_id; END IF;
    flag := 'switchyard.rv_' || TG_ARGV[0] || '_' || replace(cid::text, '-', '');
    IF current_setting(flag, true) = '1' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config(flag, '1', true);
    UPDATE rollup_versions SET
        sales = sales + CASE WHEN TG_ARGV[0] IN ('sales', 'both') THEN 1 ELSE 0 END,
        ads = ads + CASE WHEN TG_ARGV[0] IN ('ads', 'both') THEN 1 ELSE 0 END,
        company = company + CASE WHEN TG_ARGV[0] = 'company' THEN 1 ELSE 0 END
    WHERE company_id = cid;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER rollup_versions_order_days AFTER INSERT OR UPDATE OR DELETE ON order_days
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollup_versions_raise('sales');
CREATE CONSTRAINT TRIGGER rollup_versions_ad_days AFTER INSERT OR UPDATE OR DELETE ON ad_days
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollup_versions_raise('ads');
CREATE CONSTRAINT TRIGGER rollup_versions_ad_accounts
    AFTER INSERT OR DELETE OR UPDATE OF store_id, imported, platform, currency ON ad_accounts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollup_versions_raise('ads');
CREATE CONSTRAINT TRIGGER rollup_versions_stores AFTER INSERT OR DELETE OR UPDATE OF name ON stores
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollup_versions_raise('both');
CREATE CONSTRAINT TRIGGER rollup_versions_store_access AFTER INSERT OR UPDATE OR DELETE ON store_access
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollup_versions_raise('both');
CREATE CONSTRAINT TRIGGER rollup_versions_analysis_days AFTER INSERT OR UPDATE OR DELETE ON analysis_days
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollup_versions_raise('company');
CREATE CONSTRAINT TRIGGER rollup_versions_token_hours AFTER INSERT OR UPDATE OR DELETE ON token_hours
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollup_versions_raise('company');
CREATE CONSTRAINT TRIGGER rollup_versions_token_purchases
    AFTER INSERT OR DELETE OR UPDATE OF status, amount, tokens, currency ON token_purchases
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollup_versions_raise('company');
