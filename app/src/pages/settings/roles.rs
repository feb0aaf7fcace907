//! /settings/roles — built-in roles and custom roles composed from the permission list.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsHeader;
use crate::api::team::*;
use crate::components::ui::{
    ActionResult, Badge, Card, Confirm, Field, Loaded, BUTTON, BUTTON_DANGER,
};

#[component]
pub fn RolesPage() -> impl IntoView {
    let create = ServerAction::<CreateRole>::new();
    let delete = ServerAction::<DeleteRole>::new();
    let page = Resource::new(
        move || (create.version().get(), delete.version().get()),
        |_| get_roles_page(),
    );
    let field_error = move |f: &str| {
        create
            .value()
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.for_field(f))
    };
    view! {
        <Title text="Roles · Switchyard"/>
        <SettingsHeader title="Settings" text="What each role may do. Compose custom roles from the permission list."/>
        <ActionResult value=move || delete.value().get() success="Role deleted."/>
        <Loaded resource=page render=move |p| {
                        let cards = p.roles.into_iter().map(|r| {
                            let badge = if r.builtin { view! { <Badge text="Built-in"/> }.into_any() } else { view! { <Badge text="Custom" warn=true/> }.into_any() };
                            let summary = format!("{} · {} member(s)", r.description, r.members);
                            let perms = r.permissions.into_iter().map(|k| view! { <code class="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700 dark:bg-slate-800 dark:text-slate-300">{k}</code> }).collect_view();
                            let label = format!("Delete role {}", r.name);
                            let slug = r.slug;
                            let question = format!("Delete the role {}? It must have no members left.", r.name);
                            let remove = (!r.builtin).then(move || view! {
                                <Confirm label="Delete" aria_label=label.clone() question>
                                    <ActionForm action=delete>
                                        <input type="hidden" name="slug" value=slug/>
                                        <button type="submit" class=BUTTON_DANGER aria-label=label>"Delete"</button>
                                    </ActionForm>
                                </Confirm>
                            });
                            view! {
                                <Card>
                                    <div class="flex items-start justify-between gap-4" data-testid="role-card">
                                        <div>
                                            <p class="text-sm font-semibold text-slate-900 dark:text-white">{r.name} " " {badge}</p>
                                            <p class="mt-1 text-xs text-slate-500">{summary}</p>
                                            <p class="mt-2 flex flex-wrap gap-1">{perms}</p>
                                        </div>
                                        {remove}
                                    </div>
                                </Card>
                            }
                        }).collect_view();
                        let boxes = p.permissions.into_iter().enumerate().map(|(i, (key, text))| view! {
                            <label class="flex items-start gap-2 text-sm text-slate-700 dark:text-slate-300">
                                <input type="checkbox" name=format!("permissions[{i}]") value=key.clone() class="mt-0.5 rounded border-slate-300"/>
                                <span><code class="text-xs">{key}</code><br/><span class="text-xs text-slate-500">{text}</span></span>
                            </label>
                        }).collect_view();
                        view! {
                            <div class="grid gap-6 lg:grid-cols-3">
                                <div class="space-y-4 lg:col-span-2">{cards}</div>
                                <Card title="New custom role">
                                    <ActionResult value=move || create.value().get() success="Role created."/>
                                    <ActionForm action=create attr:class="space-y-4">
                                        <Field name="name" label="Role name" error=field_error("name")/>
                                        <fieldset>
                                            <legend class="text-sm font-medium text-slate-700 dark:text-slate-300">"Permissions"</legend>
                                            <div class="mt-2 space-y-2">{boxes}</div>
                                            {field_error("permissions").map(|e| view! { <p class="mt-1 text-sm text-red-600 dark:text-red-400">{e}</p> })}
                                        </fieldset>
                                        <button type="submit" class=format!("{BUTTON} w-full")>"Create role"</button>
                                    </ActionForm>
                                </Card>
                            </div>
                        }.into_any()
                    }/>
    }
}
