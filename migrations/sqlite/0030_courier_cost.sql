-- What FAN Courier charged for an AWB (its tariff plus VAT, in minor units of `cost_currency`),
-- and each order's courier cost: the charges of its active AWBs in the order's currency, kept
-- by triggers. The order rollups carry it, so a store's profit is its revenue less ad spend
-- and courier cost. (A charge in another currency than the order's is not added to it.)
ALTER TABLE awbs ADD COLUMN cost_minor BIGINT;
ALTER TABLE awbs ADD COLUMN cost_currency TEXT;
ALTER TABLE orders ADD COLUMN courier_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_days ADD COLUMN courier_minor BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER orders_courier_insert AFTER INSERT ON awbs
WHEN NEW.state = 'active' AND NEW.cost_minor IS NOT NULL
BEGIN
    UPDATE orders SET courier_minor = courier_minor + NEW.cost_minor
    WHERE id = NEW.order_id AND currency = NEW.cost_currency;
END;

CREATE TRIGGER orders_courier_update AFTER UPDATE OF state, cost_minor, cost_currency, order_id ON awbs
BEGIN
    UPDATE orders SET courier_minor = courier_minor - OLD.cost_minor
    WHERE OLD.state = 'active' AND OLD.cost_minor IS NOT NULL
      AND id = OLD.order_id AND currency = OLD.cost_currency;
    UPDATE orders SET courier_minor = courier_minor + NEW.cost_minor
    WHERE NEW.state = 'active' AND NEW.cost_minor IS NOT NULL
      AND id = NEW.order_id AND currency = NEW.cost_currency;
END;

CREATE TRIGGER orders_courier_delete AFTER DELETE ON awbs
WHEN OLD.state = 'active' AND OLD.cost_minor IS NOT NULL
BEGIN
    UPDATE orders SET courier_minor = courier_minor - OLD.cost_minor
    WHERE id = OLD.order_id AND currency = OLD.cost_currency;
END;

-- The order rollups' triggers again, with the courier cost.
DROP TRIGGER order_days_insert;
DROP TRIGGER order_days_delete;
DROP TRIGGER order_days_update;

CREATE TRIGGER order_days_insert AFTER INSERT ON orders BEGIN
    INSERT INTO order_days (store_id, day, currency, status, company_id, orders, total_minor, courier_minor)
    VALUES (NEW.store_id, NEW.placed_day, NEW.currency, NEW.status, NEW.company_id, 1, NEW.total_minor, NEW.courier_minor)
    ON CONFLICT (store_id, day, currency, status)
    DO UPDATE SET orders = orders + 1, total_minor = total_minor + excluded.total_minor,
        courier_minor = courier_minor + excluded.courier_minor;
END;

CREATE TRIGGER order_days_delete AFTER DELETE ON orders BEGIN
    UPDATE order_days SET orders = orders - 1, total_minor = total_minor - OLD.total_minor,
        courier_minor = courier_minor - OLD.courier_minor
    WHERE store_id = OLD.store_id AND day = OLD.placed_day AND currency = OLD.currency
      AND status = OLD.status;
END;

CREATE TRIGGER order_days_update AFTER UPDATE OF store_id, placed_day, currency, status, total_minor, courier_minor ON orders
WHEN OLD.store_id IS NOT NEW.store_id OR OLD.placed_day IS NOT NEW.placed_day
  OR OLD.currency IS NOT NEW.currency OR OLD.status IS NOT NEW.status
  OR OLD.total_minor IS NOT NEW.total_minor OR OLD.courier_minor IS NOT NEW.courier_minor
BEGIN
    UPDATE order_days SET orders = orders - 1, total_minor = total_minor - OLD.total_minor,
        courier_minor = courier_minor - OLD.courier_minor
    WHERE store_id = OLD.store_id AND day = OLD.placed_day AND currency = OLD.currency
      AND status = OLD.status;
    INSERT INTO order_days (store_id, day, currency, status, company_id, orders, total_minor, courier_minor)
    VALUES (NEW.store_id, NEW.placed_day, NEW.currency, NEW.status, NEW.company_id, 1, NEW.total_minor, NEW.courier_minor)
    ON CONFLICT (store_id, day, currency, status)
    DO UPDATE SET orders = orders + 1, total_minor = total_minor + excluded.total_minor,
        courier_minor = courier_minor + excluded.courier_minor;
END;
