//! /analyses (history), /analyses/new (upload) and /analyses/:id (verdict, findings, extracted
//! data beside the page images, corrections, versions, exports).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::settings::{Loaded, BUTTON, BUTTON_DANGER, BUTTON_QUIET, SELECT, TABLE, TD, TH};
use crate::api::analyses::*;
use crate::components::ui::{Alert, Badge, Card, EmptyState, Tone};

const INPUT: &str = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100";
const LABEL: &str = "block text-xs font-medium text-slate-600 dark:text-slate-400";

/// The verdict as a coloured pill.
#[component]
fn VerdictBadge(verdict: Option<String>, #[prop(optional)] large: bool) -> impl IntoView {
    let (text, class) = match verdict.as_deref() {
        Some("REJECTED") => ("REJECTED", "bg-red-50 text-red-700 ring-red-600/20 dark:bg-red-500/10 dark:text-red-300"),
        Some("APPROVED_WITH_COMMENTS") => ("APPROVED WITH COMMENTS", "bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-400/10 dark:text-amber-300"),
        Some("APPROVED") => ("APPROVED", "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300"),
        _ => ("—", "bg-slate-100 text-slate-600 ring-slate-500/10 dark:bg-slate-800 dark:text-slate-300"),
    };
    let size = if large {
        "px-3 py-1 text-sm"
    } else {
        "px-2 py-0.5 text-xs"
    };
    view! { <span class=format!("inline-flex items-center rounded-md font-semibold ring-1 ring-inset {size} {class}") data-testid="verdict">{text}</span> }
}

#[component]
fn StatusBadge(status: String) -> impl IntoView {
    let class = match status.as_str() {
        "COMPLETED" => "text-emerald-700 dark:text-emerald-300",
        "FAILED" => "text-red-700 dark:text-red-300",
        "CANCELLED" => "text-slate-500",
        _ => "text-indigo-700 dark:text-indigo-300",
    };
    view! { <span class=format!("text-xs font-semibold tracking-wide {class}") data-testid="status">{status}</span> }
}

fn severity_class(s: &str) -> &'static str {
    match s {
        "critical" => "bg-red-600 text-white",
        "major" => "bg-amber-500 text-white",
        _ => "bg-slate-500 text-white",
    }
}

fn query_string(pairs: &[(&str, String)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

#[component]
pub fn AnalysesPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).unwrap_or_default();
    let data = Resource::new(
        move || {
            (
                get("q"),
                get("type"),
                get("verdict"),
                get("preset"),
                get("from"),
                get("to"),
                get("sort"),
                get("page").parse::<i64>().unwrap_or(1),
            )
        },
        |(q, t, v, preset, from, to, sort, page)| {
            get_analyses(q, t, v, preset, from, to, sort, page)
        },
    );
    let deleted = move || query.read().get("deleted").is_some();
    let option = move |key: &'static str, value: &'static str, label: &'static str| {
        view! { <option value=value selected=move || get(key) == value>{label}</option> }
    };
    view! {
        <Title text="Analyses · Switchyard"/>
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight text-slate-900 dark:text-white">"Analyses"</h1>
                <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">"Commissioning test reports checked against your standard: grounding, insulation resistance and thermography."</p>
            </div>
        </div>
        {move || deleted().then(|| view! { <div class="mb-4"><Alert tone=Tone::Success>"The analysis and its files were deleted."</Alert></div> })}
        <form method="get" action="/analyses" class="mb-4 grid grid-cols-2 gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-4 lg:grid-cols-8 dark:border-slate-800 dark:bg-slate-900" aria-label="Filter analyses">
            <div class="col-span-2">
                <label class=LABEL for="f-q">"File name"</label>
                <input id="f-q" name="q" type="search" class=INPUT prop:value=move || get("q") placeholder="Search file names"/>
            </div>
            <div>
                <label class=LABEL for="f-type">"Test"</label>
                <select id="f-type" name="type" class=SELECT>
                    {option("type", "", "All tests")}
                    {option("type", "grounding", "Grounding")}
                    {option("type", "insulation", "Insulation")}
                    {option("type", "thermography", "Thermography")}
                </select>
            </div>
            <div>
                <label class=LABEL for="f-verdict">"Verdict"</label>
                <select id="f-verdict" name="verdict" class=SELECT>
                    {option("verdict", "", "Any verdict")}
                    {option("verdict", "REJECTED", "Rejected")}
                    {option("verdict", "APPROVED_WITH_COMMENTS", "With comments")}
                    {option("verdict", "APPROVED", "Approved")}
                </select>
            </div>
            <div>
                <label class=LABEL for="f-preset">"Period"</label>
                <select id="f-preset" name="preset" class=SELECT>
                    {option("preset", "", "Any time")}
                    {option("preset", "today", "Today")}
                    {option("preset", "week", "This week")}
                    {option("preset", "month", "This month")}
                    {option("preset", "last_month", "Last month")}
                </select>
            </div>
            <div>
                <label class=LABEL for="f-from">"From"</label>
                <input id="f-from" name="from" type="date" class=INPUT prop:value=move || get("from")/>
            </div>
            <div>
                <label class=LABEL for="f-to">"To"</label>
                <input id="f-to" name="to" type="date" class=INPUT prop:value=move || get("to")/>
            </div>
            <div>
                <label class=LABEL for="f-sort">"Sort"</label>
                <select id="f-sort" name="sort" class=SELECT>
                    {option("sort", "", "Newest first")}
                    {option("sort", "date_asc", "Oldest first")}
                    {option("sort", "score", "Highest score")}
                    {option("sort", "score_asc", "Lowest score")}
                </select>
            </div>
            <div class="col-span-2 flex items-end gap-2 sm:col-span-4 lg:col-span-8">
                <button type="submit" class=BUTTON>"Apply filters"</button>
                <a href="/analyses" class=BUTTON_QUIET>"Clear"</a>
            </div>
        </form>
        <Loaded resource=data render={move |d: AnalysesPage| {
            let new_button = d.can_run.then(|| view! { <a href="/analyses/new" class=BUTTON data-testid="new-analysis">"New analysis"</a> });
            if d.rows.is_empty() {
                return view! {
                    <div class="space-y-4">
                        <div class="flex justify-end">{new_button}</div>
                        <EmptyState title="No analyses match" text="Upload a test report to get a verdict, or change the filters."/>
                    </div>
                }.into_any();
            }
            let rows = d.rows.clone().into_iter().map(|r| {
                let href = format!("/analyses/{}", r.id);
                view! {
                    <tr data-testid="analysis-row">
                        <td class=TD><input type="checkbox" name="ids" value=r.id.clone() aria-label=format!("Select {}", r.filename) class="h-4 w-4 rounded border-slate-300"/></td>
                        <td class=TD>
                            <a href=href class="font-medium text-indigo-700 hover:underline dark:text-indigo-300">{r.filename.clone()}</a>
                            {(r.version > 1).then(|| view! { <span class="ml-2"><Badge text=format!("v{}", r.version)/></span> })}
                            <p class="text-xs text-slate-500">{r.test_label.clone()}</p>
                        </td>
                        <td class=TD><StatusBadge status=r.status.clone()/></td>
                        <td class=TD>
                            <VerdictBadge verdict=r.verdict.clone()/>
                            {r.requires_review.then(|| view! { <p class="mt-1 text-xs text-amber-700 dark:text-amber-300">"Requires review"</p> })}
                        </td>
                        <td class=format!("{TD} text-right tabular-nums")>{r.score.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                        <td class=TD>{r.creator.clone()}</td>
                        <td class=format!("{TD} whitespace-nowrap")>{r.created.clone()}</td>
                    </tr>
                }
            }).collect_view();
            let base = vec![
                ("q", get("q")), ("type", get("type")), ("verdict", get("verdict")),
                ("preset", get("preset")), ("from", get("from")), ("to", get("to")), ("sort", get("sort")),
            ];
            let link = move |page: i64| {
                let mut p = base.clone();
                p.push(("page", page.to_string()));
                format!("/analyses{}", query_string(&p))
            };
            let prev = (d.page > 1).then(|| view! { <a href=link(d.page - 1) class=BUTTON_QUIET>"Previous"</a> });
            let next = (d.page < d.pages).then(|| view! { <a href=link(d.page + 1) class=BUTTON_QUIET>"Next"</a> });
            view! {
                <Card>
                    <form method="post" action="/analyses/export">
                        <div class="mb-3 flex flex-wrap items-center justify-between gap-3">
                            <p class="text-sm text-slate-600 dark:text-slate-400">{if d.total == 1 { "1 analysis".to_string() } else { format!("{} analyses", d.total) }}</p>
                            <div class="flex flex-wrap items-center gap-2">
                                <span class="text-xs text-slate-500">"Export selected:"</span>
                                <button type="submit" name="format" value="json" class=BUTTON_QUIET>"JSON"</button>
                                <button type="submit" name="format" value="csv" class=BUTTON_QUIET>"CSV"</button>
                                {new_button}
                            </div>
                        </div>
                        <div class="-mx-5 overflow-x-auto">
                            <table class=TABLE>
                                <thead><tr>
                                    <th class=TH><span class="sr-only">"Select"</span></th>
                                    <th class=TH>"Report"</th><th class=TH>"Status"</th><th class=TH>"Verdict"</th>
                                    <th class=format!("{TH} text-right")>"Score"</th><th class=TH>"By"</th><th class=TH>"Uploaded"</th>
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                            </table>
                        </div>
                    </form>
                    <div class="mt-4 flex items-center justify-between text-sm text-slate-500">
                        <span>{format!("Page {} of {}", d.page, d.pages)}</span>
                        <div class="flex gap-2">{prev}{next}</div>
                    </div>
                </Card>
            }.into_any()
        }}/>
    }
}

/// The seed's estimate, computed in the browser as the file is chosen.
fn estimate(bytes: f64) -> i64 {
    ((bytes / 100.0) as i64).clamp(1_000, 10_000)
}

#[cfg(feature = "hydrate")]
fn send_with_progress(
    form: web_sys::HtmlFormElement,
    progress: RwSignal<Option<f64>>,
    error: RwSignal<Option<String>>,
) -> Result<(), wasm_bindgen::JsValue> {
    use wasm_bindgen::{closure::Closure, JsCast};
    let data = web_sys::FormData::new_with_form(&form)?;
    let xhr = web_sys::XmlHttpRequest::new()?;
    xhr.open("POST", "/analyses/upload")?;
    xhr.set_request_header("Accept", "application/json")?;
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                progress.set(Some(e.loaded() / e.total()));
            }
        });
    xhr.upload()?
        .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    on_progress.forget();
    let done = xhr.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        let status = done.status().unwrap_or(0);
        let body = done.response_text().ok().flatten().unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if status == 201 {
            if let (Some(url), Some(w)) = (v["url"].as_str(), web_sys::window()) {
                let _ = w.location().assign(url);
            }
        } else {
            progress.set(None);
            let msg = v["error"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("The upload failed (HTTP {status}). Please try again."));
            error.set(Some(msg));
        }
    });
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        progress.set(None);
        error.set(Some(
            "The upload was interrupted. Check the connection and try again.".into(),
        ));
    });
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    xhr.send_with_opt_form_data(Some(&data))
}

#[component]
pub fn NewAnalysisPage() -> impl IntoView {
    let info = Resource::new(|| (), |_| get_upload_info());
    let flash = Resource::new_blocking(|| (), |_| crate::api::take_form_flash("upload".into()));
    let chosen: RwSignal<Option<(String, f64)>> = RwSignal::new(None);
    let progress: RwSignal<Option<f64>> = RwSignal::new(None);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let on_file = move |ev: leptos::ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&ev);
        let file = input.files().and_then(|f| f.get(0));
        chosen.set(file.map(|f| (f.name(), f.size())));
        error.set(None);
    };
    #[allow(unused_variables)]
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            ev.prevent_default();
            if progress.get_untracked().is_some() {
                return; // a second click while sending
            }
            let Some(form) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
            else {
                return;
            };
            error.set(None);
            progress.set(Some(0.0));
            if send_with_progress(form, progress, error).is_err() {
                progress.set(None);
                error.set(Some("The upload could not start. Please try again.".into()));
            }
        }
    };
    view! {
        <Title text="New analysis · Switchyard"/>
        <div class="mx-auto max-w-2xl">
            <div class="mb-6">
                <a href="/analyses" class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">"← Analyses"</a>
                <h1 class="mt-2 text-2xl font-semibold tracking-tight text-slate-900 dark:text-white">"New analysis"</h1>
                <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">"Upload a test report (PDF) or a photo. Switchyard reads the measurements, checks them against your company's standard and gives a verdict."</p>
            </div>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let f = flash.await.ok().flatten();
                    f.map(|f| view! { <div class="mb-4"><Alert tone=Tone::Error>{f.message}</Alert></div> })
                })}
            </Suspense>
            {move || error.get().map(|e| view! { <div class="mb-4" data-testid="upload-error"><Alert tone=Tone::Error>{e}</Alert></div> })}
            <Loaded resource=info render={move |i: UploadInfo| {
                let balance = i.balance;
                let max_bytes = i.max_mb as f64 * 1024.0 * 1024.0;
                let summary = move || chosen.get().map(|(name, size)| {
                    let est = estimate(size);
                    let too_big = size > max_bytes;
                    let short = est > balance;
                    view! {
                        <div class="mt-3 rounded-lg bg-slate-50 px-3 py-2 text-sm dark:bg-slate-800/60" data-testid="estimate">
                            <p class="font-medium text-slate-800 dark:text-slate-200">{name}</p>
                            <p class="text-slate-600 dark:text-slate-400">{format!("{} · estimate {} tokens · balance after {} tokens", if size < 1_048_576.0 { format!("{:.0} KB", (size / 1024.0).ceil()) } else { format!("{:.1} MB", size / 1_048_576.0) }, crate::format::group(est), crate::format::group(balance - est))}</p>
                            {too_big.then(|| view! { <p class="mt-1 text-red-700 dark:text-red-300">{format!("This file is larger than {} MB.", (max_bytes / 1_048_576.0) as u64)}</p> })}
                            {short.then(|| view! { <p class="mt-1 text-red-700 dark:text-red-300">"The balance is too low for this file. "<a href="/billing" class="underline">"Buy tokens"</a></p> })}
                        </div>
                    }
                });
                view! {
                    <Card>
                        <form method="post" action="/analyses/upload" enctype="multipart/form-data" on:submit=on_submit class="space-y-5">
                            <div>
                                <label class="block text-sm font-medium text-slate-700 dark:text-slate-300" for="test_type">"Test type"</label>
                                <select id="test_type" name="test_type" required class=format!("{SELECT} mt-1")>
                                    <option value="grounding">"Grounding (earth resistance)"</option>
                                    <option value="insulation">"Insulation resistance (Megger)"</option>
                                    <option value="thermography">"Thermography"</option>
                                </select>
                            </div>
                            <div>
                                <span class="block text-sm font-medium text-slate-700 dark:text-slate-300">"Report"</span>
                                <label for="file" class="relative mt-1 flex cursor-pointer flex-col items-center justify-center rounded-xl border-2 border-dashed border-slate-300 px-6 py-10 text-center hover:border-indigo-400 focus-within:border-indigo-500 dark:border-slate-700">
                                    <svg class="h-10 w-10 text-slate-400" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.5" aria-hidden="true"><path stroke-linecap="round" stroke-linejoin="round" d="M3 16.5v2.25A2.25 2.25 0 0 0 5.25 21h13.5A2.25 2.25 0 0 0 21 18.75V16.5m-13.5-9L12 3m0 0 4.5 4.5M12 3v13.5"/></svg>
                                    <span class="mt-2 text-sm font-medium text-slate-800 dark:text-slate-200">"Drop the PDF or photo here, or click to choose"</span>
                                    <span class="mt-1 text-xs text-slate-500">{format!("PDF, PNG or JPEG · up to {} MB and {} pages", i.max_mb, i.max_pages)}</span>
                                    <input id="file" name="file" type="file" required accept="application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"
                                        class="absolute inset-0 h-full w-full cursor-pointer opacity-0" on:change=on_file data-testid="file-input"/>
                                </label>
                                {summary}
                            </div>
                            <p class="text-xs text-slate-500 dark:text-slate-400">{format!("Balance {} tokens. The estimate (file size ÷ 100, between 1,000 and 10,000 tokens) is held while the report is analysed; you pay what the analysis really used and the rest comes back. At most {} uploads a minute.", i.balance_text, i.per_minute)}</p>
                            {move || progress.get().map(|p| view! {
                                <div data-testid="upload-progress">
                                    <div class="h-2 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800">
                                        <div class="h-full bg-indigo-600 transition-all" style=format!("width: {:.0}%", p * 100.0)></div>
                                    </div>
                                    <p class="mt-1 text-xs text-slate-500">{if p >= 1.0 { "Checking the file…".to_string() } else { format!("Uploading… {:.0}%", p * 100.0) }}</p>
                                </div>
                            })}
                            <button type="submit" class=format!("{BUTTON} w-full") disabled=move || progress.get().is_some()>"Start analysis"</button>
                        </form>
                    </Card>
                }
            }}/>
        </div>
    }
}

#[component]
pub fn AnalysisPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let tick = RwSignal::new(0u32);
    let cancel = ServerAction::<CancelAnalysis>::new();
    let correct = ServerAction::<CorrectField>::new();
    let reanalyse = ServerAction::<Reanalyse>::new();
    let delete = ServerAction::<DeleteAnalysis>::new();
    let data = Resource::new(
        move || {
            (
                id(),
                tick.get(),
                cancel.version().get(),
                correct.version().get(),
            )
        },
        |(id, _, _, _)| get_analysis(id),
    );
    // While PENDING/PROCESSING, ask again every 2 s.
    Effect::new(move |_| {
        if let Some(Ok(a)) = data.get() {
            if a.active {
                set_timeout(
                    move || tick.update(|t| *t += 1),
                    std::time::Duration::from_secs(2),
                );
            }
        }
    });
    let errors = move || {
        let e = cancel
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| correct.value().get().and_then(|r| r.err()))
            .or_else(|| reanalyse.value().get().and_then(|r| r.err()))
            .or_else(|| delete.value().get().and_then(|r| r.err()));
        e.map(|e| view! { <div class="mb-4" data-testid="action-error"><Alert tone=Tone::Error>{e.message}</Alert></div> })
    };
    view! {
        <Title text="Analysis · Switchyard"/>
        <a href="/analyses" class="text-sm text-indigo-700 hover:underline dark:text-indigo-300">"← Analyses"</a>
        <div class="mt-2">{errors}</div>
        <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <Alert tone=Tone::Error>{e.message}</Alert> }.into_any(),
                Ok(a) => view! { <AnalysisDetail a cancel correct reanalyse delete/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn AnalysisDetail(
    a: AnalysisView,
    cancel: ServerAction<CancelAnalysis>,
    correct: ServerAction<CorrectField>,
    reanalyse: ServerAction<Reanalyse>,
    delete: ServerAction<DeleteAnalysis>,
) -> impl IntoView {
    let id = a.id.clone();
    let versions = (a.versions.len() > 1).then(|| {
        let current = a.version;
        let links = a.versions.clone().into_iter().map(|(vid, v)| {
            if v == current {
                view! { <span class="rounded-md bg-indigo-600 px-2 py-0.5 text-xs font-semibold text-white">{format!("v{v}")}</span> }.into_any()
            } else {
                view! { <a href=format!("/analyses/{vid}") class="rounded-md px-2 py-0.5 text-xs font-medium text-indigo-700 ring-1 ring-inset ring-indigo-200 hover:bg-indigo-50 dark:text-indigo-300 dark:ring-indigo-800">{format!("v{v}")}</a> }.into_any()
            }
        }).collect_view();
        view! { <div class="flex items-center gap-1" aria-label="Versions">{links}</div> }
    });
    let (id_cancel, id_again, id_export) = (id.clone(), id.clone(), id.clone());
    let estimate_text = a.estimate.clone();
    let header = view! {
        <div class="mb-6 flex flex-wrap items-start justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight text-slate-900 break-all dark:text-white" data-testid="analysis-title">{a.filename.clone()}</h1>
                <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{format!("{} · {} · version {} · uploaded {} by {}", a.test_label, a.standard, a.version, a.created, a.creator)}</p>
                <div class="mt-2 flex items-center gap-3"><StatusBadge status=a.status.clone()/>{versions}</div>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                {(a.can_run && a.active).then(move || view! {
                    <ActionForm action=cancel>
                        <input type="hidden" name="id" value=id_cancel/>
                        <button type="submit" class=BUTTON_QUIET>"Cancel analysis"</button>
                    </ActionForm>
                })}
                {(a.can_run && !a.active).then(move || view! {
                    <ActionForm action=reanalyse>
                        <input type="hidden" name="id" value=id_again/>
                        <button type="submit" class=BUTTON_QUIET disabled=move || reanalyse.pending().get()
                            title=format!("Runs the analysis again as a new version (about {estimate_text} tokens)")>"Re-analyse"</button>
                    </ActionForm>
                })}
                {(a.status == "COMPLETED").then(move || view! {
                    <form method="post" action=format!("/analyses/{id_export}/export") class="flex items-center gap-1">
                        <span class="text-xs text-slate-500">"Export"</span>
                        <button type="submit" name="format" value="json" class=BUTTON_QUIET>"JSON"</button>
                        <button type="submit" name="format" value="csv" class=BUTTON_QUIET>"CSV"</button>
                        <button type="submit" name="format" value="pdf" class=BUTTON_QUIET>"PDF"</button>
                    </form>
                })}
                <a href=format!("/analyses/{id}/file") class=BUTTON_QUIET>"Original file"</a>
            </div>
        </div>
    };
    let body = if a.active {
        view! {
            <Card title="Analysing…">
                <noscript><meta http-equiv="refresh" content="3"/></noscript>
                <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="processing">
                    {format!("{} — the text of every page is read, the pages are rendered and the measurements are checked. {} tokens are held until it finishes. This page updates by itself.",
                        if a.status == "PENDING" { "Waiting for its turn" } else { "Reading the report" }, a.estimate)}
                </p>
                <div class="mt-4 h-2 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"><div class="h-full w-1/3 animate-pulse rounded-full bg-indigo-500"></div></div>
            </Card>
        }.into_any()
    } else if a.status != "COMPLETED" {
        let raw = a.raw_reply.clone().map(|r| view! {
            <details class="mt-3"><summary class="cursor-pointer text-xs text-slate-500">"The provider's reply"</summary>
                <pre class="mt-2 max-h-64 overflow-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-800">{r}</pre></details>
        });
        view! {
            <Card title=if a.status == "FAILED" { "The analysis failed" } else { "The analysis was cancelled" }>
                <p class="text-sm text-slate-700 dark:text-slate-300" data-testid="failure">{a.error.clone().unwrap_or_default()}</p>
                <p class="mt-2 text-xs text-slate-500">"Nothing was charged: the held tokens went back to the balance."</p>
                {raw}
            </Card>
        }.into_any()
    } else {
        view! { <Completed a=a.clone() correct/> }.into_any()
    };
    let danger = (a.can_run && !a.active).then(|| view! {
        <section class="mt-8 rounded-xl border border-red-200 p-5 dark:border-red-900">
            <h2 class="text-sm font-semibold text-red-800 dark:text-red-300">"Delete this analysis"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">"The analysis and its stored files (the upload and the page images) are removed. Type DELETE to confirm."</p>
            <ActionForm action=delete attr:class="mt-3 flex flex-wrap items-center gap-2">
                <input type="hidden" name="id" value=id.clone()/>
                <label class="sr-only" for="confirm">"Type DELETE"</label>
                <input id="confirm" name="confirm" required autocomplete="off" placeholder="DELETE" class=format!("{INPUT} max-w-40")/>
                <button type="submit" class=BUTTON_DANGER>"Delete"</button>
            </ActionForm>
        </section>
    });
    view! { {header}{body}{danger} }
}

#[component]
fn Completed(a: AnalysisView, correct: ServerAction<CorrectField>) -> impl IntoView {
    let id = a.id.clone();
    let review = a.requires_review.then(|| {
        let reasons = a
            .review_reasons
            .clone()
            .into_iter()
            .map(|r| view! { <li>{r}</li> })
            .collect_view();
        view! {
            <div class="mb-4"><Alert tone=Tone::Info>
                <p class="font-medium">"Requires review"</p>
                <ul class="mt-1 list-disc pl-5">{reasons}</ul>
            </Alert></div>
        }
    });
    let summary = view! {
        <section class="mb-6 grid gap-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm sm:grid-cols-3 lg:grid-cols-6 dark:border-slate-800 dark:bg-slate-900">
            <div class="sm:col-span-3 lg:col-span-2">
                <p class="text-xs font-medium uppercase tracking-wide text-slate-500">"Verdict"</p>
                <div class="mt-2"><VerdictBadge verdict=a.verdict.clone() large=true/></div>
            </div>
            <div><p class="text-xs font-medium uppercase tracking-wide text-slate-500">"Score"</p><p class="mt-1 text-2xl font-semibold text-slate-900 dark:text-white" data-testid="score">{a.score.map(|s| s.to_string()).unwrap_or_default()}</p></div>
            <div><p class="text-xs font-medium uppercase tracking-wide text-slate-500">"Confidence"</p><p class="mt-1 text-2xl font-semibold text-slate-900 dark:text-white">{a.confidence.clone().unwrap_or_default()}</p></div>
            <div><p class="text-xs font-medium uppercase tracking-wide text-slate-500">"Time"</p><p class="mt-1 text-2xl font-semibold text-slate-900 dark:text-white">{a.processing.clone().unwrap_or_default()}</p></div>
            <div>
                <p class="text-xs font-medium uppercase tracking-wide text-slate-500">"Tokens"</p>
                <p class="mt-1 text-2xl font-semibold text-slate-900 dark:text-white" data-testid="tokens-charged">{a.tokens_charged.clone()}</p>
                <p class="text-xs text-slate-500">{a.cost.clone().map(|c| format!("provider cost {c}")).unwrap_or_default()}</p>
            </div>
            <p class="text-xs text-slate-500 sm:col-span-3 lg:col-span-6">{format!("Extracted by: {}", a.provider)}</p>
        </section>
    };
    let diff = a.diff.clone().filter(|d| d.verdict.is_some() || d.score.is_some() || !d.fields.is_empty() || !d.added.is_empty() || !d.removed.is_empty()).map(|d| {
        let fields = d.fields.into_iter().map(|c| view! {
            <li><span class="font-medium">{c.field}</span>": "<span class="line-through decoration-red-500">{c.before}</span>" → "<span class="font-medium text-emerald-700 dark:text-emerald-300">{c.after}</span></li>
        }).collect_view();
        let added = d.added.into_iter().map(|f| view! { <li class="text-red-700 dark:text-red-300">{format!("+ {f}")}</li> }).collect_view();
        let removed = d.removed.into_iter().map(|f| view! { <li class="text-emerald-700 dark:text-emerald-300">{format!("− {f}")}</li> }).collect_view();
        view! {
            <section class="mb-6 rounded-xl border border-indigo-200 bg-indigo-50/50 p-5 dark:border-indigo-900 dark:bg-indigo-950/30" data-testid="diff">
                <h2 class="text-sm font-semibold text-slate-900 dark:text-white">
                    {format!("What changed since version {}", d.previous_version)}
                    " "<a href=format!("/analyses/{}", d.previous_id) class="text-xs font-normal text-indigo-700 hover:underline dark:text-indigo-300">"(open it)"</a>
                </h2>
                <ul class="mt-2 space-y-1 text-sm text-slate-700 dark:text-slate-300">
                    {d.verdict.map(|(b, a)| view! { <li>"Verdict: "{b}" → "<span class="font-semibold">{a}</span></li> })}
                    {d.score.map(|(b, a)| view! { <li>{format!("Score: {b} → {a}")}</li> })}
                    {fields}{added}{removed}
                </ul>
            </section>
        }
    });
    let no_diff = a.diff.as_ref().filter(|d| d.verdict.is_none() && d.score.is_none() && d.fields.is_empty() && d.added.is_empty() && d.removed.is_empty()).map(|d| view! {
        <div class="mb-6" data-testid="diff"><Alert tone=Tone::Info>{format!("Nothing changed since version {}.", d.previous_version)}</Alert></div>
    });
    let findings = if a.findings.is_empty() {
        view! { <p class="text-sm text-emerald-700 dark:text-emerald-300">"No non-conformities."</p> }.into_any()
    } else {
        a.findings.clone().into_iter().map(|f| view! {
            <article class="rounded-lg border border-slate-200 p-4 dark:border-slate-800" data-testid="finding">
                <div class="flex flex-wrap items-center gap-2">
                    <span class=format!("rounded px-1.5 py-0.5 text-xs font-bold uppercase {}", severity_class(&f.severity))>{f.severity.clone()}</span>
                    <span class="font-mono text-sm font-semibold text-slate-900 dark:text-white" data-testid="finding-code">{f.code.clone()}</span>
                    <span class="text-sm font-medium text-slate-800 dark:text-slate-200">{f.title.clone()}</span>
                    {f.page.map(|p| view! { <a href=format!("#page-{p}") class="ml-auto text-xs text-indigo-700 hover:underline dark:text-indigo-300">{format!("page {p}")}</a> })}
                </div>
                <p class="mt-2 text-sm text-slate-700 dark:text-slate-300"><span class="font-medium">"Evidence: "</span>{f.evidence.clone()}</p>
                <p class="mt-1 text-sm text-slate-700 dark:text-slate-300"><span class="font-medium">"Corrective action: "</span>{f.action.clone()}</p>
            </article>
        }).collect_view().into_any()
    };
    let can_run = a.can_run;
    let rows = a.fields.clone().into_iter().map(|f| {
        let id = id.clone();
        let (path, path2, label, value) = (f.path.clone(), f.path.clone(), f.label.clone(), f.value.clone());
        let value_text = if f.value.is_empty() { "—".to_string() } else if f.unit.is_empty() { f.value.clone() } else { format!("{} {}", f.value, f.unit) };
        view! {
            <tr data-testid="field-row" data-field=f.path.clone()>
                <td class=TD>{f.label.clone()}</td>
                <td class=format!("{TD} font-medium") title=f.excerpt.clone()>{value_text}</td>
                <td class=format!("{TD} tabular-nums {}", if f.low { "text-amber-700 dark:text-amber-300" } else { "" })>{f.confidence.clone()}</td>
                <td class=TD>{f.page.map(|p| view! { <a href=format!("#page-{p}") class="text-indigo-700 hover:underline dark:text-indigo-300">{format!("p. {p}")}</a> })}<span class="ml-1 text-xs text-slate-500">{f.source.clone()}</span></td>
                <td class=TD>
                    {can_run.then(move || view! {
                        <details>
                            <summary class="cursor-pointer text-xs text-indigo-700 dark:text-indigo-300">"Correct"</summary>
                            <ActionForm action=correct attr:class="mt-2 flex items-center gap-1">
                                <input type="hidden" name="id" value=id/>
                                <input type="hidden" name="field" value=path/>
                                <label class="sr-only" for=format!("fix-{path2}")>{format!("New value for {label}")}</label>
                                <input id=format!("fix-{path2}") name="value" value=value class=format!("{INPUT} w-32 py-1")/>
                                <button type="submit" class=BUTTON_QUIET>"Save"</button>
                            </ActionForm>
                        </details>
                    })}
                </td>
            </tr>
        }
    }).collect_view();
    let not_evaluated = (!a.not_evaluated.is_empty()).then(|| {
        let items = a.not_evaluated.clone().into_iter().map(|(code, why)| view! { <li><span class="font-mono">{code}</span>": "{why}</li> }).collect_view();
        view! {
            <details class="mt-4 text-sm text-slate-600 dark:text-slate-400">
                <summary class="cursor-pointer">{match a.not_evaluated.len() { 1 => "1 rule could not be checked".to_string(), n => format!("{n} rules could not be checked") }}</summary>
                <ul class="mt-2 list-disc space-y-1 pl-5">{items}</ul>
            </details>
        }
    });
    let corrections = (!a.corrections.is_empty()).then(|| {
        let items = a.corrections.clone().into_iter().map(|c| view! {
            <li>{format!("{}: {} → {} by {}, {}", c.field, c.before, c.after, c.who, c.when)}</li>
        }).collect_view();
        view! { <Card title="Corrections"><ul class="space-y-1 text-sm text-slate-700 dark:text-slate-300" data-testid="corrections">{items}</ul></Card> }
    });
    let pages = (1..=a.pages).map(|n| {
        let src = format!("/analyses/{}/pages/{n}", a.id);
        view! {
            <figure id=format!("page-{n}") class="scroll-mt-4">
                <img src=src loading="lazy" alt=format!("Page {n} of {}", a.filename) class="w-full rounded-lg border border-slate-200 bg-white dark:border-slate-800"/>
                <figcaption class="mt-1 text-center text-xs text-slate-500">{format!("Page {n}")}</figcaption>
            </figure>
        }
    }).collect_view();
    view! {
        {review}
        {summary}
        {diff}{no_diff}
        <div class="grid gap-6 lg:grid-cols-5">
            <div class="space-y-6 lg:col-span-3">
                <Card title="Non-conformities">
                    <div class="space-y-3">{findings}</div>
                    {not_evaluated}
                </Card>
                <Card title="Extracted data">
                    <div class="-mx-5 overflow-x-auto">
                        <table class=TABLE>
                            <thead><tr><th class=TH>"Field"</th><th class=TH>"Value"</th><th class=TH>"Confidence"</th><th class=TH>"From"</th><th class=TH><span class="sr-only">"Correct"</span></th></tr></thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{rows}</tbody>
                        </table>
                    </div>
                </Card>
                {corrections}
            </div>
            <aside class="space-y-4 lg:col-span-2" aria-label="Pages">{pages}</aside>
        </div>
    }
}
