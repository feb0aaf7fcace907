//! /campaigns/studio/authors — author styles: upload a workbook of an author's posts (checked
//! row by row first: /campaigns/studio/authors/upload/:id shows every row and nothing is
//! written until "Add" is pressed), search, delete, export. The upload and its confirmation are
//! plain posts to server routes, so they work before hydration.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::StudioHeader;
use crate::api::studio::{get_authors, get_upload, AuthorView, DeleteAuthor, UploadView};
use crate::api::{take_form_flash, FormFlash};
use crate::components::ui::{
    Alert, Card, Confirm, EmptyState, FilterBar, FilterField, LastSaid, Loaded, Tone, BUTTON,
    BUTTON_DANGER, BUTTON_SECONDARY, INPUT, TABLE, TD, TH,
};

/// The author list.
type Authors = Vec<AuthorView>;

const HELP: &str = "One row per post. Required columns: author_name, post_content, post_summary. \
    Optional: link, date (YYYY-MM-DD), engagement. Values only: a workbook with formulas is refused. \
    Up to 5 MB and 5,000 posts.";

#[component]
pub fn AuthorsPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let delete = ServerAction::<DeleteAuthor>::new();
    let list = Resource::new(
        move || (search(), delete.version().get()),
        |(q, _)| get_authors(q),
    );
    let flash = Resource::new_blocking(|| (), |_| take_form_flash("studio-authors".into()));
    let answers = vec![(delete.version(), delete.value().into())];
    view! {
        <Title text="Author styles · Content studio · Switchyard"/>
        <StudioHeader text="Posts by authors whose style a LinkedIn post can follow: each style is summarised once and reused."/>
        <LastSaid answers/>
        <div class="grid gap-6 xl:grid-cols-3">
            <div class="space-y-4 xl:col-span-2">
                <div class="flex flex-wrap items-end justify-between gap-3">
                    {move || view! {
                        <FilterBar action="/campaigns/studio/authors" columns="lg:grid-cols-2">
                            <FilterField label="Author" for_id="f-q">
                                <input id="f-q" name="q" value=search() class=INPUT/>
                            </FilterField>
                        </FilterBar>
                    }}
                    <a href="/campaigns/studio/export/authors" class=BUTTON_SECONDARY rel="external" download="">"Export .xlsx"</a>
                </div>
                <Loaded resource=list render=move |authors: Authors| {
                    if authors.is_empty() {
                        return view! { <EmptyState title="No author styles yet" text="Upload a workbook of an author's posts to write in their style."/> }.into_any();
                    }
                    authors.into_iter().map(|a| view! { <AuthorLine a delete/> }).collect_view().into_any()
                }/>
            </div>
            <Suspense>
                {move || Suspend::new(async move {
                    let f = flash.await.ok().flatten();
                    view! { <UploadForm f/> }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn AuthorLine(a: AuthorView, delete: ServerAction<DeleteAuthor>) -> impl IntoView {
    let aria = format!("Delete {}", a.name);
    let style = a.style.clone().unwrap_or_else(|| {
        "Style not summarised yet: it is, the first time a post uses it.".into()
    });
    let cost =
        (a.style_tokens > 0).then(|| format!(" ({} tokens)", crate::format::group(a.style_tokens)));
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" data-testid="author">
            <div class="flex items-start justify-between gap-3">
                <div>
                    <p class="text-sm font-semibold text-slate-900 dark:text-white">{a.name.clone()}</p>
                    <p class="text-xs text-slate-500">{crate::format::count(a.posts, "post", "posts")}{cost}</p>
                </div>
                <Confirm label="Delete" aria_label=aria.clone() question=format!("Delete {} and their {} posts? Pieces already written keep their text.", a.name, a.posts)>
                    <ActionForm action=delete>
                        <input type="hidden" name="id" value=a.id.clone()/>
                        <button type="submit" class=BUTTON_DANGER aria-label=aria>"Delete"</button>
                    </ActionForm>
                </Confirm>
            </div>
            <p class="mt-2 text-sm text-slate-700 dark:text-slate-300" data-testid="author-style">{style}</p>
        </div>
    }
}

#[component]
fn UploadForm(f: Option<FormFlash>) -> impl IntoView {
    let error = f.map(|f| f.message);
    view! {
        <Card title="Upload author styles">
            {error.map(|e| view! { <div class="mb-4" data-testid="authors-error"><Alert tone=Tone::Error>{e}</Alert></div> })}
            <p class="mb-4 text-sm text-slate-600 dark:text-slate-400">{HELP}</p>
            <form method="post" action="/campaigns/studio/authors/upload" enctype="multipart/form-data" class="space-y-4">
                <div>
                    <label for="f-authors-file" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Excel workbook (.xlsx)"</label>
                    <input id="f-authors-file" name="file" type="file" required
                        accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                        class="mt-1 block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-brand-50 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-brand-700 hover:file:bg-brand-100 dark:text-slate-300 dark:file:bg-brand-500/10 dark:file:text-brand-300"/>
                </div>
                <button type="submit" class=BUTTON>"Check the workbook"</button>
            </form>
        </Card>
    }
}

#[component]
pub fn UploadPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_upload,
    );
    view! {
        <Title text="Workbook preview · Content studio · Switchyard"/>
        <StudioHeader text="Every row is checked before anything is written."/>
        <Loaded resource=data render=move |v: UploadView| view! { <Preview v/> }/>
    }
}

#[component]
fn Preview(v: UploadView) -> impl IntoView {
    let bad = v.rows.len() - v.good;
    let summary = format!(
        "{} in {}: {} from {}; {} with problems (skipped).",
        crate::format::count(v.rows.len() as i64, "row", "rows"),
        v.file_name,
        crate::format::count(v.good as i64, "post", "posts"),
        crate::format::count(v.authors as i64, "author", "authors"),
        crate::format::count(bad as i64, "row", "rows"),
    );
    let ignored = (!v.ignored.is_empty()).then(|| view! {
        <p class="mt-1 text-xs text-slate-500">{format!("Columns not read: {}.", v.ignored.join(", "))}</p>
    });
    let action = if v.confirmed {
        view! {
            <div data-testid="authors-done"><Alert tone=Tone::Success>
                {format!("Added {}.", crate::format::count(v.good as i64, "post", "posts"))}
                " " <a class="font-medium underline" href="/campaigns/studio/authors">"See the authors"</a>
            </Alert></div>
        }.into_any()
    } else if v.good > 0 {
        view! {
            <form method="post" action=format!("/campaigns/studio/authors/upload/{}/confirm", v.id)>
                <button type="submit" class=BUTTON data-testid="authors-confirm">
                    {format!("Add {}", crate::format::count(v.good as i64, "post", "posts"))}
                </button>
            </form>
        }
        .into_any()
    } else {
        view! { <Alert tone=Tone::Info>"No row can be added: fix the workbook and upload it again."</Alert> }.into_any()
    };
    let rows = v.rows.into_iter().map(|r| {
        let ok = r.problems.is_empty();
        view! {
            <tr data-testid="authors-row" data-ok=ok.to_string()>
                <td class=TD>{r.line}</td>
                <td class=TD>{r.author.clone()}</td>
                <td class=TD><span class="line-clamp-2 max-w-md text-xs">{r.excerpt.clone()}</span></td>
                <td class=TD>{if ok {
                    view! { <span class="text-xs text-emerald-700 dark:text-emerald-300">"Taken"</span> }.into_any()
                } else {
                    view! { <span class="text-xs text-red-700 dark:text-red-300">{r.problems.join("; ")}</span> }.into_any()
                }}</td>
            </tr>
        }
    }).collect_view();
    view! {
        <Card title="Workbook preview">
            <p class="text-sm text-slate-700 dark:text-slate-300" data-testid="authors-summary">{summary}</p>
            {ignored}
            <div class="my-4">{action}</div>
            <div class="overflow-x-auto">
                <table class=TABLE>
                    <thead><tr><th class=TH>"Line"</th><th class=TH>"Author"</th><th class=TH>"Post"</th><th class=TH>"Check"</th></tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                </table>
            </div>
        </Card>
    }
}
