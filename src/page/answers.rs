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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::records::{Contact, Invoice};
    use proptest::prelude::*;

    fn account() -> Account {
        let tenant = Uuid::from_u128(1);
        let contact = Contact {
            tenant_id: tenant,
            contact_id: Uuid::from_u128(2),
            name: "Ridgeway Ltd".into(),
            first_name: None,
            last_name: None,
            email: Some("ap@ridgeway.example".into()),
            status: "ACTIVE".into(),
            currency: None,
            persons: Vec::new(),
            updated: jiff::Timestamp::UNIX_EPOCH,
        };
        let invoice = |n: u128, number: &str| Invoice {
            tenant_id: tenant,
            invoice_id: Uuid::from_u128(n),
            number: number.into(),
            reference: None,
            contact_id: contact.contact_id,
            status: "AUTHORISED".into(),
            date: jiff::civil::date(2026, 10, 1),
            due_date: jiff::civil::date(2026, 10, 31),
            currency: "NZD".into(),
            currency_rate: Decimal::ONE,
            total: Decimal::new(10_000, 2),
            amount_due: Decimal::new(10_000, 2),
            amount_paid: Decimal::ZERO,
            amount_credited: Decimal::ZERO,
            expected_payment_date: None,
            fully_paid_on: None,
            repeating_invoice_id: None,
            updated: jiff::Timestamp::UNIX_EPOCH,
        };
        Account { open: vec![invoice(10, "INV-0010"), invoice(11, "INV-0011")], credits: Vec::new(), contact }
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const TODAY: Date = jiff::civil::date(2026, 12, 6);

    #[test]
    fn each_answer_is_checked_as_the_page_says() {
        let account = account();
        let mine = Uuid::from_u128(10).to_string();
        let read = |kind, pairs: &[(&str, &str)]| read(kind, &fields(pairs), &account, TODAY, 30);
        assert_eq!(read(Kind::Promise, &[("on", "2026-12-10")]), Err(Refusal::NoInvoice));
        assert_eq!(
            read(Kind::Promise, &[("invoice", &Uuid::from_u128(99).to_string()), ("on", "2026-12-10")]),
            Err(Refusal::NotYours)
        );
        assert_eq!(read(Kind::Promise, &[("invoice", "INV-0010"), ("on", "2026-12-10")]), Err(Refusal::NotYours));
        assert!(matches!(
            read(Kind::Promise, &[("invoice", &mine), ("on", "2027-01-06")]),
            Err(Refusal::PromiseOutOfRange { .. })
        ));
        assert!(matches!(
            read(Kind::Promise, &[("invoice", &mine), ("on", "2026-12-05")]),
            Err(Refusal::PromiseOutOfRange { .. })
        ));
        assert!(read(Kind::Promise, &[("invoice", &mine), ("on", "2027-01-05")]).is_ok(), "30 days ahead");
        assert!(matches!(read(Kind::Promise, &[("invoice", &mine), ("on", "soon")]), Err(Refusal::NoDate { .. })));
        assert_eq!(read(Kind::Dispute, &[("invoice", &mine), ("reason", "   ")]), Err(Refusal::NoReason));
        let long = "x".repeat(2001);
        assert_eq!(
            read(Kind::Dispute, &[("invoice", &mine), ("reason", &long)]),
            Err(Refusal::ReasonTooLong { count: 2001 })
        );
        assert!(
            read(Kind::Dispute, &[("invoice", &mine), ("reason", &"é".repeat(2000))]).is_ok(),
            "characters, not bytes"
        );
        let paid = |on: &str, amount: &str| {
            read(Kind::PaidClaim, &[("invoice", &mine), ("paid_on", on), ("amount", amount), ("reference", "R")])
        };
        assert_eq!(paid("2026-12-07", "10"), Err(Refusal::PaidOutOfRange));
        assert_eq!(paid("2026-12-06", "-5"), Err(Refusal::BadAmount));
        assert_eq!(paid("2026-12-06", "1.005"), Err(Refusal::BadAmount));
        assert_eq!(paid("2026-12-06", "lots"), Err(Refusal::BadAmount));
        let ok = paid("2026-12-01", "1,250.50").unwrap();
        assert!(matches!(ok.answer, Answer::PaidClaim { amount, .. } if amount == Decimal::new(125_050, 2)));
    }

    #[test]
    fn what_the_customer_typed_is_one_line_in_tasks_and_notes() {
        let account = account();
        let draft = Draft {
            invoices: vec![Uuid::from_u128(10)],
            answer: Answer::Dispute { reason: "Wrong\r\nBcc: someone@example.com\u{0}".into() },
        };
        let about = About {
            digest: "page:x".into(),
            link_id: None,
            account: &account,
            base_currency: "NZD",
            notes: true,
            source: "page",
            at: jiff::Timestamp::UNIX_EPOCH,
        };
        let stored = to_store(draft, None, about);
        let task = stored.task.unwrap();
        assert_eq!(task.kind, "dispute");
        assert!(!task.summary.contains(['\r', '\n', '\0']), "{}", task.summary);
        let (_, note) = &stored.notes[0];
        assert!(!note.contains(['\r', '\n', '\0']) && note.contains(" ref "), "{note}");
    }

    proptest! {
        #[test]
        fn no_form_makes_it_panic(pairs in proptest::collection::vec(("[a-z_]{1,8}", ".{0,40}"), 0..8), kind in 0..3u8) {
            let account = account();
            let kind = [Kind::Promise, Kind::Dispute, Kind::PaidClaim][kind as usize];
            let mut fields: Vec<(String, String)> = pairs;
            fields.push(("invoice".into(), Uuid::from_u128(10).to_string()));
            let _ = read(kind, &fields, &account, TODAY, 30);
        }
    }
}
