//! /billing — token balance, packs (Buy → Stripe Checkout), usage over 30 days, purchases and
//! the ledger; /billing/success — "payment received, crediting…" until the credit lands.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::billing::*;
use crate::components::chart::{Chart, ChartKind, Series};
use crate::components::pager::Pager;
use crate::components::table::{Column, DataTable};
use crate::components::ui::{Alert, Badge, Card, Loaded, Tone, BUTTON, BUTTON_QUIET, TD};

const PURCHASE_COLUMNS: &[Column] = &[
    Column::new("date", "Date"),
    Column::new("pack", "Pack"),
    Column::new("tokens", "Tokens").numeric(),
    Column::new("amount", "Amount").numeric(),
    Column::new("status", "Status"),
    Column::new("receipt", "Receipt").quiet(),
];

const LEDGER_COLUMNS: &[Column] = &[
    Column::new("date", "Date"),
    Column::new("movement", "Movement"),
    Column::new("note", "Note"),
    Column::new("tokens", "Tokens").numeric(),
    Column::new("balance", "Balance").numeric(),
];

#[component]
pub fn BillingPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
    };
    let canceled = move || query.read().get("canceled").is_some();
    let buy = ServerAction::<BuyPack>::new();
    let data = Resource::new(page, get_billing);
    let buy_error = move || {
        buy.value().get().and_then(|r| r.err()).map(|e| {
            view! { <div class="mb-4"><Alert tone=Tone::Error>{e.message}</Alert></div> }
        })
    };
    view! {
        <Title text="Billing · Switchyard"/>
        <div class="mb-6">
            <h1 class="page-title">"Billing"</h1>
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">"AI analyses are paid in tokens. Buy a pack when the balance runs low; every movement is in the ledger below."</p>
        </div>
        {move || canceled().then(|| view! {
            <div class="mb-4"><Alert tone=Tone::Info>"Checkout was cancelled. Nothing was charged."</Alert></div>
        })}
        {buy_error}
        <Loaded resource=data render={move |b: BillingView| {
            let attempt = b.attempt.clone();
            let packs = b.packs.clone().into_iter().map(|pk| {
                let attempt = attempt.clone();
                let buy_button = if !b.can_buy {
                    view! { <p class="mt-4 text-xs text-slate-500 dark:text-slate-400">"Owners and billing admins can buy packs."</p> }.into_any()
                } else if !b.configured {
                    view! {
                        <button type="button" disabled class=format!("{BUTTON} mt-4 w-full cursor-not-allowed opacity-50")>"Buy"</button>
                        <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">"Billing is not configured on this installation yet."</p>
                    }.into_any()
                } else {
                    let label = format!("Buy {} pack", pk.name);
                    view! {
                        <ActionForm action=buy attr:class="mt-4">
                            <input type="hidden" name="pack" value=pk.id.clone()/>
                            <input type="hidden" name="attempt" value=attempt/>
                            <button type="submit" class=format!("{BUTTON} w-full") aria-label=label
                                disabled=move || buy.pending().get()>"Buy"</button>
                        </ActionForm>
                    }.into_any()
                };
                view! {
                    <div class="flex flex-col rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid="pack">
                        <p class="text-sm font-semibold text-slate-900 dark:text-white">{pk.name.clone()}</p>
                        <p class="mt-2 text-2xl font-semibold tracking-tight text-slate-900 dark:text-white">{pk.tokens.clone()}</p>
                        <p class="text-xs text-slate-500 dark:text-slate-400">"tokens"</p>
                        <p class="mt-3 text-lg font-medium text-slate-800 dark:text-slate-200">{pk.price.clone()}</p>
                        <p class="text-xs text-slate-500 dark:text-slate-400">{pk.per_thousand.clone()}</p>
                        <div class="mt-auto">{buy_button}</div>
                    </div>
                }
            }).collect_view();
            let purchase_row = |x: PurchaseView| view! {
                <tr data-testid="purchase-row">
                    <td class=TD>{x.when.clone()}</td>
                    <td class=TD>{x.pack.clone()}</td>
                    <td class=format!("{TD} text-right tabular-nums")>{x.tokens.clone()}</td>
                    <td class=format!("{TD} text-right tabular-nums")>{x.amount.clone()}</td>
                    <td class=TD>
                        <Badge text=x.status.clone() warn=!x.ok/>
                        {x.note.clone().map(|n| view! { <p class="mt-1 text-xs text-amber-700 dark:text-amber-300">{n}</p> })}
                    </td>
                    <td class=TD>{x.receipt_url.clone().map(|u| view! { <a href=u class="text-brand-600 hover:underline dark:text-brand-400" rel="noopener" target="_blank">"Receipt"</a> })}</td>
                </tr>
            };
            let purchases = view! {
                <DataTable columns=PURCHASE_COLUMNS rows=b.purchases.clone() row=purchase_row label="Purchases"
                    empty_title="No purchases yet" empty_text="Packs you buy appear here with their status."/>
            };
            let ledger_row = |e: LedgerRow| view! {
                <tr data-testid="ledger-row">
                    <td class=TD>{e.when.clone()}</td>
                    <td class=TD>{e.kind.clone()}</td>
                    <td class=TD>{e.note.clone()}</td>
                    <td class=format!("{TD} text-right tabular-nums {}", if e.credit { "text-emerald-700 dark:text-emerald-400" } else { "" })>{e.tokens.clone()}</td>
                    <td class=format!("{TD} text-right tabular-nums")>{e.balance_after.clone()}</td>
                </tr>
            };
            let ledger = view! {
                <DataTable columns=LEDGER_COLUMNS rows=b.ledger.clone() row=ledger_row label="Token ledger"
                    empty_title="No token movements yet" empty_text="Purchases, grants and analyses will be listed here."/>
            };
            let (page, pages) = (b.page, b.pages);
            view! {
                <div class="grid gap-6 lg:grid-cols-3">
                    <section class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
                        <h2 class="text-sm font-medium text-slate-500 dark:text-slate-400">"Token balance"</h2>
                        <p class="mt-2 text-4xl font-semibold tracking-tight text-slate-900 dark:text-white" data-testid="balance">{b.balance_text.clone()}</p>
                        {if b.low {
                            view! { <p class="mt-2 text-sm text-amber-700 dark:text-amber-300">{format!("Below {} tokens: time to top up.", b.threshold_text)}</p> }.into_any()
                        } else {
                            view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"Enough for now."</p> }.into_any()
                        }}
                    </section>
                    <div class="lg:col-span-2">
                        <Card title="Usage, last 30 days"><UsageChart days=b.usage.clone() total=b.usage_total.clone()/></Card>
                    </div>
                </div>
                <h2 class="section-title mt-8 mb-3">"Token packs"</h2>
                <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">{packs}</div>
                <div class="mt-8 grid gap-6">
                    <Card title="Purchases">{purchases}</Card>
                    <Card title="Ledger">
                        {ledger}
                        <div class="mt-4 flex items-center justify-between gap-3">
                            <form method="post" action="/billing/export">
                                <button type="submit" class=BUTTON_QUIET>"Export CSV"</button>
                            </form>
                            <Pager page pages words=("Newer", "Older")/>
                        </div>
                    </Card>
                </div>
            }
        }}/>
    }
}

#[component]
pub fn CheckoutSuccessPage() -> impl IntoView {
    let query = use_query_map();
    let session = move || query.read().get("session_id").unwrap_or_default();
    let tick = RwSignal::new(0u32);
    let status = Resource::new(
        move || (session(), tick.get()),
        |(s, _)| get_checkout_status(s),
    );
    // While the credit has not landed, ask again every 1.5 s (in the browser); once it has,
    // the shell's low-balance banner reads the balance again.
    let balance_changed = use_context::<crate::components::shell::BalanceChanged>();
    Effect::new(move |announced: Option<bool>| {
        let announced = announced.unwrap_or(false);
        match status.get() {
            Some(Ok(s)) if s.status == "open" => {
                set_timeout(
                    move || tick.update(|t| *t += 1),
                    std::time::Duration::from_millis(1500),
                );
                announced
            }
            Some(Ok(s)) if s.status == "paid" && !announced => {
                if let Some(c) = balance_changed {
                    c.0.update(|n| *n += 1);
                }
                true
            }
            _ => announced,
        }
    });
    view! {
        <Title text="Payment · Switchyard"/>
        <div class="mx-auto max-w-lg">
            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Checking the payment…"</p> }>
                {move || status.get().map(|r| match r {
                    Ok(s) if s.status == "open" => view! {
                        <Card title="Payment received, crediting…">
                            <noscript><meta http-equiv="refresh" content="3"/></noscript>
                            <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="checkout-status">
                                {format!("Stripe has your payment for the {} pack. The {} tokens appear as soon as Stripe confirms it; this page updates by itself.", s.pack, s.tokens)}
                            </p>
                        </Card>
                    }.into_any(),
                    Ok(s) if s.status == "paid" => view! {
                        <Card title="Tokens added">
                            <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="checkout-status">
                                {format!("{} tokens of the {} pack are in your balance, which is now {} tokens.", s.tokens, s.pack, s.balance)}
                            </p>
                            <a href="/billing" class=format!("{BUTTON} mt-4")>"Back to billing"</a>
                        </Card>
                    }.into_any(),
                    Ok(s) => view! {
                        <Card title="This payment did not go through">
                            <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="checkout-status">
                                {format!("The purchase of the {} pack is {}. Nothing was credited.", s.pack, s.status)}
                            </p>
                            <a href="/billing" class=format!("{BUTTON} mt-4")>"Back to billing"</a>
                        </Card>
                    }.into_any(),
                    Err(e) => view! { <Alert tone=Tone::Error>{e.message}</Alert> }.into_any(),
                })}
            </Transition>
        </div>
    }
}

/// Tokens used per day, as bars.
#[component]
fn UsageChart(days: Vec<UsageDay>, total: String) -> impl IntoView {
    let labels = days.iter().map(|d| d.label.clone()).collect();
    let series = vec![Series::new("Tokens", days.iter().map(|d| d.tokens as f64))];
    view! {
        <Chart kind=ChartKind::Bars labels series unit="tokens"
            label=format!("Tokens used per day over the last 30 days: {total} in all")
            caption=format!("{total} tokens used in 30 days")/>
    }
}
