//! Campaigns (Meta and TikTok ad accounts): so far the figures of the campaign list
//! (`metrics`). The accounts, their sync, the controls, the alert rules and the AI insights
//! come next; nothing of this area is routed or shown yet.

pub mod metrics;
