//! Records as Xero writes them: the wire types, with Xero's statuses, dates and decimals.

use jiff::Timestamp;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;
use crate::xero::wire::{self, XeroDateTime};

fn date(date: jiff::civil::Date) -> XeroDateTime {
    XeroDateTime::from_date(date)
}

fn instant(at: Timestamp) -> XeroDateTime {
    XeroDateTime(at)
}

pub fn invoice_status(invoice: &InvoiceRec) -> &'static str {
    invoice.state.as_xero()
}

pub fn invoice_kind(invoice: &InvoiceRec) -> &'static str {
    match invoice.kind {
        InvoiceKind::Receivable => "ACCREC",
        InvoiceKind::Payable => "ACCPAY",
    }
}

/// A contact as nested in an invoice or payment: its id and name.
fn contact_ref(contact: &ContactRec) -> wire::Contact {
    wire::Contact {
        contact_id: Some(contact.id.to_string()),
        name: Some(contact.name.clone()),
        ..wire::Contact::default()
    }
}

fn invoice_ref(org: &Org, index: u32) -> wire::Invoice {
    let invoice = &org.invoices[index as usize];
    wire::Invoice {
        invoice_id: Some(invoice.id.to_string()),
        invoice_number: Some(org.invoice_number(invoice)),
        ..wire::Invoice::default()
    }
}

pub fn invoice(org: &Org, index: u32, summary_only: bool) -> wire::Invoice {
    let invoice = &org.invoices[index as usize];
    let contact = &org.contacts[invoice.contact as usize];
    let credits_of = |kind: CreditKind| {
        invoice
            .allocations
            .iter()
            .map(|&a| &org.allocations[a as usize])
            .filter(|a| a.applied && org.credits[a.credit as usize].kind == kind)
            .map(|a| credit_summary(org, a))
            .collect::<Vec<_>>()
    };
    wire::Invoice {
        kind: Some(invoice_kind(invoice).to_string()),
        invoice_id: Some(invoice.id.to_string()),
        invoice_number: Some(org.invoice_number(invoice)),
        reference: Some(invoice.reference.clone()),
        contact: Some(contact_ref(contact)),
        date: Some(date(invoice.issued)),
        due_date: Some(date(invoice.due)),
        status: Some(invoice_status(invoice).to_string()),
        line_amount_types: Some("Exclusive".to_string()),
        line_items: (!summary_only).then(|| vec![line_item(invoice)]),
        sub_total: Some(decimal(invoice.subtotal)),
        total_tax: Some(decimal(invoice.tax)),
        total: Some(decimal(invoice.total)),
        amount_due: Some(decimal(due_for_display(invoice))),
        amount_paid: Some(decimal(invoice.paid)),
        amount_credited: Some(decimal(invoice.credited)),
        currency_code: Some(invoice.currency.to_string()),
        currency_rate: Some(invoice.rate),
        updated_date_utc: Some(instant(invoice.updated)),
        fully_paid_on_date: invoice.fully_paid_on.map(date),
        expected_payment_date: invoice.expected_payment.map(date),
        planned_payment_date: None,
        repeating_invoice_id: invoice.repeating.map(|r| org.repeating[r as usize].id.to_string()),
        sent_to_contact: Some(!matches!(invoice.state, InvoiceState::Draft | InvoiceState::Submitted)),
        has_attachments: Some(false),
        payments: Some(invoice.payments.iter().map(|&p| payment_summary(org, p)).collect()),
        credit_notes: Some(credits_of(CreditKind::CreditNote)),
        overpayments: Some(overpayments(credits_of(CreditKind::Overpayment))),
        prepayments: Some(prepayments(credits_of(CreditKind::Prepayment))),
    }
}

/// Voided, deleted and draft invoices owe nothing, as Xero reports them.
fn due_for_display(invoice: &InvoiceRec) -> Cents {
    match invoice.state {
        InvoiceState::Voided | InvoiceState::Deleted => 0,
        _ => invoice.due_amount(),
    }
}

/// The one line every sandbox invoice has (its JSON and its PDF say the same).
pub fn line_description(invoice: &InvoiceRec) -> &'static str {
    if invoice.repeating.is_some() { "Monthly service" } else { "Goods and services" }
}

fn line_item(invoice: &InvoiceRec) -> wire::LineItem {
    wire::LineItem {
        line_item_id: Some(Uuid::from_u128(invoice.id.as_u128() ^ 0x5EED).to_string()),
        description: Some(line_description(invoice).to_string()),
        quantity: Some(Decimal::new(10_000, 4)),
        unit_amount: Some(decimal(invoice.subtotal)),
        account_code: Some("200".to_string()),
        tax_type: Some(if invoice.tax == 0 { "NONE" } else { "OUTPUT2" }.to_string()),
        tax_amount: Some(decimal(invoice.tax)),
        line_amount: Some(decimal(invoice.subtotal)),
    }
}

fn payment_summary(org: &Org, index: u32) -> wire::Payment {
    let payment = &org.payments[index as usize];
    let invoice = &org.invoices[payment.invoice as usize];
    wire::Payment {
        payment_id: Some(payment.id.to_string()),
        date: Some(date(jiff::tz::TimeZone::UTC.to_datetime(payment.at).date())),
        amount: Some(decimal(payment.amount)),
        currency_rate: Some(invoice.rate),
        has_account: Some(false),
        has_validation_errors: Some(false),
        ..wire::Payment::default()
    }
}

pub fn payment(org: &Org, index: u32) -> wire::Payment {
    let record = &org.payments[index as usize];
    let invoice = &org.invoices[record.invoice as usize];
    let mut nested = invoice_ref(org, record.invoice);
    nested.contact = Some(contact_ref(&org.contacts[invoice.contact as usize]));
    nested.kind = Some(invoice_kind(invoice).to_string());
    nested.currency_code = Some(invoice.currency.to_string());
    wire::Payment {
        invoice: Some(Box::new(nested)),
        reference: Some(String::new()),
        status: Some("AUTHORISED".to_string()),
        payment_type: Some(
            if invoice.kind == InvoiceKind::Receivable { "ACCRECPAYMENT" } else { "ACCPAYPAYMENT" }.to_string(),
        ),
        updated_date_utc: Some(instant(record.at)),
        ..payment_summary(org, index)
    }
}

/// A credit as nested in the invoice it pays: its id, number and the amount applied there.
fn credit_summary(org: &Org, allocation: &AllocationRec) -> wire::CreditNote {
    let credit = &org.credits[allocation.credit as usize];
    wire::CreditNote {
        credit_note_id: Some(credit.id.to_string()),
        number: Some(credit_number(credit)),
        date: Some(date(credit.date)),
        total: Some(decimal(credit.total)),
        applied_amount: Some(decimal(allocation.amount)),
        ..wire::CreditNote::default()
    }
}

fn overpayments(credits: Vec<wire::CreditNote>) -> Vec<wire::Overpayment> {
    credits
        .into_iter()
        .map(|c| wire::Overpayment {
            overpayment_id: c.credit_note_id,
            date: c.date,
            total: c.total,
            applied_amount: c.applied_amount,
            ..Default::default()
        })
        .collect()
}

fn prepayments(credits: Vec<wire::CreditNote>) -> Vec<wire::Prepayment> {
    credits
        .into_iter()
        .map(|c| wire::Prepayment {
            prepayment_id: c.credit_note_id,
            date: c.date,
            total: c.total,
            applied_amount: c.applied_amount,
            ..Default::default()
        })
        .collect()
}

fn credit_number(credit: &CreditRec) -> String {
    let prefix = match credit.kind {
        CreditKind::CreditNote => "CN",
        CreditKind::Overpayment => "OP",
        CreditKind::Prepayment => "PP",
    };
    format!("{prefix}-{:05}", credit.number)
}

/// The parts a credit note, overpayment and prepayment share, as the credit-note shape.
pub fn credit(org: &Org, index: u32) -> wire::CreditNote {
    let credit = &org.credits[index as usize];
    let remaining = credit.remaining(org);
    let kind = match credit.kind {
        CreditKind::CreditNote => "ACCRECCREDIT",
        CreditKind::Overpayment => "RECEIVE-OVERPAYMENT",
        CreditKind::Prepayment => "RECEIVE-PREPAYMENT",
    };
    let allocations = credit
        .allocations
        .iter()
        .map(|&a| &org.allocations[a as usize])
        .filter(|a| a.applied)
        .map(|a| wire::Allocation {
            allocation_id: Some(a.id.to_string()),
            invoice: Some(Box::new(invoice_ref(org, a.invoice))),
            amount: Some(decimal(a.amount)),
            date: Some(date(jiff::tz::TimeZone::UTC.to_datetime(a.at).date())),
            is_deleted: Some(false),
        })
        .collect();
    wire::CreditNote {
        credit_note_id: Some(credit.id.to_string()),
        number: (credit.kind == CreditKind::CreditNote).then(|| credit_number(credit)),
        kind: Some(kind.to_string()),
        contact: Some(contact_ref(&org.contacts[credit.contact as usize])),
        date: Some(date(credit.date)),
        status: Some(if remaining == 0 { "PAID" } else { "AUTHORISED" }.to_string()),
        total: Some(decimal(credit.total)),
        remaining_credit: Some(decimal(remaining)),
        currency_code: Some(credit.currency.to_string()),
        currency_rate: Some(Decimal::new(1_000_000, 6)),
        allocations: Some(allocations),
        updated_date_utc: Some(instant(credit.updated)),
        applied_amount: None,
    }
}

pub fn overpayment(org: &Org, index: u32) -> wire::Overpayment {
    let c = credit(org, index);
    wire::Overpayment {
        overpayment_id: c.credit_note_id,
        number: None,
        kind: c.kind,
        contact: c.contact,
        date: c.date,
        status: c.status,
        total: c.total,
        remaining_credit: c.remaining_credit,
        currency_code: c.currency_code,
        currency_rate: c.currency_rate,
        allocations: c.allocations,
        updated_date_utc: c.updated_date_utc,
        applied_amount: None,
    }
}

pub fn prepayment(org: &Org, index: u32) -> wire::Prepayment {
    let c = credit(org, index);
    wire::Prepayment {
        prepayment_id: c.credit_note_id,
        number: None,
        kind: c.kind,
        contact: c.contact,
        date: c.date,
        status: c.status,
        total: c.total,
        remaining_credit: c.remaining_credit,
        currency_code: c.currency_code,
        currency_rate: c.currency_rate,
        allocations: c.allocations,
        updated_date_utc: c.updated_date_utc,
        applied_amount: None,
    }
}

pub fn contact(org: &Org, index: u32) -> wire::Contact {
    let contact = &org.contacts[index as usize];
    let (day, kind) = match contact.terms {
        Terms::DaysAfterBillDate(day) => (day, "DAYSAFTERBILLDATE"),
        Terms::DaysAfterBillMonth(day) => (day, "DAYSAFTERBILLMONTH"),
        Terms::OfCurrentMonth(day) => (day, "OFCURRENTMONTH"),
        Terms::OfFollowingMonth(day) => (day, "OFFOLLOWINGMONTH"),
    };
    wire::Contact {
        contact_id: Some(contact.id.to_string()),
        account_number: Some(format!("CUST-{:05}", index + 1)),
        status: Some("ACTIVE".to_string()),
        name: Some(contact.name.clone()),
        first_name: Some(contact.first_name.clone()),
        last_name: Some(contact.last_name.clone()),
        email_address: Some(contact.email.clone().unwrap_or_default()),
        contact_persons: Some(
            contact
                .persons
                .iter()
                .map(|p| wire::ContactPerson {
                    first_name: Some(p.first_name.clone()),
                    last_name: Some(p.last_name.clone()),
                    email_address: Some(p.email.clone()),
                    include_in_emails: Some(p.include_in_emails),
                })
                .collect(),
        ),
        is_supplier: Some(contact.is_supplier),
        is_customer: Some(true),
        default_currency: Some(contact.currency.to_string()),
        payment_terms: Some(wire::PaymentTerms {
            bills: None,
            sales: Some(wire::PaymentTerm { day: Some(day), kind: Some(kind.to_string()) }),
        }),
        contact_groups: Some(contact.groups.iter().map(|&g| group_ref(&org.groups[g as usize])).collect()),
        updated_date_utc: Some(instant(contact.updated)),
        has_validation_errors: Some(false),
        contact_number: None,
    }
}

fn group_ref(group: &GroupRec) -> wire::ContactGroup {
    wire::ContactGroup {
        contact_group_id: Some(group.id.to_string()),
        name: Some(group.name.clone()),
        status: Some("ACTIVE".to_string()),
        contacts: None,
    }
}

/// A contact group; with its members when one group is asked for.
pub fn group(org: &Org, index: usize, with_members: bool) -> wire::ContactGroup {
    let group = &org.groups[index];
    let members = with_members.then(|| group.members.iter().map(|&c| contact_ref(&org.contacts[c as usize])).collect());
    wire::ContactGroup { contacts: members, ..group_ref(group) }
}

pub fn organisation(org: &Org) -> wire::Organisation {
    wire::Organisation {
        organisation_id: Some(org.tenant_id.to_string()),
        name: Some(org.name.clone()),
        legal_name: Some(org.name.clone()),
        base_currency: Some(org.base_currency.to_string()),
        country_code: Some(org.country.to_string()),
        timezone: Some(org.timezone.to_string()),
        short_code: Some(org.short_code.clone()),
        status: Some("ACTIVE".to_string()),
        version: Some(
            match org.country {
                "NZ" => "NZ",
                "AU" => "AU",
                "GB" => "UK",
                "US" => "US",
                _ => "GLOBAL",
            }
            .to_string(),
        ),
        organisation_type: Some("COMPANY".to_string()),
        is_demo_company: Some(false),
        created_date_utc: Some(instant(org.created)),
    }
}

pub fn repeating(org: &Org, index: usize) -> wire::RepeatingInvoice {
    let template = &org.repeating[index];
    wire::RepeatingInvoice {
        repeating_invoice_id: Some(template.id.to_string()),
        kind: Some("ACCREC".to_string()),
        contact: Some(contact_ref(&org.contacts[template.contact as usize])),
        schedule: Some(wire::Schedule {
            period: Some(1),
            unit: Some("MONTHLY".to_string()),
            due_date: Some(20),
            due_date_type: Some("OFFOLLOWINGMONTH".to_string()),
            start_date: Some(date(template.start)),
            next_scheduled_date: None,
            end_date: None,
        }),
        reference: Some(template.reference.clone()),
        currency_code: Some(template.currency.to_string()),
        status: Some("AUTHORISED".to_string()),
        total: Some(decimal(template.total)),
    }
}

/// A resource's history: what the system recorded when it was created, then the notes added.
pub fn history(org: &Org, subject: Uuid, created: Option<(Timestamp, String)>) -> Vec<wire::HistoryRecord> {
    let system = created.map(|(at, details)| wire::HistoryRecord {
        details: Some(details),
        changes: Some("Created".to_string()),
        user: Some("System Generated".to_string()),
        date_utc: Some(instant(at)),
    });
    let notes = org.notes.get(&subject).into_iter().flatten().map(|note| wire::HistoryRecord {
        details: Some(note.details.clone()),
        changes: Some("Note".to_string()),
        user: Some(note.user.clone()),
        date_utc: Some(instant(note.at)),
    });
    system.into_iter().chain(notes).collect()
}
