//! Settings pages and their shared tab bar.

mod ad_accounts;
mod api;
mod company;
mod integrations;
mod members;
mod outbox;
mod roles;
mod security;
mod stores;

use leptos::prelude::*;
use leptos_router::components::A;

/// Every settings page, behind one lazy route (see `super::area_page`); each tab of `TABS` has
/// its route in `app::App`, so an unknown settings address is the router's 404 and never
/// reaches this dispatcher.
#[component]
pub fn SettingsArea() -> impl IntoView {
    let page = super::area_page("/settings", |p| {
        TABS.iter()
            .map(|(href, _, _)| *href)
            .find(|href| matches!(p, [tab] if href.strip_prefix("/settings/") == Some(*tab)))
    });
    move || match page.get() {
        "/settings/company" => view! { <company::CompanyPage/> }.into_any(),
        "/settings/members" => view! { <members::MembersPage/> }.into_any(),
        "/settings/stores" => view! { <stores::StoresPage/> }.into_any(),
        "/settings/roles" => view! { <roles::RolesPage/> }.into_any(),
        "/settings/integrations" => view! { <integrations::IntegrationsPage/> }.into_any(),
        "/settings/ad-accounts" => view! { <ad_accounts::AdAccountsPage/> }.into_any(),
        "/settings/outbox" => view! { <outbox::OutboxPage/> }.into_any(),
        "/settings/api" => view! { <api::ApiPage/> }.into_any(),
        _ => view! { <security::SecurityPage/> }.into_any(),
    }
}

/// The settings areas and the permission each needs (mirrors the `PAGES` table of
/// `server::identity`, which the browser build cannot read).
pub const TABS: &[(&str, &str, &str)] = &[
    ("/settings/company", "Company", "settings.manage"),
    ("/settings/members", "Members", "members.manage"),
    ("/settings/stores", "Stores", "stores.manage"),
    ("/settings/roles", "Roles", "settings.manage"),
    ("/settings/integrations", "Integrations", "settings.manage"),
    ("/settings/ad-accounts", "Ad accounts", "campaigns.manage"),
    ("/settings/outbox", "Outbox", "members.manage"),
    ("/settings/api", "API", "settings.manage"),
    ("/settings/security", "Security", ""),
];

/// Heading and tab bar of a settings page; shows only the tabs the user may open.
#[component]
pub fn SettingsHeader(#[prop(into)] title: String, #[prop(into)] text: String) -> impl IntoView {
    let me = crate::components::shell::use_member();
    let tabs = move || {
        Suspend::new(async move {
            let me = match me {
                Some(me) => me.await.ok().flatten(),
                None => None,
            };
            TABS.iter()
                .filter(|(_, _, perm)| me.as_ref().is_some_and(|m| perm.is_empty() || m.can(perm)))
                .map(|(href, label, _)| {
                    view! {
                        <A href=*href attr:class="whitespace-nowrap border-b-2 border-transparent px-1 pb-3 text-sm font-medium text-slate-500 hover:border-slate-300 hover:text-slate-700 aria-[current=page]:border-brand-500 aria-[current=page]:text-brand-600 dark:text-slate-400 dark:hover:text-slate-200 dark:aria-[current=page]:text-brand-400">
                            {*label}
                        </A>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <div class="mb-6">
            <h1 class="page-title">{title}</h1>
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{text}</p>
            <nav class="mt-4 flex gap-6 overflow-x-auto border-b border-slate-200 dark:border-slate-800" aria-label="Settings">
                <Suspense>{tabs}</Suspense>
            </nav>
        </div>
    }
}
