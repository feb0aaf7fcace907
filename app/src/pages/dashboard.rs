//! / — the dashboard: a greeting and the figures that exist so far.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::dashboard::{get_dashboard, Dashboard};
use crate::components::ui::{Alert, Badge, Card, EmptyState, Stat, Tone};

fn action_label(action: &str) -> &'static str {
    match action {
        "LOGIN" => "Signed in",
        "LOGIN_FAILED" => "Failed sign-in",
        "LOGOUT" => "Signed out",
        "COMPANY_CREATED" => "Created the company",
        "USER_INVITED" => "Invited a member",
        "INVITATION_ACCEPTED" => "Joined the company",
        "INVITATION_REVOKED" => "Revoked an invitation",
        "INVITATION_RESENT" => "Resent an invitation",
        "ROLE_CHANGED" => "Changed a role",
        "USER_DELETED" => "Removed a member",
        "USER_DISABLED" => "Disabled a member",
        "USER_ENABLED" => "Enabled a member",
        "STORE_CREATED" => "Added a store",
        "STORE_DELETED" => "Deleted a store",
        "STORE_ACCESS_CHANGED" => "Changed store access",
        "STORE_CONNECTED" => "Connected a store",
        "STORE_DISCONNECTED" => "Disconnected a store",
        "ORDERS_SYNC_REQUESTED" => "Asked for an orders sync",
        "ORDERS_IMPORTED" => "Imported orders from a file",
        "ORDER_EDITED" => "Edited an order's customer and address",
        "ORDERS_BULK_STARTED" => "Ran a bulk action on orders",
        "ORDER_ERROR_RETRIED" => "Retried an order's processing",
        "ORDER_ERROR_SKIPPED" => "Skipped an order's processing error",
        "COURIER_CONNECTED" => "Connected FAN Courier",
        "COURIER_DISCONNECTED" => "Disconnected FAN Courier",
        "AWB_CREATED" => "Created an AWB",
        "ROLE_CREATED" | "ROLE_UPDATED" | "ROLE_DELETED" => "Changed the roles",
        _ => "Other",
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_dashboard());
    view! {
        <Title text="Dashboard · Switchyard"/>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <DashboardView d/> }.into_any(),
                    // The session ended while the page was open: back to sign-in.
                    Err(e) if e.is_unauthorized() => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! { <Alert tone=Tone::Error>{e.message}</Alert> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DashboardView(d: Dashboard) -> impl IntoView {
    let failed_note = if d.failed_sign_ins_today > 0 {
        format!("{} failed today", d.failed_sign_ins_today)
    } else {
        "No failed attempts today".to_string()
    };
    view! {
        <h1 class="page-title">{d.greeting.clone()}</h1>
        <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">"Here is what is happening in your workspace today."</p>
        <dl class="mt-6 grid grid-cols-1 gap-4 sm:grid-cols-3">
            <Stat label="Members" value=d.members.to_string() note="Active people in this company"/>
            <Stat label="Sign-ins today" value=d.sign_ins_today.to_string() note=failed_note/>
            <Stat label="Audit events today" value=d.events_today.to_string() note="Everything recorded since midnight"/>
        </dl>
        <div class="mt-6">
            <Card title="Your stores">
                {if d.stores.is_empty() {
                    view! { <EmptyState title="No stores" text="Stores you can work with will appear here. An admin grants access in Settings → Stores."/> }.into_any()
                } else {
                    view! {
                        <ul class="flex flex-wrap gap-2" aria-label="Your stores">
                            {d.stores.into_iter().map(|s| view! { <li><Badge text=s/></li> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Card>
        </div>
        {d.recent.map(|recent| view! {
        <div class="mt-6">
            <Card title="Recent activity">
                {if recent.is_empty() {
                    view! { <EmptyState title="No activity yet" text="Sign-ins and changes will appear here."/> }.into_any()
                } else {
                    view! {
                        <ul class="divide-y divide-slate-100 dark:divide-slate-800" aria-label="Recent activity">
                            {recent.into_iter().map(|e| view! {
                                <li class="flex items-center justify-between gap-4 py-3 text-sm">
                                    <div class="min-w-0">
                                        <span class="font-medium text-slate-900 dark:text-slate-100">{e.actor.unwrap_or_else(|| "Someone".into())}</span>
                                        " "
                                        <span class="text-slate-600 dark:text-slate-300">{action_label(&e.action).to_lowercase()}</span>
                                        {e.ip.map(|ip| view! { <span class="ml-2 hidden text-xs text-slate-400 sm:inline">{format!("from {ip}")}</span> })}
                                    </div>
                                    <div class="flex shrink-0 items-center gap-3">
                                        <span class="hidden sm:inline"><Badge text=e.action.clone() warn={e.action == "LOGIN_FAILED"}/></span>
                                        <time class="text-right tabular-nums text-slate-500 sm:w-24 dark:text-slate-400">{e.when}</time>
                                    </div>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Card>
        </div>
        })}
    }
}
