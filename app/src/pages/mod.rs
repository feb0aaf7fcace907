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
pub mod studio;

use leptos::prelude::*;

/// Which of an area's pages its path names, for the dispatcher of an area whose pages are one
/// lazy route: in the split build each lazy route is a chunk, and code that two chunks share
/// stays in the main bundle and adds to the split loader, which every first visit downloads.
/// One chunk per area keeps both small. `pick` names the page from the path's segments after
/// `prefix` (`/orders/runs/7` under "/orders" → `["runs", "7"]`), or None for a path that is
/// not the area's, which leaves the page as it was; the dispatcher matches on the name. A memo
/// of the name, so that `/orders/1` → `/orders/2` keeps the page (its params change) rather
/// than building it again.
pub(crate) fn area_page(
    prefix: &'static str,
    pick: fn(&[&str]) -> Option<&'static str>,
) -> Memo<&'static str> {
    // The matched route's own URL, not the router's location: when the router moves to another
    // route it gives the new page a new URL signal and stops updating this one, so a page being
    // left never re-renders as the page being opened.
    let url = leptos_router::hooks::use_url();
    Memo::new(move |previous: Option<&&'static str>| {
        url.with(|url| {
            url.path()
                .strip_prefix(prefix)
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))
                .and_then(|rest| {
                    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
                    pick(&segments)
                })
                .or(previous.copied())
                .unwrap_or_default()
        })
    })
}

/// The pages of a visitor who is not signed in yet (setup, sign-up, the second sign-in step,
/// sign-out, an invitation, a forgotten password and its reset), behind one lazy route.
#[component]
pub fn AccountArea() -> impl IntoView {
    let page = area_page("", |p| match p {
        ["setup"] => Some("setup"),
        ["signup"] => Some("signup"),
        ["login", "code"] => Some("code"),
        ["logout"] => Some("logout"),
        ["invite", _] => Some("invite"),
        ["forgot"] => Some("forgot"),
        ["reset", _] => Some("reset"),
        // Not one of these pages: the path being left for.
        _ => None,
    });
    move || match page.get() {
        "signup" => view! { <setup::SignUpPage/> }.into_any(),
        "code" => view! { <code::CodePage/> }.into_any(),
        "logout" => view! { <logout::LogoutPage/> }.into_any(),
        "invite" => view! { <invite::InvitePage/> }.into_any(),
        "forgot" => view! { <forgot::ForgotPage/> }.into_any(),
        "reset" => view! { <forgot::ResetPage/> }.into_any(),
        _ => view! { <setup::SetupPage/> }.into_any(),
    }
}

/// The token packs and the page Checkout returns to, behind one lazy route.
#[component]
pub fn BillingArea() -> impl IntoView {
    let page = area_page("/billing", |p| {
        Some(if p.is_empty() { "packs" } else { "success" })
    });
    move || match page.get() {
        "success" => view! { <billing::CheckoutSuccessPage/> }.into_any(),
        _ => view! { <billing::BillingPage/> }.into_any(),
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
