//! /settings/company — the company's profile.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::{ActionResult, Loaded, SettingsHeader, BUTTON, SELECT};
use crate::api::team::{get_company_settings, CompanyPage as Company, SaveCompanySettings};
use crate::components::ui::{Card, Field};
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
    view! {
        <Title text="Company · Switchyard"/>
        <SettingsHeader title="Settings" text="How the company appears, and how dates, money and analyses are shown."/>
        <ActionResult value=move || save.value().get() success="Company settings saved."/>
        <Loaded resource=page render=move |c: Company| {
                        let pairs = |v: Vec<String>| v.into_iter().map(|x| (x.clone(), x)).collect::<Vec<_>>();
                        let zones = TIMEZONES.iter().map(|z| (z.to_string(), z.replace('_', " "))).collect::<Vec<_>>();
                        view! {
                            <div class="max-w-xl">
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
                        }
        }/>
    }
}
