//! /login/code — the second step of a sign-in with two-factor. A plain form posting to
//! `/auth/code`, so it works before hydration.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::take_form_flash;
use crate::components::ui::{AuthFrame, Field, SubmitButton};

#[component]
pub fn CodePage() -> impl IntoView {
    let flash = Resource::new_blocking(|| (), |_| take_form_flash("code".into()));
    view! {
        <Title text="Enter your code · Switchyard"/>
        <AuthFrame title="Two-factor sign-in" subtitle="Enter the 6-digit code from your authenticator app, or one of your recovery codes.">
            <Suspense>
                {move || Suspend::new(async move {
                    let f = flash.await.ok().flatten().unwrap_or_default();
                    let error = (!f.message.is_empty()).then(|| f.message.clone());
                    view! {
                        <form method="post" action="/auth/code" class="space-y-4">
                            <Field name="code" label="Code" autocomplete="one-time-code" error=error autofocus=true/>
                            <SubmitButton>"Verify"</SubmitButton>
                        </form>
                        <a href="/login" class="mt-6 block text-center text-sm font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">"Start again"</a>
                    }
                })}
            </Suspense>
        </AuthFrame>
    }
}
