//! /settings/company — the company's profile.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsHeader;
use crate::api::team::{get_company_settings, CompanyPage as Company, SaveCompanySettings};
use crate::components::ui::{
    ActionResult, Alert, Card, Field, Loaded, Tone, BUTTON, BUTTON_DANGER, SELECT,
};
use crate::pages::setup::TIMEZONES;

/// A labelled select with its error.
#[component]
fn Choice(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    options: Vec<(String, String)>,
    #[prop(into)] selected: String,
    error: Option<String>,
) -> impl IntoView {
    let id = format!("f-{name}");
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-700 dark:text-slate-300">{label}</label>
            <select id=id name=name class=format!("mt-1 {SELECT}")>
                {options.into_iter().map(|(value, text)| { let sel = value == selected; view! { <option value=value selected=sel>{text}</option> } }).collect_view()}
            </select>
            {error.map(|e| view! { <p class="mt-1 text-sm text-red-600 dark:text-red-400">{e}</p> })}
        </div>
    }
}

#[component]
pub fn CompanyPage() -> impl IntoView {
    let save = ServerAction::<SaveCompanySettings>::new();
    let page = Resource::new(move || save.version().get(), |_| get_company_settings());
    let field_error = move |f: &str| {
        save.value()
            .get_untracked()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    let flash = Resource::new_blocking(|| (), |_| crate::api::take_form_flash("logo".into()));
    view! {
        <Title text="Company · Switchyard"/>
        <SettingsHeader title="Settings" text="How the company appears, and how dates, money and analyses are shown."/>
        <ActionResult value=move || save.value().get() success="Company settings saved."/>
        <Loaded resource=page render=move |c: Company| {
                        let pairs = |v: Vec<String>| v.into_iter().map(|x| (x.clone(), x)).collect::<Vec<_>>();
                        let zones = TIMEZONES.iter().map(|z| (z.to_string(), z.replace('_', " "))).collect::<Vec<_>>();
                        view! {
                            <div class="grid max-w-5xl gap-6 lg:grid-cols-5">
                                <div class="lg:col-span-3">
                                <Card title="Company">
                                    <ActionForm action=save attr:class="space-y-4">
                                        <Field name="name" label="Company name" value=c.name.clone() autocomplete="organization" error=field_error("name")/>
                                        <Choice name="timezone" label="Time zone" options=zones selected=c.timezone.clone() error=field_error("timezone")/>
                                        <Choice name="currency" label="Currency" options=pairs(c.currencies.clone()) selected=c.currency.clone() error=field_error("currency")/>
                                        <Choice name="date_format" label="Date format" options=pairs(c.date_formats.clone()) selected=c.date_format.clone() error=field_error("date_format")/>
                                        <Choice name="analysis_standard" label="Default standard for analyses" options=c.standards.clone() selected=c.analysis_standard.clone() error=field_error("analysis_standard")/>
                                        <button type="submit" class=format!("{BUTTON} w-full")>"Save"</button>
                                    </ActionForm>
                                </Card>
                                </div>
                                <div class="lg:col-span-2">
                                    <LogoCard version=c.logo_version flash/>
                                </div>
                            </div>
                        }
        }/>
        // Outside the company form's Suspense: it loads and refreshes on its own.
        <div class="mt-6 max-w-5xl lg:w-3/5"><LimitsCard/></div>
    }
}

/// The analysis limits: each threshold of the standard, which the company may tighten or relax.
#[component]
fn LimitsCard() -> impl IntoView {
    use crate::api::analyses::{get_analysis_limits, LimitsView, SaveAnalysisLimits};
    let save = ServerAction::<SaveAnalysisLimits>::new();
    let limits = Resource::new(move || save.version().get(), |_| get_analysis_limits());
    view! {
        <Card title="Analysis limits">
            <ActionResult value=move || save.value().get() success="Analysis limits saved. New analyses use them."/>
            <Loaded resource=limits render=move |v: LimitsView| {
                let rows = v.limits.into_iter().map(|l| {
                    let id = format!("f-limit-{}", l.key);
                    view! {
                        <div class="grid grid-cols-3 items-center gap-3">
                            <label for=id.clone() class="col-span-2 text-sm text-slate-700 dark:text-slate-300">{l.label}</label>
                            <input id=id name=format!("values[{}]", l.key) value=l.custom placeholder=l.standard inputmode="decimal"
                                class="block w-full rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"/>
                        </div>
                    }
                }).collect_view();
                view! {
                    <p class="mb-4 text-sm text-slate-500 dark:text-slate-400">{format!("Empty fields use {} (the placeholder). Each analysis keeps the limits it was run with.", v.standard)}</p>
                    <ActionForm action=save attr:class="space-y-3">
                        {rows}
                        <button type="submit" class=format!("{BUTTON} w-full")>"Save limits"</button>
                    </ActionForm>
                }
            }/>
        </Card>
    }
}

/// The logo: a preview, a plain multipart form to replace it, and a remove button. Both forms
/// post to server routes and come back with a message, with or without JavaScript.
#[component]
fn LogoCard(
    version: Option<i64>,
    flash: Resource<Result<Option<crate::api::FormFlash>, crate::api::AppError>>,
) -> impl IntoView {
    view! {
        <Card title="Logo">
            <Suspense>
                {move || Suspend::new(async move {
                    let f = flash.await.ok().flatten().unwrap_or_default();
                    (!f.message.is_empty()).then(|| {
                        let tone = if f.values.contains_key("ok") { Tone::Success } else { Tone::Error };
                        view! { <div class="mb-4"><Alert tone>{f.message.clone()}</Alert></div> }
                    })
                })}
            </Suspense>
            {match version {
                Some(v) => view! {
                    <div class="mb-4 flex h-28 items-center justify-center rounded-lg border border-slate-200 bg-slate-50 p-3 dark:border-slate-700 dark:bg-slate-800">
                        <img src=format!("/company/logo?v={v}") alt="Company logo" class="max-h-full max-w-full object-contain" data-testid="company-logo"/>
                    </div>
                }.into_any(),
                None => view! {
                    <p class="mb-4 text-sm text-slate-500 dark:text-slate-400">"No logo yet. It appears on PDF reports."</p>
                }.into_any(),
            }}
            <form method="post" action="/settings/company/logo" enctype="multipart/form-data" class="space-y-3">
                <div>
                    <label for="f-logo" class="block text-sm font-medium text-slate-700 dark:text-slate-300">{if version.is_some() { "Replace logo" } else { "Upload a logo" }}</label>
                    <input id="f-logo" name="logo" type="file" accept="image/png,image/jpeg" required
                        class="mt-1 block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-brand-50 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-brand-700 hover:file:bg-brand-100 dark:text-slate-300 dark:file:bg-brand-500/10 dark:file:text-brand-300"/>
                    <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">"PNG or JPG, up to 5 MB."</p>
                </div>
                <button type="submit" class=format!("{BUTTON} w-full")>"Upload logo"</button>
            </form>
            {version.map(|_| view! {
                <form method="post" action="/settings/company/logo/remove" class="mt-3">
                    <button type="submit" class=format!("{BUTTON_DANGER} w-full py-2 text-sm")>"Remove logo"</button>
                </form>
            })}
        </Card>
    }
}
