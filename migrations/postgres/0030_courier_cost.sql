-- What FAN Courier charged for an AWB (its tariff plus VAT, in minor units of `cost_currency`),
-- and each order's courier cost: the charges of its active AWBs in the order's currency, kept
-- by triggers. The order rollups carry it, so a store's profit is its revenue less ad spend
-- and courier cost. (A charge in another currency than the order's is not added to it.)
ALTER TABLE awbs ADD COLUMN cost_minor BIGINT;
ALTER TABLE awbs ADD COLUMN cost_currency TEXT;
ALTER TABLE orders ADD COLUMN courier_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_days ADD COLUMN courier_minor BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION orders_courier_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.state = 'active' AND OLD.cost_minor IS NOT NULL THEN
        UPDATE orders SET courier_minor = courier_minor - OLD.cost_minor
        WHERE id = OLD.order_id AND currency = OLD.cost_currency;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.state = 'active' AND NEW.cost_minor IS NOT NULL THEN
        UPDATE orders SET courier_minor = courier_minor + NEW.cost_minor
        WHERE id = NEW.order_id AND currency = NEW.cost_currency;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER orders_courier AFTER INSERT OR DELETE OR UPDATE OF state, cost_minor, cost_currency, order_id
    ON awbs FOR EACH ROW EXECUTE FUNCTION orders_courier_apply();

-- The order rollups' function again, with the courier cost.
CREATE OR REPLACE FUNCTION order_days_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    leave_first BOOLEAN := TG_OP = 'DELETE' OR (TG_OP = 'UPDATE'
        AND (OLD.store_id, OLD.placed_day, OLD.currency, OLD.status)
          < (NEW.store_id, NEW.placed_day, NEW.currency, NEW.status));
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.store_id, OLD.placed_day, OLD.currency, OLD.status, OLD.total_minor, OLD.courier_minor)
        IS NOT DISTINCT FROM (NEW.store_id, NEW.placed_day, NEW.currency, NEW.status, NEW.total_minor, NEW.courier_minor) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND leave_first THEN
        UPDATE order_days SET orders = orders - 1, total_minor = total_minor - OLD.total_minor,
            courier_minor = courier_minor - OLD.courier_minor
        WHERE store_id = OLD.store_id AND day = OLD.placed_day AND currency = OLD.currency
          AND status = OLD.status;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO order_days (store_id, day, currency, status, company_id, orders, total_minor, courier_minor)
        VALUES (NEW.store_id, NEW.placed_day, NEW.currency, NEW.status, NEW.company_id, 1, NEW.total_minor, NEW.courier_minor)
        ON CONFLICT (store_id, day, currency, status) DO UPDATE SET
            orders = order_days.orders + 1, total_minor = order_days.total_minor + EXCLUDED.total_minor,
            courier_minor = order_days.courier_minor + EXCLUDED.courier_minor;
    END IF;
    IF TG_OP = 'UPDATE' AND NOT leave_first THEN
        UPDATE order_days SET orders = orders - 1, total_minor = total_minor - OLD.total_minor,
            courier_minor = courier_minor - OLD.courier_minor
        WHERE store_id = OLD.store_id AND day = OLD.placed_day AND currency = OLD.currency
          AND status = OLD.status;
    END IF;
    RETURN NULL;
END;
$$;
DROP TRIGGER order_days ON orders;
CREATE TRIGGER order_days AFTER INSERT OR DELETE OR UPDATE OF store_id, placed_day, currency, status, total_minor, courier_minor
    ON orders FOR EACH ROW EXECUTE FUNCTION order_days_apply();
