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
//! The AI insights and the pages come next; nothing of this area is routed or shown yet.

pub mod config;
pub mod connections;
pub mod controls;
pub mod insights;
pub mod jobs;
pub mod meta_api;
pub mod metrics;
pub mod platform;
pub mod repo;
pub mod rules;
pub mod sync;
pub mod tiktok_api;
