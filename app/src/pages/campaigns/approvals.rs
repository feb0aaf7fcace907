//! /campaigns/approvals — budget changes waiting for an approver (campaigns.approve): approve
//! (the change is written to the platform) or reject with a reason the requester reads. One's
//! own requests are listed but wait for someone else.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::CampaignsHeader;
use crate::api::campaigns::*;
use crate::components::ui::{Card, EmptyState, LastSaid, Loaded, BUTTON, BUTTON_QUIET, INPUT};

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let approve = ServerAction::<ApproveChange>::new();
    let reject = ServerAction::<RejectChange>::new();
    let list = Resource::new(
        move || (approve.version().get(), reject.version().get()),
        |_| get_approvals(),
    );
    let answers = vec![
        (approve.version(), approve.value().into()),
        (reject.version(), reject.value().into()),
    ];
    view! {
        <Title text="Approvals · Campaigns · Switchyard"/>
        <CampaignsHeader text="Budget rises of more than 50 % in one change, or above the company's cap, wait here for an approver."/>
        <LastSaid answers/>
        <Loaded resource=list render=move |changes| {
            let changes: Vec<ChangeView> = changes;
            if changes.is_empty() {
                return view! { <EmptyState title="Nothing is waiting" text="Budget changes that need an approver appear here."/> }.into_any();
            }
            let items = changes.into_iter().map(|c| {
                let decide = if c.may_decide {
                    let (a, r) = (c.id.clone(), c.id.clone());
                    let approve_label = format!("Approve {} for {}", c.what, c.campaign);
                    let reason_label = format!("Why reject the change to {}", c.campaign);
                    view! {
                        <div class="mt-3 flex flex-wrap items-end gap-3">
                            <ActionForm action=approve>
                                <input type="hidden" name="change_id" value=a/>
                                <button type="submit" class=BUTTON aria-label=approve_label>"Approve"</button>
                            </ActionForm>
                            <ActionForm action=reject attr:class="flex flex-wrap items-end gap-2">
                                <input type="hidden" name="change_id" value=r/>
                                <input name="reason" aria-label=reason_label placeholder="Reason for the requester" class=format!("w-64 {INPUT}")/>
                                <button type="submit" class=BUTTON_QUIET>"Reject"</button>
                            </ActionForm>
                        </div>
                    }.into_any()
                } else {
                    view! { <p class="mt-2 text-xs text-slate-500">"Your own request: another approver decides it."</p> }.into_any()
                };
                view! {
                    <li class="py-4" data-testid="approval">
                        <a href=format!("/campaigns/{}", c.campaign_id) class="text-sm font-semibold text-slate-900 hover:text-brand-600 dark:text-white">{c.campaign.clone()}</a>
                        <p class="mt-1 text-sm text-slate-700 dark:text-slate-300">{c.what.clone()}</p>
                        <p class="mt-1 text-xs text-slate-500">{format!("Asked by {}", c.requested)}</p>
                        {c.approval_reason.clone().map(|r| view! { <p class="mt-1 text-xs text-amber-700 dark:text-amber-300">{r}</p> })}
                        {decide}
                    </li>
                }
            }).collect_view();
            view! { <Card title="Waiting for approval"><ul class="divide-y divide-slate-100 dark:divide-slate-800">{items}</ul></Card> }.into_any()
        }/>
    }
}
