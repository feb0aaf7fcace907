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
