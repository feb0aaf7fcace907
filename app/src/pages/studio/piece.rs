//! /campaigns/studio/pieces/:id — one generated piece: its text (copy to the clipboard, or
//! select it before the page is interactive), the edit form (a new version each save, refused
//! over the limits), "Mark as sent", an email's tracking pixel with its opens (a person's apart
//! from mail proxies' and scanners'), what was asked, and every version.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{StudioHeader, LABEL, TEXTAREA};
use crate::api::studio::{get_piece, EditEmail, EditPost, MarkSent, PieceContent, PieceView};
use crate::components::ui::{
    Card, LastSaid, Loaded, Stat, BUTTON, BUTTON_SECONDARY, INPUT, TABLE, TD, TH,
};

#[component]
pub fn PiecePage() -> impl IntoView {
    let params = use_params_map();
    let email = ServerAction::<EditEmail>::new();
    let post = ServerAction::<EditPost>::new();
    let sent = ServerAction::<MarkSent>::new();
    let data = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                email.version().get(),
                post.version().get(),
                sent.version().get(),
            )
        },
        |(id, _, _, _)| get_piece(id),
    );
    let answers = vec![
        (email.version(), email.value().into()),
        (post.version(), post.value().into()),
        (sent.version(), sent.value().into()),
    ];
    view! {
        <Title text="Piece · Content studio · Switchyard"/>
        <StudioHeader text="Copy it, edit it, mark it as sent: every version is kept."/>
        <LastSaid answers/>
        <Loaded resource=data render=move |v: PieceView| view! { <Piece v email post sent/> }/>
    }
}

/// The piece's text as one block for the clipboard.
fn plain(kind: &str, c: &PieceContent) -> String {
    if kind == "email" {
        format!("Subject: {}\n\n{}", c.head, c.body)
    } else {
        format!(
            "{}\n\n{}\n\n{}\n\n{}",
            c.head,
            c.body,
            c.call_to_action,
            c.hashtags.join(" ")
        )
    }
}

#[component]
fn Copy(text: String) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&text);
            set_copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = &text;
            set_copied.set(true);
        }
    };
    view! {
        <button type="button" class=BUTTON_SECONDARY on:click=copy data-testid="piece-copy">
            {move || if copied.get() { "Copied" } else { "Copy to clipboard" }}
        </button>
    }
}

#[component]
fn Piece(
    v: PieceView,
    email: ServerAction<EditEmail>,
    post: ServerAction<EditPost>,
    sent: ServerAction<MarkSent>,
) -> impl IntoView {
    let c = v.content.clone();
    let (head, body, head2, body2) = (
        c.head.clone(),
        c.body.clone(),
        c.head.clone(),
        c.body.clone(),
    );
    let is_email = v.kind == "email";
    let text = plain(&v.kind, &c);
    let words = if is_email {
        format!("{} words (at most 100)", c.words)
    } else {
        format!(
            "{} words (150–200) · {} hashtags · {} min read",
            c.words,
            c.hashtags.len(),
            c.reading_minutes
        )
    };
    let note = c.note.clone().map(|n| view! { <p class="mb-3 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-800 dark:bg-amber-400/10 dark:text-amber-200" data-testid="piece-note">{n}</p> });
    let extras = if is_email {
        let props = c
            .value_propositions
            .iter()
            .map(|p| view! { <li>{p.clone()}</li> })
            .collect_view();
        view! {
            <div class="mt-4 grid gap-4 sm:grid-cols-2">
                <div>
                    <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-500">"Value propositions"</h3>
                    <ul class="mt-1 list-disc pl-5 text-sm text-slate-700 dark:text-slate-300" data-testid="piece-props">{props}</ul>
                </div>
                <div>
                    <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-500">"Tone"</h3>
                    <p class="mt-1 text-sm text-slate-700 dark:text-slate-300" data-testid="piece-tone">{c.tone_analysis.clone()}</p>
                </div>
            </div>
        }
        .into_any()
    } else {
        view! {
            <p class="mt-3 text-sm font-medium text-slate-800 dark:text-slate-200" data-testid="piece-cta">{c.call_to_action.clone()}</p>
            <p class="mt-2 text-sm text-brand-700 dark:text-brand-300" data-testid="piece-hashtags">{c.hashtags.join(" ")}</p>
        }
        .into_any()
    };
    let id = v.id.clone();
    let mark = match v.sent.clone() {
        Some(at) => view! { <span class="text-sm text-slate-600 dark:text-slate-400" data-testid="piece-sent">{format!("Sent {at}")}</span> }.into_any(),
        None => view! {
            <ActionForm action=sent>
                <input type="hidden" name="id" value=id.clone()/>
                <button type="submit" class=BUTTON data-testid="piece-mark-sent">"Mark as sent"</button>
            </ActionForm>
        }
        .into_any(),
    };
    let tracking = v.pixel_url.clone().map(|url| {
        let img = format!("<img src=\"{url}\" width=\"1\" height=\"1\" alt=\"\">");
        let opens = v.opens.iter().map(|o| view! {
            <tr>
                <td class=TD>{o.at.clone()}</td>
                <td class=TD>{if o.human { "Person" } else { "Machine" }}</td>
                <td class=TD>{o.class.clone()}</td>
            </tr>
        }).collect_view();
        let any = !v.opens.is_empty();
        view! {
            <Card title="Open tracking">
                <p class="text-sm text-slate-600 dark:text-slate-400">"Paste this image at the end of the email's HTML. Opens by mail proxies, privacy protection and scanners, and any within 10 seconds of sending, are counted as machine opens."</p>
                <input readonly class=format!("mt-2 font-mono text-xs {INPUT}") value=img aria-label="Tracking image" data-testid="piece-pixel" data-url=url/>
                <div class="mt-4 grid grid-cols-3 gap-3">
                    <Stat label="Opened by a person" value=v.human_opens.to_string()/>
                    <Stat label="Machine opens" value=v.machine_opens.to_string()/>
                    <Stat label="First opened" value=v.first_human_open.clone().unwrap_or_else(|| "Not yet".into())/>
                </div>
                {any.then(|| view! {
                    <div class="mt-4 overflow-x-auto">
                        <table class=TABLE data-testid="piece-opens">
                            <thead><tr><th class=TH>"When"</th><th class=TH>"Who"</th><th class=TH>"Seen as"</th></tr></thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{opens}</tbody>
                        </table>
                    </div>
                })}
            </Card>
        }
    });
    let edit = if is_email {
        view! {
            <ActionForm action=email attr:class="space-y-3">
                <input type="hidden" name="id" value=v.id.clone()/>
                <input type="hidden" name="base" value=v.version.to_string()/>
                <div><label for="f-subject" class=LABEL>"Subject"</label>
                    <input id="f-subject" name="subject" value=head2.clone() class=format!("mt-1 {INPUT}")/></div>
                <div><label for="f-edit-body" class=LABEL>"Body"</label>
                    <textarea id="f-edit-body" name="body" rows=10 class=TEXTAREA>{body2.clone()}</textarea></div>
                <button type="submit" class=BUTTON>"Save as a new version"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=post attr:class="space-y-3">
                <input type="hidden" name="id" value=v.id.clone()/>
                <input type="hidden" name="base" value=v.version.to_string()/>
                <div><label for="f-hook" class=LABEL>"Hook"</label>
                    <input id="f-hook" name="hook" value=head2 class=format!("mt-1 {INPUT}")/></div>
                <div><label for="f-edit-body" class=LABEL>"Body (150–200 words)"</label>
                    <textarea id="f-edit-body" name="body" rows=12 class=TEXTAREA>{body2}</textarea></div>
                <div><label for="f-cta" class=LABEL>"Call to action"</label>
                    <input id="f-cta" name="call_to_action" value=c.call_to_action.clone() class=format!("mt-1 {INPUT}")/></div>
                <div><label for="f-tags" class=LABEL>"Hashtags (7–10, separated by spaces)"</label>
                    <input id="f-tags" name="hashtags" value=c.hashtags.join(" ") class=format!("mt-1 {INPUT}")/></div>
                <button type="submit" class=BUTTON>"Save as a new version"</button>
            </ActionForm>
        }
        .into_any()
    };
    let inputs = v.inputs.iter().map(|(k, val)| view! {
        <div class="py-1"><dt class="text-xs text-slate-500">{k.clone()}</dt><dd class="text-sm text-slate-800 break-words dark:text-slate-200">{val.clone()}</dd></div>
    }).collect_view();
    let versions = v.versions.iter().map(|x| {
        let tokens = if x.tokens > 0 { format!(" · {} tokens", crate::format::group(x.tokens)) } else { String::new() };
        view! {
            <li class="py-2" data-testid="piece-version">
                <p class="text-sm font-medium text-slate-800 dark:text-slate-200">{format!("v{} · {}{tokens}", x.version, x.source)}</p>
                <p class="text-xs text-slate-500">{format!("{} · {}", x.by, x.at)}</p>
                <p class="mt-0.5 line-clamp-1 text-xs text-slate-600 dark:text-slate-400">{x.content.head.clone()}</p>
            </li>
        }
    }).collect_view();
    let tokens = if v.tokens > 0 {
        format!(" · {} tokens", crate::format::group(v.tokens))
    } else {
        String::new()
    };
    view! {
        <div class="grid gap-6 xl:grid-cols-3">
            <div class="space-y-6 xl:col-span-2">
                <Card title=v.title.clone()>
                    <p class="mb-3 text-xs text-slate-500" data-testid="piece-meta">
                        {format!("{} · version {} · {}{tokens} · {}", v.source, v.version, v.created, words)}
                    </p>
                    {note}
                    <h2 class="text-base font-semibold text-slate-900 dark:text-white" data-testid="piece-head">{head}</h2>
                    <div class="mt-2 whitespace-pre-line text-sm leading-6 text-slate-800 dark:text-slate-200" data-testid="piece-body" data-words=c.words.to_string()>{body}</div>
                    {extras}
                    <div class="mt-4 flex flex-wrap items-center gap-3">
                        <Copy text/>
                        {mark}
                    </div>
                </Card>
                {tracking}
                <Card title="Edit">
                    <details>
                        <summary class="cursor-pointer text-sm font-medium text-brand-700 dark:text-brand-300">"Edit the text"</summary>
                        <div class="mt-3">{edit}</div>
                    </details>
                </Card>
            </div>
            <div class="space-y-6">
                <Card title="Asked for"><dl>{inputs}</dl></Card>
                <Card title="Versions">
                    <ul class="divide-y divide-slate-100 dark:divide-slate-800">{versions}</ul>
                </Card>
            </div>
        </div>
    }
}
