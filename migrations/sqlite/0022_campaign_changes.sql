-- Campaign controls: every change of a campaign's status or daily budget, asked for by a
-- person (or, later, a rule or an insight), approved when it must be, written to the platform
-- once under its own request id, with the platform's answer.

CREATE TABLE ad_changes (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    campaign_id BLOB NOT NULL REFERENCES ad_campaigns (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('status', 'budget')),
    -- Status changes: ACTIVE or PAUSED; budget changes: daily budgets in minor units.
    old_status TEXT,
    new_status TEXT,
    old_budget_minor BIGINT,
    new_budget_minor BIGINT,
    -- The campaign's version the change was asked against.
    base_version BIGINT NOT NULL,
    -- pending: waits for an approver; rejected: refused (with a reason), may be resubmitted;
    -- applying: being written to the platform; applied; failed (the platform's answer).
    state TEXT NOT NULL CHECK (state IN ('pending', 'rejected', 'applying', 'applied', 'failed')),
    -- Why it needs approval (none: it did not).
    approval_reason TEXT,
    requested_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    requested_at TEXT NOT NULL,
    decided_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    decided_at TEXT,
    decision_reason TEXT,
    -- Sent with the write so that a retry is recognised as the same change.
    request_id TEXT NOT NULL UNIQUE,
    platform_answer TEXT,
    applied_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX ad_changes_company_state ON ad_changes (company_id, state);
CREATE INDEX ad_changes_campaign ON ad_changes (campaign_id, requested_at);
-- One write at a time per campaign.
CREATE UNIQUE INDEX ad_changes_one_applying ON ad_changes (campaign_id) WHERE state = 'applying';

-- The highest daily budget a campaign may get without an approver, per company and currency.
CREATE TABLE ad_budget_caps (
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    currency TEXT NOT NULL,
    cap_minor BIGINT NOT NULL CHECK (cap_minor > 0),
    PRIMARY KEY (company_id, currency)
);
