//! The small set of shared building blocks every page uses.

use leptos::prelude::*;

use crate::api::AppError;

/// A labelled input with its error message. `error` is shown under the field and linked with
/// `aria-describedby` so screen readers announce it.
#[component]
pub fn Field(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into, default = "text".to_string())] kind: String,
    #[prop(into, optional)] value: String,
    #[prop(into, optional)] autocomplete: String,
    #[prop(into, optional)] hint: String,
    #[prop(default = None)] error: Option<String>,
    #[prop(optional)] autofocus: bool,
    #[prop(default = true)] required: bool,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let has_error = error.is_some();
    let described = if has_error {
        Some(err_id.clone())
    } else {
        None
    };
    let input_class = if has_error {
        "mt-1 block w-full rounded-lg border border-red-500 bg-white px-3 py-2 text-sm shadow-sm focus:border-red-500 focus:outline-none focus:ring-2 focus:ring-red-500/30 dark:bg-slate-900 dark:text-slate-100"
    } else {
        "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
    };
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-700 dark:text-slate-300">
                {label}
            </label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                autofocus=autofocus
                aria-invalid=if has_error { "true" } else { "false" }
                aria-describedby=described
                class=input_class
            />
            {(!hint.is_empty()).then(|| view! { <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{hint}</p> })}
            {error.map(|e| view! { <p id=err_id class="mt-1 text-sm text-red-600 dark:text-red-400">{e}</p> })}
        </div>
    }
}

#[component]
pub fn SubmitButton(children: Children) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="inline-flex w-full items-center justify-center rounded-lg bg-brand-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500 focus-visible:ring-offset-2 dark:focus-visible:ring-offset-slate-900"
        >
            {children()}
        </button>
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum Tone {
    Error,
    Info,
    Success,
}

/// A message box; errors use role="alert" so they are announced.
#[component]
pub fn Alert(tone: Tone, children: Children) -> impl IntoView {
    let (class, role) = match tone {
        Tone::Error => ("rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950/50 dark:text-red-200", "alert"),
        Tone::Info => ("rounded-lg border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-800 dark:border-sky-900 dark:bg-sky-950/50 dark:text-sky-200", "status"),
        Tone::Success => ("rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800 dark:border-emerald-900 dark:bg-emerald-950/50 dark:text-emerald-200", "status"),
    };
    view! { <div class=class role=role>{children()}</div> }
}

#[component]
pub fn Card(#[prop(into, optional)] title: String, children: Children) -> impl IntoView {
    view! {
        <section class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            {(!title.is_empty()).then(|| view! { <h2 class="section-title mb-4">{title}</h2> })}
            {children()}
        </section>
    }
}

/// A headline figure with its label.
#[component]
pub fn Stat(
    #[prop(into)] label: String,
    value: String,
    #[prop(into, optional)] note: String,
) -> impl IntoView {
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <dt class="text-sm font-medium text-slate-500 dark:text-slate-400">{label}</dt>
            <dd class="mt-2 text-3xl font-semibold tracking-tight text-slate-900 dark:text-white">{value}</dd>
            {(!note.is_empty()).then(|| view! { <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{note}</p> })}
        </div>
    }
}

#[component]
pub fn Badge(#[prop(into)] text: String, #[prop(optional)] warn: bool) -> impl IntoView {
    let class = if warn {
        "inline-flex items-center rounded-md bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-inset ring-amber-600/20 dark:bg-amber-400/10 dark:text-amber-300"
    } else {
        "inline-flex items-center rounded-md bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700 ring-1 ring-inset ring-slate-500/10 dark:bg-slate-800 dark:text-slate-300"
    };
    view! { <span class=class>{text}</span> }
}

#[component]
pub fn EmptyState(#[prop(into)] title: String, #[prop(into)] text: String) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-dashed border-slate-300 p-8 text-center dark:border-slate-700">
            <p class="text-sm font-medium text-slate-900 dark:text-slate-100">{title}</p>
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{text}</p>
        </div>
    }
}

/// A centred card for the signed-out pages (setup, sign-in, sign-out).
#[component]
pub fn AuthFrame(
    #[prop(into)] title: String,
    #[prop(into)] subtitle: String,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="flex min-h-screen flex-col items-center justify-center bg-slate-50 px-4 py-12 dark:bg-slate-950">
            <div class="mb-6 flex items-center gap-2">
                <Logo/>
                <span class="text-lg font-semibold text-slate-900 dark:text-white">"Switchyard"</span>
            </div>
            <div class="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                <h1 class="text-xl font-semibold text-slate-900 dark:text-white">{title}</h1>
                <p class="mt-1 mb-6 text-sm text-slate-500 dark:text-slate-400">{subtitle}</p>
                {children()}
            </div>
            <div class="mt-6"><crate::components::theme::ThemeToggle/></div>
        </div>
    }
}

#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <svg class="h-8 w-8 text-brand-600 dark:text-brand-400" viewBox="0 0 32 32" fill="none" aria-hidden="true">
            <rect x="2" y="2" width="28" height="28" rx="7" fill="currentColor"/>
            <path d="M9 20h14M9 12h14M13 8v16M19 8v16" stroke="white" stroke-width="2.2" stroke-linecap="round"/>
        </svg>
    }
}

/// Whether Google sign-in is configured, for [`ContinueWithGoogle`]. Create it at the top of the
/// page, never inside a `Suspend`: the server walks a Suspense's children more than once, and a
/// resource created there is created (and fetched) each time.
pub fn google_available() -> Resource<Result<bool, crate::api::AppError>> {
    Resource::new_blocking(|| (), |_| crate::api::account::google_available())
}

/// "Continue with Google": a plain form posting to /auth/google (works before hydration), shown
/// only when Google sign-in is configured (`available`, from [`google_available`]). `intent` is
/// `login`, `invite` (with `token`) or `link`.
#[component]
pub fn ContinueWithGoogle(
    available: Resource<Result<bool, crate::api::AppError>>,
    #[prop(into)] intent: String,
    #[prop(optional, into)] next: String,
    #[prop(optional, into)] token: String,
    #[prop(into)] label: String,
    /// Draw an "or" rule above the button (under another form).
    #[prop(optional)]
    divider: bool,
) -> impl IntoView {
    view! {
        <Suspense>
            {move || {
                let (intent, next, token, label) = (intent.clone(), next.clone(), token.clone(), label.clone());
                Suspend::new(async move {
                    available.await.unwrap_or(false).then(|| view! {
                        {divider.then(|| view! {
                            <div class="my-6 flex items-center gap-3 text-xs uppercase tracking-wide text-slate-400" aria-hidden="true">
                                <span class="h-px flex-1 bg-slate-200 dark:bg-slate-800"></span>"or"<span class="h-px flex-1 bg-slate-200 dark:bg-slate-800"></span>
                            </div>
                        })}
                        <form method="post" action="/auth/google">
                            <input type="hidden" name="intent" value=intent/>
                            <input type="hidden" name="next" value=next/>
                            <input type="hidden" name="token" value=token/>
                            <button type="submit" class="inline-flex w-full items-center justify-center gap-3 rounded-lg border border-slate-300 bg-white px-4 py-2.5 text-sm font-semibold text-slate-700 shadow-sm hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800">
                                <GoogleMark/>
                                {label}
                            </button>
                        </form>
                    })
                })
            }}
        </Suspense>
    }
}

/// Google's four-colour "G".
#[component]
fn GoogleMark() -> impl IntoView {
    view! {
        <svg class="h-4 w-4" viewBox="0 0 48 48" aria-hidden="true">
            <path fill="#EA4335" d="M24 9.5c3.54 0 6.71 1.22 9.21 3.6l6.85-6.85C35.9 2.38 30.47 0 24 0 14.62 0 6.51 5.38 2.56 13.22l7.98 6.19C12.43 13.72 17.74 9.5 24 9.5z"/>
            <path fill="#4285F4" d="M46.98 24.55c0-1.57-.15-3.09-.38-4.55H24v9.02h12.94c-.58 2.96-2.26 5.48-4.78 7.18l7.73 6c4.51-4.18 7.09-10.36 7.09-17.65z"/>
            <path fill="#FBBC05" d="M10.53 28.59c-.48-1.45-.76-2.99-.76-4.59s.27-3.14.76-4.59l-7.98-6.19C.92 16.46 0 20.12 0 24c0 3.88.92 7.54 2.56 10.78l7.97-6.19z"/>
            <path fill="#34A853" d="M24 48c6.48 0 11.93-2.13 15.89-5.81l-7.73-6c-2.15 1.45-4.92 2.3-8.16 2.3-6.26 0-11.57-4.22-13.47-9.91l-7.98 6.19C6.51 42.62 14.62 48 24 48z"/>
        </svg>
    }
}

/// A success note that floats at the bottom right of the window (role="status", so screen
/// readers announce it) until it is dismissed or, once hydrated, for six seconds.
#[component]
pub fn Toast(#[prop(into)] text: String) -> impl IntoView {
    let (open, set_open) = signal(true);
    #[cfg(feature = "hydrate")]
    set_timeout(
        move || set_open.set(false),
        std::time::Duration::from_secs(6),
    );
    view! {
        <Show when=move || open.get()>
            <div role="status" aria-live="polite" data-toast=""
                class="fixed bottom-4 right-4 z-50 flex max-w-sm items-start gap-3 rounded-lg border border-emerald-200 bg-white px-4 py-3 text-sm text-emerald-800 shadow-lg dark:border-emerald-900 dark:bg-slate-900 dark:text-emerald-200">
                <svg class="mt-0.5 h-4 w-4 flex-none" viewBox="0 0 20 20" fill="currentColor" aria-hidden="true">
                    <path fill-rule="evenodd" d="M16.7 5.3a1 1 0 0 1 0 1.4l-7.5 7.5a1 1 0 0 1-1.4 0L3.3 9.7a1 1 0 1 1 1.4-1.4l3.8 3.8 6.8-6.8a1 1 0 0 1 1.4 0z" clip-rule="evenodd"/>
                </svg>
                <span class="flex-1">{text.clone()}</span>
                <button type="button" aria-label="Dismiss" on:click=move |_| set_open.set(false)
                    class="-my-1 rounded px-1 text-emerald-700 hover:bg-emerald-50 dark:text-emerald-300 dark:hover:bg-emerald-950">"×"</button>
            </div>
        </Show>
    }
}

/// The outcome of the last submission of an action: its error in place, or a success toast.
#[component]
pub fn ActionResult<T, F>(value: F, #[prop(into)] success: String) -> impl IntoView
where
    T: Send + Sync + 'static,
    F: Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static,
{
    move || {
        value().map(|r| match r {
            Ok(_) if success.is_empty() => ().into_any(),
            Ok(_) => view! { <Toast text=success.clone()/> }.into_any(),
            Err(e) => view! { <div class="mb-4"><Alert tone=Tone::Error>{e.message}</Alert></div> }
                .into_any(),
        })
    }
}

/// An action's answer: (its version, which moves each time it answers; its last answer).
pub type Answer = (RwSignal<usize>, Signal<Option<Result<String, AppError>>>);

/// The answer of whichever of a page's actions answered last: its words as a toast, or its
/// error (one at a time, so two toasts never sit on top of each other).
#[component]
pub fn LastSaid(answers: Vec<Answer>) -> impl IntoView {
    let last = RwSignal::new(None::<usize>);
    for (i, (version, _)) in answers.iter().enumerate() {
        let version = *version;
        Effect::watch(
            move || version.get(),
            move |_, _, _| last.set(Some(i)),
            false,
        );
    }
    move || {
        last.get()
            .and_then(|i| answers[i].1.get())
            .map(|r| match r {
                Ok(text) => view! { <Toast text/> }.into_any(),
                Err(e) => {
                    view! { <div class="mb-4"><Alert tone=Tone::Error>{e.message}</Alert></div> }
                        .into_any()
                }
            })
    }
}

/// Moves `tick` every `period` while `busy()` holds, once the page is hydrated (a resource
/// keyed on `tick` reloads): how a page follows work under way. Nothing runs on the server.
pub fn refresh_while(
    period: std::time::Duration,
    busy: impl Fn() -> bool + 'static,
    tick: WriteSignal<u32>,
) {
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if busy() {
                tick.update(|t| *t += 1);
            }
        },
        period,
    ) {
        on_cleanup(move || handle.clear());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (period, busy, tick);
}

pub const BUTTON: &str = "inline-flex items-center justify-center rounded-lg bg-brand-600 px-3 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500";
/// A secondary action beside a primary [`BUTTON`], the same size.
pub const BUTTON_SECONDARY: &str = "inline-flex items-center justify-center rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800";
pub const BUTTON_QUIET: &str = "inline-flex items-center justify-center rounded-lg border border-slate-300 bg-white px-2.5 py-1.5 text-xs font-medium text-slate-700 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800";
pub const BUTTON_DANGER: &str = "inline-flex items-center justify-center rounded-lg border border-red-200 bg-white px-2.5 py-1.5 text-xs font-medium text-red-700 hover:bg-red-50 dark:border-red-900 dark:bg-slate-900 dark:text-red-300 dark:hover:bg-red-950";
pub const SELECT: &str = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100";
/// A tab of a page's tab bar (`<A attr:class=TAB>`: the current page's is underlined).
pub const TAB: &str = "whitespace-nowrap border-b-2 border-transparent px-1 pb-3 text-sm font-medium text-slate-500 hover:border-slate-300 hover:text-slate-700 aria-[current=page]:border-brand-500 aria-[current=page]:text-brand-600 dark:text-slate-400 dark:hover:text-slate-200 dark:aria-[current=page]:text-brand-400";
pub const TABLE: &str = "min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800";
pub const TH: &str = "px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400";
pub const TD: &str = "px-3 py-3 align-middle text-slate-700 dark:text-slate-300";

/// A resource's content once it has loaded, with the one loading line and error box every
/// page uses.
#[component]
pub fn Loaded<T, V, F>(resource: Resource<Result<T, AppError>>, render: F) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => render(value).into_any(),
                        Err(e) => view! { <Alert tone=Tone::Error>{e.message}</Alert> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A destructive action that asks first: `label` opens a modal dialog with `question` and
/// `children` (the form whose button does it) beside "Cancel". Built on `<details>`, so it
/// opens without JavaScript too; "Cancel" is a link back to this address (which closes it
/// before hydration) and closes it in place once hydrated. The dialog is `fixed`, so no
/// scrolling table clips it.
#[component]
pub fn Confirm(
    /// The button's words ("Remove").
    #[prop(into)]
    label: String,
    /// What it acts on, for screen readers ("Remove Ada Lovelace").
    #[prop(into)]
    aria_label: String,
    /// The question the dialog asks, saying what will happen.
    #[prop(into)]
    question: String,
    children: Children,
) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let here = format!(
        "{}{}",
        location.pathname.get_untracked(),
        location.search.get_untracked()
    );
    let cancel = |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(Ok(Some(details))) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .map(|e| e.closest("details"))
            {
                let _ = details.remove_attribute("open");
            }
        }
    };
    view! {
        <details class="inline-block text-left" data-confirm="">
            <summary class=format!("{BUTTON_DANGER} cursor-pointer list-none select-none [&::-webkit-details-marker]:hidden") aria-label=aria_label.clone()>{label}</summary>
            <div class="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40 p-4">
                <div role="dialog" aria-modal="true" aria-label=aria_label
                    class="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-5 text-left shadow-xl dark:border-slate-700 dark:bg-slate-900">
                    <p class="text-sm text-slate-700 dark:text-slate-300">{question}</p>
                    <div class="mt-4 flex items-center justify-end gap-2">
                        <a href=here class=BUTTON_QUIET on:click=cancel>"Cancel"</a>
                        {children()}
                    </div>
                </div>
            </div>
        </details>
    }
}

/// The filter form above a list: a GET form to `action` (the filters live in the address, so
/// they work without JavaScript and can be bookmarked) with its fields, "Filter" and "Clear".
#[component]
pub fn FilterBar(
    /// The list's path.
    #[prop(into)]
    action: String,
    /// The grid's column classes at large widths (e.g. `lg:grid-cols-5`), fields plus buttons.
    #[prop(default = "lg:grid-cols-5")]
    columns: &'static str,
    children: Children,
) -> impl IntoView {
    let clear = action.clone();
    view! {
        <form method="get" action=action role="search"
            class=format!("grid grid-cols-1 gap-3 sm:grid-cols-2 {columns} lg:items-end")>
            {children()}
            <div class="flex gap-2">
                <button type="submit" class=BUTTON>"Filter"</button>
                <a href=clear class=BUTTON_SECONDARY>"Clear"</a>
            </div>
        </form>
    }
}

/// One labelled control of a [`FilterBar`]; `children` is the `<select>` or `<input>` with
/// the id `for_id`.
#[component]
pub fn FilterField(
    #[prop(into)] label: String,
    for_id: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <div>
            <label for=for_id class="block text-xs font-medium text-slate-600 dark:text-slate-400">{label}</label>
            <div class="mt-1">{children()}</div>
        </div>
    }
}

/// The look of a filter's text or date input.
pub const INPUT: &str = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100";
