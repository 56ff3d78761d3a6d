//! What the computation needs to know about one invoice: its currency, the amount as invoiced,
//! the due date, what has reduced it and when, and when it was disputed. Built by the caller from
//! the books and memory, so that the computation stays a function of plain values.

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::ledger::CurrencyCode;

/// One invoice, as the late-payment computation sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Debt {
    pub currency: CurrencyCode,
    /// The invoice's total as invoiced: compensation is banded on it, and interest starts on it.
    pub total: Decimal,
    pub due_date: Date,
    /// Payments and credit allocations, each reducing the principal from the day after its date.
    pub reductions: Vec<Reduction>,
    /// Periods in which the invoice was disputed: no interest accrues on their days.
    pub disputes: Vec<Dispute>,
}

/// A payment or a credit allocated to the invoice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reduction {
    pub date: Date,
    pub amount: Decimal,
}

/// A dispute, from the day it was raised to the day it was resolved, both days included.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dispute {
    pub from: Date,
    /// The last day of the dispute; `None` while it is still open.
    pub until: Option<Date>,
}
