//! Conditions on customers (segments, guards) and on invoices (rules).

use serde::Serialize;

use super::{Comparison, Count, CurrencyName, Duration, MoneyAmount, Name, TextMatch};
use crate::source::Span;

/// `A and B`, `A or B`, `not A`, with `and` binding tighter than `or`. Chains of the same
/// operator are kept flat (`A and B and C` is one `All`), so brackets that change nothing leave
/// no trace in the tree.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Condition<T> {
    Test(T),
    Not(Box<Condition<T>>, Span),
    All(Vec<Condition<T>>, Span),
    Any(Vec<Condition<T>>, Span),
}

impl<T> Condition<T> {
    /// Each test in the condition, in written order.
    pub fn tests(&self) -> Vec<&T> {
        let mut found = Vec::new();
        self.collect_tests(&mut found);
        found
    }

    fn collect_tests<'a>(&'a self, found: &mut Vec<&'a T>) {
        match self {
            Condition::Test(test) => found.push(test),
            Condition::Not(inner, _) => inner.collect_tests(found),
            Condition::All(parts, _) | Condition::Any(parts, _) => {
                parts.iter().for_each(|part| part.collect_tests(found))
            }
        }
    }
}

pub type CustomerCondition = Condition<CustomerTest>;
pub type InvoiceCondition = Condition<InvoiceTest>;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CustomerTest {
    pub kind: CustomerTestKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum CustomerTestKind {
    /// `customers in the contact group "Enterprise"`
    InContactGroup { group: Name },
    /// `customers with more than $50,000 outstanding` / `… with at least $1,000 overdue`
    Balance { comparison: Comparison, amount: MoneyAmount, measure: Balance },
    /// `customers billed more than $100,000 in the last 12 months`
    Billed { comparison: Comparison, amount: MoneyAmount, period: Duration },
    /// `customers billed in AUD`
    BilledIn { currency: CurrencyName },
    /// `customers whose first invoice was less than 90 days ago`
    FirstInvoice { comparison: Comparison, age: Duration },
    /// `customers who pay more than 15 days late on average`
    PaysLate { comparison: Comparison, lateness: Duration },
    /// `customers with 3 or more overdue invoices`
    OverdueInvoices { comparison: Comparison, count: Count },
    /// `customers whose email address ends with ".gov.nz"`
    EmailAddress { text_match: TextMatch, text: Name },
    /// `customers whose name contains "Council"`
    Name { text_match: TextMatch, text: Name },
}

/// Which part of a balance a condition looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Balance {
    /// Everything still owed.
    Outstanding,
    /// What is owed on invoices past their due date.
    Overdue,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InvoiceTest {
    pub kind: InvoiceTestKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum InvoiceTestKind {
    /// `more than $5,000 is outstanding`
    AmountDue { comparison: Comparison, amount: MoneyAmount },
    /// `the invoice total is over $10,000`
    Total { comparison: Comparison, amount: MoneyAmount },
    /// `the invoice is partly paid`
    PartlyPaid,
    /// `the invoice is in AUD`
    InCurrency { currency: CurrencyName },
    /// `the reference contains "PO"`
    Reference { text_match: TextMatch, text: Name },
    /// `the customer has promised to pay`
    Promised,
}
