//! /settings/ad-accounts — Meta and TikTok ad accounts (campaigns.manage): connect through the
//! platform's consent page (a plain form button, so it works before hydration), choose which
//! accounts to import, follow their sync, sync again, disconnect.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsHeader;
use crate::api::campaigns::*;
use crate::components::ui::{
    refresh_while, Alert, Card, Confirm, EmptyState, LastSaid, Loaded, Tone, BUTTON, BUTTON_DANGER,
    BUTTON_QUIET, BUTTON_SECONDARY,
};

/// How often the hydrated page looks at a sync under way.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

#[component]
pub fn AdAccountsPage() -> impl IntoView {
    let import = ServerAction::<SetAdAccountImport>::new();
    let sync = ServerAction::<SyncAdAccount>::new();
    let disconnect = ServerAction::<DisconnectAdConnection>::new();
    let (tick, set_tick) = signal(0u32);
    let page = Resource::new(
        move || {
            (
                import.version().get(),
                sync.version().get(),
                disconnect.version().get(),
                tick.get(),
            )
        },
        |_| get_ad_accounts(),
    );
    refresh_while(
        FOLLOW_EVERY,
        move || {
            page.get_untracked()
                .and_then(|r| r.ok())
                .is_some_and(|p| p.any_syncing)
        },
        set_tick,
    );
    let flash =
        Resource::new_blocking(|| (), |_| crate::api::take_form_flash("ad-accounts".into()));
    let answers = vec![
        (import.version(), import.value().into()),
        (sync.version(), sync.value().into()),
        (disconnect.version(), disconnect.value().into()),
    ];
    view! {
        <Title text="Ad accounts · Settings · Switchyard"/>
        <SettingsHeader title="Settings" text="The Meta and TikTok ad accounts whose campaigns Switchyard reads and controls."/>
        <Suspense>
            {move || Suspend::new(async move {
                let f = flash.await.ok().flatten().unwrap_or_default();
                (!f.message.is_empty()).then(|| {
                    let tone = if f.values.contains_key("ok") { Tone::Success } else { Tone::Error };
                    view! { <div class="mb-4" data-testid="ads-flash"><Alert tone>{f.message.clone()}</Alert></div> }
                })
            })}
        </Suspense>
        <LastSaid answers/>
        <Loaded resource=page render=move |p: AdAccountsPage| {
            let connect = view! {
                <Card title="Connect an ad account">
                    <p class="mb-4 text-sm text-slate-600 dark:text-slate-400">
                        "You give consent on the platform's own page; Switchyard keeps the token sealed and shows only its last characters. Meta asks for ads_management, ads_read and business_management; TikTok for access to the advertisers you choose."
                    </p>
                    <div class="flex flex-wrap gap-3">
                        <PlatformButton code="meta" label="Connect Meta" ready=p.meta_ready/>
                        <PlatformButton code="tiktok" label="Connect TikTok" ready=p.tiktok_ready/>
                    </div>
                </Card>
            };
            let list = if p.connections.is_empty() {
                view! { <Card title="Connected accounts"><EmptyState title="No ad account yet" text="Connect Meta or TikTok above, then choose which of their ad accounts to import."/></Card> }.into_any()
            } else {
                p.connections.into_iter().map(|c| view! { <ConnectionCard c import sync disconnect/> }).collect_view().into_any()
            };
            view! {
                <div class="space-y-6">
                    {connect}
                    {list}
                </div>
            }
        }/>
    }
}

/// A platform's connect button: a form that posts to the connect route.
#[component]
fn PlatformButton(code: &'static str, label: &'static str, ready: bool) -> impl IntoView {
    if !ready {
        return view! {
            <div class="rounded-lg border border-dashed border-slate-300 px-3 py-2 text-sm text-slate-500 dark:border-slate-700">
                {format!("{label}: not set up on this installation (its administrator sets the app id and secret).")}
            </div>
        }
        .into_any();
    }
    view! {
        <form method="post" action=format!("/campaigns/connect/{code}")>
            <button type="submit" class=BUTTON>{label}</button>
        </form>
    }
    .into_any()
}

#[component]
fn ConnectionCard(
    c: AdConnectionView,
    import: ServerAction<SetAdAccountImport>,
    sync: ServerAction<SyncAdAccount>,
    disconnect: ServerAction<DisconnectAdConnection>,
) -> impl IntoView {
    let title = format!("{} · {}", c.platform, c.name);
    let platform = c.platform.clone();
    let reconnect = c.reconnect.then(move || {
        let code = platform.to_ascii_lowercase();
        view! {
            <div class="mb-4" data-testid="reconnect">
                <Alert tone=Tone::Info>
                    {format!("{platform} no longer accepts this connection (the consent expired or was withdrawn). Connect again to resume syncing; your import choices are kept.")}
                    <form method="post" action=format!("/campaigns/connect/{code}") class="mt-2">
                        <button type="submit" class=BUTTON_SECONDARY>"Connect again"</button>
                    </form>
                </Alert>
            </div>
        }
    });
    let rows = c
        .accounts
        .into_iter()
        .map(|a| {
            let (id, id2) = (a.id.clone(), a.id.clone());
            let toggle_label = format!(
                "{} {}",
                if a.imported { "Stop importing" } else { "Import" },
                a.name
            );
            let sync_label = format!("Sync {} now", a.name);
            let error = a.sync_error.clone().map(|e| {
                view! { <p class="mt-1 text-xs text-red-700 dark:text-red-300">{format!("Last sync failed: {e}")}</p> }
            });
            let imported = a.imported;
            view! {
                <li class="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="ad-account">
                    <div>
                        <p class="text-sm font-medium text-slate-900 dark:text-white">{a.name.clone()}</p>
                        <p class="text-xs text-slate-500">{format!("{} · {} · {}", a.external_id, a.currency, a.time_zone)}</p>
                        <p class="mt-1 text-xs text-slate-600 dark:text-slate-400" data-testid="sync-state">{a.sync.clone()}</p>
                        {error}
                    </div>
                    <div class="flex items-center gap-2">
                        {imported.then(|| view! {
                            <ActionForm action=sync>
                                <input type="hidden" name="account_id" value=id2/>
                                <button type="submit" class=BUTTON_QUIET aria-label=sync_label disabled=a.syncing>"Sync now"</button>
                            </ActionForm>
                        })}
                        <ActionForm action=import>
                            <input type="hidden" name="account_id" value=id/>
                            <input type="hidden" name="imported" value=if imported { "false" } else { "true" }/>
                            <button type="submit" aria-label=toggle_label aria-pressed=if imported { "true" } else { "false" }
                                class=if imported { BUTTON_QUIET } else { BUTTON }>
                                {if imported { "Stop importing" } else { "Import" }}
                            </button>
                        </ActionForm>
                    </div>
                </li>
            }
        })
        .collect_view();
    let aria = format!("Disconnect {}", c.name);
    let question = format!(
        "Disconnect {}? The consent is withdrawn on {} and its accounts' campaigns and figures are deleted here.",
        c.name, c.platform
    );
    let id = c.id.clone();
    view! {
        <Card title=title>
            {reconnect}
            <ul class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</ul>
            <div class="mt-4 flex justify-end border-t border-slate-100 pt-4 dark:border-slate-800">
                <Confirm label="Disconnect" aria_label=aria.clone() question>
                    <ActionForm action=disconnect>
                        <input type="hidden" name="connection_id" value=id/>
                        <button type="submit" class=BUTTON_DANGER aria-label=aria>"Disconnect"</button>
                    </ActionForm>
                </Confirm>
            </div>
        </Card>
    }
}
