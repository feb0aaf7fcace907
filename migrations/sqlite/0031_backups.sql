-- Backups of the whole database (platform::backups): one row per attempt. The file itself is
-- in object storage under `key`; `pruned_at` is set when retention removed it.
CREATE TABLE backups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    engine TEXT NOT NULL,              -- sqlite | postgres
    status TEXT NOT NULL,              -- running | done | failed
    bytes BIGINT,
    error TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    pruned_at TEXT
);
CREATE INDEX backups_started ON backups (started_at);
