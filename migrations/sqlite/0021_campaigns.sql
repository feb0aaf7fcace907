-- Campaigns: a company's connections to its ad platforms (one person's OAuth consent, the token
-- sealed), the ad accounts imported through them, their campaigns and one row of figures per
-- campaign per day.

CREATE TABLE ad_connections (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    platform TEXT NOT NULL CHECK (platform IN ('meta', 'tiktok')),
    -- Who consented, as the platform knows them (Meta's user id; TikTok's app authorisation).
    external_user TEXT NOT NULL,
    display_name TEXT NOT NULL,
    -- The access token, sealed with APP_SECRET_KEY; what may be shown of it.
    sealed_token TEXT NOT NULL,
    token_hint TEXT NOT NULL,
    -- None: the token does not expire (TikTok's long-term tokens).
    token_expires_at TEXT,
    -- 'reconnect': the platform refused the token; nothing syncs until someone connects again.
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'reconnect')),
    status_reason TEXT,
    connected_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    connected_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (company_id, platform, external_user)
);

CREATE TABLE ad_accounts (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    connection_id BLOB NOT NULL REFERENCES ad_connections (id) ON DELETE CASCADE,
    platform TEXT NOT NULL CHECK (platform IN ('meta', 'tiktok')),
    -- The platform's id (Meta: act_<digits>; TikTok: the advertiser id).
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    currency TEXT NOT NULL,
    -- An IANA time zone: the account's days are counted in it.
    time_zone TEXT NOT NULL,
    -- Chosen for import: only imported accounts are synced and shown.
    imported INTEGER NOT NULL DEFAULT 0,
    -- The store whose sales this account's ads bring (dashboards' per-store profit).
    store_id BLOB REFERENCES stores (id) ON DELETE SET NULL,
    -- Sync: the pass under way (queued or running, since when, campaign-days written so
    -- far), how the last pass ended, and the first day the account's figures were read from.
    sync_state TEXT CHECK (sync_state IN ('queued', 'running')),
    sync_state_at TEXT,
    sync_done BIGINT NOT NULL DEFAULT 0,
    synced_at TEXT,
    sync_finished_at TEXT,
    sync_error TEXT,
    metrics_from TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (company_id, platform, external_id)
);
CREATE INDEX ad_accounts_connection ON ad_accounts (connection_id);

CREATE TABLE ad_campaigns (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    account_id BLOB NOT NULL REFERENCES ad_accounts (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    -- Unified: ACTIVE, PAUSED, ARCHIVED, DELETED.
    status TEXT NOT NULL,
    objective TEXT,
    -- Budgets in minor units of the account's currency; none when the campaign has none of
    -- that kind (its ad sets carry them, or it runs on a lifetime budget).
    daily_budget_minor BIGINT,
    lifetime_budget_minor BIGINT,
    platform_updated_at TEXT,
    synced_at TEXT NOT NULL,
    -- Raised by every change written here (sync or control): two people changing one
    -- budget at once, the second finds it moved.
    version BIGINT NOT NULL DEFAULT 0,
    UNIQUE (account_id, external_id)
);
CREATE INDEX ad_campaigns_company ON ad_campaigns (company_id);

-- One row per campaign per day of the account's time zone; money in the account's currency.
CREATE TABLE ad_campaign_days (
    campaign_id BLOB NOT NULL REFERENCES ad_campaigns (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    company_id BLOB NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    spend_minor BIGINT NOT NULL,
    impressions BIGINT NOT NULL,
    clicks BIGINT NOT NULL,
    conversions BIGINT NOT NULL,
    purchase_value_minor BIGINT NOT NULL,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, day)
);
CREATE INDEX ad_campaign_days_company_day ON ad_campaign_days (company_id, day);
