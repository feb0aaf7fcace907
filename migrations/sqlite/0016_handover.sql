-- The daily handover of parcels to the courier. A day is the company's local date; it closes at
-- the account's set time (or earlier, by hand). AWBs scanned or ticked carry the day they were
-- handed over in; those still waiting when a day closes are kept as that day's misses.

ALTER TABLE courier_accounts ADD COLUMN handover_close TEXT NOT NULL DEFAULT '20:00';

ALTER TABLE awbs ADD COLUMN handed_over_at TEXT;
ALTER TABLE awbs ADD COLUMN handed_over_by BLOB REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE awbs ADD COLUMN handover_day TEXT;
CREATE INDEX awbs_number ON awbs (company_id, number);
CREATE INDEX awbs_handover_day ON awbs (company_id, handover_day);
CREATE INDEX awbs_waiting ON awbs (company_id, created_at) WHERE state = 'active' AND handed_over_at IS NULL;

-- A closed day: who closed it (NULL: closed at the set time) and its counts at closing.
CREATE TABLE courier_handovers (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    closed_at TEXT NOT NULL,
    closed_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    handed_over BIGINT NOT NULL,
    missed BIGINT NOT NULL,
    UNIQUE (company_id, day)
);

-- The AWBs a closed day left behind (not handed over when it closed).
CREATE TABLE courier_handover_misses (
    handover_id BLOB NOT NULL REFERENCES courier_handovers (id) ON DELETE CASCADE,
    awb_id BLOB NOT NULL REFERENCES awbs (id) ON DELETE CASCADE,
    PRIMARY KEY (handover_id, awb_id)
);
CREATE INDEX courier_handover_misses_awb ON courier_handover_misses (awb_id);
