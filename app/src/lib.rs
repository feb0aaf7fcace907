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
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};

use components::{shell::Shell, theme::THEME_BOOT_SCRIPT};
use pages::{
    admin::AdminPage,
    analyses::{AnalysesPage, AnalysisPage, NewAnalysisPage},
    audit::AuditLogPage,
    billing::{BillingPage, CheckoutSuccessPage},
    code::CodePage,
    dashboard::DashboardPage,
    forgot::{ForgotPage, ResetPage},
    invite::InvitePage,
    login::LoginPage,
    logout::LogoutPage,
    settings::{
        company::CompanyPage, integrations::IntegrationsPage, members::MembersPage,
        outbox::OutboxPage, roles::RolesPage, security::SecurityPage, stores::StoresPage,
    },
    setup::{SetupPage, SignUpPage},
    NotFound,
};

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
    // Marks the page as interactive once the wasm has taken over (tests wait for it).
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/switchyard.css"/>
        <Title text="Switchyard"/>
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/login/code") view=CodePage ssr=SsrMode::Async/>
                <Route path=path!("/logout") view=LogoutPage ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view=InvitePage ssr=SsrMode::Async/>
                <Route path=path!("/forgot") view=ForgotPage ssr=SsrMode::Async/>
                <Route path=path!("/reset/:token") view=ResetPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=Shell ssr=SsrMode::Async>
                    <Route path=path!("") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view=AuditLogPage ssr=SsrMode::Async/>
                    <Route path=path!("/analyses") view=AnalysesPage ssr=SsrMode::Async/>
                    <Route path=path!("/analyses/new") view=NewAnalysisPage ssr=SsrMode::Async/>
                    <Route path=path!("/analyses/:id") view=AnalysisPage ssr=SsrMode::Async/>
                    <Route path=path!("/billing") view=BillingPage ssr=SsrMode::Async/>
                    <Route path=path!("/billing/success") view=CheckoutSuccessPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/company") view=CompanyPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/members") view=MembersPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/stores") view=StoresPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/roles") view=RolesPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/integrations") view=IntegrationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/outbox") view=OutboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/security") view=SecurityPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
