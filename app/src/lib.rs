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
    admin::AdminPage,
    analyses::{AnalysesPage, AnalysisPage, NewAnalysisPage},
    audit::AuditLogPage,
    billing::{BillingPage, CheckoutSuccessPage},
    campaigns::CampaignsArea,
    code::CodePage,
    dashboard::DashboardPage,
    forgot::{ForgotPage, ResetPage},
    invite::InvitePage,
    login::LoginPage,
    logout::LogoutPage,
    orders::{
        BulkRunPage, BulkRunsPage, HandoverPage, ImportPage, ImportPreviewPage, OrderErrorsPage,
        OrderPage, OrdersPage,
    },
    settings::{
        ad_accounts::AdAccountsPage, company::CompanyPage, integrations::IntegrationsPage,
        members::MembersPage, outbox::OutboxPage, roles::RolesPage, security::SecurityPage,
        stores::StoresPage,
    },
    setup::{SetupPage, SignUpPage},
    NotFound,
};

/// Routes whose page is loaded on demand. In the split build (`cargo leptos build --split`)
/// each page's code is its own wasm chunk, fetched the first time the page is shown (or
/// hydrated), so the sign-in page and the dashboard download only what they use. Sign-in stays
/// in the main bundle: it is the first page most visits see.
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
    SetupRoute => SetupPage,
    SignUpRoute => SignUpPage,
    CodeRoute => CodePage,
    LogoutRoute => LogoutPage,
    InviteRoute => InvitePage,
    ForgotRoute => ForgotPage,
    ResetRoute => ResetPage,
    DashboardRoute => DashboardPage,
    AuditLogRoute => AuditLogPage,
    AnalysesRoute => AnalysesPage,
    NewAnalysisRoute => NewAnalysisPage,
    AnalysisRoute => AnalysisPage,
    OrdersRoute => OrdersPage,
    OrderRoute => OrderPage,
    OrderErrorsRoute => OrderErrorsPage,
    BulkRunsRoute => BulkRunsPage,
    BulkRunRoute => BulkRunPage,
    HandoverRoute => HandoverPage,
    ImportRoute => ImportPage,
    ImportPreviewRoute => ImportPreviewPage,
    BillingRoute => BillingPage,
    CheckoutSuccessRoute => CheckoutSuccessPage,
    AdminRoute => AdminPage,
    CompanyRoute => CompanyPage,
    MembersRoute => MembersPage,
    StoresRoute => StoresPage,
    RolesRoute => RolesPage,
    IntegrationsRoute => IntegrationsPage,
    OutboxRoute => OutboxPage,
    SecurityRoute => SecurityPage,
    AdAccountsRoute => AdAccountsPage,
    CampaignsRoute => CampaignsArea,
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
                <leptos_meta::HashedStylesheet options=options.clone() id="leptos"/>
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
                <Route path=path!("/setup") view={Lazy::<SetupRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/signup") view={Lazy::<SignUpRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/login/code") view={Lazy::<CodeRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/logout") view={Lazy::<LogoutRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/forgot") view={Lazy::<ForgotRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/reset/:token") view={Lazy::<ResetRoute>::new()} ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=Shell ssr=SsrMode::Async>
                    <Route path=path!("") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view={Lazy::<AuditLogRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/analyses") view={Lazy::<AnalysesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/analyses/new") view={Lazy::<NewAnalysisRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/analyses/:id") view={Lazy::<AnalysisRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders") view={Lazy::<OrdersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/errors") view={Lazy::<OrderErrorsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/runs") view={Lazy::<BulkRunsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/runs/:id") view={Lazy::<BulkRunRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/handover") view={Lazy::<HandoverRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/import") view={Lazy::<ImportRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/import/:id") view={Lazy::<ImportPreviewRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/:id") view={Lazy::<OrderRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns") view={Lazy::<CampaignsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/campaigns/:section") view={Lazy::<CampaignsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/billing") view={Lazy::<BillingRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/billing/success") view={Lazy::<CheckoutSuccessRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/company") view={Lazy::<CompanyRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/members") view={Lazy::<MembersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/stores") view={Lazy::<StoresRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/roles") view={Lazy::<RolesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/integrations") view={Lazy::<IntegrationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/outbox") view={Lazy::<OutboxRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/ad-accounts") view={Lazy::<AdAccountsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/security") view={Lazy::<SecurityRoute>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
