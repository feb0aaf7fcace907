//! The signed-in frame: sidebar of the areas that exist, company name, user menu, dark mode.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

use super::{theme::ThemeToggle, ui::Logo};
use crate::api::{get_me, team::SwitchCompany, Me};
use leptos::form::ActionForm;

const DASHBOARD_ICON: &str = "M3.75 6A2.25 2.25 0 0 1 6 3.75h2.25A2.25 2.25 0 0 1 10.5 6v2.25a2.25 2.25 0 0 1-2.25 2.25H6a2.25 2.25 0 0 1-2.25-2.25V6ZM3.75 15.75A2.25 2.25 0 0 1 6 13.5h2.25a2.25 2.25 0 0 1 2.25 2.25V18a2.25 2.25 0 0 1-2.25 2.25H6A2.25 2.25 0 0 1 3.75 18v-2.25ZM13.5 6a2.25 2.25 0 0 1 2.25-2.25H18A2.25 2.25 0 0 1 20.25 6v2.25A2.25 2.25 0 0 1 18 10.5h-2.25a2.25 2.25 0 0 1-2.25-2.25V6ZM13.5 15.75a2.25 2.25 0 0 1 2.25-2.25H18a2.25 2.25 0 0 1 2.25 2.25V18A2.25 2.25 0 0 1 18 20.25h-2.25A2.25 2.25 0 0 1 13.5 18v-2.25Z";
const AUDIT_ICON: &str = "M9 12h3.75M9 15h3.75M9 18h3.75m3 .75H18a2.25 2.25 0 0 0 2.25-2.25V6.108c0-1.135-.845-2.098-1.976-2.192a48.424 48.424 0 0 0-1.123-.08m-5.801 0c-.065.21-.1.433-.1.664 0 .414.336.75.75.75h4.5a.75.75 0 0 0 .75-.75 2.25 2.25 0 0 0-.1-.664m-5.8 0A2.251 2.251 0 0 1 13.5 2.25H15c1.012 0 1.867.668 2.15 1.586m-5.8 0c-.376.023-.75.05-1.124.08C9.095 4.01 8.25 4.973 8.25 6.108V8.25m0 0H4.875c-.621 0-1.125.504-1.125 1.125v11.25c0 .621.504 1.125 1.125 1.125h9.75c.621 0 1.125-.504 1.125-1.125V9.375c0-.621-.504-1.125-1.125-1.125H8.25Z";
const PLATFORM_ICON: &str = "M3.75 21h16.5M4.5 3h15M5.25 3v18m13.5-18v18M9 6.75h1.5m-1.5 3h1.5m-1.5 3h1.5m3-6H15m-1.5 3H15m-1.5 3H15M9 21v-3.375c0-.621.504-1.125 1.125-1.125h3.75c.621 0 1.125.504 1.125 1.125V21";
const ANALYSES_ICON: &str = "M9 12.75 11.25 15 15 9.75M21 12c0 1.268-.63 2.39-1.593 3.068a3.745 3.745 0 0 1-1.043 3.296 3.745 3.745 0 0 1-3.296 1.043A3.745 3.745 0 0 1 12 21c-1.268 0-2.39-.63-3.068-1.593a3.746 3.746 0 0 1-3.296-1.043 3.745 3.745 0 0 1-1.043-3.296A3.745 3.745 0 0 1 3 12c0-1.268.63-2.39 1.593-3.068a3.745 3.745 0 0 1 1.043-3.296 3.746 3.746 0 0 1 3.296-1.043A3.746 3.746 0 0 1 12 3c1.268 0 2.39.63 3.068 1.593a3.746 3.746 0 0 1 3.296 1.043 3.746 3.746 0 0 1 1.043 3.296A3.745 3.745 0 0 1 21 12Z";
const ORDERS_ICON: &str = "M20.25 7.5l-.625 10.632a2.25 2.25 0 0 1-2.247 2.118H6.622a2.25 2.25 0 0 1-2.247-2.118L3.75 7.5m8.25 3v6.75m0 0-3-3m3 3 3-3M3.375 7.5h17.25c.621 0 1.125-.504 1.125-1.125v-1.5c0-.621-.504-1.125-1.125-1.125H3.375c-.621 0-1.125.504-1.125 1.125v1.5c0 .621.504 1.125 1.125 1.125Z";
const BILLING_ICON: &str = "M2.25 8.25h19.5M2.25 9h19.5m-16.5 5.25h6m-6 2.25h3m-3.75 3h15a2.25 2.25 0 0 0 2.25-2.25V6.75A2.25 2.25 0 0 0 19.5 4.5h-15a2.25 2.25 0 0 0-2.25 2.25v10.5A2.25 2.25 0 0 0 4.5 19.5Z";
/// A megaphone.
const CAMPAIGNS_ICON: &str = "M10.34 15.84c-.688-.06-1.386-.09-2.09-.09H7.5a4.5 4.5 0 1 1 0-9h.75c.704 0 1.402-.03 2.09-.09m0 9.18c.253.962.584 1.892.985 2.783.247.55.06 1.21-.463 1.511l-.657.38c-.551.318-1.26.117-1.527-.461a20.845 20.845 0 0 1-1.44-4.282m3.102.069a18.03 18.03 0 0 1-.59-4.59c0-1.586.205-3.124.59-4.59m0 9.18a23.848 23.848 0 0 1 8.835 2.535M10.34 6.66a23.847 23.847 0 0 0 8.835-2.535m0 0A23.74 23.74 0 0 0 18.795 3m.38 1.125a23.91 23.91 0 0 1 1.014 5.395m-1.014 8.855c-.118.38-.245.754-.38 1.125m.38-1.125a23.91 23.91 0 0 0 1.014-5.395m0-3.46c.495.413.811 1.035.811 1.73 0 .695-.316 1.317-.811 1.73m0-3.46a24.347 24.347 0 0 1 0 3.46";
/// A pencil on a page.
const STUDIO_ICON: &str = "m16.862 4.487 1.687-1.688a1.875 1.875 0 1 1 2.652 2.652L10.582 16.07a4.5 4.5 0 0 1-1.897 1.13L6 18l.8-2.685a4.5 4.5 0 0 1 1.13-1.897l8.932-8.931Zm0 0L19.5 7.125M18 14v4.75A2.25 2.25 0 0 1 15.75 21H5.25A2.25 2.25 0 0 1 3 18.75V8.25A2.25 2.25 0 0 1 5.25 6H10";
const SETTINGS_ICON: &str = "M10.5 6h9.75M10.5 6a1.5 1.5 0 1 1-3 0m3 0a1.5 1.5 0 1 0-3 0M3.75 6H7.5m3 12h9.75m-9.75 0a1.5 1.5 0 0 1-3 0m3 0a1.5 1.5 0 0 0-3 0m-3.75 0H7.5m9-6h3.75m-3.75 0a1.5 1.5 0 0 1-3 0m3 0a1.5 1.5 0 0 0-3 0m-9.75 0h9.75";

/// The areas of DESIGN §1 that work today and what each needs (empty: every member).
/// Add an entry only when its page works; the server refuses the page anyway.
const NAV: &[(&str, &str, &[&str], &str)] = &[
    ("/", "Dashboard", &[], DASHBOARD_ICON),
    ("/orders", "Orders", &["orders.read"], ORDERS_ICON),
    (
        "/campaigns",
        "Campaigns",
        &["campaigns.read"],
        CAMPAIGNS_ICON,
    ),
    (
        "/campaigns/studio",
        "Content studio",
        &["content.write"],
        STUDIO_ICON,
    ),
    ("/analyses", "Analyses", &["analyses.read"], ANALYSES_ICON),
    ("/billing", "Billing", &["billing.read"], BILLING_ICON),
    ("/audit", "Audit log", &["audit.read"], AUDIT_ICON),
    ("/settings/members", "Settings", &[], SETTINGS_ICON),
    ("/admin", "Platform", &[SUPER_ADMIN], PLATFORM_ICON),
];

/// Not a permission: the platform super-admin flag.
const SUPER_ADMIN: &str = "platform:super_admin";

/// Where "Settings" leads: the first settings tab this user may open.
fn settings_home(me: &Me) -> &'static str {
    crate::pages::settings::TABS
        .iter()
        .find(|(_, _, perm)| perm.is_empty() || me.can(perm))
        .map(|(href, _, _)| *href)
        .unwrap_or("/settings/security")
}

/// The look of a sidebar entry (`nav-link` in style/tailwind.css: one short class, as every
/// page carries the sidebar); the current page's is tinted (`aria-current`, set by `<A>`).
const NAV_LINK: &str = "nav-link";
/// An entry with a longer entry under it (Campaigns, with the content studio at
/// /campaigns/studio) is not tinted while that one is current: `<A>` marks both.
const NAV_OUTER: &str = "[nav:has(a[data-nav-inner][aria-current=page])_&]:bg-transparent [nav:has(a[data-nav-inner][aria-current=page])_&]:text-slate-600 dark:[nav:has(a[data-nav-inner][aria-current=page])_&]:bg-transparent dark:[nav:has(a[data-nav-inner][aria-current=page])_&]:text-slate-400";

#[component]
fn NavLinks(me: Me) -> impl IntoView {
    NAV.iter()
        .filter(|(_, _, needs, _)| {
            needs.is_empty()
                || needs
                    .iter()
                    .any(|p| me.can(p) || (*p == SUPER_ADMIN && me.is_super_admin))
        })
        .map(|(href, label, _, icon)| {
            let outer = NAV.iter().any(|(other, _, _, _)| {
                *href != "/" && other.len() > href.len() && other.starts_with(&format!("{href}/"))
            });
            let inner = NAV.iter().any(|(other, _, _, _)| {
                *other != "/" && other.len() < href.len() && href.starts_with(&format!("{other}/"))
            });
            let class = if outer { format!("{NAV_LINK} {NAV_OUTER}") } else { NAV_LINK.to_string() };
            let href = if *href == "/settings/members" { settings_home(&me) } else { href };
            view! {
                <A href=href exact=href == "/" attr:class=class attr:data-nav-inner=inner.then_some("")>
                    <svg class="h-5 w-5" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
                        <path stroke-linecap="round" stroke-linejoin="round" d=*icon/>
                    </svg>
                    {*label}
                </A>
            }
        })
        .collect_view()
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase()
}

#[component]
fn UserMenu(me: Me) -> impl IntoView {
    view! {
        <details class="group relative">
            <summary class="flex cursor-pointer list-none items-center gap-2 rounded-lg px-2 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800" aria-label="Account menu">
                <span class="flex h-8 w-8 items-center justify-center rounded-full bg-brand-600 text-xs font-semibold text-white">
                    {initials(&me.name)}
                </span>
                <span class="hidden text-sm font-medium text-slate-700 sm:block dark:text-slate-200">{me.name.clone()}</span>
                <svg class="h-4 w-4 text-slate-400" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true">
                    <path fill-rule="evenodd" d="M5.22 8.22a.75.75 0 0 1 1.06 0L10 11.94l3.72-3.72a.75.75 0 1 1 1.06 1.06l-4.25 4.25a.75.75 0 0 1-1.06 0L5.22 9.28a.75.75 0 0 1 0-1.06Z" clip-rule="evenodd"/>
                </svg>
            </summary>
            <div class="absolute right-0 z-20 mt-2 w-64 rounded-xl border border-slate-200 bg-white p-2 shadow-lg dark:border-slate-700 dark:bg-slate-900">
                <div class="px-3 py-2">
                    <p class="truncate text-sm font-medium text-slate-900 dark:text-white">{me.name.clone()}</p>
                    <p class="truncate text-sm text-slate-500 dark:text-slate-400">{me.email.clone()}</p>
                    <p class="mt-1 text-xs text-slate-500 dark:text-slate-400" data-testid="my-role">{format!("{} · {}", me.role_name, me.company_name)}</p>
                </div>
                {(!me.other_companies.is_empty()).then(|| {
                    let others = me.other_companies.clone();
                    let switch = ServerAction::<SwitchCompany>::new();
                    view! {
                        <div class="border-t border-slate-100 py-1 dark:border-slate-800">
                            <p class="px-3 pt-1 text-xs font-semibold uppercase tracking-wide text-slate-400">"Switch company"</p>
                            {others.into_iter().map(|c| view! {
                                <ActionForm action=switch>
                                    <input type="hidden" name="company_id" value=c.id.clone()/>
                                    <button type="submit" class="w-full rounded-lg px-3 py-2 text-left text-sm text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800">{c.name.clone()}</button>
                                </ActionForm>
                            }).collect_view()}
                        </div>
                    }
                })}
                <form method="post" action="/auth/logout" class="border-t border-slate-100 pt-1 dark:border-slate-800">
                    <button type="submit" class="w-full rounded-lg px-3 py-2 text-left text-sm text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800">
                        "Sign out"
                    </button>
                </form>
            </div>
        </details>
    }
    .into_any()
}

/// The signed-in member, loaded once by the shell for every page under it. Read it with
/// [`use_member`] inside a `Suspense`.
pub type MemberResource = Resource<Result<Option<Me>, crate::api::AppError>>;

#[derive(Clone, Copy)]
struct Member(MemberResource);

/// The shell's member resource (None outside the shell).
pub fn use_member() -> Option<MemberResource> {
    use_context::<Member>().map(|m| m.0)
}

/// Frame of every signed-in page; the page renders in the `<Outlet/>`.
///
/// Every resource of the frame is created here, once, and the `<Outlet/>` stays outside any
/// `Suspense`: the server walks a `Suspense`'s children more than once (to find the resources
/// they read, then to render them), so a page built inside one would be built several times,
/// each time with resources of its own, and the browser would hydrate the HTML of the last
/// build against the data of the first (a webhook landing in between made `/billing` panic).
/// Only the parts that show the member wait for it.
#[component]
pub fn Shell() -> impl IntoView {
    let me: MemberResource = Resource::new(|| (), |_| get_me());
    provide_context(Member(me));
    let changed = RwSignal::new(0u32);
    provide_context(BalanceChanged(changed));
    // The low-balance banner reads the balance again when a page says it changed.
    let fresh = Resource::new(
        move || changed.get(),
        |n| async move {
            if n == 0 {
                None
            } else {
                get_me().await.ok().flatten().map(|me| me.low_balance)
            }
        },
    );
    // One navigation serves every screen: beside the page on large ones, and on small ones
    // over it, opened by the header's menu button (a checkbox and its label: no script
    // needed). Following a link closes it.
    let menu = NodeRef::<leptos::html::Input>::new();
    let close_menu = move |_| {
        if let Some(input) = menu.get_untracked() {
            input.set_checked(false);
        }
    };
    view! {
        // The sidebar's column stretches with the page (its background reaches the bottom of
        // long pages, in full-page screenshots and print too); the navigation inside it stays
        // in view while the page scrolls.
        <div class="min-h-screen bg-slate-50 text-slate-900 lg:flex dark:bg-slate-950 dark:text-slate-100">
            <input type="checkbox" id="nav-menu" class="peer sr-only lg:hidden" aria-label="Open navigation" node_ref=menu/>
            <label for="nav-menu" class="fixed inset-0 z-20 hidden bg-slate-900/40 peer-checked:block lg:hidden" aria-hidden="true"></label>
            <div class="fixed inset-y-0 left-0 z-30 hidden w-60 shrink-0 border-r border-slate-200 bg-white shadow-xl peer-checked:block lg:static lg:block lg:shadow-none dark:border-slate-800 dark:bg-slate-900">
                <aside class="sticky top-0 flex h-screen flex-col overflow-y-auto px-4 py-5">
                    <div class="flex items-center gap-2 px-2">
                        <Logo/>
                        <span class="text-base font-semibold">"Switchyard"</span>
                    </div>
                    <Suspense>
                        {move || Suspend::new(async move {
                            me.await.ok().flatten().map(|me| view! {
                                <p class="mt-6 px-3 text-xs font-semibold uppercase tracking-wide text-slate-400">{me.company_name.clone()}</p>
                                <nav class="mt-2 flex flex-col gap-1" aria-label="Main" on:click=close_menu>
                                    <NavLinks me/>
                                </nav>
                            })
                        })}
                    </Suspense>
                </aside>
            </div>
            <div class="min-w-0 flex-1">
                <header class="sticky top-0 z-10 flex h-14 items-center gap-3 border-b border-slate-200 bg-white/90 px-4 backdrop-blur sm:px-6 dark:border-slate-800 dark:bg-slate-900/90">
                    <Suspense>
                        {move || Suspend::new(async move {
                            match me.await {
                                Ok(Some(me)) => view! { <HeaderBar me/> }.into_any(),
                                // Signed out meanwhile (the server redirects a signed-out
                                // request before it gets here).
                                Ok(None) => view! { <Redirect path="/login"/> }.into_any(),
                                Err(e) => view! {
                                    <p class="text-sm text-red-700 dark:text-red-300" role="alert">{e.message}</p>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                </header>
                <Suspense>
                    {move || Suspend::new(async move {
                        let initial = me.await.ok().flatten().and_then(|me| me.low_balance);
                        view! { <LowBalanceBanner initial fresh/> }
                    })}
                </Suspense>
                <main class="mx-auto max-w-6xl px-4 py-8 sm:px-6">
                    <Outlet/>
                </main>
            </div>
        </div>
    }
}

/// Pages that change the balance bump this, so the shell's low-balance banner reads it again
/// (the rest of the frame stays as it is).
#[derive(Clone, Copy)]
pub struct BalanceChanged(pub RwSignal<u32>);

/// "Your token balance is low" across the top, for those who may see billing: the balance the
/// page loaded with, then the one read after a page said it changed.
#[component]
fn LowBalanceBanner(
    initial: Option<String>,
    fresh: Resource<Option<Option<String>>>,
) -> impl IntoView {
    move || {
        let low = fresh.get().flatten().unwrap_or_else(|| initial.clone());
        low.map(|balance| view! {
            <div class="border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900 sm:px-6 dark:border-amber-900 dark:bg-amber-950/60 dark:text-amber-100" role="status" data-testid="low-balance">
                {format!("Your token balance is low: {balance} tokens left. ")}
                <a href="/billing" class="font-semibold underline underline-offset-2">"Buy tokens"</a>
            </div>
        })
    }
}

/// The header's content: the mobile menu, the company, dark mode and the user menu.
#[component]
fn HeaderBar(me: Me) -> impl IntoView {
    let company = me.company_name.clone();
    view! {
        <label for="nav-menu" class="flex h-9 w-9 cursor-pointer items-center justify-center rounded-lg hover:bg-slate-100 lg:hidden dark:hover:bg-slate-800" title="Menu" aria-hidden="true" data-testid="open-navigation">
            <svg class="h-5 w-5" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
                <path stroke-linecap="round" d="M4 6h16M4 12h16M4 18h16"/>
            </svg>
        </label>
        <span class="truncate text-sm font-semibold text-slate-700 dark:text-slate-200" data-testid="company-name">{company}</span>
        <div class="ml-auto flex items-center gap-1">
            <ThemeToggle/>
            <UserMenu me/>
        </div>
    }
}
