//! /settings/outbox — every message the app sent or kept for this company.

use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsHeader;
use crate::api::team::{get_outbox, OutboxRow};
use crate::components::ui::{Badge, Card, EmptyState, Loaded};

#[component]
pub fn OutboxPage() -> impl IntoView {
    let items = Resource::new(|| (), |_| get_outbox());
    view! {
        <Title text="Outbox · Switchyard"/>
        <SettingsHeader title="Settings" text="Every message Switchyard sent for this company. Without SMTP configured they wait here for you to forward."/>
        <Loaded resource=items render={move |items: Vec<OutboxRow>| { if items.is_empty() {
                    view! { <EmptyState title="No messages yet" text="Invitations and other mail will appear here."/> }.into_any()
                } else { view! {
                        <div class="space-y-4">
                            {items.into_iter().map(|m| view! {
                                <Card>
                                    <article data-testid="outbox-message">
                                        <div class="flex flex-wrap items-center justify-between gap-2">
                                            <h2 class="section-title">{m.subject.clone()}</h2>
                                            {if m.delivered { view! { <Badge text="Delivered"/> }.into_any() } else { view! { <Badge text=m.pending.clone() warn=true/> }.into_any() }}
                                        </div>
                                        <p class="mt-1 text-xs text-slate-500">{format!("To {} · {} · {}", m.to, m.kind, m.created)}</p>
                                        <pre class="mt-3 whitespace-pre-wrap break-words font-sans text-sm text-slate-700 dark:text-slate-300">{m.body.clone()}</pre>
                                    </article>
                                </Card>
                            }).collect_view()}
                        </div>
                    }.into_any()
                } }}/>
    }
}
