//! /settings/security — every user: change password, see and end their sessions.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::{ActionResult, SettingsHeader, BUTTON, BUTTON_DANGER, TABLE, TD, TH};
use crate::api::account::*;
use crate::components::ui::{Alert, Badge, Card, Field, Tone};

#[component]
pub fn SecurityPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let revoke = ServerAction::<RevokeSession>::new();
    let sessions = Resource::new(
        move || (change.version().get(), revoke.version().get()),
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
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="lg:col-span-2">
                <Card title="Where you are signed in">
                    <ActionResult value=move || revoke.value().get() success="That session was signed out."/>
                    <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            match sessions.await {
                                Err(e) => view! { <Alert tone=Tone::Error>{e.message}</Alert> }.into_any(),
                                Ok(list) => {
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
                                    view! {
                                        <div class="-mx-5 overflow-x-auto">
                                            <table class=TABLE>
                                                <thead><tr><th class=TH>"Device"</th><th class=TH>"Activity"</th><th class=TH><span class="sr-only">"Actions"</span></th></tr></thead>
                                                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                                            </table>
                                        </div>
                                    }.into_any()
                                }
                            }
                        })}
                    </Suspense>
                </Card>
            </div>
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
    }
}
