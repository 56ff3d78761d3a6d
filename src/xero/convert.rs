//! Xero's records as CollectIQ keeps them. A record missing what CollectIQ cannot do without (its
//! id, its contact, its dates) is reported, by id where it has one, and skipped; unknown
//! statuses are kept as Xero wrote them.

use std::fmt;

use jiff::Timestamp;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::wire;
use crate::ledger::records::{
    Allocation, Contact, ContactGroup, Credit, CreditKind, Invoice, Organisation, Payment, Person,
};

/// A record that could not be kept, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub kind: &'static str,
    pub id: Option<String>,
    pub why: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{} {id} was skipped: {}", self.kind, self.why),
            None => write!(f, "a {} without an id was skipped: {}", self.kind, self.why),
        }
    }
}

struct Reader<'a> {
    kind: &'static str,
    id: Option<&'a str>,
}

impl Reader<'_> {
    fn skip(&self, why: impl Into<String>) -> Skipped {
        Skipped { kind: self.kind, id: self.id.map(str::to_string), why: why.into() }
    }

    fn uuid(&self, value: Option<&str>, field: &str) -> Result<Uuid, Skipped> {
        let text = value.ok_or_else(|| self.skip(format!("it has no {field}")))?;
        Uuid::parse_str(text).map_err(|_| self.skip(format!("its {field} \"{text}\" is not an id")))
    }

    fn required<T: Clone>(&self, value: &Option<T>, field: &str) -> Result<T, Skipped> {
        value.clone().ok_or_else(|| self.skip(format!("it has no {field}")))
    }
}

fn updated(value: Option<wire::XeroDateTime>) -> Timestamp {
    value.map(|d| d.0).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn amount(value: Option<Decimal>) -> Decimal {
    value.unwrap_or(Decimal::ZERO)
}

pub fn organisation(tenant: Uuid, org: &wire::Organisation) -> Organisation {
    let timezone = org.timezone.clone();
    Organisation {
        tenant_id: tenant,
        name: org.name.clone().unwrap_or_else(|| "(unnamed organisation)".into()),
        base_currency: org.base_currency.clone().unwrap_or_default(),
        zone: timezone.as_deref().and_then(super::timezones::iana_zone).map(str::to_string),
        timezone,
        short_code: org.short_code.clone(),
        reminders_enabled: None,
        country_code: org.country_code.clone(),
    }
}

pub fn contact_group(tenant: Uuid, group: &wire::ContactGroup) -> Result<ContactGroup, Skipped> {
    let reader = Reader { kind: "contact group", id: group.contact_group_id.as_deref() };
    Ok(ContactGroup {
        tenant_id: tenant,
        group_id: reader.uuid(group.contact_group_id.as_deref(), "ContactGroupID")?,
        name: group.name.clone().unwrap_or_default(),
        status: group.status.clone().unwrap_or_else(|| "ACTIVE".into()),
    })
}

pub fn contact(tenant: Uuid, contact: &wire::Contact) -> Result<Contact, Skipped> {
    let reader = Reader { kind: "contact", id: contact.contact_id.as_deref() };
    let persons = contact
        .contact_persons
        .iter()
        .flatten()
        .map(|p| Person {
            first_name: p.first_name.clone(),
            last_name: p.last_name.clone(),
            email: p.email_address.clone().filter(|e| !e.trim().is_empty()),
            include_in_emails: p.include_in_emails.unwrap_or(false),
        })
        .collect();
    Ok(Contact {
        tenant_id: tenant,
        contact_id: reader.uuid(contact.contact_id.as_deref(), "ContactID")?,
        name: contact.name.clone().unwrap_or_default(),
        first_name: contact.first_name.clone().filter(|n| !n.is_empty()),
        last_name: contact.last_name.clone().filter(|n| !n.is_empty()),
        email: contact.email_address.clone().filter(|e| !e.trim().is_empty()),
        status: contact.status.clone().unwrap_or_else(|| "ACTIVE".into()),
        currency: contact.default_currency.clone(),
        persons,
        updated: updated(contact.updated_date_utc),
    })
}

pub fn invoice(tenant: Uuid, invoice: &wire::Invoice) -> Result<Invoice, Skipped> {
    let reader = Reader { kind: "invoice", id: invoice.invoice_id.as_deref() };
    let contact = reader.required(&invoice.contact, "Contact")?;
    Ok(Invoice {
        tenant_id: tenant,
        invoice_id: reader.uuid(invoice.invoice_id.as_deref(), "InvoiceID")?,
        number: invoice.invoice_number.as_deref().unwrap_or_default().into(),
        reference: invoice.reference.as_deref().filter(|r| !r.is_empty()).map(Into::into),
        contact_id: reader.uuid(contact.contact_id.as_deref(), "Contact.ContactID")?,
        status: reader.required(&invoice.status, "Status")?.into(),
        date: reader.required(&invoice.date, "Date")?.date(),
        due_date: reader.required(&invoice.due_date, "DueDate")?.date(),
        currency: invoice.currency_code.as_deref().unwrap_or_default().into(),
        currency_rate: invoice.currency_rate.unwrap_or(Decimal::ONE),
        total: amount(invoice.total),
        amount_due: amount(invoice.amount_due),
        amount_paid: amount(invoice.amount_paid),
        amount_credited: amount(invoice.amount_credited),
        expected_payment_date: invoice.expected_payment_date.map(|d| d.date()),
        fully_paid_on: invoice.fully_paid_on_date.map(|d| d.date()),
        repeating_invoice_id: invoice.repeating_invoice_id.as_deref().and_then(|r| Uuid::parse_str(r).ok()),
        updated: updated(invoice.updated_date_utc),
    })
}

pub fn payment(tenant: Uuid, payment: &wire::Payment) -> Result<Payment, Skipped> {
    let reader = Reader { kind: "payment", id: payment.payment_id.as_deref() };
    Ok(Payment {
        tenant_id: tenant,
        payment_id: reader.uuid(payment.payment_id.as_deref(), "PaymentID")?,
        invoice_id: payment
            .invoice
            .as_ref()
            .and_then(|i| i.invoice_id.as_deref())
            .and_then(|i| Uuid::parse_str(i).ok()),
        date: reader.required(&payment.date, "Date")?.date(),
        amount: amount(payment.amount),
        status: payment.status.clone().unwrap_or_else(|| "AUTHORISED".into()),
        updated: updated(payment.updated_date_utc),
    })
}

/// The fields credit notes, overpayments and prepayments share.
pub struct CreditFields<'a> {
    pub id: Option<&'a str>,
    /// Xero's `Type`: a customer's (`ACCRECCREDIT`, `RECEIVE-…`) or a supplier's.
    pub kind: Option<&'a String>,
    pub number: Option<&'a String>,
    pub contact: Option<&'a wire::Contact>,
    pub date: Option<wire::XeroDateTime>,
    pub status: Option<&'a String>,
    pub currency: Option<&'a String>,
    pub total: Option<Decimal>,
    pub remaining: Option<Decimal>,
    pub allocations: Option<&'a Vec<wire::Allocation>>,
    pub updated: Option<wire::XeroDateTime>,
}

/// A credit note, an overpayment or a prepayment as Xero sends it: the three differ only in the
/// name of their id.
pub trait CreditRecord {
    fn fields(&self) -> CreditFields<'_>;
}

macro_rules! credit_record {
    ($wire:ty, $id:ident) => {
        impl CreditRecord for $wire {
            fn fields(&self) -> CreditFields<'_> {
                CreditFields {
                    id: self.$id.as_deref(),
                    kind: self.kind.as_ref(),
                    number: self.number.as_ref(),
                    contact: self.contact.as_ref(),
                    date: self.date,
                    status: self.status.as_ref(),
                    currency: self.currency_code.as_ref(),
                    total: self.total,
                    remaining: self.remaining_credit,
                    allocations: self.allocations.as_ref(),
                    updated: self.updated_date_utc,
                }
            }
        }
    };
}

credit_record!(wire::CreditNote, credit_note_id);
credit_record!(wire::Overpayment, overpayment_id);
credit_record!(wire::Prepayment, prepayment_id);

pub fn credit(tenant: Uuid, kind: CreditKind, fields: CreditFields<'_>) -> Result<Credit, Skipped> {
    let reader = Reader {
        kind: match kind {
            CreditKind::CreditNote => "credit note",
            CreditKind::Overpayment => "overpayment",
            CreditKind::Prepayment => "prepayment",
        },
        id: fields.id,
    };
    let allocations = fields
        .allocations
        .into_iter()
        .flatten()
        .filter(|a| !a.is_deleted.unwrap_or(false))
        .filter_map(|a| {
            Some(Allocation {
                invoice_id: Uuid::parse_str(a.invoice.as_ref()?.invoice_id.as_deref()?).ok()?,
                amount: amount(a.amount),
                date: a.date.map(|d| d.date()),
            })
        })
        .collect();
    Ok(Credit {
        tenant_id: tenant,
        credit_id: reader.uuid(fields.id, "id")?,
        kind,
        number: fields.number.cloned(),
        contact_id: fields.contact.and_then(|c| c.contact_id.as_deref()).and_then(|c| Uuid::parse_str(c).ok()),
        date: fields.date.map(|d| d.date()),
        status: fields.status.cloned().unwrap_or_else(|| "AUTHORISED".into()),
        currency: fields.currency.cloned(),
        total: amount(fields.total),
        remaining: amount(fields.remaining),
        allocations,
        updated: updated(fields.updated),
    })
}

/// Converts a list, keeping what can be kept and saying what could not.
pub fn all<W, R>(items: &[W], convert: impl Fn(&W) -> Result<R, Skipped>) -> (Vec<R>, Vec<Skipped>) {
    let mut kept = Vec::with_capacity(items.len());
    let mut skipped = Vec::new();
    for item in items {
        match convert(item) {
            Ok(record) => kept.push(record),
            Err(why) => skipped.push(why),
        }
    }
    (kept, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_missing_what_matters_are_skipped_by_id() {
        let tenant = Uuid::nil();
        let json = r#"{"InvoiceID":"0b0d3ab0-0000-4000-8000-000000000001","Status":"AUTHORISED","Date":"/Date(1764028800000+0000)/"}"#;
        let wire: wire::Invoice = serde_json::from_str(json).unwrap();
        let skipped = invoice(tenant, &wire).unwrap_err();
        assert_eq!(skipped.to_string(), "invoice 0b0d3ab0-0000-4000-8000-000000000001 was skipped: it has no Contact");
        let odd = r#"{"InvoiceID":"x","Contact":{"ContactID":"0b0d3ab0-0000-4000-8000-000000000002"},"Status":"WEIRD","Date":"/Date(0)/","DueDate":"/Date(0)/"}"#;
        let skipped = invoice(tenant, &serde_json::from_str(odd).unwrap()).unwrap_err();
        assert!(skipped.why.contains("\"x\" is not an id"), "{skipped}");
    }

    #[test]
    fn unknown_statuses_are_kept() {
        let json = r#"{"InvoiceID":"0b0d3ab0-0000-4000-8000-000000000001","Contact":{"ContactID":"0b0d3ab0-0000-4000-8000-000000000002"},"Status":"SOMETHING_NEW","Date":"/Date(1764028800000+0000)/","DueDate":"\/Date(1766620800000+0000)\/","AmountDue":12.5,"CurrencyRate":"1.5"}"#;
        let kept = invoice(Uuid::nil(), &serde_json::from_str(json).unwrap()).unwrap();
        assert_eq!(kept.status, "SOMETHING_NEW");
        assert_eq!(kept.due_date.to_string(), "2025-12-25");
        assert_eq!(kept.amount_due.to_string(), "12.5");
        assert_eq!(kept.currency_rate.to_string(), "1.5");
    }
}
