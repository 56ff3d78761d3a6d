//! The receivables CollectIQ keeps for each organisation, as the store holds them and the
//! runtime reads them: organisations, contacts, contact groups, invoices, payments and credit.
//! Amounts are exact decimals in the record's own currency.

use compact_str::CompactString;
use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub tenant_id: Uuid,
    pub name: String,
    pub base_currency: String,
    /// Xero's Windows-style code, such as `NEWZEALANDSTANDARDTIME`.
    pub timezone: Option<String>,
    /// The IANA zone days are counted in.
    pub zone: Option<String>,
    pub short_code: Option<String>,
    /// Whether Xero's own invoice reminders are on (and customers may be chased twice).
    pub reminders_enabled: Option<bool>,
    /// Xero's CountryCode (`NZ`, `GB`, `DE`): emails write money and dates as it is done there.
    pub country_code: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub tenant_id: Uuid,
    pub contact_id: Uuid,
    pub name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub status: String,
    pub currency: Option<String>,
    pub persons: Vec<Person>,
    pub updated: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Person {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub include_in_emails: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContactGroup {
    pub tenant_id: Uuid,
    pub group_id: Uuid,
    pub name: String,
    pub status: String,
}

/// Its texts are short (a number, a reference, a status, a currency code) and a run holds a
/// million invoices: kept inline, up to 24 bytes, they cost no allocation to read or to free.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Invoice {
    pub tenant_id: Uuid,
    pub invoice_id: Uuid,
    pub number: CompactString,
    pub reference: Option<CompactString>,
    pub contact_id: Uuid,
    /// Xero's status as written (`AUTHORISED`, `PAID`, …), kept even when new to CollectIQ.
    pub status: CompactString,
    pub date: Date,
    pub due_date: Date,
    pub currency: CompactString,
    /// Units of the invoice's currency per unit of the base currency.
    pub currency_rate: Decimal,
    pub total: Decimal,
    pub amount_due: Decimal,
    pub amount_paid: Decimal,
    pub amount_credited: Decimal,
    pub expected_payment_date: Option<Date>,
    pub fully_paid_on: Option<Date>,
    pub repeating_invoice_id: Option<Uuid>,
    pub updated: Timestamp,
}

/// An amount in an organisation's base currency, to the cent, by Xero's convention: the amount
/// divided by the invoice's rate (most invoices are in the base currency, rate one, and the
/// division is slow).
pub fn in_base_currency(amount: Decimal, rate: Decimal) -> Decimal {
    let mut base = if rate == Decimal::ONE { amount } else { amount.checked_div(rate).unwrap_or(amount) };
    base.rescale(2);
    base
}

impl Invoice {
    /// Whether the customer owes on it now: approved and not yet settled.
    pub fn is_open(&self) -> bool {
        self.status == "AUTHORISED" && self.amount_due > Decimal::ZERO
    }

    /// What is owed, in the organisation's base currency (Xero's convention: amount ÷ rate).
    pub fn amount_due_in_base(&self) -> Decimal {
        let mut amount = if self.currency_rate.is_zero() {
            self.amount_due
        } else if self.currency_rate == Decimal::ONE {
            // Most invoices are in the base currency: no division (it is slow) for those.
            self.amount_due.round_dp(2)
        } else {
            (self.amount_due / self.currency_rate).round_dp(2)
        };
        amount.rescale(2);
        amount
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub tenant_id: Uuid,
    pub payment_id: Uuid,
    pub invoice_id: Option<Uuid>,
    pub date: Date,
    pub amount: Decimal,
    pub status: String,
    pub updated: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CreditKind {
    CreditNote,
    Overpayment,
    Prepayment,
}

impl CreditKind {
    /// As a statement names it: `Credit note`, `Overpayment`, `Prepayment`.
    pub fn words(self) -> &'static str {
        match self {
            CreditKind::CreditNote => "Credit note",
            CreditKind::Overpayment => "Overpayment",
            CreditKind::Prepayment => "Prepayment",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CreditKind::CreditNote => "credit_note",
            CreditKind::Overpayment => "overpayment",
            CreditKind::Prepayment => "prepayment",
        }
    }

    pub fn parse(text: &str) -> Option<CreditKind> {
        [CreditKind::CreditNote, CreditKind::Overpayment, CreditKind::Prepayment]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A credit note, overpayment or prepayment, with what has been allocated from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Credit {
    pub tenant_id: Uuid,
    pub credit_id: Uuid,
    pub kind: CreditKind,
    pub number: Option<String>,
    pub contact_id: Option<Uuid>,
    pub date: Option<Date>,
    pub status: String,
    pub currency: Option<String>,
    pub total: Decimal,
    pub remaining: Decimal,
    pub allocations: Vec<Allocation>,
    pub updated: Timestamp,
}

impl Credit {
    /// Whether the credit is the customer's and still has something to allocate: what their
    /// statement lists under credits available.
    pub fn available_to(&self, contact: Uuid) -> bool {
        self.contact_id == Some(contact) && self.status == "AUTHORISED" && self.remaining > Decimal::ZERO
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub invoice_id: Uuid,
    pub amount: Decimal,
    pub date: Option<Date>,
}

/// What an invoice tells of its customer's history (billing, lateness, currencies), whether or
/// not it is still open: all that is read of a closed invoice.
#[derive(Clone, Copy, Debug)]
pub struct Billed<'a> {
    pub contact_id: Uuid,
    pub status: &'a str,
    pub date: Date,
    pub due_date: Date,
    pub total: Decimal,
    pub currency_rate: Decimal,
    pub currency: &'a str,
    pub fully_paid_on: Option<Date>,
}

impl<'a> Billed<'a> {
    pub fn of(invoice: &'a Invoice) -> Billed<'a> {
        Billed {
            contact_id: invoice.contact_id,
            status: &invoice.status,
            date: invoice.date,
            due_date: invoice.due_date,
            total: invoice.total,
            currency_rate: invoice.currency_rate,
            currency: &invoice.currency,
            fully_paid_on: invoice.fully_paid_on,
        }
    }
}
