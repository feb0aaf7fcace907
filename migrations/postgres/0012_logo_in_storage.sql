-- The company's logo moves into the object storage (a local folder or an S3 bucket), as every
-- other file does: companies.logo_key names the object. A logo stored in companies.logo before
-- this change is moved there the first time it is read, and the column emptied.
ALTER TABLE companies ADD COLUMN logo_key TEXT;
