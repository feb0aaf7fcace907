//! Shipping with FAN Courier: a company's account (Settings → Integrations), AWBs for orders
//! (one from the order's page, or many from the inbox as a bulk run), their labels (fetched
//! once, kept in object storage) and tracking (`orders.sync-awb`, every AWB_TRACKING_MINUTES),
//! which moves the order's status by the seed's table.
//!
//! An AWB is made in three steps so no database lock is held while FAN Courier is asked: a
//! transaction checks the order and claims it (an `awbs` row in state 'creating'; a unique
//! index allows one creating or active AWB per order, so a double click or two runs make one);
//! FAN Courier is asked; a second transaction records its answer. A refusal leaves the order
//! AWB_ERROR with FAN Courier's reasons in the processing errors tab; FAN Courier being down
//! records the error PENDING and retries it on its own.

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    actions::Outcome,
    config::OrdersConfig,
    fancourier::{self, CourierError, FanCourier, Recipient, Shipment},
    model::{status_label, Address},
    repo::{
        self,
        courier::{self as sql, AccountRow, AwbEventRow, AwbRow, NewAccount, NewAwb},
        work,
    },
    service,
};
use crate::{
    access::{Permission, Principal},
    audit::{self, Action, Entry, RequestMeta},
    crypto,
    jobs::{self, NewJob},
    storage::Storage,
    Db, Error, Result,
};

/// The processing step an AWB failure is recorded under.
pub const STEP: &str = "awb";
pub const TRACK_KIND: &str = "orders.sync-awb";
/// A cached token is renewed this long before FAN Courier says it ends.
const TOKEN_MARGIN: Duration = Duration::minutes(10);
/// Statuses an order may get an AWB from.
const READY: &[&str] = &[
    "VALIDATED",
    "INVOICED",
    "PICKING",
    "PACKED",
    "AWB_PENDING",
    "AWB_ERROR",
];
/// Automatic retries of an AWB FAN Courier could not be reached for, before a person is asked.
const AUTO_RETRIES: i64 = 3;

/// What the courier calls need.
#[derive(Clone, Copy)]
pub struct Courier<'a> {
    pub db: &'a Db,
    pub app_key: &'a SecretString,
    pub config: &'a OrdersConfig,
}

impl<'a> Courier<'a> {
    /// From the application's database and configuration (a request's or a job's).
    pub fn new(db: &'a Db, config: &'a crate::config::Config) -> Courier<'a> {
        Courier {
            db,
            app_key: &config.app_secret_key,
            config: config.section::<OrdersConfig>(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct SignIn {
    username: String,
    password: String,
}

/// The account as Settings shows it (no secrets).
#[derive(Clone, Debug)]
pub struct AccountView {
    pub client_id: String,
    pub hint: String,
    pub service: String,
    pub payer: String,
    pub weight_grams: i64,
    /// When the day's handover closes, "HH:MM" in the company's time zone.
    pub handover_close: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
}

/// What Settings → Integrations posts.
#[derive(Clone, Debug, Default)]
pub struct AccountInput {
    pub client_id: String,
    pub username: String,
    /// Empty keeps the saved password.
    pub password: String,
    pub service: String,
    pub payer: String,
    /// Kilograms, as typed ("1", "0.5", "1,5").
    pub weight_kg: String,
    /// "HH:MM"; empty keeps 20:00.
    pub handover_close: String,
}

/// Grams from kilograms as typed, 10 g to 100 kg.
fn grams(kg: &str, field: &str) -> Result<i64> {
    let t = kg.trim().replace(',', ".");
    let g = crate::money::parse_minor(&t, "KWD") // three decimals: grams exactly
        .filter(|g| (10..=100_000).contains(g))
        .ok_or_else(|| Error::validation(field, "Enter a weight between 0.01 and 100 kg."))?;
    Ok(g)
}

/// The company's account (settings.manage).
pub async fn account(db: &Db, p: &Principal) -> Result<Option<AccountView>> {
    p.authorize(Permission::SettingsManage)?;
    Ok(sql::account(db, p.company_id).await?.map(|a| AccountView {
        client_id: a.client_id,
        hint: a.credentials_hint,
        service: a.service,
        payer: a.payer,
        weight_grams: a.weight_grams,
        handover_close: a.handover_close,
        updated_at: a.updated_at,
        updated_by: a.updated_by_name,
    }))
}

/// The AWB defaults for the order page's form (orders.read); None when no account is set.
pub async fn defaults(db: &Db, p: &Principal) -> Result<Option<(String, String, i64)>> {
    p.authorize(Permission::OrdersRead)?;
    Ok(sql::account(db, p.company_id)
        .await?
        .map(|a| (a.service, a.payer, a.weight_grams)))
}

/// Saves the account (settings.manage), checked field by field; audited without the password.
#[tracing::instrument(skip_all, fields(company_id = %p.company_id, user_id = %p.user_id), err(level = "info"))]
pub async fn save_account(
    c: &Courier<'_>,
    p: &Principal,
    meta: &RequestMeta,
    input: &AccountInput,
) -> Result<()> {
    p.authorize(Permission::SettingsManage)?;
    let client_id = input.client_id.trim();
    if client_id.is_empty()
        || client_id.len() > 12
        || !client_id.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(Error::validation(
            "client_id",
            "Enter the FAN Courier client id (digits only).",
        ));
    }
    let username = input.username.trim();
    if username.is_empty() || username.chars().count() > 100 {
        return Err(Error::validation(
            "username",
            "Enter the FAN Courier username.",
        ));
    }
    let service = fancourier::SERVICES
        .iter()
        .find(|s| **s == input.service)
        .ok_or_else(|| Error::validation("service", "Choose a service from the list."))?;
    let payer = fancourier::PAYERS
        .iter()
        .find(|(k, _)| *k == input.payer)
        .map(|(k, _)| *k)
        .ok_or_else(|| Error::validation("payer", "Choose who pays the transport."))?;
    let weight_grams = grams(&input.weight_kg, "weight_kg")?;
    let handover_close = super::handover::close_time(&input.handover_close)?
        .format("%H:%M")
        .to_string();
    let password = if input.password.is_empty() {
        let kept = sql::account(c.db, p.company_id)
            .await?
            .ok_or_else(|| Error::validation("password", "Enter the FAN Courier password."))?;
        let opened: SignIn =
            serde_json::from_slice(&crypto::open(c.app_key, &kept.sealed_credentials)?)
                .map_err(|e| Error::Internal(e.into()))?;
        opened.password
    } else if input.password.chars().count() > 200 {
        return Err(Error::validation("password", "The password is too long."));
    } else {
        input.password.clone()
    };
    let sealed = crypto::seal(
        c.app_key,
        &serde_json::to_vec(&SignIn {
            username: username.to_string(),
            password: password.clone(),
        })
        .map_err(|e| Error::Internal(e.into()))?,
    )?;
    let tail: String = password
        .chars()
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let hint = format!("user {username} · password …{tail}");
    let mut tx = c.db.begin().await?;
    sql::upsert_account(
        &mut tx,
        &NewAccount {
            company_id: p.company_id,
            client_id,
            sealed: &sealed,
            hint: &hint,
            service,
            payer,
            weight_grams,
            handover_close: &handover_close,
            by: p.user_id,
            now: Utc::now(),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::CourierConnected,
            Some("courier:fancourier".into()),
            serde_json::json!({ "client_id": client_id, "username": username, "service": service, "payer": payer, "handover_close": handover_close }),
        ),
    )
    .await?;
    tx.commit().await
}

/// Removes the account (settings.manage); AWBs already made stay.
pub async fn remove_account(db: &Db, p: &Principal, meta: &RequestMeta) -> Result<()> {
    p.authorize(Permission::SettingsManage)?;
    let mut tx = db.begin().await?;
    if !sql::delete_account(&mut tx, p.company_id).await? {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::CourierDisconnected,
            Some("courier:fancourier".into()),
            serde_json::json!({}),
        ),
    )
    .await?;
    tx.commit().await
}

fn api(config: &OrdersConfig) -> Result<FanCourier> {
    FanCourier::new(&config.fancourier_api_base, config.request_timeout)
        .map_err(|e| Error::Internal(anyhow::anyhow!(e.to_string())))
}

/// A token for the account: the cached one while it lasts, else a fresh sign-in (cached,
/// sealed). `fresh` forces a sign-in (the cached one was refused).
async fn token(
    c: &Courier<'_>,
    api: &FanCourier,
    company_id: Uuid,
    account: &AccountRow,
    fresh: bool,
) -> Result<SecretString, CourierError> {
    let now = Utc::now();
    if !fresh {
        if let (Some(sealed), Some(until)) = (&account.sealed_token, account.token_expires_at) {
            if until > now + TOKEN_MARGIN {
                if let Ok(bytes) = crypto::open(c.app_key, sealed) {
                    if let Ok(t) = String::from_utf8(bytes) {
                        return Ok(SecretString::from(t));
                    }
                }
            }
        }
    }
    let sign_in: SignIn = crypto::open(c.app_key, &account.sealed_credentials)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| CourierError::Invalid("the saved sign-in could not be opened".into()))?;
    let t = api
        .login(&sign_in.username, &SecretString::from(sign_in.password))
        .await?;
    let sealed = crypto::seal(c.app_key, t.value.expose_secret().as_bytes())
        .map_err(|e| CourierError::Invalid(e.to_string()))?;
    if let Err(e) = sql::save_token(c.db, company_id, Some(&sealed), Some(t.expires_at)).await {
        tracing::warn!(error = %e, "the courier token could not be cached");
    }
    Ok(t.value)
}

/// Runs `call` with the account's token; a refused token is renewed once and the call retried
/// (FAN Courier refuses before doing anything, so the retry cannot make a second AWB).
async fn with_token<T, F, Fut>(
    c: &Courier<'_>,
    company_id: Uuid,
    account: &AccountRow,
    call: F,
) -> Result<T, CourierError>
where
    F: Fn(FanCourier, SecretString) -> Fut,
    Fut: std::future::Future<Output = Result<T, CourierError>>,
{
    let api = || api(c.config).map_err(|e| CourierError::Invalid(e.to_string()));
    let first = token(c, &api()?, company_id, account, false).await?;
    match call(api()?, first).await {
        Err(CourierError::Unauthorized(_)) => {
            let renewed = token(c, &api()?, company_id, account, true).await?;
            call(api()?, renewed).await
        }
        other => other,
    }
}

/// "Test connection" (settings.manage): signs in with the saved account.
pub async fn test_account(c: &Courier<'_>, p: &Principal) -> Result<String> {
    p.authorize(Permission::SettingsManage)?;
    let account = sql::account(c.db, p.company_id)
        .await?
        .ok_or(Error::NotFound)?;
    match token(c, &api(c.config)?, p.company_id, &account, true).await {
        Ok(_) => Ok(format!(
            "Signed in to FAN Courier (client {}).",
            account.client_id
        )),
        Err(CourierError::Unavailable(why)) => {
            Err(Error::Unavailable(format!("FAN Courier: {why}")))
        }
        Err(e) => Err(Error::validation("client_id", e.to_string())),
    }
}

/// What an AWB is made with; None fields take the account's defaults and the order's amounts.
#[derive(Clone, Debug, Default)]
pub struct AwbInput {
    pub service: Option<String>,
    pub payer: Option<String>,
    pub weight_grams: Option<i64>,
    pub parcels: Option<i64>,
    pub cod_minor: Option<i64>,
    pub declared_minor: Option<i64>,
    pub notes: Option<String>,
}

/// The order page's AWB form, as typed.
#[derive(Clone, Debug, Default)]
pub struct AwbForm {
    pub service: String,
    pub payer: String,
    pub weight_kg: String,
    pub parcels: String,
    /// Cash on delivery and declared value, in the order's currency ("" for none).
    pub cod: String,
    pub declared: String,
    pub notes: String,
}

impl AwbInput {
    /// The order page's form, checked field by field (amounts in the order's currency).
    pub fn from_form(f: &AwbForm, currency: &str) -> Result<AwbInput> {
        let service = fancourier::SERVICES
            .iter()
            .find(|s| **s == f.service)
            .ok_or_else(|| Error::validation("service", "Choose a service from the list."))?;
        let payer = fancourier::PAYERS
            .iter()
            .find(|(k, _)| *k == f.payer)
            .ok_or_else(|| Error::validation("payer", "Choose who pays the transport."))?;
        let parcels: i64 = f
            .parcels
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=50).contains(n))
            .ok_or_else(|| Error::validation("parcels", "Enter 1 to 50 parcels."))?;
        let money = |v: &str, field: &str| {
            let v = v.trim().replace(',', ".");
            if v.is_empty() {
                return Ok(0);
            }
            crate::money::parse_minor(&v, currency)
                .filter(|m| (0..=100_000_000).contains(m))
                .ok_or_else(|| {
                    Error::validation(
                        field,
                        format!("Enter an amount in {currency}, such as 199.90."),
                    )
                })
        };
        let notes = f.notes.trim();
        if notes.chars().count() > 200 {
            return Err(Error::validation(
                "notes",
                "Keep the notes under 200 characters.",
            ));
        }
        Ok(AwbInput {
            service: Some(service.to_string()),
            payer: Some(payer.0.to_string()),
            weight_grams: Some(grams(&f.weight_kg, "weight_kg")?),
            parcels: Some(parcels),
            cod_minor: Some(money(&f.cod, "cod")?),
            declared_minor: Some(money(&f.declared, "declared")?),
            notes: Some(notes.to_string()),
        })
    }
}

/// The cash to collect on delivery unless the form says otherwise: the order's total when
/// its gateway is cash on delivery and it is not paid, else none.
pub fn cod_default(order: &repo::OrderRow) -> i64 {
    let g = order
        .payment_gateway
        .as_deref()
        .unwrap_or_default()
        .to_lowercase();
    let cash = g.contains("cash on delivery") || g.contains("cod") || g.contains("ramburs");
    if cash && order.financial_status.as_deref() != Some("paid") {
        order.total_minor
    } else {
        0
    }
}

/// The AWB as FAN Courier's recipient wants the phone: national form for Romania.
fn national(phone: &str) -> String {
    match phone.strip_prefix("+40") {
        Some(rest) => format!("0{rest}"),
        None => phone.to_string(),
    }
}

/// Creates the order's AWB (the job's or a member's: `by`), answering what happened.
#[tracing::instrument(skip(c, input), err(level = "info"))]
pub async fn create_awb(
    c: &Courier<'_>,
    company_id: Uuid,
    order_id: Uuid,
    input: &AwbInput,
    by: Option<Uuid>,
) -> Result<Outcome> {
    let Some(order) = repo::load_order(c.db, company_id, None, order_id).await? else {
        return Ok(Outcome::Skipped("The order no longer exists.".into()));
    };
    let now = Utc::now();
    let Some(account) = sql::account(c.db, company_id).await? else {
        let why = "Connect FAN Courier in Settings → Integrations first.";
        let mut tx = c.db.begin().await?;
        let failure = work::Failure {
            company_id,
            order_id,
            action: STEP,
            status: "FAILED",
            message: why,
            by,
            now,
        };
        work::record_error(&mut tx, &failure).await?;
        tx.commit().await?;
        return Ok(Outcome::Failed(why.into()));
    };
    let shipping: Option<Address> = order
        .shipping_address
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok());
    let cod_default = cod_default(&order);
    let awb_id = Uuid::now_v7();
    let new = NewAwb {
        id: awb_id,
        company_id,
        order_id,
        service: input.service.as_deref().unwrap_or(&account.service),
        payer: input.payer.as_deref().unwrap_or(&account.payer),
        weight_grams: input.weight_grams.unwrap_or(account.weight_grams),
        parcels: input.parcels.unwrap_or(1),
        cod_minor: input.cod_minor.unwrap_or(cod_default),
        declared_minor: input.declared_minor.unwrap_or(order.total_minor),
        currency: &order.currency,
        notes: input.notes.as_deref().unwrap_or(""),
        by,
        now,
    };
    // 1. Check and claim.
    let mut tx = c.db.begin().await?;
    let Some(state) = work::order_state_for_update(&mut tx, company_id, order_id).await? else {
        return Ok(Outcome::Skipped("The order no longer exists.".into()));
    };
    if let Some((number, st)) = sql::open_awb(&mut tx, order_id).await? {
        return Ok(Outcome::Skipped(match (st.as_str(), number) {
            ("active", Some(n)) => format!("It already has AWB {n}."),
            _ => "Its AWB is being created.".into(),
        }));
    }
    if !READY.contains(&state.status.as_str()) {
        let why = match state.status.as_str() {
            "PENDING" | "VALIDATION_FAILED" | "WAIT_TRANSFER" => {
                format!(
                    "Validate the order first (it is {}).",
                    status_label(&state.status).to_lowercase()
                )
            }
            other => format!(
                "Not ready to ship ({}).",
                status_label(other).to_lowercase()
            ),
        };
        return Ok(
            if matches!(
                state.status.as_str(),
                "PENDING" | "VALIDATION_FAILED" | "WAIT_TRANSFER"
            ) {
                Outcome::Failed(why)
            } else {
                Outcome::Skipped(why)
            },
        );
    }
    let Some(address) = shipping.filter(|a| a.missing().is_empty()) else {
        return Ok(Outcome::Failed(
            "The shipping address is incomplete: validate the order first.".into(),
        ));
    };
    if !sql::claim(&mut tx, &new).await? {
        return Ok(Outcome::Skipped("Its AWB is being created.".into()));
    }
    tx.commit().await?;

    // 2. Ask FAN Courier.
    let shipment = Shipment {
        service: new.service.to_string(),
        payer: new.payer.to_string(),
        weight_grams: new.weight_grams,
        parcels: new.parcels,
        cod_minor: new.cod_minor,
        declared_minor: new.declared_minor,
        currency: order.currency.clone(),
        notes: new.notes.to_string(),
        reference: order.number.clone(),
        recipient: Recipient {
            name: address.name.clone(),
            phone: national(
                order
                    .phone
                    .as_deref()
                    .or(address.phone.as_deref())
                    .unwrap_or_default(),
            ),
            email: order.email.clone().unwrap_or_default(),
            county: address.county.clone(),
            locality: address.city.clone(),
            street: [Some(address.address1.clone()), address.address2.clone()]
                .into_iter()
                .flatten()
                .filter(|s| !s.trim().is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            zip: address.postcode.clone(),
        },
    };
    let client_id = account.client_id.clone();
    let answer = with_token(c, company_id, &account, |api, token| {
        let (shipment, client_id) = (shipment.clone(), client_id.clone());
        async move { api.create_awb(&token, &client_id, &shipment).await }
    })
    .await;

    // 3. Record the answer.
    let now = Utc::now();
    let mut tx = c.db.begin().await?;
    let outcome = match answer {
        Ok(created) => {
            let number = created.number;
            sql::finish_awb(&mut tx, awb_id, Some(&number), None, now).await?;
            if let Some(cost) = created.cost_minor {
                sql::set_awb_cost(&mut tx, awb_id, cost, fancourier::CHARGE_CURRENCY).await?;
            }
            work::set_status(&mut tx, order_id, "AWB_CREATED", now).await?;
            let cod = if new.cod_minor > 0 {
                format!(
                    ", cash on delivery {}",
                    crate::money::format_money(new.cod_minor, &order.currency)
                )
            } else {
                String::new()
            };
            let text = format!(
                "AWB {number} created with FAN Courier ({}, {} parcel{}{cod})",
                new.service,
                new.parcels,
                if new.parcels == 1 { "" } else { "s" }
            );
            repo::add_event(&mut tx, company_id, order_id, "awb", by, &text, now).await?;
            work::resolve_error(
                &mut tx,
                order_id,
                STEP,
                &format!("AWB {number} created."),
                by,
                now,
            )
            .await?;
            audit::record(
                &mut tx,
                &RequestMeta::default(),
                Entry {
                    company_id: Some(company_id),
                    actor_id: by,
                    action: Action::AwbCreated,
                    target: Some(format!("order:{order_id}")),
                    details: serde_json::json!({ "awb": number, "order": order.number, "service": new.service }),
                },
            )
            .await?;
            Outcome::Succeeded(format!("AWB {number} created."))
        }
        Err(e) => {
            let (status, why) = match &e {
                CourierError::Unavailable(_) => ("PENDING", format!("{e}; retried automatically.")),
                CourierError::Unauthorized(_) => (
                    "FAILED",
                    format!("{e}. Check the account in Settings → Integrations."),
                ),
                _ => ("FAILED", format!("FAN Courier refused the AWB: {e}")),
            };
            sql::finish_awb(&mut tx, awb_id, None, Some(&why), now).await?;
            if state.status != "AWB_ERROR" {
                work::set_status(&mut tx, order_id, "AWB_ERROR", now).await?;
            }
            repo::add_event(
                &mut tx,
                company_id,
                order_id,
                "awb",
                by,
                &format!("AWB not created: {why}"),
                now,
            )
            .await?;
            let failure = work::Failure {
                company_id,
                order_id,
                action: STEP,
                status,
                message: &why,
                by,
                now,
            };
            work::record_error(&mut tx, &failure).await?;
            if status == "PENDING" {
                queue_auto_retry(&mut tx, order_id, now).await?;
            }
            Outcome::Failed(why)
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Queues the automatic retry of the order's AWB error, a few minutes on; after
/// [`AUTO_RETRIES`] attempts it is left FAILED for a person.
async fn queue_auto_retry(
    tx: &mut crate::db::Tx,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some((id, attempts)) = work::error_of(tx, order_id, STEP).await? else {
        return Ok(());
    };
    if attempts > AUTO_RETRIES {
        work::set_error_status(tx, id, "FAILED", None, now).await?;
        return Ok(());
    }
    jobs::enqueue_tx(
        tx,
        NewJob {
            kind: super::errors::KIND,
            payload: serde_json::to_value(super::errors::Payload { error_id: id })
                .map_err(|e| Error::Internal(e.into()))?,
            run_at: now + Duration::minutes(5 * attempts),
            max_attempts: 3,
            dedupe_key: Some(format!("orders-retry:{id}:auto{attempts}")),
        },
    )
    .await?;
    Ok(())
}

/// One AWB with its tracking, for the order's page.
pub struct AwbView {
    pub awb: AwbRow,
    pub events: Vec<AwbEventRow>,
}

/// The order's AWBs (orders.read, the member's stores).
pub async fn awbs(db: &Db, p: &Principal, order_id: Uuid) -> Result<Vec<AwbView>> {
    p.authorize(Permission::OrdersRead)?;
    service::visible_order(db, p, order_id).await?;
    let (awbs, events) =
        tokio::try_join!(sql::awbs_of(db, order_id), sql::awb_events(db, order_id))?;
    Ok(awbs
        .into_iter()
        .map(|a| AwbView {
            events: events
                .iter()
                .filter(|e| e.awb_id == a.id)
                .cloned()
                .collect(),
            awb: a,
        })
        .collect())
}

/// An AWB for the member (orders.write, the member's stores); `input`'s empty fields take the
/// account's defaults.
pub async fn create_for_member(
    c: &Courier<'_>,
    p: &Principal,
    order_id: Uuid,
    input: &AwbInput,
) -> Result<Outcome> {
    p.authorize(Permission::OrdersWrite)?;
    service::visible_order(c.db, p, order_id).await?;
    create_awb(c, p.company_id, order_id, input, Some(p.user_id)).await
}

/// "Create AWB" on the order's page: as [`create_for_member`], the form read in the order's
/// currency.
pub async fn create_from_form(
    c: &Courier<'_>,
    p: &Principal,
    order_id: Uuid,
    form: &AwbForm,
) -> Result<Outcome> {
    p.authorize(Permission::OrdersWrite)?;
    let order = service::visible_order(c.db, p, order_id).await?;
    let input = AwbInput::from_form(form, &order.currency)?;
    create_awb(c, p.company_id, order_id, &input, Some(p.user_id)).await
}

/// The storage key of an AWB's label.
fn label_key(company_id: Uuid, number: &str) -> String {
    format!("companies/{company_id}/awb-labels/{number}.pdf")
}

/// An AWB's label (orders.read, the member's stores): from storage, or fetched from FAN
/// Courier once and kept. Answers (AWB number, PDF).
pub async fn label(
    c: &Courier<'_>,
    storage: &Storage,
    p: &Principal,
    order_id: Uuid,
    awb_id: Uuid,
) -> Result<(String, Vec<u8>)> {
    p.authorize(Permission::OrdersRead)?;
    service::visible_order(c.db, p, order_id).await?;
    let number = sql::active_awb(c.db, order_id, awb_id)
        .await?
        .ok_or(Error::NotFound)?;
    let key = label_key(p.company_id, &number);
    if storage.exists(&key).await.map_err(Error::Internal)? {
        let bytes = storage.get(&key).await.map_err(Error::Internal)?;
        return Ok((number, bytes.to_vec()));
    }
    let account = sql::account(c.db, p.company_id).await?.ok_or_else(|| {
        Error::validation(
            "awb",
            "Connect FAN Courier in Settings → Integrations to fetch labels.",
        )
    })?;
    let client_id = account.client_id.clone();
    let pdf = with_token(c, p.company_id, &account, |api, token| {
        let (client_id, number) = (client_id.clone(), number.clone());
        async move { api.label(&token, &client_id, &number).await }
    })
    .await
    .map_err(|e| match e {
        CourierError::Unavailable(why) => Error::Unavailable(format!("FAN Courier: {why}")),
        other => Error::validation("awb", other.to_string()),
    })?;
    storage
        .put(&key, pdf.clone())
        .await
        .map_err(Error::Internal)?;
    Ok((number, pdf))
}

/// Tracks every AWB due (the job, every AWB_TRACKING_MINUTES): FAN Courier's events are kept
/// and the order's status follows the newest one by the seed's table. Answers how many AWBs
/// were read.
pub async fn track_due(c: &Courier<'_>) -> Result<usize> {
    let before =
        Utc::now() - Duration::from_std(c.config.tracking_every).unwrap_or(Duration::minutes(30));
    let due = sql::due_for_tracking(c.db, before, 1000).await?;
    let mut read = 0;
    for chunk in due.chunk_by(|a, b| a.0 == b.0) {
        let company_id = chunk[0].0;
        let Some(account) = sql::account(c.db, company_id).await? else {
            continue;
        };
        for batch in chunk.chunks(50) {
            let numbers: Vec<String> = batch.iter().map(|(_, _, n)| n.clone()).collect();
            let client_id = account.client_id.clone();
            let tracked = match with_token(c, company_id, &account, |api, token| {
                let (client_id, numbers) = (client_id.clone(), numbers.clone());
                async move { api.tracking(&token, &client_id, &numbers).await }
            })
            .await
            {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(%company_id, error = %e, "AWB tracking failed; tried again next time");
                    break;
                }
            };
            for (_, awb_id, number) in batch {
                let events = tracked
                    .iter()
                    .find(|t| &t.awb == number)
                    .map(|t| t.events.as_slice())
                    .unwrap_or_default();
                apply_tracking(c.db, *awb_id, number, events).await?;
                read += 1;
            }
        }
    }
    Ok(read)
}

/// Keeps an AWB's events and moves its order's status by the newest one.
async fn apply_tracking(
    db: &Db,
    awb_id: Uuid,
    number: &str,
    events: &[fancourier::Event],
) -> Result<()> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let Some((order_id, status, company_id)) = sql::awb_order_for_update(&mut tx, awb_id).await?
    else {
        return Ok(());
    };
    for e in events {
        sql::add_awb_event(&mut tx, awb_id, &e.code, &e.name, &e.location, e.at).await?;
    }
    let newest = events.iter().max_by_key(|e| e.at);
    sql::tracked(
        &mut tx,
        awb_id,
        newest.map(|e| (e.code.as_str(), e.name.as_str())),
        now,
    )
    .await?;
    if let Some(e) = newest {
        if let Some(to) = fancourier::order_status_for(&e.code) {
            let finished = matches!(status.as_str(), "DELIVERED" | "RETURNED" | "CANCELLED");
            if to != status && !finished {
                work::set_status(&mut tx, order_id, to, now).await?;
                let text = format!(
                    "FAN Courier: {} ({}) for AWB {number}: {}",
                    e.name,
                    e.code,
                    status_label(to)
                );
                repo::add_event(&mut tx, company_id, order_id, "awb", None, &text, now).await?;
            }
        }
    }
    tx.commit().await
}
