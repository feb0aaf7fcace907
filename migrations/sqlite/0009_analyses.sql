-- Analyses: uploaded commissioning reports, their extraction, verdict and token charge.
-- JSON documents (extraction, outcome, usage) are TEXT written and read by the server.
CREATE TABLE analyses (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    -- The first version's id; re-analyses share it and count up `version`.
    lineage_id BLOB NOT NULL,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    previous_id BLOB REFERENCES analyses (id) ON DELETE SET NULL,
    filename TEXT NOT NULL,
    file_kind TEXT NOT NULL CHECK (file_kind IN ('pdf', 'png', 'jpeg')),
    file_bytes INTEGER NOT NULL CHECK (file_bytes > 0),
    file_sha256 TEXT NOT NULL,
    source_key TEXT NOT NULL,
    pages INTEGER NOT NULL DEFAULT 1,
    test_type TEXT NOT NULL CHECK (test_type IN ('grounding', 'insulation', 'thermography')),
    standard TEXT NOT NULL,
    -- The limits in force when it was created (JSON of rules::Thresholds).
    thresholds TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
    estimate INTEGER NOT NULL CHECK (estimate > 0),
    hold_id BLOB,
    tokens_charged INTEGER NOT NULL DEFAULT 0,
    provider TEXT,
    model TEXT,
    usage TEXT,
    provider_cost_micros INTEGER,
    verdict TEXT CHECK (verdict IN ('REJECTED', 'APPROVED_WITH_COMMENTS', 'APPROVED')),
    score INTEGER,
    confidence REAL,
    requires_review INTEGER NOT NULL DEFAULT 0,
    extraction TEXT,
    outcome TEXT,
    raw_reply TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    processing_ms INTEGER
);
CREATE INDEX analyses_company_created ON analyses (company_id, created_at);
CREATE INDEX analyses_company_creator ON analyses (company_id, created_by, created_at);
CREATE INDEX analyses_company_status ON analyses (company_id, status);
CREATE INDEX analyses_lineage ON analyses (lineage_id, version);

-- A reviewer's corrections of extracted fields (the rules re-run after each).
CREATE TABLE analysis_corrections (
    id BLOB PRIMARY KEY,
    analysis_id BLOB NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    user_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX analysis_corrections_analysis ON analysis_corrections (analysis_id, created_at);

-- A company's own AI provider keys (Settings → Integrations), sealed with APP_SECRET_KEY.
CREATE TABLE company_ai_keys (
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('anthropic', 'openai')),
    sealed_key TEXT NOT NULL,
    key_hint TEXT NOT NULL,
    model TEXT NOT NULL,
    updated_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (company_id, provider)
);

-- A company's own analysis limits (JSON of overrides; NULL: the standard's).
ALTER TABLE companies ADD COLUMN analysis_limits TEXT;
