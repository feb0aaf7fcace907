-- Wrong codes at the sign-in code step, counted per account across pending sign-ins (a new
-- password sign-in does not renew the budget): from the fifth in a row the account's code step
-- is locked for a growing time, and the owner is mailed.
ALTER TABLE users ADD COLUMN totp_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_locked_until TEXT;
