//! /forgot and /reset/:token — password reset by a single-use link. Plain forms posting to
//! `/auth/forgot` and `/auth/reset/:token`, so they work before hydration.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{account::check_reset_link, take_form_flash};
use crate::components::ui::{Alert, AuthFrame, Field, SubmitButton, Tone};

#[component]
pub fn ForgotPage() -> impl IntoView {
    let query = use_query_map();
    let flash = Resource::new_blocking(|| (), |_| take_form_flash("forgot".into()));
    view! {
        <Title text="Reset your password · Switchyard"/>
        <AuthFrame title="Reset your password" subtitle="Enter the email you sign in with. We will send a link to choose a new password.">
            <Suspense>
                {move || Suspend::new(async move {
                    let f = flash.await.ok().flatten().unwrap_or_default();
                    let sent = query.read_untracked().get("sent").is_some() && f.message.is_empty();
                    let error = (!f.message.is_empty()).then(|| f.message.clone());
                    view! {
                        {sent.then(|| view! { <div class="mb-4"><Alert tone=Tone::Success>"If an account uses that email, a reset link is on its way. It works once, for 30 minutes."</Alert></div> })}
                        <form method="post" action="/auth/forgot" class="space-y-4">
                            <Field name="email" label="Email" kind="email" value=f.value("email") autocomplete="username" error=error autofocus=true/>
                            <SubmitButton>"Send reset link"</SubmitButton>
                        </form>
                        <a href="/login" class="mt-6 block text-center text-sm font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">"Back to sign in"</a>
                    }
                })}
            </Suspense>
        </AuthFrame>
    }
}

#[component]
pub fn ResetPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let refusal = Resource::new_blocking(token, check_reset_link);
    let flash = Resource::new_blocking(|| (), |_| take_form_flash("reset".into()));
    view! {
        <Title text="Choose a new password · Switchyard"/>
        <AuthFrame title="Choose a new password" subtitle="After this, every device signed in to your account is signed out.">
            <Suspense>
                {move || Suspend::new(async move {
                    let f = flash.await.ok().flatten().unwrap_or_default();
                    let refused = match refusal.await {
                        Ok(r) => r,
                        Err(e) => Some(e.message),
                    };
                    if let Some(why) = refused {
                        return view! {
                            <Alert tone=Tone::Error>{why}</Alert>
                            <a href="/forgot" class="mt-6 block text-center text-sm font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">"Ask for a new link"</a>
                        }.into_any();
                    }
                    let (f_field, f_message) = (f.field.clone(), f.message.clone());
                    let err = move |field: &str| (f_field.as_deref() == Some(field)).then(|| f_message.clone());
                    let general = (!f.message.is_empty() && f.field.is_none()).then(|| f.message.clone());
                    view! {
                        {general.map(|m| view! { <div class="mb-4"><Alert tone=Tone::Error>{m}</Alert></div> })}
                        <form method="post" action=format!("/auth/reset/{}", token()) class="space-y-4">
                            <Field name="new_password" label="New password" kind="password" autocomplete="new-password" error=err("new_password")
                                hint="8 to 128 characters, with at least one letter and one digit." autofocus=true/>
                            <Field name="new_password_confirm" label="Confirm new password" kind="password" autocomplete="new-password" error=err("new_password_confirm")/>
                            <SubmitButton>"Set new password"</SubmitButton>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </AuthFrame>
    }
}
