//! What can be done to one order by hand or in bulk: change its status (within the workflow
//! `model::manual_change` allows) and validate it (phone and shipping address). Each action
//! runs inside the caller's transaction with the order locked, writes the order's timeline,
//! and keeps the processing errors tab true: a failed validation is recorded there, a later
//! success resolves it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    model::{self, status_label, Address, Change},
    repo::{self, work},
};
use crate::{db::Tx, Error, Result};

/// An action on orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderAction {
    SetStatus(String),
    Validate,
    /// A FAN Courier AWB with the account's defaults (`courier::create_awb`; it asks the
    /// courier, so it runs outside `apply`'s transaction).
    CreateAwb,
    /// Validate, then an AWB for each order that passes; the run's picking list gathers them.
    Process,
}

impl OrderAction {
    /// The action named by a form: "status" with the status to set, or "validate".
    pub fn parse(action: &str, status: Option<&str>) -> Result<OrderAction> {
        match action {
            "status" => match status.filter(|s| model::MANUAL_STATUSES.contains(s)) {
                Some(s) => Ok(OrderAction::SetStatus(s.to_string())),
                None => Err(Error::validation("to_status", "Choose the status to set.")),
            },
            "validate" => Ok(OrderAction::Validate),
            "awb" => Ok(OrderAction::CreateAwb),
            "process" => Ok(OrderAction::Process),
            _ => Err(Error::validation("op", "Choose an action.")),
        }
    }

    /// What is stored: (action, target status).
    pub fn key(&self) -> (&'static str, Option<&str>) {
        match self {
            OrderAction::SetStatus(s) => ("status", Some(s.as_str())),
            OrderAction::Validate => ("validate", None),
            OrderAction::CreateAwb => ("awb", None),
            OrderAction::Process => ("process", None),
        }
    }

    /// In words ("Set status to Picking", "Validate").
    pub fn label(&self) -> String {
        match self {
            OrderAction::SetStatus(s) => format!("Set status to {}", status_label(s)),
            OrderAction::Validate => "Validate".to_string(),
            OrderAction::CreateAwb => "Create AWBs with FAN Courier".to_string(),
            OrderAction::Process => "Process: validate, AWB, picking list".to_string(),
        }
    }
}

/// What an action did to one order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded(String),
    Failed(String),
    /// Nothing to do, with why.
    Skipped(String),
}

impl Outcome {
    pub fn result(&self) -> &'static str {
        match self {
            Outcome::Succeeded(_) => "succeeded",
            Outcome::Failed(_) => "failed",
            Outcome::Skipped(_) => "skipped",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Outcome::Succeeded(m) | Outcome::Failed(m) | Outcome::Skipped(m) => m,
        }
    }
}

/// Runs `action` on the company's order in `tx` (`by` None for a job acting on its own). An
/// AWB is not made here: it asks the courier (see `courier::create_awb`).
pub async fn apply(
    tx: &mut Tx,
    company_id: Uuid,
    order_id: Uuid,
    action: &OrderAction,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let Some(order) = work::order_state_for_update(tx, company_id, order_id).await? else {
        return Ok(Outcome::Skipped("The order no longer exists.".to_string()));
    };
    match action {
        OrderAction::SetStatus(to) => match model::manual_change(&order.status, to) {
            Change::Skip(why) => Ok(Outcome::Skipped(why)),
            Change::Refused(why) => Ok(Outcome::Failed(why)),
            Change::Allowed => {
                let text = format!(
                    "Status changed from {} to {}",
                    status_label(&order.status),
                    status_label(to)
                );
                work::set_status(tx, order_id, to, now).await?;
                repo::add_event(tx, company_id, order_id, "status", by, &text, now).await?;
                changed(tx, company_id, order_id, to, &order.status).await?;
                Ok(Outcome::Succeeded(format!("{text}.")))
            }
        },
        OrderAction::Validate => validate(tx, company_id, &order, by, now).await,
        OrderAction::CreateAwb | OrderAction::Process => Err(Error::Internal(anyhow::anyhow!(
            "an AWB is made by courier::create_awb, outside a transaction"
        ))),
    }
}

/// Tells the company's webhook endpoints that the order's status changed by hand.
async fn changed(
    tx: &mut Tx,
    company_id: Uuid,
    order_id: Uuid,
    to: &str,
    from: &str,
) -> Result<()> {
    let data = serde_json::json!({ "id": order_id, "status": to, "previous_status": from });
    crate::api::webhooks::emit(tx, company_id, "order.updated", data).await?;
    Ok(())
}

const VALIDATE: &str = "validate";

async fn validate(
    tx: &mut Tx,
    company_id: Uuid,
    order: &work::OrderState,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    if let Change::Skip(why) = model::validation_due(&order.status) {
        work::resolve_error(tx, order.id, VALIDATE, &why, by, now).await?;
        return Ok(Outcome::Skipped(why));
    }
    let shipping: Option<Address> = order
        .shipping_address
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok());
    match model::validation_problems(order.phone.as_deref(), shipping.as_ref()) {
        None => {
            work::set_status(tx, order.id, "VALIDATED", now).await?;
            changed(tx, company_id, order.id, "VALIDATED", &order.status).await?;
            repo::add_event(
                tx,
                company_id,
                order.id,
                "status",
                by,
                "Validated: phone and shipping address complete",
                now,
            )
            .await?;
            work::resolve_error(tx, order.id, VALIDATE, "Validated.", by, now).await?;
            Ok(Outcome::Succeeded("Validated.".to_string()))
        }
        Some(problems) => {
            if order.status != "VALIDATION_FAILED" {
                work::set_status(tx, order.id, "VALIDATION_FAILED", now).await?;
                changed(tx, company_id, order.id, "VALIDATION_FAILED", &order.status).await?;
            }
            let text = format!("Validation failed: {problems}");
            repo::add_event(tx, company_id, order.id, "status", by, &text, now).await?;
            let failure = work::Failure {
                company_id,
                order_id: order.id,
                action: VALIDATE,
                status: "FAILED",
                message: &problems,
                by,
                now,
            };
            work::record_error(tx, &failure).await?;
            Ok(Outcome::Failed(problems))
        }
    }
}

/// The action a processing error of `action` is retried with.
pub fn for_error(action: &str) -> Option<OrderAction> {
    match action {
        VALIDATE => Some(OrderAction::Validate),
        super::courier::STEP => Some(OrderAction::CreateAwb),
        _ => None,
    }
}
