//! /settings/security — every user: change password, see and end their sessions.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsHeader;
use crate::api::account::*;
use crate::components::ui::{
    ActionResult, Alert, Badge, Card, Field, Tone, BUTTON, BUTTON_DANGER, TABLE, TD, TH,
};

#[component]
pub fn SecurityPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let revoke = ServerAction::<RevokeSession>::new();
    let revoke_others = ServerAction::<RevokeOtherSessions>::new();
    let sessions = Resource::new(
        move || {
            (
                change.version().get(),
                revoke.version().get(),
                revoke_others.version().get(),
            )
        },
        |_| get_my_sessions(),
    );
    let field_error = move |f: &str| {
        change
            .value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    let changed = move || {
        change.value().get().map(|r| match r {
            Ok(n) => view! { <div class="mb-4"><Alert tone=Tone::Success>{format!("Password changed. {n} other session(s) were signed out.")}</Alert></div> }.into_any(),
            Err(e) if e.field.is_none() => view! { <div class="mb-4"><Alert tone=Tone::Error>{e.message}</Alert></div> }.into_any(),
            Err(_) => ().into_any(),
        })
    };
    view! {
        <Title text="Security · Switchyard"/>
        <SettingsHeader title="Settings" text="Your password and the devices signed in to your account."/>
        <EmailProofCard/>
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="lg:col-span-2">
                <Card title="Where you are signed in">
                    <ActionResult value=move || revoke.value().get() success="That session was signed out."/>
                    {move || revoke_others.value().get().map(|r| match r {
                        Ok(n) => view! { <div class="mb-4"><Alert tone=Tone::Success>{format!("{n} other session(s) signed out.")}</Alert></div> }.into_any(),
                        Err(e) => view! { <div class="mb-4"><Alert tone=Tone::Error>{e.message}</Alert></div> }.into_any(),
                    })}
                    <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            match sessions.await {
                                Err(e) => view! { <Alert tone=Tone::Error>{e.message}</Alert> }.into_any(),
                                Ok(list) => {
                                    let list_len = list.len();
                                    let rows = list.into_iter().map(|s| {
                                        let label = format!("Sign out {} from {}", s.device, s.ip);
                                        let handle = s.handle.clone();
                                        let action = if s.current {
                                            view! { <Badge text="This device"/> }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="handle" value=handle/>
                                                    <button type="submit" class=BUTTON_DANGER aria-label=label>"Sign out"</button>
                                                </ActionForm>
                                            }.into_any()
                                        };
                                        view! {
                                            <tr data-testid="session-row">
                                                <td class=TD><p class="font-medium text-slate-900 dark:text-white">{s.device}</p><p class="text-xs text-slate-500">{s.ip}</p></td>
                                                <td class=format!("{TD} text-xs")>{format!("Started {}", s.started)}<br/>{format!("Last seen {}", s.last_seen)}</td>
                                                <td class=format!("{TD} text-right")>{action}</td>
                                            </tr>
                                        }
                                    }).collect_view();
                                    let others = list_len > 1;
                                    view! {
                                        <div class="-mx-5 overflow-x-auto">
                                            <table class=TABLE>
                                                <thead><tr><th class=TH>"Device"</th><th class=TH>"Activity"</th><th class=TH><span class="sr-only">"Actions"</span></th></tr></thead>
                                                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                                            </table>
                                        </div>
                                        {others.then(|| view! {
                                            <ActionForm action=revoke_others attr:class="mt-4 flex justify-end">
                                                <button type="submit" class=BUTTON_DANGER>"Sign out all other sessions"</button>
                                            </ActionForm>
                                        })}
                                    }.into_any()
                                }
                            }
                        })}
                    </Suspense>
                </Card>
            </div>
            <div class="space-y-6">
            <GoogleCard/>
            <TwoFactorCard/>
            <Card title="Change password">
                {changed}
                <ActionForm action=change attr:class="space-y-4">
                    <Field name="current_password" label="Current password" kind="password" autocomplete="current-password" error=field_error("current_password")/>
                    <Field name="new_password" label="New password" kind="password" autocomplete="new-password" error=field_error("new_password")
                        hint="8 to 128 characters, with at least one letter and one digit."/>
                    <Field name="new_password_confirm" label="Confirm new password" kind="password" autocomplete="new-password" error=field_error("new_password_confirm")/>
                    <p class="text-xs text-slate-500 dark:text-slate-400">"Your other sessions will be signed out."</p>
                    <button type="submit" class=format!("{BUTTON} w-full")>"Change password"</button>
                </ActionForm>
            </Card>
            </div>
        </div>
    }
}

/// Google: link (a plain form into the Google flow, which comes back here with a message) or
/// unlink. Hidden when Google sign-in is not configured.
#[component]
pub fn GoogleCard() -> impl IntoView {
    let unlink = ServerAction::<UnlinkGoogle>::new();
    let link = Resource::new(move || unlink.version().get(), |_| get_google_link());
    let flash = Resource::new_blocking(|| (), |_| crate::api::take_form_flash("google".into()));
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let f = flash.await.ok().flatten().unwrap_or_default();
                let Ok(Some(state)) = link.await else { return ().into_any() };
                let notice = (!f.message.is_empty()).then(|| {
                    let tone = if f.values.contains_key("ok") { Tone::Success } else { Tone::Error };
                    view! { <div class="mb-4"><Alert tone>{f.message.clone()}</Alert></div> }
                });
                let body = match state.email {
                    Some(email) => view! {
                        <p class="text-sm text-slate-600 dark:text-slate-400">"You can sign in with the Google account "<span class="font-medium text-slate-900 dark:text-white" data-testid="google-email">{email}</span>"."</p>
                        {if state.has_password {
                            view! {
                                <ActionForm action=unlink attr:class="mt-4">
                                    <button type="submit" class=BUTTON_DANGER>"Unlink Google"</button>
                                </ActionForm>
                            }.into_any()
                        } else {
                            view! { <p class="mt-3 text-xs text-slate-500 dark:text-slate-400">"Google is your only way to sign in, so it cannot be unlinked until you set a password."</p> }.into_any()
                        }}
                    }.into_any(),
                    None => view! {
                        <p class="text-sm text-slate-600 dark:text-slate-400">"Sign in with your Google account instead of your password. Only the Google account you link here can sign in to this account."</p>
                        <form method="post" action="/auth/google" class="mt-4">
                            <input type="hidden" name="intent" value="link"/>
                            <button type="submit" class=format!("{BUTTON} w-full")>"Link Google"</button>
                        </form>
                    }.into_any(),
                };
                view! {
                    <Card title="Google">
                        {notice}
                        <ActionResult value=move || unlink.value().get() success="Google was unlinked. Sign in with your password from now on."/>
                        {body}
                    </Card>
                }.into_any()
            })}
        </Suspense>
    }
}

/// Two-factor sign-in: set up (secret, confirm with a code, recovery codes shown once) or off.
#[component]
pub fn TwoFactorCard() -> impl IntoView {
    let start = ServerAction::<StartTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let status = Resource::new(
        move || {
            (
                start.version().get(),
                confirm.version().get(),
                disable.version().get(),
            )
        },
        |_| get_two_factor(),
    );
    let err = move |v: Option<Result<(), crate::api::AppError>>, f: &str| {
        v.and_then(|r| r.err()).and_then(|e| e.for_field(f))
    };
    let general = move || {
        [
            start.value().get().and_then(|r| r.err()),
            confirm.value().get().and_then(|r| r.err()),
            disable.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .find(|e| e.field.is_none())
        .map(|e| view! { <div class="mb-4"><Alert tone=Tone::Error>{e.message}</Alert></div> })
    };
    let codes = move || {
        confirm.value().get().and_then(|r| r.ok()).map(|codes| view! {
            <div class="mb-4 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950/50 dark:text-amber-100" role="status">
                <p class="font-medium">"Two-factor sign-in is on. Save these recovery codes now: each works once if you lose your phone, and they are not shown again."</p>
                <ul class="mt-2 grid grid-cols-2 gap-1 font-mono text-sm" aria-label="Recovery codes">
                    {codes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                </ul>
            </div>
        })
    };
    view! {
        <Card title="Two-factor sign-in">
            {general}
            {codes}
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Err(e) => view! { <Alert tone=Tone::Error>{e.message}</Alert> }.into_any(),
                        Ok(s) if s.enabled => view! {
                            <p class="mb-4 text-sm text-slate-600 dark:text-slate-300" data-testid="two-factor-state">
                                {format!("On. Signing in asks for a code from your app. {} recovery codes left.", s.recovery_codes_left)}
                            </p>
                            <ActionForm action=disable attr:class="space-y-3">
                                <Field name="current_password" label="Current password" kind="password" autocomplete="current-password" error=err(disable.value().get_untracked(), "current_password")/>
                                <Field name="code" label="Code from your app" autocomplete="one-time-code" error=err(disable.value().get_untracked(), "code")/>
                                <button type="submit" class=format!("{BUTTON_DANGER} w-full py-2")>"Turn off two-factor sign-in"</button>
                            </ActionForm>
                        }.into_any(),
                        Ok(s) => match s.pending {
                            Some(setup) => view! {
                                <ol class="mb-4 list-decimal space-y-2 pl-5 text-sm text-slate-600 dark:text-slate-300">
                                    <li>"In your authenticator app, add an account with this key (or open the link on your phone):"
                                        <code class="mt-1 block break-all rounded bg-slate-100 px-2 py-1 font-mono text-xs text-slate-800 dark:bg-slate-800 dark:text-slate-200" data-testid="two-factor-secret">{setup.secret}</code>
                                        <a class="text-xs text-brand-600 underline dark:text-brand-400" href=setup.otpauth_url>"Open in authenticator"</a>
                                    </li>
                                    <li>"Enter the 6-digit code it shows."</li>
                                </ol>
                                <ActionForm action=confirm attr:class="space-y-3">
                                    <Field name="code" label="Code from your app" autocomplete="one-time-code" error=err(confirm.value().get_untracked().map(|r| r.map(|_| ())), "code")/>
                                    <button type="submit" class=format!("{BUTTON} w-full")>"Turn on"</button>
                                </ActionForm>
                            }.into_any(),
                            None => view! {
                                <p class="mb-4 text-sm text-slate-600 dark:text-slate-300" data-testid="two-factor-state">"Off. Add a code from an authenticator app to every sign-in."</p>
                                <ActionForm action=start>
                                    <button type="submit" class=format!("{BUTTON} w-full")>"Set up two-factor sign-in"</button>
                                </ActionForm>
                            }.into_any(),
                        },
                    }
                })}
            </Suspense>
        </Card>
    }
}

/// Shown while the account's address is not confirmed: why it matters, and a new link.
#[component]
fn EmailProofCard() -> impl IntoView {
    let resend = ServerAction::<ResendEmailProof>::new();
    let unconfirmed = Resource::new(|| (), |_| email_unconfirmed());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                unconfirmed.await.ok().flatten().map(|email| view! {
                    <div class="mb-6" data-testid="email-proof">
                        <Card title="Confirm your email address">
                            <p class="mb-4 text-sm text-slate-600 dark:text-slate-300">
                                {format!("We mailed a link to {email}. Until you open it, this account cannot join other companies.")}
                            </p>
                            {move || resend.value().get().map(|r| match r {
                                Ok(true) => view! { <div class="mb-4"><Alert tone=Tone::Success>"A new link is on its way."</Alert></div> }.into_any(),
                                Ok(false) => view! { <div class="mb-4"><Alert tone=Tone::Info>"A link was sent a few minutes ago: check your inbox (and spam folder) before asking again."</Alert></div> }.into_any(),
                                Err(e) => view! { <div class="mb-4"><Alert tone=Tone::Error>{e.message}</Alert></div> }.into_any(),
                            })}
                            <ActionForm action=resend>
                                <button type="submit" class=BUTTON>"Send the link again"</button>
                            </ActionForm>
                        </Card>
                    </div>
                })
            })}
        </Suspense>
    }
}
