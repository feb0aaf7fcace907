-- Rollups for the dashboard: per company, store, day and currency, kept by triggers in the
-- same transaction as the write that changes their source rows, so they never drift the way a
-- nightly job's figures can. `dashboard::rollups::check` recomputes them from the sources and
-- repairs any difference.
--
-- A day is the company's local date. The application writes it on each source row (it knows
-- the zone; SQLite does not); `companies.rollup_timezone` is the zone those days were computed
-- in (none: the company's own, never changed), and the dashboard's job recomputes them when
-- the company's zone changes.

ALTER TABLE companies ADD COLUMN rollup_timezone TEXT;
ALTER TABLE orders ADD COLUMN placed_day TEXT;
ALTER TABLE analyses ADD COLUMN day TEXT;

-- Until the job has recomputed them, days are UTC dates.
UPDATE orders SET placed_day = substr(placed_at, 1, 10);
UPDATE analyses SET day = substr(created_at, 1, 10);
UPDATE companies SET rollup_timezone = 'UTC';

-- Orders placed on a day, by the status they are in now.
CREATE TABLE order_days (
    store_id BLOB NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    orders BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    PRIMARY KEY (store_id, day, currency, status)
);
CREATE INDEX order_days_company_day ON order_days (company_id, day);

INSERT INTO order_days (store_id, day, currency, status, company_id, orders, total_minor)
SELECT store_id, placed_day, currency, status, company_id, COUNT(*), SUM(total_minor)
FROM orders GROUP BY store_id, placed_day, currency, status, company_id;

CREATE TRIGGER order_days_insert AFTER INSERT ON orders BEGIN
    INSERT INTO order_days (store_id, day, currency, status, company_id, orders, total_minor)
    VALUES (NEW.store_id, NEW.placed_day, NEW.currency, NEW.status, NEW.company_id, 1, NEW.total_minor)
    ON CONFLICT (store_id, day, currency, status)
    DO UPDATE SET orders = orders + 1, total_minor = total_minor + excluded.total_minor;
END;

CREATE TRIGGER order_days_delete AFTER DELETE ON orders BEGIN
    UPDATE order_days SET orders = orders - 1, total_minor = total_minor - OLD.total_minor
    WHERE store_id = OLD.store_id AND day = OLD.placed_day AND currency = OLD.currency
      AND status = OLD.status;
END;

CREATE TRIGGER order_days_update AFTER UPDATE OF store_id, placed_day, currency, status, total_minor ON orders
WHEN OLD.store_id IS NOT NEW.store_id OR OLD.placed_day IS NOT NEW.placed_day
  OR OLD.currency IS NOT NEW.currency OR OLD.status IS NOT NEW.status
  OR OLD.total_minor IS NOT NEW.total_minor
BEGIN
    UPDATE order_days SET orders = orders - 1, total_minor = total_minor - OLD.total_minor
    WHERE store_id = OLD.store_id AND day = OLD.placed_day AND currency = OLD.currency
      AND status = OLD.status;
    INSERT INTO order_days (store_id, day, currency, status, company_id, orders, total_minor)
    VALUES (NEW.store_id, NEW.placed_day, NEW.currency, NEW.status, NEW.company_id, 1, NEW.total_minor)
    ON CONFLICT (store_id, day, currency, status)
    DO UPDATE SET orders = orders + 1, total_minor = total_minor + excluded.total_minor;
END;

-- Ad figures per account and day (the account's day, as the platform reports it); the
-- account gives the platform, the currency and the store.
CREATE TABLE ad_days (
    account_id BLOB NOT NULL REFERENCES ad_accounts (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
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

CREATE TRIGGER ad_days_insert AFTER INSERT ON ad_campaign_days BEGIN
    INSERT INTO ad_days (account_id, day, company_id, spend_minor, purchase_value_minor, impressions, clicks, conversions)
    SELECT c.account_id, NEW.day, NEW.company_id, NEW.spend_minor, NEW.purchase_value_minor,
           NEW.impressions, NEW.clicks, NEW.conversions
    FROM ad_campaigns c WHERE c.id = NEW.campaign_id
    ON CONFLICT (account_id, day) DO UPDATE SET
        spend_minor = spend_minor + excluded.spend_minor,
        purchase_value_minor = purchase_value_minor + excluded.purchase_value_minor,
        impressions = impressions + excluded.impressions,
        clicks = clicks + excluded.clicks,
        conversions = conversions + excluded.conversions;
END;

CREATE TRIGGER ad_days_delete AFTER DELETE ON ad_campaign_days BEGIN
    UPDATE ad_days SET spend_minor = spend_minor - OLD.spend_minor,
        purchase_value_minor = purchase_value_minor - OLD.purchase_value_minor,
        impressions = impressions - OLD.impressions, clicks = clicks - OLD.clicks,
        conversions = conversions - OLD.conversions
    WHERE day = OLD.day AND account_id = (SELECT account_id FROM ad_campaigns WHERE id = OLD.campaign_id);
END;

CREATE TRIGGER ad_days_update AFTER UPDATE ON ad_campaign_days BEGIN
    UPDATE ad_days SET spend_minor = spend_minor - OLD.spend_minor,
        purchase_value_minor = purchase_value_minor - OLD.purchase_value_minor,
        impressions = impressions - OLD.impressions, clicks = clicks - OLD.clicks,
        conversions = conversions - OLD.conversions
    WHERE day = OLD.day AND account_id = (SELECT account_id FROM ad_campaigns WHERE id = OLD.campaign_id);
    INSERT INTO ad_days (account_id, day, company_id, spend_minor, purchase_value_minor, impressions, clicks, conversions)
    SELECT c.account_id, NEW.day, NEW.company_id, NEW.spend_minor, NEW.purchase_value_minor,
           NEW.impressions, NEW.clicks, NEW.conversions
    FROM ad_campaigns c WHERE c.id = NEW.campaign_id
    ON CONFLICT (account_id, day) DO UPDATE SET
        spend_minor = spend_minor + excluded.spend_minor,
        purchase_value_minor = purchase_value_minor + excluded.purchase_value_minor,
        impressions = impressions + excluded.impressions,
        clicks = clicks + excluded.clicks,
        conversions = conversions + excluded.conversions;
END;

-- Analyses created on a day, by status and verdict ('' before one), with their processing time.
CREATE TABLE analysis_days (
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
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

CREATE TRIGGER analysis_days_insert AFTER INSERT ON analyses BEGIN
    INSERT INTO analysis_days (company_id, day, status, verdict, analyses, timed, processing_ms)
    VALUES (NEW.company_id, NEW.day, NEW.status, COALESCE(NEW.verdict, ''), 1,
            NEW.processing_ms IS NOT NULL, COALESCE(NEW.processing_ms, 0))
    ON CONFLICT (company_id, day, status, verdict) DO UPDATE SET analyses = analyses + 1,
        timed = timed + excluded.timed, processing_ms = processing_ms + excluded.processing_ms;
END;

CREATE TRIGGER analysis_days_delete AFTER DELETE ON analyses BEGIN
    UPDATE analysis_days SET analyses = analyses - 1, timed = timed - (OLD.processing_ms IS NOT NULL),
        processing_ms = processing_ms - COALESCE(OLD.processing_ms, 0)
    WHERE company_id = OLD.company_id AND day = OLD.day AND status = OLD.status
      AND verdict = COALESCE(OLD.verdict, '');
END;

CREATE TRIGGER analysis_days_update AFTER UPDATE OF day, status, verdict, processing_ms ON analyses
WHEN OLD.day IS NOT NEW.day OR OLD.status IS NOT NEW.status OR OLD.verdict IS NOT NEW.verdict
  OR OLD.processing_ms IS NOT NEW.processing_ms
BEGIN
    UPDATE analysis_days SET analyses = analyses - 1, timed = timed - (OLD.processing_ms IS NOT NULL),
        processing_ms = processing_ms - COALESCE(OLD.processing_ms, 0)
    WHERE company_id = OLD.company_id AND day = OLD.day AND status = OLD.status
      AND verdict = COALESCE(OLD.verdict, '');
    INSERT INTO analysis_days (company_id, day, status, verdict, analyses, timed, processing_ms)
    VALUES (NEW.company_id, NEW.day, NEW.status, COALESCE(NEW.verdict, ''), 1,
            NEW.processing_ms IS NOT NULL, COALESCE(NEW.processing_ms, 0))
    ON CONFLICT (company_id, day, status, verdict) DO UPDATE SET analyses = analyses + 1,
        timed = timed + excluded.timed, processing_ms = processing_ms + excluded.processing_ms;
END;

-- Token ledger entries of an hour (UTC), by kind. The ledger is append-only, so it carries no
-- local day; an hour is where every time zone's days begin (those with half-hour offsets are
-- read to the hour).
CREATE TABLE token_hours (
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    hour TEXT NOT NULL,
    kind TEXT NOT NULL,
    entries BIGINT NOT NULL,
    tokens BIGINT NOT NULL,
    PRIMARY KEY (company_id, hour, kind)
);

-- The hour in the same text as the timestamps themselves (RFC 3339, UTC offset), so a bound
-- bound as a timestamp compares with it.
INSERT INTO token_hours (company_id, hour, kind, entries, tokens)
SELECT company_id, substr(created_at, 1, 13) || ':00:00+00:00', kind, COUNT(*), SUM(tokens)
FROM token_transactions GROUP BY company_id, substr(created_at, 1, 13), kind;

CREATE TRIGGER token_hours_insert AFTER INSERT ON token_transactions BEGIN
    INSERT INTO token_hours (company_id, hour, kind, entries, tokens)
    VALUES (NEW.company_id, substr(NEW.created_at, 1, 13) || ':00:00+00:00', NEW.kind, 1, NEW.tokens)
    ON CONFLICT (company_id, hour, kind) DO UPDATE SET entries = entries + 1, tokens = tokens + excluded.tokens;
END;

CREATE TRIGGER token_hours_delete AFTER DELETE ON token_transactions BEGIN
    UPDATE token_hours SET entries = entries - 1, tokens = tokens - OLD.tokens
    WHERE company_id = OLD.company_id AND hour = substr(OLD.created_at, 1, 13) || ':00:00+00:00'
      AND kind = OLD.kind;
END;
