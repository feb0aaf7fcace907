//! Settings pages and their shared tab bar.

pub mod company;
pub mod integrations;
pub mod members;
pub mod outbox;
pub mod roles;
pub mod security;
pub mod stores;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::AppError;
use crate::components::ui::{Alert, Tone};

/// The settings areas and the permission each needs (mirrors the `PAGES` table of
/// `server::identity`, which the browser build cannot read).
pub const TABS: &[(&str, &str, &str)] = &[
    ("/settings/company", "Company", "settings.manage"),
    ("/settings/members", "Members", "members.manage"),
    ("/settings/stores", "Stores", "stores.manage"),
    ("/settings/roles", "Roles", "settings.manage"),
    ("/settings/integrations", "Integrations", "settings.manage"),
    ("/settings/outbox", "Outbox", "members.manage"),
    ("/settings/security", "Security", ""),
];

/// Heading and tab bar of a settings page; shows only the tabs the user may open.
#[component]
pub fn SettingsHeader(#[prop(into)] title: String, #[prop(into)] text: String) -> impl IntoView {
    let me = use_context::<crate::api::Me>();
    let tabs = TABS
        .iter()
        .filter(|(_, _, perm)| me.as_ref().is_some_and(|m| perm.is_empty() || m.can(perm)))
        .map(|(href, label, _)| {
            view! {
                <A href=*href attr:class="whitespace-nowrap border-b-2 border-transparent px-1 pb-3 text-sm font-medium text-slate-500 hover:border-slate-300 hover:text-slate-700 aria-[current=page]:border-indigo-500 aria-[current=page]:text-indigo-600 dark:text-slate-400 dark:hover:text-slate-200 dark:aria-[current=page]:text-indigo-400">
                    {*label}
                </A>
            }
        })
        .collect_view();
    view! {
        <div class="mb-6">
            <h1 class="text-2xl font-semibold tracking-tight text-slate-900 dark:text-white">{title}</h1>
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{text}</p>
            <nav class="mt-4 flex gap-6 overflow-x-auto border-b border-slate-200 dark:border-slate-800" aria-label="Settings">{tabs}</nav>
        </div>
    }
}

/// The outcome of the last submission of an action: its error, or a success note.
#[component]
pub fn ActionResult<T, F>(value: F, #[prop(into)] success: String) -> impl IntoView
where
    T: Send + Sync + 'static,
    F: Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static,
{
    move || {
        value().map(|r| match r {
            Ok(_) => {
                let text = success.clone();
                view! { <div class="mb-4"><Alert tone=Tone::Success>{text}</Alert></div> }
                    .into_any()
            }
            Err(e) => view! { <div class="mb-4"><Alert tone=Tone::Error>{e.message}</Alert></div> }
                .into_any(),
        })
    }
}

pub const BUTTON: &str = "inline-flex items-center justify-center rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";
pub const BUTTON_QUIET: &str = "inline-flex items-center justify-center rounded-lg border border-slate-300 bg-white px-2.5 py-1.5 text-xs font-medium text-slate-700 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800";
pub const BUTTON_DANGER: &str = "inline-flex items-center justify-center rounded-lg border border-red-200 bg-white px-2.5 py-1.5 text-xs font-medium text-red-700 hover:bg-red-50 dark:border-red-900 dark:bg-slate-900 dark:text-red-300 dark:hover:bg-red-950";
pub const SELECT: &str = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100";
pub const TABLE: &str = "min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800";
pub const TH: &str = "px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400";
pub const TD: &str = "px-3 py-3 align-middle text-slate-700 dark:text-slate-300";

/// A resource's content once it has loaded, with the one loading line and error box every
/// settings page uses.
#[component]
pub fn Loaded<T, V, F>(resource: Resource<Result<T, AppError>>, render: F) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => render(value).into_any(),
                        Err(e) => view! { <Alert tone=Tone::Error>{e.message}</Alert> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
