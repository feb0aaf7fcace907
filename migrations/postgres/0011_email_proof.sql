-- Proof of the mailbox. An account made from an invitation or by sign-up with a password has
-- not shown that it can read its email; until it does (the link mailed to it, or a password
-- reset), it cannot join other companies, and a reset ends the sign-in methods (Google links,
-- authenticator app) that were added before the proof. Accounts made before this change count
-- as proved when they were made.
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN totp_enabled_at TIMESTAMPTZ;
-- When the last link was mailed: claimed by one conditional UPDATE, so a double click mails once.
ALTER TABLE users ADD COLUMN email_proof_sent_at TIMESTAMPTZ;
-- The same claim for reset links (one per address per 15 minutes, a double click included).
ALTER TABLE users ADD COLUMN reset_mailed_at TIMESTAMPTZ;
UPDATE users SET email_verified_at = created_at;
UPDATE users SET totp_enabled_at = created_at WHERE totp_secret IS NOT NULL;

CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX email_verifications_user ON email_verifications (user_id);
