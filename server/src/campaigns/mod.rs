//! Campaigns (DESIGN §2 Campaigns): Meta and TikTok ad accounts, their campaigns and daily
//! figures, and the campaign list's arithmetic. So far:
//!
//! - `metrics`: CTR, CPC, CPA, ROAS and budget pacing, never added across platforms or
//!   currencies;
//! - `platform`, `meta_api` and `tiktok_api`: the platforms' Marketing and Business APIs in one
//!   shape, rate limits honoured;
//! - `connections`: a person's OAuth consent turned into a sealed token and the ad accounts
//!   it reaches, chosen for import;
//! - `sync` and `jobs`: an account's campaigns and days upserted every ADS_SYNC_MINUTES and on
//!   demand;
//! - `controls`: pause, resume and daily budget changes, a large rise waiting for an approver,
//!   each written to the platform once and audited;
//! - `rules`: alert rules (AND/OR conditions over a window; notify, pause or cut the budget;
//!   rollback unless kept; cooldown; dry run), evaluated every 15 minutes;
//! - `repo`: the area's SQL.
//!
//! - `insights`: AI suggestions per campaign (a provider, or honest local rules), applied
//!   through the controls or dismissed with a reason;
//! - `overview`: what the pages read (a period's figures per campaign and per platform and
//!   currency, today's pacing);
//! - `webhook` and `http`: Meta's webhook, which queues an account's sync, and the consent's
//!   two routes (leaving for the platform, coming back).
//!
//! The pages are in `app` (Settings → Ad accounts, /campaigns and its tabs).

/// The campaigns area's routes and what they need.
pub const PAGES: &[crate::http::middleware::PageRule] = {
    use crate::{
        access::Permission,
        http::middleware::{PageNeeds, PageRule},
    };
    &[
        PageRule::new("/webhooks/meta", PageNeeds::Webhook),
        PageRule::new(
            "/campaigns",
            PageNeeds::Permission(Permission::CampaignsRead),
        ),
        PageRule::new(
            "/campaigns/*",
            PageNeeds::Permission(Permission::CampaignsRead),
        ),
        PageRule::new(
            "/campaigns/approvals",
            PageNeeds::Permission(Permission::CampaignsApprove),
        ),
        // Form endpoints: they check campaigns.manage themselves and answer with a message.
        PageRule::new("/campaigns/connect/*", PageNeeds::NotAPage),
        PageRule::new(
            "/settings/ad-accounts",
            PageNeeds::Permission(Permission::CampaignsManage),
        ),
    ]
};

pub mod config;
pub mod connections;
pub mod controls;
pub mod http;
pub mod insights;
pub mod jobs;
pub mod meta_api;
pub mod metrics;
pub mod overview;
pub mod platform;
pub mod repo;
pub mod rules;
pub mod sync;
pub mod tiktok_api;
pub mod webhook;

/// Records what a person did in the area inside the caller's transaction.
pub(crate) async fn audited(
    tx: &mut crate::db::Tx,
    meta: &crate::audit::RequestMeta,
    p: &crate::access::Principal,
    action: crate::audit::Action,
    target: Option<String>,
    details: serde_json::Value,
) -> crate::Result<()> {
    crate::audit::record(
        tx,
        meta,
        crate::audit::Entry {
            company_id: Some(p.company_id),
            actor_id: Some(p.user_id),
            action,
            target,
            details,
        },
    )
    .await
}
