//! /orders/import — orders from a CSV or XLSX file: choose the store and the file, and the
//! file is checked first: /orders/import/:id shows every row's outcome (a new order, another
//! item of one, already in the store, or what is wrong) and nothing is written until "Import"
//! is pressed. Both forms are plain posts to server routes, so they work before hydration.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{OrdersHeader, ResultBadge};
use crate::api::order_import::{get_import, get_import_stores, ImportRowView, ImportView};
use crate::api::{take_form_flash, FormFlash};
use crate::components::ui::{Alert, Card, Loaded, Tone, BUTTON, SELECT, TABLE, TD, TH};

/// The stores a file may go to: (id, name).
type Stores = Vec<(String, String)>;

/// The columns a file may have, for the form's help.
const HELP: &str = "The first row names the columns. Required: order number, customer, total. \
    Optional: email, phone, address, city, county, postcode, country, currency, date, sku, item, \
    quantity, price, note. Rows with the same order number are one order with several items. \
    Order numbers already in the store are skipped, so a file can be imported again safely.";

#[component]
pub fn ImportPage() -> impl IntoView {
    let stores = Resource::new(|| (), |_| get_import_stores());
    let flash = Resource::new_blocking(|| (), |_| take_form_flash("import".into()));
    view! {
        <Title text="Import orders · Orders · Switchyard"/>
        <OrdersHeader text="Orders from a spreadsheet: the file is checked row by row before anything is written."/>
        <Suspense>
            {move || Suspend::new(async move {
                let f = flash.await.ok().flatten();
                view! { <ImportForm stores f/> }
            })}
        </Suspense>
    }
}

#[component]
fn ImportForm(
    stores: Resource<Result<Stores, crate::api::AppError>>,
    f: Option<FormFlash>,
) -> impl IntoView {
    let chosen = f.as_ref().map(|f| f.value("store_id")).unwrap_or_default();
    let error = f.clone().map(|f| f.message);
    let file_error = f
        .as_ref()
        .filter(|f| f.field.as_deref() != Some("store_id"))
        .map(|f| f.message.clone());
    let store_error = f
        .as_ref()
        .filter(|f| f.field.as_deref() == Some("store_id"))
        .map(|f| f.message.clone());
    view! {
        <div class="max-w-2xl">
            <Card title="Import orders">
                {error.map(|e| view! { <div class="mb-4" data-testid="import-error"><Alert tone=Tone::Error>{e}</Alert></div> })}
                <p class="mb-4 text-sm text-slate-600 dark:text-slate-400">{HELP}</p>
                <Loaded resource=stores render=move |list: Stores| {
                    let options = list.into_iter().map(|(id, name)| {
                        let selected = id == chosen;
                        view! { <option value=id selected=selected>{name}</option> }
                    }).collect_view();
                    let (file_error, store_error) = (file_error.clone(), store_error.clone());
                    view! {
                        <form method="post" action="/orders/import" enctype="multipart/form-data" class="space-y-4">
                            <div>
                                <label for="f-import-store" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Store"</label>
                                <select id="f-import-store" name="store_id" class=format!("mt-1 {SELECT}")
                                    aria-invalid=store_error.is_some().to_string()>{options}</select>
                            </div>
                            <div>
                                <label for="f-import-file" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"CSV or XLSX file"</label>
                                <input id="f-import-file" name="file" type="file" required
                                    accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                    aria-invalid=file_error.is_some().to_string()
                                    class="mt-1 block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-brand-50 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-brand-700 hover:file:bg-brand-100 dark:text-slate-300 dark:file:bg-brand-500/10 dark:file:text-brand-300"/>
                                <p class="mt-1 text-xs text-slate-500">"Up to 10 MB and 10,000 rows."</p>
                            </div>
                            <button type="submit" class=BUTTON>"Check the file"</button>
                        </form>
                    }
                }/>
            </Card>
        </div>
    }
}

#[component]
pub fn ImportPreviewPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_import,
    );
    view! {
        <Title text="Import preview · Orders · Switchyard"/>
        <OrdersHeader text="Orders from a spreadsheet: the file is checked row by row before anything is written."/>
        <Loaded resource=data render=move |v: ImportView| view! { <Preview v/> }/>
    }
}

#[component]
fn Preview(v: ImportView) -> impl IntoView {
    let summary = format!(
        "{} of {}, checked {}: {}; {} already in {}; {} with errors.",
        crate::format::count(v.rows.len() as i64, "row", "rows"),
        v.file_name,
        v.checked,
        crate::format::count(v.new_orders, "new order", "new orders"),
        crate::format::count(v.existing, "row", "rows"),
        v.store,
        crate::format::count(v.errors, "row", "rows")
    );
    let ignored = (!v.ignored.is_empty()).then(|| {
        view! {
            <p class="mt-1 text-xs text-slate-500" data-testid="import-ignored">
                {format!("Columns not read: {}.", v.ignored.join(", "))}
            </p>
        }
    });
    let action = match v.imported.clone() {
        Some((when, n)) => view! {
            <div data-testid="import-done">
                <Alert tone=Tone::Success>
                    {format!("Imported {} into {} at {when}.", crate::format::count(n, "order", "orders"), v.store)}
                    " "
                    <a class="font-medium underline" href=format!("/orders?store={}", v.store_id)>"See them in the inbox"</a>
                </Alert>
            </div>
        }
        .into_any(),
        None if v.new_orders > 0 => view! {
            <form method="post" action=format!("/orders/import/{}/confirm", v.id) class="flex flex-wrap items-center gap-3">
                <button type="submit" class=BUTTON data-testid="import-confirm">
                    {format!("Import {}", crate::format::count(v.new_orders, "order", "orders"))}
                </button>
                <span class="text-sm text-slate-500">"Rows with errors and orders already in the store are skipped."</span>
            </form>
        }
        .into_any(),
        None => view! {
            <Alert tone=Tone::Info>"Nothing to import: fix the rows below and check the file again."</Alert>
        }
        .into_any(),
    };
    let rows = v
        .rows
        .into_iter()
        .map(|r| view! { <PreviewRow r/> })
        .collect_view();
    view! {
        <div class="space-y-4">
            <Card>
                <p class="text-sm text-slate-700 dark:text-slate-300" data-testid="import-summary">{summary}</p>
                {ignored}
                <div class="mt-4 flex flex-wrap items-center gap-3">
                    {action}
                    <a href="/orders/import" class="text-sm font-medium text-brand-700 hover:underline dark:text-brand-300">"Check another file"</a>
                </div>
            </Card>
            <Card>
                <div class="overflow-x-auto">
                    <table class=TABLE aria-label="Rows of the file">
                        <thead>
                            <tr>
                                <th class=TH>"Row"</th>
                                <th class=TH>"Order"</th>
                                <th class=TH>"Customer"</th>
                                <th class=format!("{TH} text-right")>"Total"</th>
                                <th class=TH>"Outcome"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                    </table>
                </div>
            </Card>
        </div>
    }
}

#[component]
fn PreviewRow(r: ImportRowView) -> impl IntoView {
    let (result, label) = match r.outcome.as_str() {
        "new" => ("succeeded", "New order"),
        "item" => ("succeeded", "Another item"),
        "exists" => ("skipped", "Already in the store"),
        _ => ("failed", "Error"),
    };
    let problems = (!r.problems.is_empty()).then(|| {
        view! { <p class="mt-1 text-xs text-red-700 dark:text-red-300" data-testid="import-problems">{r.problems.join(" ")}</p> }
    });
    view! {
        <tr data-testid="import-row" data-outcome=r.outcome.clone()>
            <td class=format!("{TD} tabular-nums text-slate-500")>{r.line}</td>
            <td class=format!("{TD} font-medium text-slate-900 dark:text-white")>{r.number}</td>
            <td class=TD>{r.customer}</td>
            <td class=format!("{TD} text-right tabular-nums")>{r.total}</td>
            <td class=TD>
                <ResultBadge result=result.to_string() label=label.to_string()/>
                {problems}
            </td>
        </tr>
    }
}
