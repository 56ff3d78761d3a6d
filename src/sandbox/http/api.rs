//! `/api.xro/2.0/…`: the accounting API. Every call is authenticated (token, organisation,
//! scope), counted against the rate limits, exposed to the configured faults, and answered from
//! the organisation as of the sandbox's clock. Only history notes may be written; any other write
//! is refused and recorded, so tests can prove CollectIQ never changes an invoice.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State as Shared};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use jiff::Timestamp;
use uuid::Uuid;

use super::super::faults::Fault;
use super::super::state::{State, lock};
use super::super::world::query::{self, InvoiceFilter, Paging};
use super::super::world::{CreditKind, NoteRec, Org, invoice_pdf, render};
use super::identity::bearer_grant;
use super::respond::{self, envelope, json_bytes, not_found, problem, validation, with_limits};
use crate::xero::wire::{self, dates::parse_http_date};

/// The longest history note the sandbox takes (Xero's own limit is larger; CollectIQ keeps
/// notes under 250 characters).
const LONGEST_NOTE: usize = 2_500;

type Params = HashMap<String, String>;

/// A resource the API serves, parsed from its path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Route {
    Organisation,
    ContactGroups(Option<String>),
    Contacts(Option<String>),
    Invoices(Option<String>),
    OnlineInvoice(String),
    History { of: Subject, id: String },
    Payments(Option<String>),
    Credits(CreditKind, Option<String>),
    RepeatingInvoices,
    InvoiceReminders,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Subject {
    Invoice,
    Contact,
}

fn parse_route(path: &str) -> Option<Route> {
    let parts: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
    let is = |part: &str, name: &str| part.eq_ignore_ascii_case(name);
    let one = |parts: &[&str]| parts.get(1).map(|id| id.to_string());
    let route = match parts.as_slice() {
        [name] if is(name, "Organisation") => Route::Organisation,
        [name, ..] if is(name, "ContactGroups") && parts.len() <= 2 => Route::ContactGroups(one(&parts)),
        [name, id, history] if is(name, "Contacts") && is(history, "History") => {
            Route::History { of: Subject::Contact, id: id.to_string() }
        }
        [name, ..] if is(name, "Contacts") && parts.len() <= 2 => Route::Contacts(one(&parts)),
        [name, id, history] if is(name, "Invoices") && is(history, "History") => {
            Route::History { of: Subject::Invoice, id: id.to_string() }
        }
        [name, id, online] if is(name, "Invoices") && is(online, "OnlineInvoice") => {
            Route::OnlineInvoice(id.to_string())
        }
        [name, ..] if is(name, "Invoices") && parts.len() <= 2 => Route::Invoices(one(&parts)),
        [name, ..] if is(name, "Payments") && parts.len() <= 2 => Route::Payments(one(&parts)),
        [name, ..] if is(name, "CreditNotes") && parts.len() <= 2 => {
            Route::Credits(CreditKind::CreditNote, one(&parts))
        }
        [name, ..] if is(name, "Overpayments") && parts.len() <= 2 => {
            Route::Credits(CreditKind::Overpayment, one(&parts))
        }
        [name, ..] if is(name, "Prepayments") && parts.len() <= 2 => {
            Route::Credits(CreditKind::Prepayment, one(&parts))
        }
        [name] if is(name, "RepeatingInvoices") => Route::RepeatingInvoices,
        [name, settings] if is(name, "InvoiceReminders") && is(settings, "Settings") => Route::InvoiceReminders,
        _ => return None,
    };
    Some(route)
}

impl Route {
    /// The read scope a call needs; a write to history needs the full scope of its subject.
    fn scope(&self, writing: bool) -> &'static str {
        let family = match self {
            Route::Organisation | Route::InvoiceReminders => "accounting.settings",
            Route::ContactGroups(_) | Route::Contacts(_) | Route::History { of: Subject::Contact, .. } => {
                "accounting.contacts"
            }
            Route::Payments(_) | Route::Credits(CreditKind::Overpayment | CreditKind::Prepayment, _) => {
                "accounting.payments"
            }
            _ => "accounting.invoices",
        };
        match (family, writing) {
            ("accounting.contacts", true) => "accounting.contacts",
            (_, true) => "accounting.invoices",
            ("accounting.settings", false) => "accounting.settings.read",
            ("accounting.contacts", false) => "accounting.contacts.read",
            ("accounting.payments", false) => "accounting.payments.read",
            _ => "accounting.invoices.read",
        }
    }

    /// The method and resource, as the call log counts them.
    fn kind(&self, method: &Method) -> &'static str {
        match (method == Method::GET, self) {
            (true, Route::OnlineInvoice(_)) => "GET OnlineInvoice",
            (true, Route::History { of: Subject::Invoice, .. }) => "GET Invoices/History",
            (true, Route::History { of: Subject::Contact, .. }) => "GET Contacts/History",
            (false, Route::History { of: Subject::Invoice, .. }) => "PUT Invoices/History",
            (false, Route::History { of: Subject::Contact, .. }) => "PUT Contacts/History",
            (true, _) => "GET other",
            (false, _) => "write other",
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Route::Organisation => "Organisation",
            Route::ContactGroups(_) => "ContactGroups",
            Route::Contacts(_) => "Contacts",
            Route::Invoices(_) => "Invoices",
            Route::OnlineInvoice(_) => "OnlineInvoice",
            Route::History { of: Subject::Invoice, .. } => "Invoices/History",
            Route::History { of: Subject::Contact, .. } => "Contacts/History",
            Route::Payments(_) => "Payments",
            Route::Credits(CreditKind::CreditNote, _) => "CreditNotes",
            Route::Credits(CreditKind::Overpayment, _) => "Overpayments",
            Route::Credits(CreditKind::Prepayment, _) => "Prepayments",
            Route::RepeatingInvoices => "RepeatingInvoices",
            Route::InvoiceReminders => "InvoiceReminders",
        }
    }
}

/// Whether the granted scopes cover `needed` (a full scope covers its `.read`).
fn has_scope(granted: &str, needed: &str) -> bool {
    granted.split_whitespace().any(|scope| scope == needed || needed.strip_suffix(".read") == Some(scope))
}

pub async fn handle(
    Shared(state): Shared<Arc<State>>,
    method: Method,
    Path(path): Path<String>,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let access = match bearer_grant(&state, &headers) {
        Ok(access) => access,
        Err(response) => return response,
    };
    let tenant =
        headers.get("xero-tenant-id").and_then(|v| v.to_str().ok()).and_then(|v| Uuid::parse_str(v.trim()).ok());
    let Some(tenant) = tenant.filter(|tenant| access.tenants.contains(tenant)) else {
        return problem(StatusCode::FORBIDDEN, "AuthorizationUnsuccessful");
    };
    let route = parse_route(&path);
    let writing = method != Method::GET;
    let allowed_write =
        matches!(route, Some(Route::History { .. })) && (method == Method::PUT || method == Method::POST);
    if writing && !allowed_write {
        lock(&state.stats).refused_writes.push(format!("{method} /api.xro/2.0/{path}"));
        return validation(
            &format!(
                "The CollectIQ sandbox refuses {method} /{path}: CollectIQ never changes invoices, contacts or payments"
            ),
            Vec::new(),
        );
    }
    let Some(route) = route else {
        return not_found();
    };
    if !has_scope(&access.scopes, route.scope(writing)) {
        return problem(
            StatusCode::FORBIDDEN,
            &format!("AuthorizationUnsuccessful: the {} scope is needed", route.scope(writing)),
        );
    }
    // Xero counts what it receives, refused or not.
    lock(&state.calls).record(tenant, route.kind(&method));
    let permit = match state.limiter.admit(tenant) {
        Ok(permit) => permit,
        Err(refused) => {
            lock(&state.stats).rate_limited += 1;
            let response = respond::too_many_requests(
                refused.problem.header_value(),
                refused.retry_after.as_secs_f64().ceil() as u64,
            );
            return with_limits(response, refused.remaining);
        }
    };
    let (fault, stored_anyway) = {
        let mut faults = lock(&state.faults);
        let fault = faults.draw_for(tenant);
        (fault, fault == Some(Fault::ServerError) && faults.coin())
    };
    if let Some(fault) = fault {
        *lock(&state.stats).faults.entry(fault.name().to_string()).or_default() += 1;
    }
    let remaining = permit.remaining;
    let early = match fault {
        Some(Fault::TooManyRequests) => Some(respond::too_many_requests("minute", 1)),
        // A 500 on a write comes, as often as not, after the write is stored, as from a gateway
        // that gave up waiting: the client cannot tell which.
        Some(Fault::ServerError) if method == Method::GET || !stored_anyway => Some(respond::server_error()),
        Some(Fault::Slow) => {
            let delay = lock(&state.faults).faults.slow_delay;
            tokio::time::sleep(delay).await;
            None
        }
        _ => None,
    };
    if let Some(response) = early {
        return with_limits(response, remaining);
    }
    state.count_call(format!("{method} {}", route.name()));
    super::admin::deliver_changes(&state, state.catch_up()).await;
    let content_type = if wants_pdf(&route, &headers) { respond::PDF } else { respond::JSON };
    let response = match answer(&state, tenant, &route, &method, &params, &headers, &body) {
        Ok(_) if stored_anyway => respond::server_error(),
        Ok(bytes) => respond::spoiled_as(bytes, fault, content_type),
        Err(response) => response,
    };
    drop(permit);
    with_limits(response, remaining)
}

/// A query parameter, whatever the case of its name (`IDs`, `ids`).
fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

fn paging(params: &Params) -> Paging {
    Paging {
        page: param(params, "page").and_then(|p| p.parse().ok()),
        page_size: param(params, "pageSize").and_then(|p| p.parse().ok()),
    }
}

fn list(params: &Params, name: &str) -> Option<Vec<String>> {
    param(params, name)
        .map(|value| value.split(',').map(|item| item.trim().to_string()).filter(|item| !item.is_empty()).collect())
}

fn uuids(params: &Params, name: &str) -> Option<HashSet<Uuid>> {
    list(params, name).map(|items| items.iter().filter_map(|item| Uuid::parse_str(item).ok()).collect())
}

fn modified_since(headers: &HeaderMap) -> Option<Timestamp> {
    headers.get("if-modified-since").and_then(|value| value.to_str().ok()).and_then(parse_http_date)
}

/// `where=Type=="ACCREC"`: the one `where` clause the sandbox understands.
/// The invoice type a `where` clause asks for, or the clause the sandbox does not understand.
fn invoice_kind(params: &Params) -> Result<Option<String>, UnknownClause> {
    let Some(clause) = param(params, "where") else {
        return Ok(None);
    };
    let compact: String = clause.chars().filter(|c| !c.is_whitespace()).collect();
    match compact.as_str() {
        "Type==\"ACCREC\"" => Ok(Some("ACCREC".to_string())),
        "Type==\"ACCPAY\"" => Ok(Some("ACCPAY".to_string())),
        _ => Err(UnknownClause(clause.to_owned())),
    }
}

/// A `where` clause beyond the sandbox's one.
struct UnknownClause(String);

impl std::fmt::Display for UnknownClause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "The sandbox understands only where=Type==\"ACCREC\" (or ACCPAY), not {}", self.0)
    }
}

/// The JSON body for a call, or the error answer.
fn answer(
    state: &State,
    tenant: Uuid,
    route: &Route,
    method: &Method,
    params: &Params,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<u8>, Response> {
    let mut world = lock(&state.world);
    let org = world.iter_mut().find(|org| org.tenant_id == tenant).ok_or_else(not_found)?;
    let since = modified_since(headers);
    let paging = paging(params);
    let bytes = match route {
        Route::Organisation => {
            json_bytes(&envelope(state, wire::Organisations { items: vec![render::organisation(org)] }, None))
        }
        Route::ContactGroups(None) => {
            let groups = (0..org.groups.len()).map(|g| render::group(org, g, false)).collect();
            json_bytes(&envelope(state, wire::ContactGroups { items: groups }, None))
        }
        Route::ContactGroups(Some(id)) => {
            let index =
                org.groups.iter().position(|g| g.id.to_string().eq_ignore_ascii_case(id)).ok_or_else(not_found)?;
            json_bytes(&envelope(state, wire::ContactGroups { items: vec![render::group(org, index, true)] }, None))
        }
        Route::Contacts(id) => {
            let ids = match id {
                Some(id) => Some(HashSet::from([Uuid::parse_str(id).map_err(|_| not_found())?])),
                None => uuids(params, "IDs"),
            };
            let (chosen, pagination) = query::contacts(org, ids.as_ref(), since, &paging);
            if id.is_some() && chosen.is_empty() {
                return Err(not_found());
            }
            let items = chosen.iter().map(|&c| render::contact(org, c)).collect();
            json_bytes(&envelope(state, wire::Contacts { items }, pagination))
        }
        Route::Invoices(Some(id)) if wants_pdf(route, headers) => {
            let index = find_invoice(org, id).ok_or_else(not_found)?;
            invoice_pdf::render(org, index).map_err(|error| respond::server_error_because(&error))?
        }
        Route::Invoices(Some(id)) => {
            let index = find_invoice(org, id).ok_or_else(not_found)?;
            json_bytes(&envelope(state, wire::Invoices { items: vec![render::invoice(org, index, false)] }, None))
        }
        Route::Invoices(None) => {
            let filter = InvoiceFilter {
                ids: uuids(params, "IDs"),
                numbers: list(params, "InvoiceNumbers").map(|n| n.into_iter().collect()),
                contact_ids: uuids(params, "ContactIDs"),
                statuses: list(params, "Statuses").map(|s| s.into_iter().map(|s| s.to_uppercase()).collect()),
                kind: invoice_kind(params).map_err(|why| validation(&format!("{why}"), Vec::new()))?,
                modified_since: since,
            };
            let summary_only = param(params, "summaryOnly").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let (chosen, pagination) = query::invoices(org, &filter, &paging);
            let items = chosen.iter().map(|&i| render::invoice(org, i, summary_only)).collect();
            json_bytes(&envelope(state, wire::Invoices { items }, pagination))
        }
        Route::OnlineInvoice(id) => {
            let index = find_invoice(org, id).ok_or_else(not_found)?;
            let url = format!("{}/online-invoice/{}", state.base_url, org.invoices[index as usize].id);
            json_bytes(&envelope(
                state,
                wire::OnlineInvoices { items: vec![wire::OnlineInvoice { online_invoice_url: Some(url) }] },
                None,
            ))
        }
        Route::History { of, id } if *method == Method::GET => {
            let (subject, created) = history_subject(org, *of, id).ok_or_else(not_found)?;
            json_bytes(&envelope(state, wire::HistoryRecords { items: render::history(org, subject, created) }, None))
        }
        Route::History { of, id } => {
            let (subject, _) = history_subject(org, *of, id).ok_or_else(not_found)?;
            let notes = add_notes(state, org, subject, body)?;
            json_bytes(&envelope(state, wire::HistoryRecords { items: notes }, None))
        }
        Route::Payments(Some(id)) => {
            let index = Uuid::parse_str(id)
                .ok()
                .and_then(|id| org.index.payment_by_id.get(&id).copied())
                .filter(|&p| org.payments[p as usize].visible);
            let index = index.ok_or_else(not_found)?;
            json_bytes(&envelope(state, wire::Payments { items: vec![render::payment(org, index)] }, None))
        }
        Route::Payments(None) => {
            let (chosen, pagination) = query::payments(org, since, &paging);
            let items = chosen.iter().map(|&p| render::payment(org, p)).collect();
            json_bytes(&envelope(state, wire::Payments { items }, pagination))
        }
        Route::Credits(kind, id) => credits(state, org, *kind, id.as_deref(), since, &paging)?,
        Route::RepeatingInvoices => {
            let items = (0..org.repeating.len()).map(|r| render::repeating(org, r)).collect();
            json_bytes(&envelope(state, wire::RepeatingInvoices { items }, None))
        }
        Route::InvoiceReminders => {
            let items = vec![wire::InvoiceReminder { enabled: Some(org.reminders_enabled) }];
            json_bytes(&envelope(state, wire::InvoiceReminders { items }, None))
        }
    };
    Ok(bytes)
}

/// Whether the call asks for one invoice as a PDF (`Accept: application/pdf`), as Xero serves it.
fn wants_pdf(route: &Route, headers: &HeaderMap) -> bool {
    let accepts = headers.get_all(axum::http::header::ACCEPT).iter().filter_map(|v| v.to_str().ok());
    let pdf = accepts.map(str::to_ascii_lowercase).any(|v| v.contains("application/pdf"));
    matches!(route, Route::Invoices(Some(_))) && pdf
}

/// An invoice by id or by number, if it exists yet.
fn find_invoice(org: &Org, id: &str) -> Option<u32> {
    let index = match Uuid::parse_str(id) {
        Ok(id) => org.index.invoice_by_id.get(&id).copied(),
        Err(_) => org.invoice_with_number(id),
    }?;
    org.invoices[index as usize].visible.then_some(index)
}

/// The id a history is kept under, and what the system recorded when it was created.
fn history_subject(org: &Org, of: Subject, id: &str) -> Option<(Uuid, Option<(Timestamp, String)>)> {
    match of {
        Subject::Invoice => {
            let index = find_invoice(org, id)?;
            let invoice = &org.invoices[index as usize];
            let contact = &org.contacts[invoice.contact as usize];
            let details = format!(
                "{} to {} for {}.",
                org.invoice_number(invoice),
                contact.name,
                crate::ledger::money::group_thousands(super::super::world::decimal(invoice.total))
            );
            Some((
                invoice.id,
                Some((invoice.updated.min(super::super::world::generate::at(invoice.issued, 20)), details)),
            ))
        }
        Subject::Contact => {
            let contact_id = Uuid::parse_str(id).ok()?;
            org.index.contact_by_id.contains_key(&contact_id).then_some((contact_id, None))
        }
    }
}

/// Stores the notes of a `PUT …/History` body and gives them back as stored.
fn add_notes(state: &State, org: &mut Org, subject: Uuid, body: &[u8]) -> Result<Vec<wire::HistoryRecord>, Response> {
    let request: wire::Envelope<wire::HistoryRecords> = serde_json::from_slice(body)
        .map_err(|error| validation(&format!("The body is not a history request: {error}"), Vec::new()))?;
    if request.items.items.is_empty() {
        return Err(validation("A history request needs at least one HistoryRecord", Vec::new()));
    }
    let bad: Vec<serde_json::Value> = request
        .items
        .items
        .iter()
        .filter(|record| record.details.as_deref().is_none_or(|d| d.trim().is_empty() || d.chars().count() > LONGEST_NOTE))
        .map(|record| serde_json::json!({ "Details": record.details, "ValidationErrors": [{ "Message": "Details must hold between 1 and 2500 characters" }] }))
        .collect();
    if !bad.is_empty() {
        return Err(validation("A validation exception occurred", bad));
    }
    let now = state.clock.now();
    let stored: Vec<NoteRec> = request
        .items
        .items
        .iter()
        .map(|record| NoteRec {
            at: now,
            details: record.details.clone().unwrap_or_default(),
            user: "CollectIQ".to_string(),
        })
        .collect();
    lock(&state.stats).notes_written += stored.len() as u64;
    org.notes.entry(subject).or_default().extend(stored.iter().cloned());
    Ok(stored
        .into_iter()
        .map(|note| wire::HistoryRecord {
            details: Some(note.details),
            changes: Some("Note".to_string()),
            user: Some(note.user),
            date_utc: Some(wire::XeroDateTime(note.at)),
        })
        .collect())
}

fn credits(
    state: &State,
    org: &mut Org,
    kind: CreditKind,
    id: Option<&str>,
    since: Option<Timestamp>,
    paging: &Paging,
) -> Result<Vec<u8>, Response> {
    let chosen: (Vec<u32>, _) = match id {
        Some(id) => {
            let id = Uuid::parse_str(id).map_err(|_| not_found())?;
            let index = org
                .index
                .credit_by_id
                .get(&id)
                .copied()
                .filter(|&c| org.credits[c as usize].visible && org.credits[c as usize].kind == kind);
            (vec![index.ok_or_else(not_found)?], None)
        }
        None => query::credits(org, kind, since, paging),
    };
    let (items, pagination) = chosen;
    Ok(match kind {
        CreditKind::CreditNote => json_bytes(&envelope(
            state,
            wire::CreditNotes { items: items.iter().map(|&c| render::credit(org, c)).collect() },
            pagination,
        )),
        CreditKind::Overpayment => json_bytes(&envelope(
            state,
            wire::Overpayments { items: items.iter().map(|&c| render::overpayment(org, c)).collect() },
            pagination,
        )),
        CreditKind::Prepayment => json_bytes(&envelope(
            state,
            wire::Prepayments { items: items.iter().map(|&c| render::prepayment(org, c)).collect() },
            pagination,
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_read_as_xero_names_them() {
        assert_eq!(parse_route("Invoices"), Some(Route::Invoices(None)));
        assert_eq!(parse_route("invoices/abc"), Some(Route::Invoices(Some("abc".into()))));
        assert_eq!(
            parse_route("Invoices/abc/History"),
            Some(Route::History { of: Subject::Invoice, id: "abc".into() })
        );
        assert_eq!(parse_route("InvoiceReminders/Settings"), Some(Route::InvoiceReminders));
        assert_eq!(parse_route("Invoices/abc/Attachments"), None);
        assert_eq!(parse_route("BankTransactions"), None);
    }

    #[test]
    fn a_full_scope_covers_its_read_scope() {
        assert!(has_scope("offline_access accounting.invoices", "accounting.invoices.read"));
        assert!(has_scope("accounting.invoices.read", "accounting.invoices.read"));
        assert!(!has_scope("accounting.invoices.read", "accounting.invoices"));
        assert!(!has_scope("accounting.contacts.read", "accounting.invoices.read"));
    }
}
