//! /setup — first run: the first company and its owner; /signup — the same form for a new
//! company when public sign-up is enabled.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::take_form_flash;
use crate::components::ui::{Alert, AuthFrame, Field, SubmitButton, Tone};

/// Time zones offered at setup; the company's "today" is counted in it.
pub const TIMEZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Warsaw",
    "Europe/Bucharest",
    "Europe/Athens",
    "Europe/Istanbul",
    "Europe/Kyiv",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
];

#[component]
pub fn SetupPage() -> impl IntoView {
    view! {
        <Title text="Set up Switchyard"/>
        <AuthFrame title="Set up Switchyard" subtitle="Create your company and its owner account. You can invite your team afterwards.">
            <CompanyForm action="/auth/setup" flash=company_flash("setup")/>
        </AuthFrame>
    }
}

/// /signup — public sign-up (when SIGNUP_ENABLED): a new company and its owner.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let open = Resource::new_blocking(|| (), |_| crate::api::account::signup_open());
    // Created here, outside the Suspense below (the server walks its children more than once).
    let flash = company_flash("signup");
    view! {
        <Title text="Create a company · Switchyard"/>
        <Suspense>
            {move || Suspend::new(async move {
                if open.await.unwrap_or(false) {
                    view! {
                        <AuthFrame title="Create your company" subtitle="Start a Switchyard workspace for your company. You will be its owner and can invite your team.">
                            <CompanyForm action="/auth/signup" flash/>
                            <a href="/login" class="mt-6 block text-center text-sm font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">"Already have an account? Sign in"</a>
                        </AuthFrame>
                    }.into_any()
                } else {
                    view! {
                        <AuthFrame title="Sign-up is closed" subtitle="">
                            <Alert tone=Tone::Info>"New companies are created by invitation on this Switchyard. Ask your administrator for an invitation."</Alert>
                            <a href="/login" class="mt-6 block text-center text-sm font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">"Go to sign in"</a>
                        </AuthFrame>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// The flash a company form's errors come back in (`setup` or `signup`).
fn company_flash(
    form: &'static str,
) -> Resource<Result<Option<crate::api::FormFlash>, crate::api::AppError>> {
    Resource::new_blocking(move || (), move |_| take_form_flash(form.into()))
}

/// Company, time zone, owner's name, email and password, posted to `action`; errors come back
/// in `flash` (from [`company_flash`]).
#[component]
fn CompanyForm(
    action: &'static str,
    flash: Resource<Result<Option<crate::api::FormFlash>, crate::api::AppError>>,
) -> impl IntoView {
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let f = flash.await.ok().flatten().unwrap_or_default();
                let err = |field: &str| (f.field.as_deref() == Some(field)).then(|| f.message.clone());
                let general = (!f.message.is_empty() && f.field.is_none()).then(|| f.message.clone());
                let tz = f.values.get("timezone").cloned().unwrap_or_else(|| "UTC".into());
                view! {
                    {general.map(|m| view! { <div class="mb-4"><Alert tone=Tone::Error>{m}</Alert></div> })}
                    <form method="post" action=action class="space-y-4">
                        <Field name="company_name" label="Company name" value=f.value("company_name") autocomplete="organization" error=err("company_name") autofocus=true/>
                        <div>
                            <label for="f-timezone" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Time zone"</label>
                            <select id="f-timezone" name="timezone" class="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100">
                                {TIMEZONES.iter().map(|z| view! { <option value=*z selected=*z == tz>{z.replace('_', " ")}</option> }).collect_view()}
                            </select>
                            {err("timezone").map(|e| view! { <p class="mt-1 text-sm text-red-600 dark:text-red-400">{e}</p> })}
                        </div>
                        <Field name="name" label="Your name" value=f.value("name") autocomplete="name" error=err("name")/>
                        <Field name="email" label="Email" kind="email" value=f.value("email") autocomplete="email" error=err("email")/>
                        <Field name="password" label="Password" kind="password" autocomplete="new-password" error=err("password")
                            hint="8 to 128 characters, with at least one letter and one digit."/>
                        <Field name="password_confirm" label="Confirm password" kind="password" autocomplete="new-password" error=err("password_confirm")/>
                        <SubmitButton>"Create company"</SubmitButton>
                    </form>
                }
            })}
        </Suspense>
    }
}
