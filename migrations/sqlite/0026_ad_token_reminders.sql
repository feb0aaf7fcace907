-- When the person who connected an ad account was reminded that its token expires (once per
-- token: connecting again clears it).
ALTER TABLE ad_connections ADD COLUMN expiry_reminded_at TEXT;
