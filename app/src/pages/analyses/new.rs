//! /analyses/new — drop zone, live estimate and balance after, upload with progress (a plain
//! multipart form before hydration).

use leptos::prelude::*;
use leptos_meta::Title;

use super::*;
use crate::api::analyses::*;
use crate::components::ui::{Alert, Card, Tone};

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
                <a href="/analyses" class="text-sm text-brand-700 hover:underline dark:text-brand-300">"← Analyses"</a>
                <h1 class="page-title mt-2">"New analysis"</h1>
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
                                <label for="file" class="relative mt-1 flex cursor-pointer flex-col items-center justify-center rounded-xl border-2 border-dashed border-slate-300 px-6 py-10 text-center hover:border-brand-400 focus-within:border-brand-500 dark:border-slate-700">
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
                                        <div class="h-full bg-brand-600 transition-all" style=format!("width: {:.0}%", p * 100.0)></div>
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
