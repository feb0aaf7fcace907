//! What the campaign pages read, on both databases: a period's totals per campaign and per
//! platform and currency, each day of the period (days without figures count as nothing),
//! today's pacing in the account's own day, filters, chosen dates refused at their field, and
//! nothing of another company or for a member without campaigns.read.

use crate::ads::*;
use server::{
    campaigns::{
        metrics::{PaceState, Platform, Totals},
        overview::{self, Filter, Period},
    },
    Error,
};

fn december() -> Period {
    overview::period("custom", "2026-12-01", "2026-12-03", d("2026-12-03")).unwrap()
}

fn totals(spend: i64, impressions: i64, clicks: i64, conversions: i64, value: i64) -> Totals {
    Totals {
        spend_minor: spend,
        impressions,
        clicks,
        conversions,
        purchase_value_minor: value,
    }
}

#[tokio::test]
async fn a_period_per_campaign_and_per_platform_with_todays_pacing() {
    let s = setup().await;
    let (_, campaign) = s.synced_meta().await;
    // Noon UTC is 14:00 in Bucharest, the account's zone: 7/12 of its day has gone by.
    let now = at("2026-12-03T12:00:00Z");
    let o = overview::overview(s.db(), &s.owner, december(), &Filter::default(), now)
        .await
        .unwrap();
    assert!(o.any_campaign);
    let names: Vec<&str> = o.lines.iter().map(|l| l.campaign.name.as_str()).collect();
    // An archived campaign without figures is listed too, at nothing.
    assert_eq!(names, ["Old launch", "Retargeting", "Winter sale"]);
    assert_eq!(o.lines[0].totals, Totals::default());
    // The fixtures' days: 142.37 + 150.00 (150.004 rounded) + 61.00 spent; 1,045.50 + 612.00 +
    // 244.00 in omni purchases.
    let winter = &o.lines[2];
    assert_eq!(winter.campaign.id, campaign);
    assert_eq!(winter.totals, totals(35_337, 45_261, 983, 14, 190_150));
    assert_eq!(winter.spend_today_minor, 6_100);
    let pacing = winter.pacing.unwrap();
    assert_eq!(pacing.expected_minor, 8_750, "150.00 × 14/24");
    assert_eq!(pacing.state, PaceState::Under);
    // The paused campaign on a lifetime budget has no pacing.
    let retargeting = &o.lines[1];
    assert_eq!(retargeting.totals, totals(3_510, 4_000, 0, 0, 0));
    assert_eq!(retargeting.pacing, None);

    // One platform in one currency, every day of the period.
    assert_eq!(o.groups.len(), 1);
    let g = &o.groups[0];
    assert_eq!(
        (g.platform, g.currency.as_str(), g.campaigns),
        (Platform::Meta, "RON", 3)
    );
    assert_eq!(g.totals, totals(38_847, 49_261, 983, 14, 190_150));
    assert_eq!(
        g.days,
        [
            (d("2026-12-01"), 17_747, 104_550),
            (d("2026-12-02"), 15_000, 61_200),
            (d("2026-12-03"), 6_100, 24_400),
        ]
    );

    // A longer period: the days before the first figure are there, worth nothing.
    let week = overview::period("7", "", "", d("2026-12-03")).unwrap();
    let o = overview::overview(s.db(), &s.owner, week, &Filter::default(), now)
        .await
        .unwrap();
    assert_eq!(o.groups[0].days.len(), 7);
    assert_eq!(o.groups[0].days[0], (d("2026-11-27"), 0, 0));
    assert_eq!(o.groups[0].totals.spend_minor, 38_847);

    // Filters narrow the campaigns and the totals with them.
    let only = |platform: &str, status: &str, search: &str| Filter {
        platform: platform.into(),
        status: status.into(),
        search: search.into(),
    };
    let paused = overview::overview(s.db(), &s.owner, december(), &only("", "PAUSED", ""), now)
        .await
        .unwrap();
    assert_eq!(
        paused.lines.len(),
        1,
        "the paused one, not the archived one"
    );
    assert_eq!(paused.groups[0].totals.spend_minor, 3_510);
    let winter_only = overview::overview(
        s.db(),
        &s.owner,
        december(),
        &only("meta", "", " WINTER "),
        now,
    )
    .await
    .unwrap();
    assert_eq!(winter_only.lines.len(), 1);
    let tiktok = overview::overview(s.db(), &s.owner, december(), &only("tiktok", "", ""), now)
        .await
        .unwrap();
    assert!(tiktok.lines.is_empty() && tiktok.groups.is_empty() && tiktok.any_campaign);

    // One campaign: every day of the period, its line as in the list.
    let detail = overview::campaign(s.db(), &s.owner, campaign, december(), now)
        .await
        .unwrap();
    assert_eq!(detail.days.len(), 3);
    assert_eq!(detail.days[2].1, totals(6_100, 7_000, 150, 2, 24_400));
    assert_eq!(detail.line.totals.spend_minor, 35_337);
    assert_eq!(detail.line.pacing, winter.pacing);
}

#[tokio::test]
async fn another_company_and_a_member_without_campaigns_read_see_nothing() {
    let s = setup().await;
    let (_, campaign) = s.synced_meta().await;
    let now = at("2026-12-03T12:00:00Z");
    let rival = s.app.sign_up("Rival SRL", "Rita", "rita@example.com").await;
    let theirs = overview::overview(s.db(), &rival, december(), &Filter::default(), now)
        .await
        .unwrap();
    assert!(theirs.lines.is_empty() && theirs.groups.is_empty() && !theirs.any_campaign);
    assert!(matches!(
        overview::campaign(s.db(), &rival, campaign, december(), now).await,
        Err(Error::NotFound)
    ));
    let operator = s
        .app
        .add_member(&s.owner, "otto@example.com", "operator", vec![])
        .await;
    assert!(matches!(
        overview::overview(s.db(), &operator, december(), &Filter::default(), now).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        overview::campaign(s.db(), &operator, campaign, december(), now).await,
        Err(Error::Forbidden)
    ));
    // Another company cannot touch our account's import; ours stops importing it.
    let account = s.account(ACCOUNT).await;
    assert!(matches!(
        server::campaigns::connections::set_import(s.db(), &rival, &meta(), account.id, false)
            .await,
        Err(Error::NotFound)
    ));
    assert_eq!(
        server::campaigns::connections::set_import(s.db(), &s.owner, &meta(), account.id, false)
            .await
            .unwrap(),
        account.name
    );
    assert!(!s.account(ACCOUNT).await.imported);
    // A campaign no longer imported is not shown.
    server::campaigns::connections::choose_imports(s.db(), &s.owner, &meta(), &[])
        .await
        .unwrap();
    assert!(
        overview::overview(s.db(), &s.owner, december(), &Filter::default(), now)
            .await
            .unwrap()
            .lines
            .is_empty()
    );
    assert!(matches!(
        overview::campaign(s.db(), &s.owner, campaign, december(), now).await,
        Err(Error::NotFound)
    ));
}
