//! `/sandbox/…`: the controls a test or a demo uses — the clock, payments, limits, faults and
//! webhooks — and the sandbox's counters. Not part of Xero's API.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State as Shared};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiff::SignedDuration;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::super::config::{Faults, Limits};
use super::super::state::{State, Stats, lock};
use super::super::world::events::Change;
use super::respond::json;

type Params = HashMap<String, String>;

/// Sends webhooks for changes, when a receiver is configured, and counts how that went.
pub async fn deliver_changes(state: &State, changes: Vec<(Uuid, Change)>) {
    let target = lock(&state.webhook).clone();
    let Some(target) = target.filter(|_| !changes.is_empty()) else {
        return;
    };
    let (sent, failed) = state.webhooks.deliver(&target, &state.base_url, &changes).await;
    let mut stats = lock(&state.stats);
    stats.webhooks_sent += sent;
    stats.webhook_failures += failed;
}

#[derive(Serialize)]
struct OrganisationStatus {
    tenant_id: Uuid,
    name: String,
    base_currency: String,
    invoices: usize,
    scheduled_changes: usize,
    notes: usize,
}

#[derive(Serialize)]
struct Status {
    now: String,
    organisations: Vec<OrganisationStatus>,
    limits: Limits,
    stats: Stats,
}

pub async fn status(Shared(state): Shared<Arc<State>>) -> Response {
    let organisations = lock(&state.world)
        .iter()
        .map(|org| OrganisationStatus {
            tenant_id: org.tenant_id,
            name: org.name.clone(),
            base_currency: org.base_currency.to_string(),
            invoices: org.invoices.iter().filter(|i| i.visible).count(),
            scheduled_changes: org.pending.len(),
            notes: org.notes.values().map(Vec::len).sum(),
        })
        .collect();
    let status = Status {
        now: state.clock.now().to_string(),
        organisations,
        limits: state.limiter.limits(),
        stats: lock(&state.stats).clone(),
    };
    json(StatusCode::OK, &status)
}

/// `POST /sandbox/advance?days=N` (also `hours`, `minutes`, `seconds`): time travel. Customers
/// pay as their habits say, new invoices appear, and webhooks go out.
pub async fn advance(Shared(state): Shared<Arc<State>>, Query(params): Query<Params>) -> Response {
    let amount = |name: &str| params.get(name).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let seconds = amount("days") * 86_400 + amount("hours") * 3_600 + amount("minutes") * 60 + amount("seconds");
    if seconds <= 0 {
        return (StatusCode::BAD_REQUEST, "give a positive days, hours, minutes or seconds").into_response();
    }
    let now = state.clock.advance(SignedDuration::from_secs(seconds));
    let changes = state.catch_up();
    let count = changes.len();
    let reported = changes.iter().filter(|(_, change)| super::super::webhooks::is_reported(change)).count();
    deliver_changes(&state, changes).await;
    json(StatusCode::OK, &serde_json::json!({ "now": now.to_string(), "changes": count, "webhook_events": reported }))
}

/// `POST /sandbox/pay?invoice=ID_OR_NUMBER[&amount=12.50][&tenant=ID]`: a payment recorded now,
/// as a bookkeeper would enter it in Xero (with its webhook).
pub async fn pay(Shared(state): Shared<Arc<State>>, Query(params): Query<Params>) -> Response {
    let Some(invoice) = params.get("invoice") else {
        return (StatusCode::BAD_REQUEST, "give the invoice to pay").into_response();
    };
    let amount = match params.get("amount").map(|a| a.parse::<Decimal>()) {
        Some(Ok(amount)) => Some((amount * Decimal::ONE_HUNDRED).round().try_into().unwrap_or(i64::MAX)),
        Some(Err(_)) => return (StatusCode::BAD_REQUEST, "amount is not a number").into_response(),
        None => None,
    };
    let tenant_wanted = params.get("tenant").and_then(|t| Uuid::parse_str(t).ok());
    let id = state.new_id();
    let now = state.clock.now();
    let result = {
        let mut world = lock(&state.world);
        let org = world.iter_mut().find(|org| tenant_wanted.is_none_or(|t| t == org.tenant_id));
        org.and_then(|org| {
            let index = match Uuid::parse_str(invoice) {
                Ok(id) => org.index.invoice_by_id.get(&id).copied(),
                Err(_) => org.invoice_with_number(invoice),
            }?;
            let change = org.pay_now(index, amount, now, id)?;
            let due = super::super::world::decimal(org.invoices[index as usize].due_amount());
            Some((org.tenant_id, change, due))
        })
    };
    match result {
        Some((tenant, change, due)) => {
            deliver_changes(&state, vec![(tenant, change)]).await;
            json(
                StatusCode::OK,
                &serde_json::json!({ "invoice_id": change.resource, "amount_due": due.to_string(), "payment_id": id }),
            )
        }
        None => (StatusCode::NOT_FOUND, "no such invoice, or nothing is owed on it").into_response(),
    }
}

pub async fn set_limits(Shared(state): Shared<Arc<State>>, Json(limits): Json<Limits>) -> Response {
    state.limiter.set(limits);
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /sandbox/calls`: every API call received, per organisation, by kind, and the most in
/// any one window of the minute limit's length.
pub async fn calls(Shared(state): Shared<Arc<State>>) -> Response {
    let window = state.limiter.limits().window();
    json(StatusCode::OK, &lock(&state.calls).summary(window))
}

/// `PUT /sandbox/faults?spec=500:0.1,slow:0.05`, for every organisation; with `org=TENANT_ID`
/// for that organisation alone, and `for=5m` (or `30s`, `1h`) for a while only.
pub async fn set_faults(Shared(state): Shared<Arc<State>>, Query(params): Query<Params>) -> Response {
    let faults = match params.get("spec").map(String::as_str).unwrap_or("").parse::<Faults>() {
        Ok(faults) => faults,
        Err(error) => return (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    };
    let until = match params.get("for").map(|text| lasting(text)) {
        None => None,
        Some(Some(lasting)) => Some(std::time::Instant::now() + lasting),
        Some(None) => {
            return (StatusCode::BAD_REQUEST, "for= takes a length such as 30s, 5m or 1h").into_response();
        }
    };
    match params.get("org") {
        Some(org) => {
            let Ok(tenant) = Uuid::parse_str(org.trim()) else {
                return (StatusCode::BAD_REQUEST, "org= takes an organisation's tenant id").into_response();
            };
            if !lock(&state.world).iter().any(|o| o.tenant_id == tenant) {
                return (StatusCode::NOT_FOUND, "no such organisation").into_response();
            }
            lock(&state.faults).per_organisation.insert(tenant, (faults, until));
        }
        None if until.is_some() => {
            return (StatusCode::BAD_REQUEST, "for= needs org=: everyone's faults last until changed").into_response();
        }
        None => lock(&state.faults).faults = faults,
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `30s`, `5m`, `1h`.
fn lasting(text: &str) -> Option<std::time::Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let number: u64 = text[..split].parse().ok()?;
    let seconds = match &text[split..] {
        "s" => number,
        "m" => number.checked_mul(60)?,
        "h" => number.checked_mul(3600)?,
        _ => return None,
    };
    Some(std::time::Duration::from_secs(seconds))
}

/// Xero's intent-to-receive check against the configured webhook receiver.
pub async fn intent(Shared(state): Shared<Arc<State>>) -> Response {
    let target = lock(&state.webhook).clone();
    match target {
        Some(target) => json(StatusCode::OK, &state.webhooks.intent_to_receive(&target).await),
        None => (StatusCode::CONFLICT, "no webhook receiver is configured").into_response(),
    }
}

/// What a customer sees behind an invoice's online link.
pub async fn online_invoice(Shared(state): Shared<Arc<State>>, Path(id): Path<String>) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let world = lock(&state.world);
    for org in world.iter() {
        if let Some(&index) = org.index.invoice_by_id.get(&id) {
            let invoice = &org.invoices[index as usize];
            let page = format!(
                "<!DOCTYPE html><html><head><title>{number}</title></head><body><h1>{org} — invoice {number}</h1><p>Amount due: {currency} {due}</p><p>Due on {date}</p></body></html>",
                number = org.invoice_number(invoice),
                org = org.name,
                currency = invoice.currency,
                due = crate::ledger::money::group_thousands(super::super::world::decimal(invoice.due_amount())),
                date = invoice.due,
            );
            return Html(page).into_response();
        }
    }
    StatusCode::NOT_FOUND.into_response()
}
