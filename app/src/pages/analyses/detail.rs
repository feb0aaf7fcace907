//! /analyses/:id — verdict, score, findings, extracted data beside the page images,
//! corrections, versions, exports; refreshes itself while the analysis runs.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::*;
use crate::api::analyses::*;
use crate::components::ui::{Alert, Card, Tone};

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
        <a href="/analyses" class="text-sm text-brand-700 hover:underline dark:text-brand-300">"← Analyses"</a>
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
                view! { <span class="rounded-md bg-brand-600 px-2 py-0.5 text-xs font-semibold text-white">{format!("v{v}")}</span> }.into_any()
            } else {
                view! { <a href=format!("/analyses/{vid}") class="rounded-md px-2 py-0.5 text-xs font-medium text-brand-700 ring-1 ring-inset ring-brand-200 hover:bg-brand-50 dark:text-brand-300 dark:ring-brand-800">{format!("v{v}")}</a> }.into_any()
            }
        }).collect_view();
        view! { <div class="flex items-center gap-1" aria-label="Versions">{links}</div> }
    });
    let (id_cancel, id_again, id_export) = (id.clone(), id.clone(), id.clone());
    let estimate_text = a.estimate.clone();
    let header = view! {
        <div class="mb-6 flex flex-wrap items-start justify-between gap-4">
            <div>
                <h1 class="page-title break-all" data-testid="analysis-title">{a.filename.clone()}</h1>
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
                <div class="mt-4 h-2 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"><div class="h-full w-1/3 animate-pulse rounded-full bg-brand-500"></div></div>
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
            <section class="mb-6 rounded-xl border border-brand-200 bg-brand-50/50 p-5 dark:border-brand-900 dark:bg-brand-950/30" data-testid="diff">
                <h2 class="section-title">
                    {format!("What changed since version {}", d.previous_version)}
                    " "<a href=format!("/analyses/{}", d.previous_id) class="text-xs font-normal text-brand-700 hover:underline dark:text-brand-300">"(open it)"</a>
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
                    {f.page.map(|p| view! { <a href=format!("#page-{p}") class="ml-auto text-xs text-brand-700 hover:underline dark:text-brand-300">{format!("page {p}")}</a> })}
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
                <td class=TD>{f.page.map(|p| view! { <a href=format!("#page-{p}") class="text-brand-700 hover:underline dark:text-brand-300">{format!("p. {p}")}</a> })}<span class="ml-1 text-xs text-slate-500">{f.source.clone()}</span></td>
                <td class=TD>
                    {can_run.then(move || view! {
                        <details>
                            <summary class="cursor-pointer text-xs text-brand-700 dark:text-brand-300">"Correct"</summary>
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
