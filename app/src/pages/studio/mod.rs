//! The content studio (content.write): /campaigns/studio (an outreach email),
//! /campaigns/studio/post (a LinkedIn post), /campaigns/studio/pieces/:id (a piece: copy, edit,
//! versions, mark as sent, its pixel and opens), /campaigns/studio/library,
//! /campaigns/studio/authors (author styles; /campaigns/studio/authors/upload/:id previews a
//! workbook) and /campaigns/studio/research. One lazy route.

mod authors;
mod forms;
mod library;
mod piece;
mod research;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::ui::TAB;

#[component]
pub fn StudioArea() -> impl IntoView {
    let page = super::area_page("/campaigns/studio", |p| {
        Some(match p {
            [] => "email",
            ["post"] => "post",
            ["library"] => "library",
            ["authors"] => "authors",
            ["authors", "upload", _] => "upload",
            ["research"] => "research",
            ["pieces", _] => "piece",
            _ => return None,
        })
    });
    move || match page.get() {
        "post" => view! { <forms::PostPage/> }.into_any(),
        "library" => view! { <library::LibraryPage/> }.into_any(),
        "authors" => view! { <authors::AuthorsPage/> }.into_any(),
        "upload" => view! { <authors::UploadPage/> }.into_any(),
        "research" => view! { <research::ResearchPage/> }.into_any(),
        "piece" => view! { <piece::PiecePage/> }.into_any(),
        _ => view! { <forms::EmailPage/> }.into_any(),
    }
}

/// The studio's heading and tabs.
#[component]
fn StudioHeader(#[prop(into)] text: String) -> impl IntoView {
    view! {
        <div class="mb-6">
            <h1 class="page-title">"Content studio"</h1>
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{text}</p>
            <nav class="mt-4 flex gap-6 overflow-x-auto border-b border-slate-200 dark:border-slate-800" aria-label="Content studio">
                <A href="/campaigns/studio" exact=true attr:class=TAB>"Outreach email"</A>
                <A href="/campaigns/studio/post" attr:class=TAB>"LinkedIn post"</A>
                <A href="/campaigns/studio/library" attr:class=TAB>"Library"</A>
                <A href="/campaigns/studio/authors" attr:class=TAB>"Author styles"</A>
                <A href="/campaigns/studio/research" attr:class=TAB>"Research"</A>
            </nav>
        </div>
    }
}

const LABEL: &str = "block text-sm font-medium text-slate-700 dark:text-slate-300";
const TEXTAREA: &str = "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100";

/// A labelled text area.
#[component]
fn Area(
    name: &'static str,
    #[prop(into)] label: String,
    #[prop(optional)] value: String,
    #[prop(default = 4)] rows: u32,
    #[prop(optional)] required: bool,
    #[prop(into, optional)] hint: String,
) -> impl IntoView {
    let id = format!("f-{name}");
    view! {
        <div>
            <label for=id.clone() class=LABEL>{label}</label>
            <textarea id=id name=name rows=rows required=required class=TEXTAREA>{value}</textarea>
            {(!hint.is_empty()).then(|| view! { <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{hint}</p> })}
        </div>
    }
}

/// A labelled select of (value, label).
#[component]
fn Choice(
    name: &'static str,
    #[prop(into)] label: String,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let options = options
        .into_iter()
        .map(|(v, l)| view! { <option value=v>{l}</option> })
        .collect_view();
    view! {
        <div>
            <label for=id.clone() class=LABEL>{label}</label>
            <select id=id name=name class=format!("mt-1 {}", crate::components::ui::SELECT)>{options}</select>
        </div>
    }
}
