//! /admin — the platform super-admin: every company, create one with its owner's invitation,
//! disable or enable one, delete one after re-entering the password; backups.
//! /admin/jobs — the background jobs per kind (waiting, retrying, running, dead; how long they
//! wait and run) and the jobs of each state, with retry and discard.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::setup::TIMEZONES;
use crate::api::admin::*;
use crate::components::ui::{
    ActionResult, Alert, Badge, Card, Field, Loaded, Tone, BUTTON, BUTTON_DANGER, BUTTON_QUIET,
    SELECT, TAB, TABLE, TD, TH,
};

/// The platform pages, one lazy route.
#[component]
pub fn AdminArea() -> impl IntoView {
    let page = super::area_page("/admin", |p| match p {
        [] => Some("companies"),
        ["jobs"] => Some("jobs"),
        _ => None,
    });
    move || match page.get() {
        "jobs" => view! { <JobsPage/> }.into_any(),
        _ => view! { <AdminPage/> }.into_any(),
    }
}

/// The platform pages' heading and tabs.
#[component]
fn AdminHeader(#[prop(into)] text: String) -> impl IntoView {
    view! {
        <div class="mb-6">
            <h1 class="page-title">"Platform"</h1>
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{text}</p>
            <nav class="mt-4 flex gap-6 overflow-x-auto border-b border-slate-200 dark:border-slate-800" aria-label="Platform">
                <A href="/admin" exact=true attr:class=TAB>"Companies and backups"</A>
                <A href="/admin/jobs" attr:class=TAB>"Background jobs"</A>
            </nav>
        </div>
    }
}

#[component]
fn AdminPage() -> impl IntoView {
    let create = ServerAction::<AdminCreateCompany>::new();
    let toggle = ServerAction::<AdminSetCompanyDisabled>::new();
    let delete = ServerAction::<AdminDeleteCompany>::new();
    let grant = ServerAction::<crate::api::billing::AdminGrantTokens>::new();
    let grant_error = move |f: &str| {
        grant
            .value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    let list = Resource::new(
        move || {
            (
                create.version().get(),
                toggle.version().get(),
                delete.version().get(),
            )
        },
        |_| get_admin_companies(),
    );
    let create_error = move |f: &str| {
        create
            .value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    let delete_error = move |f: &str| {
        delete
            .value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    let created = move || {
        create.value().get().map(|r| match r {
            Ok(link) => view! {
                <div class="mb-4 rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950/50 dark:text-emerald-100" role="status">
                    <p>"Company created. The owner's invitation is on its way; you can also copy the link:"</p>
                    <label class="sr-only" for="owner-link">"Owner invitation link"</label>
                    <input id="owner-link" readonly value=link data-testid="owner-link" onfocus="this.select()"
                        class="mt-2 block w-full rounded border border-emerald-300 bg-white px-2 py-1 font-mono text-xs text-slate-800 dark:border-emerald-800 dark:bg-slate-900 dark:text-slate-200"/>
                </div>
            }.into_any(),
            Err(e) if e.field.is_none() => view! { <div class="mb-4"><Alert tone=Tone::Error>{e.message}</Alert></div> }.into_any(),
            Err(_) => ().into_any(),
        })
    };
    view! {
        <Title text="Platform · Switchyard"/>
        <AdminHeader text="Every company on this Switchyard. Only platform administrators see these pages."/>
        <ActionResult value=move || toggle.value().get() success="Company updated."/>
        <ActionResult value=move || delete.value().get().filter(|r| r.as_ref().is_ok() || r.as_ref().is_err_and(|e| e.field.is_none())) success="Company deleted with everything in it."/>
        <Loaded resource=list render={move |companies: Vec<AdminCompany>| {
            let deletable: Vec<(String, String)> = companies.iter().filter(|c| !c.current).map(|c| (c.id.clone(), c.name.clone())).collect();
            let grantable = companies.iter().map(|c| view! { <option value=c.id.clone() selected=c.current>{c.name.clone()}</option> }).collect_view();
            let rows = companies.into_iter().map(|c| {
                let owner = c.owner.clone().map(|o| o.to_string())
                    .or_else(|| c.pending_owner.clone().map(|o| format!("{o} (invited)")))
                    .unwrap_or_else(|| "—".into());
                let label = format!("{} {}", if c.disabled { "Enable" } else { "Disable" }, c.name);
                let status = if c.disabled {
                    view! { <Badge text="Disabled" warn=true/> }.into_any()
                } else if c.current {
                    view! { <Badge text="You are here"/> }.into_any()
                } else {
                    view! { <Badge text="Active"/> }.into_any()
                };
                let action = (!c.current).then(|| {
                    let id = c.id.clone();
                    view! {
                        <ActionForm action=toggle>
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="disabled" value=if c.disabled { "false" } else { "true" }/>
                            <button type="submit" class=if c.disabled { BUTTON_QUIET } else { BUTTON_DANGER } aria-label=label>
                                {if c.disabled { "Enable" } else { "Disable" }}
                            </button>
                        </ActionForm>
                    }
                });
                view! {
                    <tr data-testid="company-row">
                        <td class=TD><p class="font-medium text-slate-900 dark:text-white">{c.name.clone()}</p><p class="text-xs text-slate-500">{format!("Created {}", c.created)}</p></td>
                        <td class=TD>{owner}</td>
                        <td class=TD>{c.members}</td>
                        <td class=TD>{status}</td>
                        <td class=format!("{TD} text-right")>{action}</td>
                    </tr>
                }
            }).collect_view();
            let options = deletable.iter().map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> }).collect_view();
            let can_delete = !deletable.is_empty();
            view! {
                <div class="grid gap-6 lg:grid-cols-3">
                    <div class="lg:col-span-2">
                        <Card title="Companies">
                            <div class="-mx-5 overflow-x-auto">
                                <table class=TABLE>
                                    <thead><tr><th class=TH>"Company"</th><th class=TH>"Owner"</th><th class=TH>"Members"</th><th class=TH>"Status"</th><th class=TH><span class="sr-only">"Actions"</span></th></tr></thead>
                                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                                </table>
                            </div>
                        </Card>
                    </div>
                    <div class="space-y-6">
                        <Card title="New company">
                            {created}
                            <ActionForm action=create attr:class="space-y-4">
                                <Field name="name" label="Company name" error=create_error("name")/>
                                <Field name="owner_email" label="Owner's email" kind="email" error=create_error("owner_email")
                                    hint="They get an invitation to become the company's owner."/>
                                <div>
                                    <label for="f-timezone" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Time zone"</label>
                                    <select id="f-timezone" name="timezone" class=format!("mt-1 {SELECT}")>
                                        {TIMEZONES.iter().map(|z| view! { <option value=*z selected=*z == "UTC">{z.replace('_', " ")}</option> }).collect_view()}
                                    </select>
                                </div>
                                <button type="submit" class=format!("{BUTTON} w-full")>"Create company"</button>
                            </ActionForm>
                        </Card>
                        <Card title="Grant tokens">
                            <ActionResult value=move || grant.value().get().filter(|r| r.as_ref().is_err_and(|e| e.field.is_none())) success=""/>
                            {move || grant.value().get().and_then(|r| r.ok()).map(|m| view! { <p class="mb-3 text-sm text-emerald-700 dark:text-emerald-300" data-testid="grant-result">{m}</p> })}
                            <ActionForm action=grant attr:class="space-y-4">
                                <div>
                                    <label for="f-grant-company" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Grant to"</label>
                                    <select id="f-grant-company" name="company_id" class=format!("mt-1 {SELECT}")>{grantable}</select>
                                </div>
                                <Field name="tokens" label="Tokens" kind="text" error=grant_error("tokens") hint="A whole number, e.g. 50000."/>
                                <Field name="reason" label="Reason" error=grant_error("reason") hint="Kept in the company's audit log."/>
                                <button type="submit" class=format!("{BUTTON} w-full")>"Grant tokens"</button>
                            </ActionForm>
                        </Card>
                        {can_delete.then(|| view! {
                            <Card title="Delete a company">
                                <ActionForm action=delete attr:class="space-y-4">
                                    <div>
                                        <label for="f-delete-company" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Company"</label>
                                        <select id="f-delete-company" name="id" class=format!("mt-1 {SELECT}")>{options}</select>
                                    </div>
                                    <Field name="current_password" label="Your password" kind="password" autocomplete="current-password" error=delete_error("current_password")/>
                                    <p class="text-xs text-slate-500 dark:text-slate-400">"Deleting removes its members' access, stores, invitations and log. It cannot be undone."</p>
                                    <button type="submit" class=format!("{BUTTON_DANGER} w-full py-2 text-sm")>"Delete company"</button>
                                </ActionForm>
                            </Card>
                        })}
                    </div>
                </div>
            }
        }}/>
        <BackupsCard/>
    }
}

/// Backups of the whole installation: where and when, the last attempts, "Back up now".
#[component]
fn BackupsCard() -> impl IntoView {
    let now = ServerAction::<AdminBackupNow>::new();
    let list = Resource::new(move || now.version().get(), |_| get_admin_backups());
    view! {
        <div class="mt-6">
            <Card title="Backups">
                <ActionResult value=move || now.value().get() success=""/>
                {move || now.value().get().and_then(|r| r.ok()).map(|m| view! { <p class="mb-3 text-sm text-emerald-700 dark:text-emerald-300" role="status" data-testid="backup-result">{m}</p> })}
                <Loaded resource=list render=move |b: AdminBackups| {
                    let none = b.rows.is_empty().then(|| view! {
                        <tr><td class=TD colspan="3">"No backup yet."</td></tr>
                    });
                    let rows = b.rows.into_iter().map(|r| view! {
                        <tr data-testid="backup-row">
                            <td class=TD>{r.when}</td>
                            <td class=format!("{TD} font-mono text-xs")>{r.file}</td>
                            <td class=if r.failed { format!("{TD} text-red-700 dark:text-red-300") } else { TD.to_string() }>{r.state}</td>
                        </tr>
                    }).collect_view();
                    view! {
                        <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="backup-schedule">{b.schedule}</p>
                        <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">"To restore one, stop Switchyard and run switchyard restore backups/<file> into an empty database (README, Backups)."</p>
                        <div class="-mx-5 mt-4 overflow-x-auto">
                            <table class=TABLE>
                                <thead><tr><th class=TH>"Started"</th><th class=TH>"File"</th><th class=TH>"Size or state"</th></tr></thead>
                                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}{none}</tbody>
                            </table>
                        </div>
                    }
                }/>
                <ActionForm action=now attr:class="mt-4">
                    <button type="submit" class=BUTTON_QUIET>"Back up now"</button>
                </ActionForm>
            </Card>
        </div>
    }
}

/// /admin/jobs: the queue per kind, then the jobs of one state (dead first), 50 a page.
#[component]
fn JobsPage() -> impl IntoView {
    let query = use_query_map();
    let retry = ServerAction::<AdminRetryJob>::new();
    let discard = ServerAction::<AdminDiscardJob>::new();
    let data = Resource::new(
        move || {
            let q = query.read();
            (
                q.get("state").unwrap_or_default(),
                q.get("kind").unwrap_or_default(),
                q.get("after").unwrap_or_default(),
                retry.version().get(),
                discard.version().get(),
            )
        },
        |(state, kind, after, ..)| get_admin_jobs(state, kind, after),
    );
    view! {
        <Title text="Background jobs · Platform · Switchyard"/>
        <AdminHeader text="Every background job of this installation, all companies together."/>
        <crate::components::ui::LastSaid answers=vec![
            (retry.version(), Signal::derive(move || retry.value().get())),
            (discard.version(), Signal::derive(move || discard.value().get())),
        ]/>
        <Loaded resource=data render=move |j: AdminJobs| view! { <Jobs j retry discard/> }/>
    }
}

#[component]
fn Jobs(
    j: AdminJobs,
    retry: ServerAction<AdminRetryJob>,
    discard: ServerAction<AdminDiscardJob>,
) -> impl IntoView {
    let href = |state: &str, kind: &str| {
        let mut q = vec![format!("state={state}")];
        if !kind.is_empty() {
            q.push(format!("kind={kind}"));
        }
        format!("/admin/jobs?{}", q.join("&"))
    };
    let count = |n: i64, state: &'static str, kind: &str| {
        if n == 0 {
            view! { <span class="text-slate-400">"0"</span> }.into_any()
        } else {
            let warn = state == "dead";
            view! {
                <a href=href(state, kind) class=if warn { "font-semibold text-red-700 hover:underline dark:text-red-300" } else { "font-medium text-brand-700 hover:underline dark:text-brand-300" }>
                    {crate::format::group(n)}
                </a>
            }.into_any()
        }
    };
    let kinds = j.kinds.iter().map(|k| view! {
        <tr data-testid="job-kind" data-kind=k.kind.clone()>
            <td class=format!("{TD} font-mono text-xs")>
                {k.kind.clone()}
                {k.unknown.then(|| view! { <span class="ml-2"><Badge text="no handler" warn=true/></span> })}
            </td>
            <td class=format!("{TD} text-right tabular-nums")>{count(k.queued, "queued", &k.kind)}</td>
            <td class=format!("{TD} text-right tabular-nums")>{count(k.retrying, "retrying", &k.kind)}</td>
            <td class=format!("{TD} text-right tabular-nums")>{count(k.running, "running", &k.kind)}</td>
            <td class=format!("{TD} text-right tabular-nums") data-testid="dead">{count(k.dead, "dead", &k.kind)}</td>
            <td class=format!("{TD} text-right tabular-nums") data-testid="done">{crate::format::group(k.done)}</td>
            <td class=format!("{TD} whitespace-nowrap text-right tabular-nums")>{k.wait.clone()}</td>
            <td class=format!("{TD} whitespace-nowrap text-right tabular-nums")>{k.run.clone()}</td>
        </tr>
    }).collect_view();
    let states = [
        ("dead", "Dead"),
        ("retrying", "Retrying"),
        ("queued", "Queued"),
        ("running", "Running"),
    ];
    let chips = states
        .into_iter()
        .map(|(key, label)| {
            let current = key == j.state;
            let class = if current {
                "rounded-full bg-brand-600 px-3 py-1 text-xs font-semibold text-white"
            } else {
                "rounded-full bg-white px-3 py-1 text-xs font-medium text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 dark:bg-slate-900 dark:text-slate-300 dark:ring-slate-700"
            };
            view! { <a href=href(key, &j.kind) class=class aria-current=current.then_some("page")>{label}</a> }
        })
        .collect_view();
    let state_word = j.state.clone();
    let title = if j.kind.is_empty() {
        format!("{} jobs", capitalise(&j.state))
    } else {
        format!("{} jobs of {}", capitalise(&j.state), j.kind)
    };
    let empty = j.rows.is_empty().then(|| view! {
        <p class="py-6 text-center text-sm text-slate-500 dark:text-slate-400" data-testid="no-jobs">
            {format!("No {state_word} job.")}
        </p>
    });
    let rows = j.rows.into_iter().map(|r| {
        let id = r.id;
        let actions = r.actionable.then(|| view! {
            <div class="flex justify-end gap-2">
                <ActionForm action=retry>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class=BUTTON_QUIET aria-label=format!("Retry job {id}")>"Retry now"</button>
                </ActionForm>
                <ActionForm action=discard>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class=BUTTON_QUIET aria-label=format!("Discard job {id}")>"Discard"</button>
                </ActionForm>
            </div>
        });
        view! {
            <li class="flex flex-col gap-2 py-3 sm:flex-row sm:items-start sm:justify-between" data-testid="job-row" data-job=id>
                <div class="min-w-0 text-sm">
                    <p><span class="font-mono text-xs font-semibold text-slate-900 dark:text-white">{r.kind.clone()}</span>
                        <span class="ml-2 text-xs text-slate-500">{format!("#{id} · {} · {}", r.attempts, r.when)}</span></p>
                    {(!r.error.is_empty()).then(|| view! { <p class="mt-1 break-words text-red-700 dark:text-red-300" data-testid="job-error">{r.error.clone()}</p> })}
                    <p class="mt-1 truncate font-mono text-xs text-slate-500" title=r.payload.clone()>{r.payload.clone()}</p>
                </div>
                {actions}
            </li>
        }
    }).collect_view();
    let next = j.next.clone().map(|after| {
        let mut link = href(&j.state, &j.kind);
        link.push_str(&format!("&after={after}"));
        view! { <a href=link class="mt-3 inline-block text-sm font-medium text-brand-700 hover:underline dark:text-brand-300">"Older jobs →"</a> }
    });
    view! {
        <Card title="Per kind">
            <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="jobs-window">{format!("{}. Wait: from due to taken by a worker; run: from taken to done (median · 95th percentile).", j.window)}</p>
            <div class="-mx-5 mt-4 overflow-x-auto">
                <table class=TABLE>
                    <thead><tr>
                        <th class=TH>"Kind"</th><th class=format!("{TH} text-right")>"Queued"</th><th class=format!("{TH} text-right")>"Retrying"</th>
                        <th class=format!("{TH} text-right")>"Running"</th><th class=format!("{TH} text-right")>"Dead"</th><th class=format!("{TH} text-right")>"Done, 24 h"</th>
                        <th class=format!("{TH} text-right")>"Wait"</th><th class=format!("{TH} text-right")>"Run"</th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{kinds}</tbody>
                </table>
            </div>
        </Card>
        <div class="mt-6">
            <Card title=title>
                <nav class="mb-3 flex flex-wrap gap-2" aria-label="Job states">{chips}</nav>
                {(!j.kind.is_empty()).then(|| view! { <a href=href(&j.state, "") class="text-xs font-medium text-brand-700 hover:underline dark:text-brand-300">"All kinds"</a> })}
                <ul class="divide-y divide-slate-100 dark:divide-slate-800" aria-label="Jobs">{rows}</ul>
                {empty}
                {next}
            </Card>
        </div>
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
