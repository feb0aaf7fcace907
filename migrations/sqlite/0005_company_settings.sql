-- Company profile settings beyond name, time zone and currency.
ALTER TABLE companies ADD COLUMN date_format TEXT NOT NULL DEFAULT 'DD/MM/YYYY';
ALTER TABLE companies ADD COLUMN analysis_standard TEXT NOT NULL DEFAULT 'NETA';
