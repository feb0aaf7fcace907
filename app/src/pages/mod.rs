pub mod admin;
pub mod analyses;
pub mod audit;
pub mod billing;
pub mod campaigns;
pub mod code;
pub mod dashboard;
pub mod forgot;
pub mod invite;
pub mod login;
pub mod logout;
pub mod orders;
pub mod settings;
pub mod setup;

use leptos::prelude::*;

/// The path segments after an area's prefix (`/orders/runs/7` under "/orders" → `["runs", "7"]`),
/// for the dispatcher of an area whose pages are one lazy route: in the split build each lazy
/// route is a chunk, and code that two chunks share stays in the main bundle and adds to the
/// split loader, which every first visit downloads. One chunk per area keeps both small.
pub(crate) fn area_path(prefix: &'static str) -> Memo<Vec<String>> {
    // The matched route's own URL, not the router's location: when the router moves to another
    // route it gives the new page a new URL signal and stops updating this one, so a page being
    // left never re-renders as the page being opened.
    let url = leptos_router::hooks::use_url();
    Memo::new(move |previous: Option<&Vec<String>>| {
        url.with(|url| {
            match url
                .path()
                .strip_prefix(prefix)
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))
            {
                Some(rest) => rest
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                // Not the area's path (should the URL above change while leaving): the page
                // stays what it was rather than showing, and loading, another for a moment.
                None => previous.cloned().unwrap_or_default(),
            }
        })
    })
}

/// The pages of a visitor who is not signed in yet (setup, sign-up, the second sign-in step,
/// sign-out, an invitation, a forgotten password and its reset), behind one lazy route.
#[component]
pub fn AccountArea() -> impl IntoView {
    let path = area_path("");
    // Only these first segments are the area's; any other path is the one being left for.
    let page = Memo::new(move |previous: Option<&&'static str>| {
        path.with(|p| match p.first().map(String::as_str) {
            Some("setup") => "setup",
            Some("signup") => "signup",
            Some("login") if p.len() == 2 => "login",
            Some("logout") => "logout",
            Some("invite") => "invite",
            Some("forgot") => "forgot",
            Some("reset") => "reset",
            _ => previous.copied().unwrap_or("setup"),
        })
    });
    move || match page.get() {
        "setup" => view! { <setup::SetupPage/> }.into_any(),
        "signup" => view! { <setup::SignUpPage/> }.into_any(),
        "login" => view! { <code::CodePage/> }.into_any(),
        "logout" => view! { <logout::LogoutPage/> }.into_any(),
        "invite" => view! { <invite::InvitePage/> }.into_any(),
        "forgot" => view! { <forgot::ForgotPage/> }.into_any(),
        _ => view! { <forgot::ResetPage/> }.into_any(),
    }
}

/// The token packs and the page Checkout returns to, behind one lazy route.
#[component]
pub fn BillingArea() -> impl IntoView {
    let path = area_path("/billing");
    let success = Memo::new(move |_| path.with(|p| !p.is_empty()));
    move || match success.get() {
        false => view! { <billing::BillingPage/> }.into_any(),
        true => view! { <billing::CheckoutSuccessPage/> }.into_any(),
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <leptos_meta::Title text="Not found · Switchyard"/>
        <div class="flex min-h-screen flex-col items-center justify-center bg-slate-50 px-4 text-center dark:bg-slate-950">
            <p class="text-sm font-semibold text-brand-600 dark:text-brand-400">"404"</p>
            <h1 class="page-title mt-2">"This page does not exist"</h1>
            <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"Check the address, or go back to the dashboard."</p>
            <a href="/" class="mt-6 rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-500">"Go to the dashboard"</a>
        </div>
    }
}
