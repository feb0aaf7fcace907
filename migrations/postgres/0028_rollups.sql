-- Rollups for the dashboard: per company, store, day and currency, kept by triggers in the
-- same transaction as the write that changes their source rows, so they never drift the way a
-- nightly job's figures can. `dashboard::rollups::check` recomputes them from the sources and
-- repairs any difference.
--
-- A day is the company's local date. The application writes it on each source row (the same
-- code serves SQLite, which knows no time zones); `companies.rollup_timezone` is the zone those
-- days were computed in (none: the company's own, never changed), and the dashboard's job
-- recomputes them when the company's zone changes.

ALTER TABLE companies ADD COLUMN rollup_timezone TEXT;
ALTER TABLE orders ADD COLUMN placed_day DATE;
ALTER TABLE analyses ADD COLUMN day DATE;

UPDATE orders o SET placed_day = (o.placed_at AT TIME ZONE c.timezone)::date
FROM companies c WHERE c.id = o.company_id;
UPDATE analyses a SET day = (a.created_at AT TIME ZONE c.timezone)::date
FROM companies c WHERE c.id = a.company_id;
UPDATE companies SET rollup_timezone = timezone;

-- Orders placed on a day, by the status they are in now.
CREATE TABLE order_days (
    store_id UUID NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    orders BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    PRIMARY KEY (store_id, day, currency, status)
);
CREATE INDEX order_days_company_day ON order_days (company_id, day);

INSERT INTO order_days (store_id, day, currency, status, company_id, orders, total_minor)
SELECT store_id, placed_day, currency, status, company_id, COUNT(*), SUM(total_minor)
FROM orders GROUP BY store_id, placed_day, currency, status, company_id;

-- Rows are changed in key order (the one left, then the one entered, or the other way round),
-- so two transactions moving orders between the same two rows take their locks in one order.
CREATE FUNCTION order_days_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    leave_first BOOLEAN := TG_OP = 'DELETE' OR (TG_OP = 'UPDATE'
        AND (OLD.store_id, OLD.placed_day, OLD.currency, OLD.status)
          < (NEW.store_id, NEW.placed_day, NEW.currency, NEW.status));
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.store_id, OLD.placed_day, OLD.currency, OLD.status, OLD.total_minor)
        IS NOT DISTINCT FROM (NEW.store_id, NEW.placed_day, NEW.currency, NEW.status, NEW.total_minor) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND leave_first THEN
        UPDATE order_days SET orders = orders - 1, total_minor = total_minor - OLD.total_minor
        WHERE store_id = OLD.store_id AND day = OLD.placed_day AND currency = OLD.currency
          AND status = OLD.status;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO order_days (store_id, day, currency, status, company_id, orders, total_minor)
        VALUES (NEW.store_id, NEW.placed_day, NEW.currency, NEW.status, NEW.company_id, 1, NEW.total_minor)
        ON CONFLICT (store_id, day, currency, status) DO UPDATE SET
            orders = order_days.orders + 1, total_minor = order_days.total_minor + EXCLUDED.total_minor;
    END IF;
    IF TG_OP = 'UPDATE' AND NOT leave_first THEN
        UPDATE order_days SET orders = orders - 1, total_minor = total_minor - OLD.total_minor
        WHERE store_id = OLD.store_id AND day = OLD.placed_day AND currency = OLD.currency
          AND status = OLD.status;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER order_days AFTER INSERT OR DELETE OR UPDATE OF store_id, placed_day, currency, status, total_minor
    ON orders FOR EACH ROW EXECUTE FUNCTION order_days_apply();

-- Ad figures per account and day (the account's day, as the platform reports it); the
-- account gives the platform, the currency and the store.
CREATE TABLE ad_days (
    account_id UUID NOT NULL REFERENCES ad_accounts (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    spend_minor BIGINT NOT NULL,
    purchase_value_minor BIGINT NOT NULL,
    impressions BIGINT NOT NULL,
    clicks BIGINT NOT NULL,
    conversions BIGINT NOT NULL,
    PRIMARY KEY (account_id, day)
);
CREATE INDEX ad_days_company_day ON ad_days (company_id, day);

INSERT INTO ad_days (account_id, day, company_id, spend_minor, purchase_value_minor, impressions, clicks, conversions)
SELECT c.account_id, d.day, d.company_id, SUM(d.spend_minor), SUM(d.purchase_value_minor),
       SUM(d.impressions), SUM(d.clicks), SUM(d.conversions)
FROM ad_campaign_days d JOIN ad_campaigns c ON c.id = d.campaign_id
GROUP BY c.account_id, d.day, d.company_id;

CREATE FUNCTION ad_days_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE ad_days SET spend_minor = spend_minor - OLD.spend_minor,
            purchase_value_minor = purchase_value_minor - OLD.purchase_value_minor,
            impressions = impressions - OLD.impressions, clicks = clicks - OLD.clicks,
            conversions = conversions - OLD.conversions
        WHERE day = OLD.day
          AND account_id = (SELECT account_id FROM ad_campaigns WHERE id = OLD.campaign_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO ad_days (account_id, day, company_id, spend_minor, purchase_value_minor, impressions, clicks, conversions)
        SELECT c.account_id, NEW.day, NEW.company_id, NEW.spend_minor, NEW.purchase_value_minor,
               NEW.impressions, NEW.clicks, NEW.conversions
        FROM ad_campaigns c WHERE c.id = NEW.campaign_id
        ON CONFLICT (account_id, day) DO UPDATE SET
            spend_minor = ad_days.spend_minor + EXCLUDED.spend_minor,
            purchase_value_minor = ad_days.purchase_value_minor + EXCLUDED.purchase_value_minor,
            impressions = ad_days.impressions + EXCLUDED.impressions,
            clicks = ad_days.clicks + EXCLUDED.clicks,
            conversions = ad_days.conversions + EXCLUDED.conversions;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ad_days AFTER INSERT OR DELETE OR UPDATE ON ad_campaign_days
    FOR EACH ROW EXECUTE FUNCTION ad_days_apply();

-- Analyses created on a day, by status and verdict ('' before one), with their processing time.
CREATE TABLE analysis_days (
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    status TEXT NOT NULL,
    verdict TEXT NOT NULL,
    analyses BIGINT NOT NULL,
    timed BIGINT NOT NULL,
    processing_ms BIGINT NOT NULL,
    PRIMARY KEY (company_id, day, status, verdict)
);

INSERT INTO analysis_days (company_id, day, status, verdict, analyses, timed, processing_ms)
SELECT company_id, day, status, COALESCE(verdict, ''), COUNT(*), COUNT(processing_ms), COALESCE(SUM(processing_ms), 0)
FROM analyses GROUP BY company_id, day, status, COALESCE(verdict, '');

CREATE FUNCTION analysis_days_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.day, OLD.status, OLD.verdict, OLD.processing_ms)
        IS NOT DISTINCT FROM (NEW.day, NEW.status, NEW.verdict, NEW.processing_ms) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        UPDATE analysis_days SET analyses = analyses - 1,
            timed = timed - (CASE WHEN OLD.processing_ms IS NULL THEN 0 ELSE 1 END),
            processing_ms = processing_ms - COALESCE(OLD.processing_ms, 0)
        WHERE company_id = OLD.company_id AND day = OLD.day AND status = OLD.status
          AND verdict = COALESCE(OLD.verdict, '');
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO analysis_days (company_id, day, status, verdict, analyses, timed, processing_ms)
        VALUES (NEW.company_id, NEW.day, NEW.status, COALESCE(NEW.verdict, ''), 1,
                CASE WHEN NEW.processing_ms IS NULL THEN 0 ELSE 1 END, COALESCE(NEW.processing_ms, 0))
        ON CONFLICT (company_id, day, status, verdict) DO UPDATE SET
            analyses = analysis_days.analyses + 1, timed = analysis_days.timed + EXCLUDED.timed,
            processing_ms = analysis_days.processing_ms + EXCLUDED.processing_ms;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER analysis_days AFTER INSERT OR DELETE OR UPDATE OF day, status, verdict, processing_ms
    ON analyses FOR EACH ROW EXECUTE FUNCTION analysis_days_apply();

-- Token ledger entries of an hour (UTC), by kind. The ledger is append-only, so it carries no
-- local day; an hour is where every time zone's days begin (those with half-hour offsets are
-- read to the hour).
CREATE TABLE token_hours (
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    hour TIMESTAMPTZ NOT NULL,
    kind TEXT NOT NULL,
    entries BIGINT NOT NULL,
    tokens BIGINT NOT NULL,
    PRIMARY KEY (company_id, hour, kind)
);

INSERT INTO token_hours (company_id, hour, kind, entries, tokens)
SELECT company_id, date_trunc('hour', created_at, 'UTC'), kind, COUNT(*), SUM(tokens)
FROM token_transactions GROUP BY company_id, date_trunc('hour', created_at, 'UTC'), kind;

CREATE FUNCTION token_hours_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE token_hours SET entries = entries - 1, tokens = tokens - OLD.tokens
        WHERE company_id = OLD.company_id AND hour = date_trunc('hour', OLD.created_at, 'UTC')
          AND kind = OLD.kind;
    ELSE
        INSERT INTO token_hours (company_id, hour, kind, entries, tokens)
        VALUES (NEW.company_id, date_trunc('hour', NEW.created_at, 'UTC'), NEW.kind, 1, NEW.tokens)
        ON CONFLICT (company_id, hour, kind) DO UPDATE SET
            entries = token_hours.entries + 1, tokens = token_hours.tokens + EXCLUDED.tokens;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER token_hours AFTER INSERT OR DELETE ON token_transactions
    FOR EACH ROW EXECUTE FUNCTION token_hours_apply();
