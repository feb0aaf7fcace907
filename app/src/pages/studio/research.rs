//! /campaigns/studio/research — read a company's page: what it does, its products, recent news
//! on the page and its tone, with the links it came from. A reading is reused for 24 hours
//! ("Read it again" refreshes it); the email form researches the same way by itself.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::StudioHeader;
use crate::api::studio::{get_readings, ResearchCompany, ResearchView};
use crate::components::ui::{ActionResult, Card, EmptyState, Field, Loaded, BUTTON, BUTTON_QUIET};

/// The latest readings.
type Readings = Vec<ResearchView>;

#[component]
pub fn ResearchPage() -> impl IntoView {
    let research = ServerAction::<ResearchCompany>::new();
    let readings = Resource::new(move || research.version().get(), |_| get_readings());
    view! {
        <Title text="Research · Content studio · Switchyard"/>
        <StudioHeader text="A company's website, read safely and summarised in its own words."/>
        <ActionResult value=move || research.value().get() success=""/>
        <div class="max-w-3xl space-y-6">
            <Card title="Research a company">
                <ActionForm action=research attr:class="flex flex-col gap-3 sm:flex-row sm:items-end">
                    <div class="flex-1">
                        <Field name="url" label="Website" hint="Public addresses only; the site's robots.txt is respected."/>
                    </div>
                    <button type="submit" class=BUTTON disabled=move || research.pending().get() data-testid="research-go">
                        {move || if research.pending().get() { "Reading…" } else { "Research" }}
                    </button>
                </ActionForm>
            </Card>
            <Loaded resource=readings render=move |list: Readings| {
                if list.is_empty() {
                    return view! { <EmptyState title="Nothing read yet" text="Type a company's website above; its summary is kept for 24 hours."/> }.into_any();
                }
                list.into_iter().map(|r| view! { <Reading r research/> }).collect_view().into_any()
            }/>
        </div>
    }
}

#[component]
fn Reading(r: ResearchView, research: ServerAction<ResearchCompany>) -> impl IntoView {
    let section = |title: &'static str, items: Vec<String>, id: &'static str| {
        let bullets = move |items: Vec<String>| {
            items
                .into_iter()
                .map(|i| view! { <li>{i}</li> })
                .collect_view()
        };
        (!items.is_empty()).then(move || view! {
            <div class="mt-3">
                <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
                <ul class="mt-1 list-disc pl-5 text-sm text-slate-700 dark:text-slate-300" data-testid=id>{bullets(items)}</ul>
            </div>
        })
    };
    let sources = r.sources.iter().map(|(text, url)| view! {
        <li><a class="text-brand-700 hover:underline dark:text-brand-300" href=url.clone() rel="noopener noreferrer nofollow" target="_blank">{if text.is_empty() { url.clone() } else { text.clone() }}</a></li>
    }).collect_view();
    let title = r.name.clone().unwrap_or_else(|| r.url.clone());
    let url = r.url.clone();
    view! {
        <Card title=title>
            <div data-testid="research" data-complete=r.complete.to_string()>
                <p class="text-xs text-slate-500">{format!("{} · read {}{}", r.url, r.fetched, if r.cached { " (kept for 24 hours)" } else { "" })}</p>
                {r.note.clone().map(|n| view! { <p class="mt-2 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-800 dark:bg-amber-400/10 dark:text-amber-200" data-testid="research-note">{n}</p> })}
                {r.what.clone().map(|w| view! { <p class="mt-3 text-sm text-slate-800 dark:text-slate-200" data-testid="research-what">{w}</p> })}
                {section("Products and services", r.products.clone(), "research-products")}
                {section("News on the page", r.news.clone(), "research-news")}
                {r.tone.clone().map(|t| view! { <p class="mt-3 text-sm text-slate-700 dark:text-slate-300">"Tone: "{t}</p> })}
                <div class="mt-3">
                    <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-500">"Sources"</h3>
                    <ul class="mt-1 space-y-0.5 text-sm" data-testid="research-sources">{sources}</ul>
                </div>
                <ActionForm action=research attr:class="mt-3">
                    <input type="hidden" name="url" value=url/>
                    <input type="hidden" name="fresh" value="1"/>
                    <button type="submit" class=BUTTON_QUIET>"Read it again"</button>
                </ActionForm>
            </div>
        </Card>
    }
}
