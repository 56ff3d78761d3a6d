//! The sandbox's organisations: compact records, generated once from a seed, then changed only
//! by the passing of time (scheduled payments, new invoices, allocations) and by history notes.
//! Everything a list endpoint needs is kept ready: an order by (UpdatedDateUTC, id) for paging
//! and `If-Modified-Since`, and maps from ids and numbers.

pub mod events;
pub mod generate;
pub mod invoice_pdf;
mod names;
pub mod query;
pub mod render;

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::ledger::CurrencyCode;
pub use events::Event;

/// Amounts in cents: exact, compact, and quick to add.
pub type Cents = i64;

pub fn decimal(cents: Cents) -> Decimal {
    Decimal::new(cents, 2)
}

#[derive(Clone, Debug)]
pub struct Org {
    pub tenant_id: Uuid,
    pub name: String,
    pub base_currency: CurrencyCode,
    /// Xero's Windows-style code, such as `NEWZEALANDSTANDARDTIME`.
    pub timezone: &'static str,
    pub country: &'static str,
    pub short_code: String,
    pub created: Timestamp,
    /// Whether Xero's own invoice reminders are switched on (CollectIQ warns of double chasing).
    pub reminders_enabled: bool,
    pub groups: Vec<GroupRec>,
    pub contacts: Vec<ContactRec>,
    pub invoices: Vec<InvoiceRec>,
    pub payments: Vec<PaymentRec>,
    pub credits: Vec<CreditRec>,
    pub allocations: Vec<AllocationRec>,
    pub repeating: Vec<RepeatingRec>,
    pub notes: HashMap<Uuid, Vec<NoteRec>>,
    /// Changes still to come, latest first (so the next is at the end).
    pub pending: Vec<(Timestamp, Event)>,
    pub index: Index,
}

#[derive(Clone, Debug)]
pub struct GroupRec {
    pub id: Uuid,
    pub name: String,
    pub members: Vec<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    OnTime,
    Late,
    VeryLate,
    /// Pays in instalments, late.
    Partial,
    /// Rarely pays at all.
    Never,
}

/// Xero's payment terms: `Day` and `Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terms {
    DaysAfterBillDate(i64),
    DaysAfterBillMonth(i64),
    OfCurrentMonth(i64),
    OfFollowingMonth(i64),
}

#[derive(Clone, Debug)]
pub struct ContactRec {
    pub id: Uuid,
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    /// Some customers have no address at all.
    pub email: Option<String>,
    pub persons: Vec<PersonRec>,
    pub terms: Terms,
    pub currency: CurrencyCode,
    pub behaviour: Behaviour,
    pub groups: Vec<u16>,
    pub is_supplier: bool,
    pub updated: Timestamp,
}

#[derive(Clone, Debug)]
pub struct PersonRec {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub include_in_emails: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceKind {
    /// A sales invoice: what CollectIQ chases.
    Receivable,
    /// A bill from a supplier: never chased.
    Payable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceState {
    Draft,
    Submitted,
    Authorised,
    Paid,
    Voided,
    Deleted,
}

impl InvoiceState {
    pub fn as_xero(self) -> &'static str {
        match self {
            InvoiceState::Draft => "DRAFT",
            InvoiceState::Submitted => "SUBMITTED",
            InvoiceState::Authorised => "AUTHORISED",
            InvoiceState::Paid => "PAID",
            InvoiceState::Voided => "VOIDED",
            InvoiceState::Deleted => "DELETED",
        }
    }
}

#[derive(Clone, Debug)]
pub struct InvoiceRec {
    pub id: Uuid,
    pub number: u32,
    pub kind: InvoiceKind,
    pub contact: u32,
    pub reference: String,
    pub issued: Date,
    pub due: Date,
    pub currency: CurrencyCode,
    /// Units of the invoice's currency per unit of the base currency.
    pub rate: Decimal,
    pub subtotal: Cents,
    pub tax: Cents,
    pub total: Cents,
    pub paid: Cents,
    pub credited: Cents,
    pub state: InvoiceState,
    /// Whether it exists yet (invoices dated in the future appear when their day comes).
    pub visible: bool,
    pub updated: Timestamp,
    pub fully_paid_on: Option<Date>,
    pub expected_payment: Option<Date>,
    pub repeating: Option<u32>,
    pub payments: Vec<u32>,
    pub allocations: Vec<u32>,
}

impl InvoiceRec {
    pub fn due_amount(&self) -> Cents {
        self.total - self.paid - self.credited
    }
}

#[derive(Clone, Debug)]
pub struct PaymentRec {
    pub id: Uuid,
    pub invoice: u32,
    pub at: Timestamp,
    pub amount: Cents,
    pub visible: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditKind {
    CreditNote,
    Overpayment,
    Prepayment,
}

#[derive(Clone, Debug)]
pub struct CreditRec {
    pub id: Uuid,
    pub kind: CreditKind,
    pub number: u32,
    pub contact: u32,
    pub date: Date,
    pub currency: CurrencyCode,
    pub total: Cents,
    pub allocations: Vec<u32>,
    pub visible: bool,
    pub updated: Timestamp,
}

impl CreditRec {
    pub fn remaining(&self, org: &Org) -> Cents {
        self.total
            - self
                .allocations
                .iter()
                .map(|&a| &org.allocations[a as usize])
                .filter(|a| a.applied)
                .map(|a| a.amount)
                .sum::<Cents>()
    }
}

#[derive(Clone, Debug)]
pub struct AllocationRec {
    pub id: Uuid,
    pub credit: u32,
    pub invoice: u32,
    pub amount: Cents,
    pub at: Timestamp,
    pub applied: bool,
    /// Xero does not always touch an invoice's UpdatedDateUTC when credit is allocated to it;
    /// such changes are found only by a full reconciliation.
    pub touches_invoice: bool,
}

#[derive(Clone, Debug)]
pub struct RepeatingRec {
    pub id: Uuid,
    pub contact: u32,
    pub reference: String,
    pub total: Cents,
    pub currency: CurrencyCode,
    /// Day of the month the invoices are raised.
    pub day: i8,
    pub start: Date,
}

#[derive(Clone, Debug)]
pub struct NoteRec {
    pub at: Timestamp,
    pub details: String,
    pub user: String,
}

/// Lookups kept ready for the list endpoints.
#[derive(Clone, Debug, Default)]
pub struct Index {
    pub invoice_by_id: HashMap<Uuid, u32>,
    /// By the number in `INV-000123`; keeping the text would cost a string per invoice.
    pub invoice_by_number: HashMap<u32, u32>,
    pub contact_by_id: HashMap<Uuid, u32>,
    pub credit_by_id: HashMap<Uuid, u32>,
    pub payment_by_id: HashMap<Uuid, u32>,
    /// Visible invoices by (UpdatedDateUTC, InvoiceID): the order lists are paged in.
    pub invoice_order: Vec<u32>,
    /// Visible payments by (date, id), and visible credits by (UpdatedDateUTC, id).
    pub payment_order: Vec<u32>,
    pub credit_order: Vec<u32>,
    pub order_stale: bool,
}

impl Org {
    pub fn invoice_number(&self, invoice: &InvoiceRec) -> String {
        format!("INV-{:06}", invoice.number)
    }

    /// The invoice numbered `INV-000123` (as Xero matches numbers: exactly, ignoring case).
    pub fn invoice_with_number(&self, number: &str) -> Option<u32> {
        let digits = number.get(..4).filter(|prefix| prefix.eq_ignore_ascii_case("INV-")).map(|_| &number[4..])?;
        let index = *self.index.invoice_by_number.get(&digits.parse::<u32>().ok()?)?;
        (self.invoice_number(&self.invoices[index as usize]) == number.to_ascii_uppercase()).then_some(index)
    }

    pub fn build_index(&mut self) {
        let index = &mut self.index;
        index.invoice_by_id = self.invoices.iter().enumerate().map(|(i, inv)| (inv.id, i as u32)).collect();
        index.invoice_by_number = self.invoices.iter().enumerate().map(|(i, inv)| (inv.number, i as u32)).collect();
        index.contact_by_id = self.contacts.iter().enumerate().map(|(i, c)| (c.id, i as u32)).collect();
        index.credit_by_id = self.credits.iter().enumerate().map(|(i, c)| (c.id, i as u32)).collect();
        index.payment_by_id = self.payments.iter().enumerate().map(|(i, p)| (p.id, i as u32)).collect();
        index.order_stale = true;
    }

    /// Keeps the list orders current: rebuilt only after a change.
    pub fn refresh_orders(&mut self) {
        if !self.index.order_stale {
            return;
        }
        let invoices = &self.invoices;
        let mut order: Vec<u32> = (0..invoices.len() as u32).filter(|&i| invoices[i as usize].visible).collect();
        order.sort_unstable_by_key(|&i| (invoices[i as usize].updated, invoices[i as usize].id));
        self.index.invoice_order = order;
        let payments = &self.payments;
        let mut order: Vec<u32> = (0..payments.len() as u32).filter(|&i| payments[i as usize].visible).collect();
        order.sort_unstable_by_key(|&i| (payments[i as usize].at, payments[i as usize].id));
        self.index.payment_order = order;
        let credits = &self.credits;
        let mut order: Vec<u32> = (0..credits.len() as u32).filter(|&i| credits[i as usize].visible).collect();
        order.sort_unstable_by_key(|&i| (credits[i as usize].updated, credits[i as usize].id));
        self.index.credit_order = order;
        self.index.order_stale = false;
    }
}
