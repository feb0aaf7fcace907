//! /login — password sign-in, and "Continue with Google" when it is configured.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::take_form_flash;
use crate::components::ui::{
    google_available, Alert, AuthFrame, ContinueWithGoogle, Field, SubmitButton, Tone,
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let flash = Resource::new_blocking(|| (), |_| take_form_flash("login".into()));
    // Created here, outside the Suspense below (the server walks its children more than once).
    let google = google_available();
    let signup = Resource::new_blocking(|| (), |_| crate::api::account::signup_open());
    let signed_out = move || query.read().get("signed_out").is_some();
    view! {
        <Title text="Sign in · Switchyard"/>
        <AuthFrame title="Sign in" subtitle="Welcome back. Sign in to your Switchyard workspace.">
            <Suspense>
                {move || Suspend::new(async move {
                    let f = flash.await.ok().flatten().unwrap_or_default();
                    let next = f.values.get("next").cloned()
                        .or_else(|| query.read_untracked().get("next"))
                        .unwrap_or_default();
                    let message = (!f.message.is_empty()).then(|| f.message.clone());
                    view! {
                        {message.map(|m| view! { <div class="mb-4"><Alert tone=Tone::Error>{m}</Alert></div> })}
                        {(signed_out() && f.message.is_empty()).then(|| view! { <div class="mb-4"><Alert tone=Tone::Success>"You have been signed out."</Alert></div> })}
                        {(query.read_untracked().get("reset").is_some() && f.message.is_empty()).then(|| view! { <div class="mb-4"><Alert tone=Tone::Success>"Your password was changed. Sign in with the new one."</Alert></div> })}
                        {(f.message.is_empty()).then(|| removed_methods(&query.read_untracked().get("removed").unwrap_or_default())).flatten().map(|m| view! { <div class="mb-4"><Alert tone=Tone::Info>{m}</Alert></div> })}
                        {(query.read_untracked().get("verified").is_some() && f.message.is_empty()).then(|| view! { <div class="mb-4"><Alert tone=Tone::Success>"Your email address is confirmed. Sign in to continue."</Alert></div> })}
                        <form method="post" action="/auth/login" class="space-y-4">
                            <input type="hidden" name="next" value=next.clone()/>
                            <Field name="email" label="Email" kind="email" value=f.value("email") autocomplete="username" autofocus=true/>
                            <Field name="password" label="Password" kind="password" autocomplete="current-password"/>
                            <SubmitButton>"Sign in"</SubmitButton>
                        </form>
                        <ContinueWithGoogle available=google intent="login" next=next.clone() label="Continue with Google" divider=true/>
                        <a href="/forgot" class="mt-6 block text-center text-sm font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">"Forgot your password?"</a>
                        <SignUpLink open=signup/>
                    }
                })}
            </Suspense>
        </AuthFrame>
    }
}

/// What a password reset removed (`removed=google,authenticator`), said to the person.
fn removed_methods(raw: &str) -> Option<String> {
    let names: Vec<&str> = raw
        .split(',')
        .filter_map(|m| match m {
            "google" => Some("the linked Google account"),
            "authenticator" => Some("the authenticator app"),
            _ => None,
        })
        .collect();
    (!names.is_empty()).then(|| {
        format!(
            "We also removed {} from your account: they were added before your email address was confirmed, possibly by someone else. Add them again under Settings → Security if they were yours.",
            names.join(" and ")
        )
    })
}

/// "New to Switchyard? Create a company" — only when public sign-up is enabled.
#[component]
fn SignUpLink(open: Resource<Result<bool, crate::api::AppError>>) -> impl IntoView {
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                open.await.unwrap_or(false).then(|| view! {
                    <p class="mt-3 text-center text-sm text-slate-500 dark:text-slate-400">
                        "New to Switchyard? "
                        <a href="/signup" class="font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">"Create a company"</a>
                    </p>
                })
            })}
        </Suspense>
    }
}
