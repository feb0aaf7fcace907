//! /settings/members — members (role, disable, remove) and invitations (invite, resend,
//! revoke, copy link). Every form is an `ActionForm`, so it also works before hydration.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsHeader;
use crate::api::team::*;
use crate::components::table::{Column, DataTable, Sort};
use crate::components::ui::{
    ActionResult, Alert, Badge, Card, Confirm, EmptyState, Field, Loaded, Tone, BUTTON,
    BUTTON_DANGER, BUTTON_QUIET, SELECT, TABLE, TD,
};
use leptos_router::hooks::use_query_map;

#[component]
pub fn MembersPage() -> impl IntoView {
    let invite = ServerAction::<InviteMember>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let change = ServerAction::<ChangeMemberRole>::new();
    let disable = ServerAction::<SetMemberDisabled>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let team = Resource::new(
        move || {
            (
                invite.version().get(),
                resend.version().get(),
                revoke.version().get(),
                change.version().get(),
                disable.version().get(),
                remove.version().get(),
            )
        },
        |_| get_team(),
    );
    view! {
        <Title text="Members · Switchyard"/>
        <SettingsHeader title="Settings" text="Who works in this company, what they may do, and who is invited."/>
        <ActionResult value=move || change.value().get() success="Role changed."/>
        <ActionResult value=move || disable.value().get() success="Member updated."/>
        <ActionResult value=move || remove.value().get() success="Member removed."/>
        <ActionResult value=move || revoke.value().get() success="Invitation revoked."/>
        <Loaded resource=team render=move |t| view! {
                        <div class="grid gap-6 lg:grid-cols-3">
                            <div class="space-y-6 lg:col-span-2">
                                <MembersTable t=t.clone() change disable remove/>
                                <Invitations t=t.clone() resend revoke/>
                            </div>
                            <InviteForm t invite resend/>
                        </div>
                    }.into_any()/>
    }
}

/// The members table's columns; name, role and last sign-in order it (`?sort=`).
const MEMBER_COLUMNS: &[Column] = &[
    Column::new("name", "Member").sortable(),
    Column::new("role", "Role").sortable(),
    Column::new("status", "Status"),
    Column::new("last", "Last sign-in")
        .sortable()
        .class("hidden md:table-cell"),
    Column::new("actions", "Actions").quiet(),
];

#[component]
fn MembersTable(
    t: TeamPage,
    change: ServerAction<ChangeMemberRole>,
    disable: ServerAction<SetMemberDisabled>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let roles = t.roles.clone();
    let owner = t.you_are_owner;
    let row = move |m: MemberRow| {
        let roles = roles.clone();
        let uid = m.user_id.clone();
        let (uid_dis, uid_rm, name_dis, name_rm) =
            (uid.clone(), uid.clone(), m.name.clone(), m.name.clone());
        let disabled = m.disabled;
        let locked = m.is_you || (m.role == "owner" && !owner);
        let status = if m.disabled {
            view! { <Badge text="Disabled" warn=true/> }.into_any()
        } else {
            view! { <Badge text="Active"/> }.into_any()
        };
        view! {
            <tr data-testid="member-row">
                <td class=TD>
                    <p class="font-medium text-slate-900 dark:text-white">{m.name.clone()}{m.is_you.then_some(" (you)")}</p>
                    <p class="text-xs text-slate-500">{m.email.clone()}</p>
                </td>
                <td class=TD>
                    {if locked {
                        view! { <span>{m.role_name.clone()}</span> }.into_any()
                    } else {
                        let current = m.role.clone();
                        let (uid_sel, label) = (uid.clone(), format!("Role of {}", m.name));
                        view! {
                            <ActionForm action=change attr:class="flex items-center gap-2">
                                <input type="hidden" name="user_id" value=uid.clone()/>
                                <label class="sr-only" for=format!("role-{uid_sel}")>{label}</label>
                                <select id=format!("role-{uid_sel}") name="role" class=format!("{SELECT} min-w-36")>
                                    {roles.iter().filter(|r| owner || r.slug != "owner").map(|r| view! {
                                        <option value=r.slug.clone() selected=r.slug == current>{r.name.clone()}</option>
                                    }).collect_view()}
                                </select>
                                <button type="submit" class=BUTTON_QUIET>"Save"</button>
                            </ActionForm>
                        }.into_any()
                    }}
                </td>
                <td class=TD>{status}</td>
                <td class=format!("{TD} hidden md:table-cell text-xs")>{m.last_login.clone().unwrap_or_else(|| "Never".into())}</td>
                <td class=format!("{TD} text-right")>
                    {(!locked).then(move || view! {
                        <div class="flex justify-end gap-2">
                            <ActionForm action=disable>
                                <input type="hidden" name="user_id" value=uid_dis/>
                                <input type="hidden" name="disabled" value=if disabled { "false" } else { "true" }/>
                                <button type="submit" class=BUTTON_QUIET aria-label=format!("{} {}", if disabled { "Enable" } else { "Disable" }, name_dis)>
                                    {if disabled { "Enable" } else { "Disable" }}
                                </button>
                            </ActionForm>
                            <Confirm label="Remove" aria_label=format!("Remove {name_rm}")
                                question=format!("Remove {name_rm} from the company? Their sessions end at once; their past work stays.")>
                                <ActionForm action=remove>
                                    <input type="hidden" name="user_id" value=uid_rm/>
                                    <button type="submit" class=BUTTON_DANGER aria-label=format!("Remove {name_rm}")>"Remove"</button>
                                </ActionForm>
                            </Confirm>
                        </div>
                    })}
                </td>
            </tr>
        }
    };
    let query = use_query_map();
    let members = t.members;
    view! {
        <Card title="Members">
            {move || {
                let sort = Sort::from_query(&query.read(), MEMBER_COLUMNS, "name", false);
                let mut rows = members.clone();
                sort.apply(&mut rows, |key, a, b| match key {
                    "role" => a.role_name.cmp(&b.role_name),
                    "last" => a.last_login_at.cmp(&b.last_login_at),
                    _ => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
                });
                view! {
                    <DataTable columns=MEMBER_COLUMNS rows row=row.clone() sort label="Members"
                        empty_title="No members" empty_text="Invite someone with the form on this page."/>
                }
            }}
        </Card>
    }
}

#[component]
fn Invitations(
    t: TeamPage,
    resend: ServerAction<ResendInvitation>,
    revoke: ServerAction<RevokeInvitation>,
) -> impl IntoView {
    if t.invitations.is_empty() {
        return view! { <Card title="Invitations"><EmptyState title="No open invitations" text="Invite someone with the form on this page."/></Card> }.into_any();
    }
    let rows = t.invitations.into_iter().map(|i| {
        let (id, id2) = (i.id.clone(), i.id.clone());
        let resend_label = format!("Resend invitation to {}", i.email);
        let revoke_label = format!("Revoke invitation to {}", i.email);
        let email = i.email.clone();
        view! {
            <tr data-testid="invitation-row">
                <td class=TD>
                    <p class="font-medium text-slate-900 dark:text-white">{i.email.clone()}</p>
                    <p class="text-xs text-slate-500">{format!("{} · sent {}{}", i.role_name, i.sent, i.invited_by.as_ref().map(|n| format!(" by {n}")).unwrap_or_default())}</p>
                </td>
                <td class=TD>
                    {if i.expired { view! { <Badge text="Expired" warn=true/> }.into_any() } else { view! { <span class="text-xs">{format!("Expires {}", i.expires)}</span> }.into_any() }}
                </td>
                <td class=format!("{TD} text-right")>
                    <div class="flex justify-end gap-2">
                        <ActionForm action=resend>
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" class=BUTTON_QUIET aria-label=resend_label>"Resend"</button>
                        </ActionForm>
                        <Confirm label="Revoke" aria_label=revoke_label.clone()
                            question=format!("Revoke the invitation to {}? Its link stops working.", email)>
                            <ActionForm action=revoke>
                                <input type="hidden" name="id" value=id2/>
                                <button type="submit" class=BUTTON_DANGER aria-label=revoke_label>"Revoke"</button>
                            </ActionForm>
                        </Confirm>
                    </div>
                </td>
            </tr>
        }
    }).collect_view();
    view! {
        <Card title="Invitations">
            <div class="-mx-5 overflow-x-auto">
                <table class=TABLE><tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody></table>
            </div>
        </Card>
    }.into_any()
}

/// Shows a link that was just made, ready to copy.
#[component]
fn NewLink(link: SentLink) -> impl IntoView {
    view! {
        <div class="mb-4 rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950/50 dark:text-emerald-100" role="status">
            <p>{format!("Invitation sent to {}. You can also copy the link:", link.email)}</p>
            <label class="sr-only" for="invite-link">"Invitation link"</label>
            <input id="invite-link" readonly value=link.link.clone() data-testid="invite-link"
                class="mt-2 block w-full rounded border border-emerald-300 bg-white px-2 py-1 font-mono text-xs text-slate-800 dark:border-emerald-800 dark:bg-slate-900 dark:text-slate-200"
                onfocus="this.select()"/>
            <p class="mt-1 text-xs">"It works once. Resending makes a new link and retires this one."</p>
        </div>
    }
}

#[component]
fn InviteForm(
    t: TeamPage,
    invite: ServerAction<InviteMember>,
    resend: ServerAction<ResendInvitation>,
) -> impl IntoView {
    let owner = t.you_are_owner;
    let roles = t.roles.clone();
    let stores = t.stores.clone();
    let outcome = move || {
        let latest = match (invite.value().get(), resend.value().get()) {
            (Some(a), Some(b)) => {
                if invite.version().get_untracked() >= resend.version().get_untracked() {
                    Some(a)
                } else {
                    Some(b)
                }
            }
            (a, b) => a.or(b),
        };
        latest.map(|r| match r {
            Ok(link) => view! { <NewLink link/> }.into_any(),
            Err(e) if e.field.is_none() => {
                view! { <div class="mb-4"><Alert tone=Tone::Error>{e.message}</Alert></div> }
                    .into_any()
            }
            Err(_) => ().into_any(),
        })
    };
    let field_error = move |f: &str| {
        invite
            .value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    view! {
        <Card title="Invite someone">
            {outcome}
            <ActionForm action=invite attr:class="space-y-4">
                <Field name="email" label="Email" kind="email" autocomplete="off" error=field_error("email")/>
                <div>
                    <label for="f-role" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Role"</label>
                    <select id="f-role" name="role" class=format!("mt-1 {SELECT}")>
                        {roles.iter().filter(|r| owner || r.slug != "owner").map(|r| view! {
                            <option value=r.slug.clone() selected=r.slug == "viewer">{format!("{} — {}", r.name, r.description)}</option>
                        }).collect_view()}
                    </select>
                    {field_error("role").map(|e| view! { <p class="mt-1 text-sm text-red-600 dark:text-red-400">{e}</p> })}
                </div>
                {(!stores.is_empty()).then(|| view! {
                    <fieldset>
                        <legend class="text-sm font-medium text-slate-700 dark:text-slate-300">"Stores"</legend>
                        <p class="text-xs text-slate-500">"Roles below admin see only the stores ticked here."</p>
                        <div class="mt-2 space-y-1">
                            {stores.iter().enumerate().map(|(i, s)| view! {
                                <label class="flex items-center gap-2 text-sm text-slate-700 dark:text-slate-300">
                                    <input type="checkbox" name=format!("store_ids[{i}]") value=s.id.clone() class="rounded border-slate-300"/>
                                    {s.name.clone()}
                                </label>
                            }).collect_view()}
                        </div>
                        {field_error("stores").map(|e| view! { <p class="mt-1 text-sm text-red-600 dark:text-red-400">{e}</p> })}
                    </fieldset>
                })}
                <button type="submit" class=format!("{BUTTON} w-full")>"Send invitation"</button>
            </ActionForm>
        </Card>
    }
}
