-- Analyses: uploaded commissioning reports, their extraction, verdict and token charge.
-- JSON documents (extraction, outcome, usage) are TEXT written and read by the server.
CREATE TABLE analyses (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    -- The first version's id; re-analyses share it and count up `version`.
    lineage_id UUID NOT NULL,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    previous_id UUID REFERENCES analyses (id) ON DELETE SET NULL,
    filename TEXT NOT NULL,
    file_kind TEXT NOT NULL CHECK (file_kind IN ('pdf', 'png', 'jpeg')),
    file_bytes BIGINT NOT NULL CHECK (file_bytes > 0),
    file_sha256 TEXT NOT NULL,
    source_key TEXT NOT NULL,
    pages INTEGER NOT NULL DEFAULT 1,
    test_type TEXT NOT NULL CHECK (test_type IN ('grounding', 'insulation', 'thermography')),
    standard TEXT NOT NULL,
    -- The limits in force when it was created (JSON of rules::Thresholds).
    thresholds TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
    estimate BIGINT NOT NULL CHECK (estimate > 0),
    hold_id UUID,
    tokens_charged BIGINT NOT NULL DEFAULT 0,
    provider TEXT,
    model TEXT,
    usage TEXT,
    provider_cost_micros BIGINT,
    verdict TEXT CHECK (verdict IN ('REJECTED', 'APPROVED_WITH_COMMENTS', 'APPROVED')),
    score INTEGER,
    confidence DOUBLE PRECISION,
    requires_review BOOLEAN NOT NULL DEFAULT FALSE,
    extraction TEXT,
    outcome TEXT,
    raw_reply TEXT,
    error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    processing_ms BIGINT
);
CREATE INDEX analyses_company_created ON analyses (company_id, created_at);
CREATE INDEX analyses_company_creator ON analyses (company_id, created_by, created_at);
CREATE INDEX analyses_company_status ON analyses (company_id, status);
CREATE INDEX analyses_lineage ON analyses (lineage_id, version);

-- A reviewer's corrections of extracted fields (the rules re-run after each).
CREATE TABLE analysis_corrections (
    id UUID PRIMARY KEY,
    analysis_id UUID NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    user_id UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX analysis_corrections_analysis ON analysis_corrections (analysis_id, created_at);

-- A company's own AI provider keys (Settings → Integrations), sealed with APP_SECRET_KEY.
CREATE TABLE company_ai_keys (
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('anthropic', 'openai')),
    sealed_key TEXT NOT NULL,
    key_hint TEXT NOT NULL,
    model TEXT NOT NULL,
    updated_by UUID REFERENCES users (id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, provider)
);

-- A company's own analysis limits (JSON of overrides; NULL: the standard's).
ALTER TABLE companies ADD COLUMN analysis_limits TEXT;
