//! /orders/handover — the day's handover of parcels to FAN Courier: scan each AWB as the
//! courier takes it (a barcode reader types the number and Enter into the focused field), or
//! tick them in the list; the day closes at the set time and what was not scanned is listed as
//! not handed over. `?day=YYYY-MM-DD` shows a closed day. Every form is a plain POST to
//! /orders/handover answered with a redirect back here and a one-shot message, so it works
//! the same before and after hydration.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::OrdersHeader;
use crate::api::courier::{get_handover, HandoverAwb, HandoverDay, HandoverPage};
use crate::api::{take_form_flash, FormFlash};
use crate::components::table::{Column, DataTable, SelectCell};
use crate::components::ui::{
    Alert, Badge, Card, Confirm, EmptyState, Loaded, Tone, BUTTON, BUTTON_SECONDARY, INPUT, TD,
};

const WAITING: &[Column] = &[
    Column::new("awb", "AWB"),
    Column::new("order", "Order"),
    Column::new("parcels", "Parcels").numeric(),
    Column::new("cod", "Cash on delivery").numeric(),
    Column::new("created", "Created"),
];

const HANDED: &[Column] = &[
    Column::new("awb", "AWB"),
    Column::new("order", "Order"),
    Column::new("parcels", "Parcels").numeric(),
    Column::new("handed", "Handed over"),
];

const MISSED: &[Column] = &[
    Column::new("awb", "AWB"),
    Column::new("order", "Order"),
    Column::new("parcels", "Parcels").numeric(),
    Column::new("since", "Since then"),
];

const DAYS: &[Column] = &[
    Column::new("day", "Day"),
    Column::new("handed", "Handed over").numeric(),
    Column::new("missed", "Not handed over").numeric(),
    Column::new("closed", "Closed"),
];

#[component]
pub fn HandoverPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || query.read().get("day").unwrap_or_default(),
        get_handover,
    );
    let flash = Resource::new_blocking(|| (), |_| take_form_flash("handover".into()));
    view! {
        <Title text="Courier handover · Orders · Switchyard"/>
        <OrdersHeader text="Parcels handed to FAN Courier: scan or tick them as the courier takes them; each day closes at the set time."/>
        <Suspense>
            {move || Suspend::new(async move {
                flash.await.ok().flatten().map(|f| view! { <Said f/> })
            })}
        </Suspense>
        <Loaded resource=data render=move |p: HandoverPage| view! { <Handover p/> }/>
    }
}

/// What the last form did, or why it was refused.
#[component]
fn Said(f: FormFlash) -> impl IntoView {
    let ok = f.value("tone") == "ok";
    let typed = f.value("awb");
    let text = if !ok && f.field.as_deref() == Some("awb") && !typed.is_empty() {
        format!("“{typed}”: {}", f.message)
    } else {
        f.message.clone()
    };
    view! {
        <div class="mb-4" data-testid="handover-said" data-ok=ok.to_string()>
            <Alert tone=if ok { Tone::Success } else { Tone::Error }>{text}</Alert>
        </div>
    }
}

fn order_cell(a: &HandoverAwb) -> impl IntoView {
    view! {
        <td class=TD>
            <a href=format!("/orders/{}", a.order_id) class="font-medium text-brand-700 hover:underline dark:text-brand-300">{a.order_number.clone()}</a>
            <p class="text-xs text-slate-500">{format!("{} · {}", a.customer, a.store)}</p>
        </td>
    }
}

fn awb_cell(a: &HandoverAwb) -> impl IntoView {
    view! {
        <td class=format!("{TD} whitespace-nowrap font-mono tabular-nums")>
            <span class="text-slate-900 dark:text-white" data-testid="handover-awb">{a.number.clone()}</span>
            {a.missed_on.clone().map(|d| view! { <p class="mt-0.5"><Badge text=format!("Not handed over {d}") warn=true/></p> })}
        </td>
    }
}

#[component]
fn Handover(p: HandoverPage) -> impl IntoView {
    let recent = p.recent.clone();
    let body = match p.closed.clone() {
        Some(day) => view! { <ClosedDayView p=p.clone() day/> }.into_any(),
        None => view! { <OpenDay p=p.clone()/> }.into_any(),
    };
    view! {
        {body}
        <div class="mt-6">
            <Card title="Closed days">
                <DataTable columns=DAYS rows=recent row=day_row label="Closed handover days"
                    empty_title="No day closed yet"
                    empty_text="A day closes at the set time; what was not scanned by then is listed as not handed over."/>
            </Card>
        </div>
    }
}

fn day_row(d: HandoverDay) -> impl IntoView {
    view! {
        <tr data-testid="handover-day">
            <td class=TD><a href=format!("/orders/handover?day={}", d.key) class="font-medium text-brand-700 hover:underline dark:text-brand-300">{d.label.clone()}</a></td>
            <td class=format!("{TD} text-right tabular-nums")>{d.handed_over}</td>
            <td class=format!("{TD} text-right tabular-nums")>
                {if d.missed > 0 { view! { <Badge text=d.missed.to_string() warn=true/> }.into_any() } else { view! { <span>"0"</span> }.into_any() }}
            </td>
            <td class=format!("{TD} text-slate-500")>{d.closed.clone()}</td>
        </tr>
    }
}

#[component]
fn OpenDay(p: HandoverPage) -> impl IntoView {
    let closes = match &p.close_time {
        Some(t) => format!("{} · closes at {t} ({})", p.day, p.timezone),
        None => p.day.clone(),
    };
    let waiting_n = p.waiting.len();
    let handed_n = p.handed_over.len();
    let can_scan = p.can_scan;
    let scan = can_scan.then(|| view! {
        <form method="post" action="/orders/handover" class="flex flex-wrap items-end gap-3" data-testid="scan-form">
            <input type="hidden" name="op" value="scan"/>
            <div class="min-w-64 flex-1">
                <label for="scan-awb" class="block text-sm font-medium text-slate-700 dark:text-slate-300">"AWB number"</label>
                <input id="scan-awb" name="awb" type="text" inputmode="numeric" autocomplete="off" autofocus=true required=true maxlength="40"
                    placeholder="Scan the label's barcode or type the number" class=format!("{INPUT} mt-1 font-mono")/>
            </div>
            <button type="submit" class=BUTTON>"Hand over"</button>
        </form>
    });
    let no_account = p.close_time.is_none().then(|| view! {
        <div class="mb-4"><Alert tone=Tone::Info>"No FAN Courier account is connected: connect one in Settings → Integrations to create AWBs. The day closes at 20:00 until then."</Alert></div>
    });
    let close = p.can_close.then(|| {
        let question = if waiting_n == 0 {
            "Close today's handover now? Scans after this count for tomorrow.".to_string()
        } else {
            format!("Close today's handover now? {waiting_n} AWB(s) still waiting will be listed as not handed over; scans after this count for tomorrow.")
        };
        view! {
            <Confirm label="Close the day now" aria_label="Close today's handover" question>
                <form method="post" action="/orders/handover">
                    <input type="hidden" name="op" value="close"/>
                    <button type="submit" class=BUTTON data-testid="close-day">"Close the day"</button>
                </form>
            </Confirm>
        }
    });
    let waiting_row = move |a: HandoverAwb| {
        view! {
            <tr data-testid="waiting-row">
                {can_scan.then(|| view! { <SelectCell name="ids" value=a.id.clone() label=format!("AWB {} handed over", a.number)/> })}
                {awb_cell(&a)}
                {order_cell(&a)}
                <td class=format!("{TD} text-right tabular-nums")>{a.parcels}</td>
                <td class=format!("{TD} whitespace-nowrap text-right tabular-nums")>{a.cod.clone()}</td>
                <td class=format!("{TD} whitespace-nowrap text-slate-500")>{a.created.clone()}</td>
            </tr>
        }
    };
    let waiting_table = if can_scan && waiting_n > 0 {
        view! {
            <form method="post" action="/orders/handover" data-testid="tick-form">
                <input type="hidden" name="op" value="tick"/>
                <DataTable columns=WAITING rows=p.waiting.clone() row=waiting_row select="ids" label="AWBs waiting for the courier"
                    empty_title="" empty_text=""/>
                <div class="mt-3 flex justify-end">
                    <button type="submit" class=BUTTON_SECONDARY data-testid="tick-submit">"Mark ticked as handed over"</button>
                </div>
            </form>
        }
        .into_any()
    } else {
        view! {
            <DataTable columns=WAITING rows=p.waiting.clone() row=waiting_row label="AWBs waiting for the courier"
                empty_title="Nothing waiting"
                empty_text="AWBs created in the last 7 days appear here until they are handed over."/>
        }
        .into_any()
    };
    view! {
        {no_account}
        <div class="grid gap-6">
            <Card>
                <div class="flex flex-wrap items-start justify-between gap-4">
                    <div>
                        <h2 class="section-title">"Today's handover"</h2>
                        <p class="mt-1 text-sm text-slate-500 dark:text-slate-400" data-testid="handover-day-label">{closes}</p>
                        <p class="mt-2 text-sm text-slate-700 dark:text-slate-300" data-testid="handover-counts">
                            {format!("{waiting_n} waiting · {handed_n} handed over")}
                        </p>
                    </div>
                    {close}
                </div>
                <div class="mt-4">{scan}</div>
            </Card>
            <Card title="Waiting for the courier">{waiting_table}</Card>
            <Card title="Handed over">
                <DataTable columns=HANDED rows=p.handed_over.clone() row=handed_row label="AWBs handed over"
                    empty_title="None yet" empty_text="Scanned or ticked AWBs appear here with who handed them over and when."/>
            </Card>
        </div>
    }
}

fn handed_row(a: HandoverAwb) -> impl IntoView {
    view! {
        <tr data-testid="handed-row">
            {awb_cell(&a)}
            {order_cell(&a)}
            <td class=format!("{TD} text-right tabular-nums")>{a.parcels}</td>
            <td class=format!("{TD} whitespace-nowrap text-slate-500")>{a.handed_over.clone().unwrap_or_default()}</td>
        </tr>
    }
}

#[component]
fn ClosedDayView(p: HandoverPage, day: HandoverDay) -> impl IntoView {
    let missed_row = |a: HandoverAwb| {
        let since = match &a.handed_over {
            Some(h) => format!("Handed over later, {h}"),
            None => "Still waiting".to_string(),
        };
        view! {
            <tr data-testid="missed-row">
                <td class=format!("{TD} whitespace-nowrap font-mono tabular-nums text-slate-900 dark:text-white")>{a.number.clone()}</td>
                {order_cell(&a)}
                <td class=format!("{TD} text-right tabular-nums")>{a.parcels}</td>
                <td class=format!("{TD} text-slate-500")>{since}</td>
            </tr>
        }
    };
    view! {
        <div class="grid gap-6">
            <Card>
                <h2 class="section-title">{format!("Handover of {}", day.label)}</h2>
                <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{format!("Closed {}.", day.closed)}</p>
                <p class="mt-2 text-sm text-slate-700 dark:text-slate-300" data-testid="handover-counts">
                    {format!("{} handed over · {} not handed over", day.handed_over, day.missed)}
                </p>
                <a href="/orders/handover" class=format!("{BUTTON_SECONDARY} mt-4")>"Back to today"</a>
            </Card>
            <Card title="Not handed over">
                {if p.missed.is_empty() {
                    view! { <EmptyState title="Every AWB was handed over" text="Nothing was left waiting when the day closed."/> }.into_any()
                } else {
                    view! { <DataTable columns=MISSED rows=p.missed.clone() row=missed_row label="AWBs not handed over" empty_title="" empty_text=""/> }.into_any()
                }}
            </Card>
            <Card title="Handed over">
                <DataTable columns=HANDED rows=p.handed_over.clone() row=handed_row label="AWBs handed over"
                    empty_title="None" empty_text="Nothing was scanned or ticked that day."/>
            </Card>
        </div>
    }
}
