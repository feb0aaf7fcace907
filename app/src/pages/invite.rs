//! /invite/:token — accept an invitation: a new account sets a name and password; an existing
//! account confirms with its password. Posts to a form endpoint, so it works before hydration.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{take_form_flash, team::get_invitation};
use crate::components::ui::{
    google_available, Alert, AuthFrame, ContinueWithGoogle, Field, SubmitButton, Tone,
};

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = Resource::new_blocking(token, get_invitation);
    let flash = Resource::new_blocking(|| (), |_| take_form_flash("invite".into()));
    // Created here, outside the Suspense below (the server walks its children more than once).
    let google = google_available();
    view! {
        <Title text="Accept invitation · Switchyard"/>
        <Suspense>
            {move || Suspend::new(async move {
                let f = flash.await.ok().flatten().unwrap_or_default();
                match info.await {
                    Err(e) => view! { <AuthFrame title="Invitation" subtitle=""><Alert tone=Tone::Error>{e.message}</Alert></AuthFrame> }.into_any(),
                    Ok(i) if i.refusal.is_some() => view! {
                        <AuthFrame title="This link cannot be used" subtitle="">
                            <Alert tone=Tone::Error>{i.refusal.clone().unwrap_or_default()}</Alert>
                            <a href="/login" class="mt-6 block text-center text-sm font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">"Go to sign in"</a>
                        </AuthFrame>
                    }.into_any(),
                    Ok(i) => {
                        let (f_field, f_message) = (f.field.clone(), f.message.clone());
                        let err = move |field: &str| (f_field.as_deref() == Some(field)).then(|| f_message.clone());
                        let general = (!f.message.is_empty() && f.field.is_none()).then(|| f.message.clone());
                        let subtitle = format!("You are invited to {} as {}.", i.company_name, i.role_name);
                        let action = format!("/auth/invite/{}", token());
                        view! {
                            <AuthFrame title=format!("Join {}", i.company_name) subtitle>
                                {general.map(|m| view! { <div class="mb-4"><Alert tone=Tone::Error>{m}</Alert></div> })}
                                <form method="post" action=action class="space-y-4">
                                    <div>
                                        <p class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Email"</p>
                                        <p class="mt-1 text-sm text-slate-900 dark:text-slate-100" data-testid="invite-email">{i.email.clone()}</p>
                                    </div>
                                    {if i.has_account {
                                        view! {
                                            <p class="text-sm text-slate-600 dark:text-slate-400">"You already have a Switchyard account. Enter its password to join."</p>
                                            <Field name="password" label="Password" kind="password" autocomplete="current-password" error=err("password") autofocus=true/>
                                        }.into_any()
                                    } else {
                                        view! {
                                            <Field name="name" label="Your name" value=f.value("name") autocomplete="name" error=err("name") autofocus=true/>
                                            <Field name="password" label="Password" kind="password" autocomplete="new-password" error=err("password")
                                                hint="8 to 128 characters, with at least one letter and one digit."/>
                                            <Field name="password_confirm" label="Confirm password" kind="password" autocomplete="new-password" error=err("password_confirm")/>
                                        }.into_any()
                                    }}
                                    <SubmitButton>"Accept invitation"</SubmitButton>
                                </form>
                                <ContinueWithGoogle available=google intent="invite" token=token() label=format!("Accept with Google as {}", i.email) divider=true/>
                            </AuthFrame>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
