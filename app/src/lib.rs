//! Switchyard's Leptos application. Pages render on the server and hydrate in the browser.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
/// The server's leaf formatting module, compiled into both builds.
#[path = "../../server/src/format.rs"]
pub mod format;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod serve;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy, SsrMode,
};

use components::{shell::Shell, theme::THEME_BOOT_SCRIPT};
use pages::{
    admin::AdminArea, analyses::AnalysesArea, audit::AuditLogPage, campaigns::CampaignsArea,
    dashboard::DashboardPage, login::LoginPage, orders::OrdersArea, settings::SettingsArea,
    studio::StudioArea, AccountArea, BillingArea, NotFound,
};

/// Routes whose page is loaded on demand. In the split build (`cargo leptos build --split`)
/// each lazy route's code is its own wasm chunk, fetched the first time one of its pages is
/// shown (or hydrated), so the sign-in page and the dashboard download only what they use.
/// An area with several pages is one lazy route that chooses the page from the path
/// (`pages::area_page`): code that two chunks share stays in the main bundle. Sign-in stays in
/// the main bundle: it is the first page most visits see.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident,)*) => {$(
        struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    AccountRoute => AccountArea,
    DashboardRoute => DashboardPage,
    AuditLogRoute => AuditLogPage,
    AnalysesRoute => AnalysesArea,
    OrdersRoute => OrdersArea,
    BillingRoute => BillingArea,
    AdminRoute => AdminArea,
    SettingsRoute => SettingsArea,
    CampaignsRoute => CampaignsArea,
    StudioRoute => StudioArea,
}

/// The stylesheet's address, hashed by cargo-leptos in release builds: read from the hash file
/// beside the binary once, not on every page (leptos_meta's `HashedStylesheet` reads the file
/// each time; on a signed-in page that was 2% of the server's time).
fn stylesheet_href(options: &LeptosOptions) -> String {
    static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HREF.get_or_init(|| {
        let hash = options
            .hash_files
            .then(|| {
                let file = std::env::current_exe()
                    .ok()?
                    .parent()?
                    .join(options.hash_file.as_ref());
                let text = std::fs::read_to_string(file).ok()?;
                text.lines().find_map(|l| {
                    let (kind, hash) = l.trim().split_once(':')?;
                    (kind == "css").then(|| format!(".{}", hash.trim()))
                })
            })
            .flatten()
            .unwrap_or_default();
        format!(
            "/{}/{}{hash}.css",
            options.site_pkg_dir, options.output_name
        )
    })
    .clone()
}

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" class="h-full">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <script nonce=leptos::nonce::use_nonce() inner_html=THEME_BOOT_SCRIPT></script>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link id="leptos" rel="stylesheet" href=stylesheet_href(&options)/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="h-full bg-slate-50 antialiased dark:bg-slate-950">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // <body data-hydrated> is set by the browser entry (frontend) once hydration has finished.
    view! {
        <Title text="Switchyard"/>
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/setup") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/signup") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/login/code") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/logout") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/forgot") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/reset/:token") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=Shell ssr=SsrMode::Async>
                    <Route path=path!("") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view={Lazy::<AuditLogRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/analyses") view={Lazy::<AnalysesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/analyses/new") view={Lazy::<AnalysesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/analyses/:id") view={Lazy::<AnalysesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders") view={Lazy::<OrdersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/errors") view={Lazy::<OrdersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/runs") view={Lazy::<OrdersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/runs/:id") view={Lazy::<OrdersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/handover") view={Lazy::<OrdersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/import") view={Lazy::<OrdersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/import/:id") view={Lazy::<OrdersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/:id") view={Lazy::<OrdersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns") view={Lazy::<CampaignsRoute>::new()} ssr=SsrMode::Async/>
                    // Before /campaigns/:section, which would take "studio" for a campaign id.
                    <Route path=path!("/campaigns/studio") view={Lazy::<StudioRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/studio/:section") view={Lazy::<StudioRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/studio/pieces/:id") view={Lazy::<StudioRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/studio/authors/upload/:id") view={Lazy::<StudioRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:section") view={Lazy::<CampaignsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/billing") view={Lazy::<BillingRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/billing/success") view={Lazy::<BillingRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/jobs") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/company") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/members") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/stores") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/roles") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/integrations") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/outbox") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/api") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/ad-accounts") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/security") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
