-- Alert rules on campaigns: conditions over a window of days combined with AND/OR, an action
-- (notify, pause, cut the budget by a percentage) and an automatic rollback after some hours
-- unless a person keeps it; each firing once per rule, campaign and evaluation window, with a
-- cooldown. People reached per day, for the frequency condition.

ALTER TABLE ad_campaign_days ADD COLUMN reach BIGINT NOT NULL DEFAULT 0;

-- Who or what asked for a change.
ALTER TABLE ad_changes ADD COLUMN source TEXT NOT NULL DEFAULT 'person'
    CHECK (source IN ('person', 'rule', 'rollback', 'insight'));

CREATE TABLE ad_rules (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    -- 'all' (AND) or 'any' (OR) of the conditions.
    combine TEXT NOT NULL CHECK (combine IN ('all', 'any')),
    -- JSON array of {metric, op, value, days}.
    conditions TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('notify', 'pause', 'reduce_budget')),
    reduce_percent BIGINT,
    -- Undo the action after this many hours unless a person kept it (none: never).
    rollback_hours BIGINT,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ad_rules_company ON ad_rules (company_id);

CREATE TABLE ad_rule_firings (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    rule_id UUID NOT NULL REFERENCES ad_rules (id) ON DELETE CASCADE,
    campaign_id UUID NOT NULL REFERENCES ad_campaigns (id) ON DELETE CASCADE,
    -- The evaluation window (its start): a rule fires once per campaign per window.
    window_start TIMESTAMPTZ NOT NULL,
    fired_at TIMESTAMPTZ NOT NULL,
    -- What held, in words ("CPA 3 days 62.10 RON > 50.00 RON").
    summary TEXT NOT NULL,
    action TEXT NOT NULL,
    change_id UUID REFERENCES ad_changes (id) ON DELETE SET NULL,
    -- The action's state: done, failed (the platform's words in `note`), skipped.
    outcome TEXT NOT NULL,
    note TEXT,
    rollback_due_at TIMESTAMPTZ,
    kept_by UUID REFERENCES users (id) ON DELETE SET NULL,
    kept_at TIMESTAMPTZ,
    rolled_back_at TIMESTAMPTZ,
    rollback_change_id UUID REFERENCES ad_changes (id) ON DELETE SET NULL,
    rollback_note TEXT,
    UNIQUE (rule_id, campaign_id, window_start)
);
CREATE INDEX ad_rule_firings_due ON ad_rule_firings (rollback_due_at) WHERE rolled_back_at IS NULL AND kept_at IS NULL;
CREATE INDEX ad_rule_firings_campaign ON ad_rule_firings (campaign_id, fired_at);
CREATE INDEX ad_rule_firings_rule ON ad_rule_firings (rule_id, campaign_id, fired_at);
