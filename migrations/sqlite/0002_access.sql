-- Access: custom roles, per-company member state, stores and per-store access, invitations,
-- and the mail outbox.

ALTER TABLE memberships ADD COLUMN disabled_at TEXT;

-- Custom roles an admin composes; built-in roles live in code (server::access) so every
-- installation agrees on them. `permissions` is a space-separated list of permission keys.
CREATE TABLE roles (
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    permissions TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (company_id, slug)
);

CREATE TABLE stores (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (company_id, name)
);

CREATE TABLE store_access (
    store_id BLOB NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    PRIMARY KEY (store_id, user_id)
);
CREATE INDEX store_access_member ON store_access (company_id, user_id);

CREATE TABLE invitations (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    store_ids TEXT NOT NULL DEFAULT '[]',
    token_hash TEXT NOT NULL UNIQUE,
    invited_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    accepted_at TEXT,
    revoked_at TEXT
);
-- One open invitation per email and company: a second one is a conflict.
CREATE UNIQUE INDEX invitations_open ON invitations (company_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Every message the app sends. Kept here first (in the transaction of the change that caused
-- it); delivered by SMTP when SMTP_URL is set, otherwise read by admins at Settings → Outbox.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BLOB REFERENCES companies (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_company_time ON outbox (company_id, created_at);

-- A platform operator can switch a company off without deleting it.
ALTER TABLE companies ADD COLUMN disabled_at TEXT;

-- The session's active company, so removing someone from one company ends exactly the
-- sessions working in it.
ALTER TABLE sessions ADD COLUMN company_id BLOB;
CREATE INDEX sessions_company_user ON sessions (company_id, user_id);
