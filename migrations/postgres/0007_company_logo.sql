-- The company's logo (PNG or JPG up to 5 MB), used on PDF reports and in the app.
ALTER TABLE companies ADD COLUMN logo BYTEA;
ALTER TABLE companies ADD COLUMN logo_type TEXT;
ALTER TABLE companies ADD COLUMN logo_updated_at TIMESTAMPTZ;
