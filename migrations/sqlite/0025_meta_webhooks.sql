-- Meta's webhook deliveries already acted on, by ad account and the entry's time: a redelivery
-- queues nothing more.
CREATE TABLE ad_webhook_events (
    account_external_id TEXT NOT NULL,
    event_time BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (account_external_id, event_time)
);
