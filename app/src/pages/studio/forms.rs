//! /campaigns/studio (an outreach email) and /campaigns/studio/post (a LinkedIn post): the
//! forms. Each carries a one-time request id, so a double click makes one piece; a generated
//! piece opens on its own page.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::{Area, Choice, StudioHeader};
use crate::api::studio::{get_studio_form, StudioForm, WriteEmail, WritePost};
use crate::api::{take_form_flash, FormFlash};
use crate::components::ui::{
    ActionResult, Alert, Card, Field, Loaded, Tone, BUTTON, BUTTON_SECONDARY, INPUT,
};

const TONES: [(&str, &str); 5] = [
    ("professional", "Professional"),
    ("friendly", "Friendly"),
    ("casual", "Casual"),
    ("formal", "Formal"),
    ("enthusiastic", "Enthusiastic"),
];

/// "Writing…" while the action runs (the research and the writing take a few seconds).
#[component]
fn Submit(pending: Signal<bool>, #[prop(into)] label: String) -> impl IntoView {
    view! {
        <div class="flex items-center gap-3">
            <button type="submit" class=BUTTON disabled=move || pending.get() data-testid="studio-generate">
                {move || if pending.get() { "Writing…".to_string() } else { label.clone() }}
            </button>
            <span class="text-xs text-slate-500" aria-live="polite">
                {move || pending.get().then_some("Reading the pages and writing: this takes a few seconds.")}
            </span>
        </div>
    }
}

#[component]
fn Writer(f: StudioForm) -> impl IntoView {
    view! { <div class="mb-4" data-testid="studio-writer" data-ai=f.ai.to_string()><Alert tone=Tone::Info>{f.writer}</Alert></div> }
}

/// "Fill “About you” from a resume": a plain multipart post, so it works before hydration.
#[component]
fn ResumeForm(file: Option<String>, flash: Option<FormFlash>) -> impl IntoView {
    let said = flash.map(|f| {
        let tone = if f.value("ok") == "1" {
            Tone::Success
        } else {
            Tone::Error
        };
        view! { <div class="mb-3" data-testid="resume-flash"><Alert tone>{f.message}</Alert></div> }
    });
    let kept =
        file.map(|f| format!("“About you” is filled from {f}; edit it below or upload another."));
    view! {
        <Card title="Your resume (optional)">
            {said}
            <form method="post" action="/campaigns/studio/profile" enctype="multipart/form-data" class="flex flex-wrap items-end gap-3">
                <div class="flex-1">
                    <label for="f-resume" class=super::LABEL>"PDF or Word (.docx), up to 5 MB"</label>
                    <input id="f-resume" name="file" type="file" required accept=".pdf,.docx,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                        class="mt-1 block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-brand-50 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-brand-700 hover:file:bg-brand-100 dark:text-slate-300 dark:file:bg-brand-500/10 dark:file:text-brand-300"/>
                </div>
                <button type="submit" class=BUTTON_SECONDARY>"Read the resume"</button>
            </form>
            {kept.map(|k| view! { <p class="mt-2 text-xs text-slate-500">{k}</p> })}
        </Card>
    }
}

#[component]
pub fn EmailPage() -> impl IntoView {
    let form = Resource::new(|| (), |_| get_studio_form());
    let flash = Resource::new_blocking(|| (), |_| take_form_flash("studio-profile".into()));
    let write = ServerAction::<WriteEmail>::new();
    view! {
        <Title text="Outreach email · Content studio · Switchyard"/>
        <StudioHeader text="A cold email from the recipient's company website and your profile: at most 100 words, with a tracking pixel."/>
        <ActionResult value=move || write.value().get() success=""/>
        <Loaded resource=form render=move |f: StudioForm| {
            let tones = TONES.iter().map(|(v, l)| (v.to_string(), l.to_string())).collect();
            view! {
                <div class="max-w-3xl space-y-6">
                    <Writer f=f.clone()/>
                    <Suspense>
                        {
                            let file = f.profile_file.clone();
                            move || {
                                let file = file.clone();
                                Suspend::new(async move {
                                    let flash = flash.await.ok().flatten();
                                    view! { <ResumeForm file flash/> }
                                })
                            }
                        }
                    </Suspense>
                    <Card title="Outreach email">
                        <ActionForm action=write attr:class="space-y-4" attr:data-testid="email-form">
                            <input type="hidden" name="request_id" value=f.request_id.clone()/>
                            <div class="grid gap-4 sm:grid-cols-2">
                                <Field name="recipient_name" label="Recipient's name"/>
                                <Field name="recipient_role" label="Recipient's role" hint="e.g. Head of Operations"/>
                            </div>
                            <Field name="company_url" label="Company website" hint="Read safely: public addresses only, robots.txt respected." kind="text"/>
                            <div class="grid gap-4 sm:grid-cols-2">
                                <Choice name="tone" label="Tone" options=tones/>
                                <Field name="campaign" label="Campaign (optional)" hint="Groups emails for open rates." required=false/>
                            </div>
                            <Field name="goal" label="Goal" hint="e.g. book a 15-minute call next week"/>
                            <Field name="pain_point" label="Pain point (optional)" required=false/>
                            <div class="grid gap-4 sm:grid-cols-2">
                                <Field name="linkedin_url" label="Recipient's LinkedIn page (optional)" required=false/>
                                <Field name="job_url" label="A job posting of theirs (optional)" required=false/>
                            </div>
                            <Field name="sender_name" label="Your name"/>
                            <Area name="sender_profile" label="About you" rows=6 required=true value=f.profile.clone()
                                hint="Your profile or resume (pasted, or read from the file above): its first lines become the email's introduction, its figures the value propositions."/>
                            <Submit pending=write.pending().into() label="Write the email"/>
                        </ActionForm>
                    </Card>
                </div>
            }
        }/>
    }
}

#[component]
pub fn PostPage() -> impl IntoView {
    let form = Resource::new(|| (), |_| get_studio_form());
    let write = ServerAction::<WritePost>::new();
    view! {
        <Title text="LinkedIn post · Content studio · Switchyard"/>
        <StudioHeader text="A LinkedIn post of 150–200 words in a chosen style, with 7–10 hashtags."/>
        <ActionResult value=move || write.value().get() success=""/>
        <Loaded resource=form render=move |f: StudioForm| {
            let goals = vec![
                ("engagement".to_string(), "Engagement".to_string()),
                ("leads".to_string(), "Leads".to_string()),
                ("thought_leadership".to_string(), "Thought leadership".to_string()),
            ];
            let presets = f.presets.iter().map(|(k, n, d)| {
                view! { <option value=format!("preset:{k}") title=d.clone()>{n.clone()}</option> }
            }).collect_view();
            let authors = f.authors.iter().map(|(id, n, posts)| {
                view! { <option value=format!("author:{id}")>{format!("{n} ({posts} posts)")}</option> }
            }).collect_view();
            let has_authors = !f.authors.is_empty();
            view! {
                <div class="max-w-3xl">
                    <Writer f=f.clone()/>
                    <Card title="LinkedIn post">
                        <ActionForm action=write attr:class="space-y-4" attr:data-testid="post-form">
                            <input type="hidden" name="request_id" value=f.request_id.clone()/>
                            <Field name="topic" label="Topic"/>
                            <div class="grid gap-4 sm:grid-cols-2">
                                <Field name="industry" label="Industry"/>
                                <Field name="audience" label="Audience" hint="e.g. office managers"/>
                            </div>
                            <div class="grid gap-4 sm:grid-cols-2">
                                <Choice name="goal" label="Goal" options=goals/>
                                <div>
                                    <label for="f-style" class=super::LABEL>"Style"</label>
                                    <select id="f-style" name="style" class=format!("mt-1 {}", crate::components::ui::SELECT)>
                                        <optgroup label="Presets">{presets}</optgroup>
                                        {has_authors.then(|| view! { <optgroup label="Uploaded authors">{authors}</optgroup> })}
                                        <option value="custom">"Another author (type the name)"</option>
                                    </select>
                                </div>
                            </div>
                            <div>
                                <label for="f-custom_name" class=super::LABEL>"Author's name (for “Another author”)"</label>
                                <input id="f-custom_name" name="custom_name" class=format!("mt-1 {INPUT}")/>
                            </div>
                            <fieldset class="space-y-2">
                                <legend class=super::LABEL>"Reference pages (up to 3, optional)"</legend>
                                <input name="reference1" aria-label="Reference page 1" class=INPUT placeholder="https://"/>
                                <input name="reference2" aria-label="Reference page 2" class=INPUT placeholder="https://"/>
                                <input name="reference3" aria-label="Reference page 3" class=INPUT placeholder="https://"/>
                            </fieldset>
                            <Submit pending=write.pending().into() label="Write the post"/>
                        </ActionForm>
                    </Card>
                </div>
            }
        }/>
    }
}
