-- Accounts at OpenID Connect providers (Google), linked on issuer + subject, never on email.
CREATE TABLE user_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    PRIMARY KEY (issuer, subject)
);
-- One account per provider and user.
CREATE UNIQUE INDEX user_identities_user ON user_identities (user_id, issuer);
