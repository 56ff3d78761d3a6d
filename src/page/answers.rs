//! A customer's answer from their page, read from the form and checked: the invoices must be
//! their own open ones (whatever ids a form is made to carry), a promise's day within
//! `[page] max_promise_days`, a dispute's reason given and at most 2,000 characters, a payment's
//! day not in the future and its amount a positive sum of money. What the customer wrote goes
//! into tasks and notes as one plain line, shortened.

use std::collections::HashMap;

use jiff::ToSpan;
use jiff::civil::Date;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::view::{money, words};
use crate::inbox::message::one_line;
use crate::runtime::outbox_rows::note_reference;
use crate::store::inbox::NewInboundTask;
use crate::store::page_actions::{Answer, NewPageAction, Remittance};
use crate::store::records::Account;

/// The three things a customer can say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Promise,
    Dispute,
    PaidClaim,
}

/// The longest reason for a dispute.
pub const LONGEST_REASON: usize = 2000;
/// The longest payment reference.
pub const LONGEST_REFERENCE: usize = 200;

/// What is wrong with a form, in words for the customer (nothing here reveals whether an id
/// that is not theirs belongs to anyone).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Choose at least one invoice.")]
    NoInvoice,
    #[error("One of the invoices chosen is not an open invoice on this account. Reload the page and try again.")]
    NotYours,
    #[error("Give the day as a date, such as {example}.")]
    NoDate { example: String },
    #[error("Choose a day from today to {latest}.")]
    PromiseOutOfRange { latest: String },
    #[error("Choose the day you paid: today or earlier, within the last year.")]
    PaidOutOfRange,
    #[error("Say why you dispute the invoice.")]
    NoReason,
    #[error("Keep the reason to 2,000 characters (it has {count}).")]
    ReasonTooLong { count: usize },
    #[error("Give the amount paid as a number, such as 1250.00.")]
    BadAmount,
    #[error("Keep the payment reference to 200 characters.")]
    ReferenceTooLong,
}

/// An answer read from a form, before anything is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub invoices: Vec<Uuid>,
    pub answer: Answer,
}

fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.trim())
}

fn day(fields: &[(String, String)], name: &str, today: Date) -> Result<Date, Refusal> {
    field(fields, name)
        .and_then(|text| text.parse::<Date>().ok())
        .ok_or_else(|| Refusal::NoDate { example: today.to_string() })
}

/// Reads an answer of `kind` from a form's fields (the remittance, a file, is checked apart).
pub fn read(
    kind: Kind,
    fields: &[(String, String)],
    account: &Account,
    today: Date,
    max_promise_days: u32,
) -> Result<Draft, Refusal> {
    let mut invoices: Vec<Uuid> = Vec::new();
    for (_, value) in fields.iter().filter(|(key, _)| key == "invoice") {
        let id = value.trim().parse::<Uuid>().map_err(|_| Refusal::NotYours)?;
        if !account.open.iter().any(|invoice| invoice.invoice_id == id) {
            return Err(Refusal::NotYours);
        }
        if !invoices.contains(&id) {
            invoices.push(id);
        }
    }
    if invoices.is_empty() {
        return Err(Refusal::NoInvoice);
    }
    let answer = match kind {
        Kind::Promise => {
            let on = day(fields, "on", today)?;
            let latest = today.checked_add(i64::from(max_promise_days).days()).unwrap_or(today);
            if on < today || on > latest {
                return Err(Refusal::PromiseOutOfRange { latest: words(latest) });
            }
            Answer::Promise { on }
        }
        Kind::Dispute => {
            let reason = field(fields, "reason").unwrap_or_default();
            let count = reason.chars().count();
            if count == 0 {
                return Err(Refusal::NoReason);
            }
            if count > LONGEST_REASON {
                return Err(Refusal::ReasonTooLong { count });
            }
            Answer::Dispute { reason: reason.to_string() }
        }
        Kind::PaidClaim => {
            let paid_on = day(fields, "paid_on", today)?;
            let earliest = today.checked_sub(1.year()).unwrap_or(today);
            if paid_on > today || paid_on < earliest {
                return Err(Refusal::PaidOutOfRange);
            }
            let amount = field(fields, "amount")
                .map(|text| text.replace([',', ' '], ""))
                .and_then(|text| text.parse::<Decimal>().ok())
                .filter(|amount| {
                    *amount > Decimal::ZERO && amount.scale() <= 2 && *amount < Decimal::from(1_000_000_000_000i64)
                })
                .ok_or(Refusal::BadAmount)?;
            let reference = one_line(field(fields, "reference").unwrap_or_default());
            if reference.chars().count() > LONGEST_REFERENCE {
                return Err(Refusal::ReferenceTooLong);
            }
            Answer::PaidClaim { paid_on, amount, reference, remittance: None }
        }
    };
    Ok(Draft { invoices, answer })
}

/// Where an answer came from and who it is about, for [`to_store`].
pub struct About<'a> {
    pub digest: String,
    pub link_id: Option<String>,
    pub account: &'a Account,
    pub base_currency: &'a str,
    /// Whether the strategy writes history notes to Xero.
    pub notes: bool,
    pub source: &'a str,
    pub at: jiff::Timestamp,
}

/// A line of what a customer wrote, for a task or a note: one line, at most `most` characters.
fn quoted(text: &str, most: usize) -> String {
    let line = one_line(text);
    if line.chars().count() <= most {
        return line;
    }
    let cut: String = line.chars().take(most.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// The answer as stored: its inbox line, its task and its history notes.
pub fn to_store(draft: Draft, remittance: Option<Remittance>, about: About<'_>) -> NewPageAction {
    let account = about.account;
    let customer = account.contact.name.clone();
    let numbers: HashMap<Uuid, &str> =
        account.open.iter().map(|invoice| (invoice.invoice_id, invoice.number.as_str())).collect();
    let named = draft.invoices.iter().filter_map(|id| numbers.get(id).copied()).collect::<Vec<_>>().join(", ");
    let currency = account
        .open
        .iter()
        .find(|invoice| draft.invoices.contains(&invoice.invoice_id))
        .map_or(about.base_currency.to_string(), |invoice| invoice.currency.to_string());
    let mut answer = draft.answer;
    let (summary, task, note) = match &mut answer {
        Answer::Promise { on } => (
            format!("{customer} promised on their page to pay {named} on {}", words(*on)),
            None,
            format!("Customer promised on their page to pay on {}", words(*on)),
        ),
        Answer::Dispute { reason } => (
            format!("{customer} disputes {named}: {}", quoted(reason, 200)),
            Some(NewInboundTask {
                kind: "dispute".into(),
                assignee: String::new(),
                summary: format!("Look into {customer}'s dispute of {named}: {}", quoted(reason, 300)),
            }),
            format!("Customer disputed this on their page: {}", quoted(reason, 150)),
        ),
        Answer::PaidClaim { paid_on, amount, reference, remittance: kept } => {
            *kept = remittance;
            let reference_text =
                if reference.is_empty() { String::new() } else { format!(", reference {}", quoted(reference, 60)) };
            let paid = format!("{currency} {}{reference_text}", money(*amount));
            (
                format!("{customer} says {named} was paid on {} ({paid})", words(*paid_on)),
                Some(NewInboundTask {
                    kind: "paid_claim".into(),
                    assignee: String::new(),
                    summary: format!(
                        "Check the bank: {customer} says {named} was paid on {} ({paid}){}",
                        words(*paid_on),
                        if kept.is_some() { "; remittance advice attached" } else { "" }
                    ),
                }),
                format!("Customer says on their page this was paid on {} ({paid})", words(*paid_on)),
            )
        }
    };
    let notes = if about.notes {
        draft
            .invoices
            .iter()
            .map(|invoice| {
                let reference = note_reference(&format!("{}/{invoice}", about.digest));
                (*invoice, format!("{note} ref {reference}"))
            })
            .collect()
    } else {
        Vec::new()
    };
    NewPageAction {
        digest: about.digest,
        link_id: about.link_id,
        tenant_id: account.contact.tenant_id,
        contact_id: account.contact.contact_id,
        customer_name: customer,
        invoices: draft.invoices,
        answer,
        summary,
        task,
        notes,
        source: about.source.to_string(),
        at: about.at,
    }
}
