//! /logout — GET never changes state, so this page asks for the (POST) confirmation.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::get_me;
use crate::components::ui::{AuthFrame, SubmitButton};

#[component]
pub fn LogoutPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| get_me());
    view! {
        <Title text="Sign out · Switchyard"/>
        <Suspense>
            {move || Suspend::new(async move {
                match me.await.ok().flatten() {
                    Some(me) => view! {
                        <AuthFrame title="Sign out" subtitle=format!("You are signed in as {}.", me.email)>
                            <form method="post" action="/auth/logout" class="space-y-3">
                                <SubmitButton>"Sign out"</SubmitButton>
                            </form>
                            <p class="mt-4 text-center text-sm"><A href="/" attr:class="text-brand-600 hover:underline dark:text-brand-400">"Back to the dashboard"</A></p>
                        </AuthFrame>
                    }.into_any(),
                    None => view! {
                        <AuthFrame title="You are signed out" subtitle="Your session has ended.">
                            <a href="/login" class="text-sm font-medium text-brand-600 hover:underline dark:text-brand-400">"Sign in again"</a>
                        </AuthFrame>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
