-- AI insights on campaigns: runs (daily at the company's time, or asked for), each holding and
-- settling tokens like an analysis, and their suggestions, which a person applies (through the
-- controls) or dismisses with a reason, and which expire after seven days.

CREATE TABLE ad_insight_settings (
    company_id BLOB PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    -- Local time of the daily run, "HH:MM" in the company's time zone; none: no daily run.
    daily_at TEXT,
    -- The ROAS the company aims for (the local analyser's yardstick), in hundredths.
    target_roas_centi BIGINT NOT NULL DEFAULT 200,
    updated_at TEXT NOT NULL
);

CREATE TABLE ad_insight_runs (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    -- 'daily' or 'asked'; a daily run happens once per local day.
    trigger TEXT NOT NULL CHECK (trigger IN ('daily', 'asked')),
    day TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    provider TEXT,
    hold_id BLOB,
    tokens_charged BIGINT NOT NULL DEFAULT 0,
    suggestions BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    requested_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE UNIQUE INDEX ad_insight_runs_daily ON ad_insight_runs (company_id, day) WHERE trigger = 'daily';
CREATE UNIQUE INDEX ad_insight_runs_one_open ON ad_insight_runs (company_id) WHERE state IN ('queued', 'running');

CREATE TABLE ad_insights (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    run_id BLOB NOT NULL REFERENCES ad_insight_runs (id) ON DELETE CASCADE,
    campaign_id BLOB NOT NULL REFERENCES ad_campaigns (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('budget', 'status', 'bid')),
    title TEXT NOT NULL,
    reasoning TEXT NOT NULL,
    current_value TEXT NOT NULL,
    suggested_value TEXT NOT NULL,
    -- What applying writes: a daily budget (minor units) or a status (ACTIVE, PAUSED).
    suggested_budget_minor BIGINT,
    suggested_status TEXT,
    confidence BIGINT NOT NULL CHECK (confidence BETWEEN 0 AND 100),
    impact TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'dismissed', 'expired')),
    decided_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    decided_at TEXT,
    dismiss_reason TEXT,
    change_id BLOB REFERENCES ad_changes (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX ad_insights_company_status ON ad_insights (company_id, status, created_at);
CREATE INDEX ad_insights_campaign ON ad_insights (campaign_id, created_at);
