//! Whether a customer is in a segment, and whether an invoice meets a rule's condition.
//!
//! Amounts written with `$` are in the organisation's base currency, compared with amounts
//! converted as Xero converts them (amount ÷ CurrencyRate). An amount written in another
//! currency (`€5,000`) is compared with invoices in that currency, in their own amounts.

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::books::Customer;
use super::calendar::Calendar;
use crate::ledger::money::{Currency, Money};
use crate::ledger::records::{Invoice, in_base_currency};
use crate::plan::{Balance, CustomerCondition, InvoiceCondition, Period, PeriodUnit, TextMatch};

/// What conditions are judged against: the day, the calendar and the base currency.
pub struct Judge<'a> {
    pub today: Date,
    pub calendar: &'a Calendar,
    pub base_currency: &'a str,
}

fn text_matches(how: TextMatch, haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.to_lowercase(), needle.to_lowercase());
    match how {
        TextMatch::Contains => haystack.contains(&needle),
        TextMatch::StartsWith => haystack.starts_with(&needle),
        TextMatch::EndsWith => haystack.ends_with(&needle),
        TextMatch::Is => haystack == needle,
    }
}

/// A period as a number of days, for comparing with lateness.
fn days_in(period: Period) -> i64 {
    let count = i64::from(period.count);
    match period.unit {
        PeriodUnit::Days => count,
        PeriodUnit::BusinessDays => count * 7 / 5,
        PeriodUnit::Months => count * 30,
    }
}

impl Judge<'_> {
    /// Whether `money` is in the base currency (written `$`, or as the base currency's code).
    fn is_base(&self, money: &Money) -> bool {
        match money.currency {
            Currency::Base => true,
            Currency::Code(code) => code.as_str().eq_ignore_ascii_case(self.base_currency),
        }
    }

    /// An invoice's amount in the money's terms, or `None` when they cannot be compared.
    fn invoice_amount(&self, money: &Money, invoice: &Invoice, amount: Decimal) -> Option<Decimal> {
        if self.is_base(money) {
            return Some(in_base_currency(amount, invoice.currency_rate));
        }
        match money.currency {
            Currency::Code(code) if code.as_str().eq_ignore_ascii_case(&invoice.currency) => Some(amount),
            _ => None,
        }
    }

    /// The sum over `invoices` of `amount`, in the money's terms.
    fn total<'i>(
        &self,
        money: &Money,
        invoices: impl Iterator<Item = &'i Invoice>,
        amount: impl Fn(&Invoice) -> Decimal,
    ) -> Decimal {
        invoices
            .filter_map(|invoice| self.invoice_amount(money, invoice, amount(invoice)))
            .fold(Decimal::ZERO, |sum, a| sum.checked_add(a).unwrap_or(Decimal::MAX))
    }

    pub fn customer(&self, condition: &CustomerCondition, customer: &Customer) -> bool {
        match condition {
            CustomerCondition::All(all) => all.iter().all(|c| self.customer(c, customer)),
            CustomerCondition::Any(any) => any.iter().any(|c| self.customer(c, customer)),
            CustomerCondition::Not(inner) => !self.customer(inner, customer),
            CustomerCondition::InContactGroup { group } => {
                customer.groups.iter().any(|g| g.eq_ignore_ascii_case(group))
            }
            CustomerCondition::Balance { comparison, amount, measure } => {
                let overdue = *measure == Balance::Overdue;
                let owed = customer.open.iter().filter(|i| !overdue || i.due_date < self.today);
                comparison.holds(self.total(amount, owed, |i| i.amount_due), amount.amount)
            }
            CustomerCondition::Billed { comparison, amount, period } => {
                let since = self.calendar.before(self.today, *period);
                let billed = customer
                    .history
                    .billed
                    .iter()
                    .filter(|(date, _)| *date > since && *date <= self.today)
                    .fold(Decimal::ZERO, |sum, (_, total)| sum.checked_add(*total).unwrap_or(Decimal::MAX));
                // Billing history is kept in the base currency.
                self.is_base(amount) && comparison.holds(billed, amount.amount)
            }
            CustomerCondition::BilledIn { currency } => {
                customer.history.currencies.iter().any(|c| c.eq_ignore_ascii_case(currency.as_str()))
            }
            CustomerCondition::FirstInvoice { comparison, age } => {
                customer.history.first_invoice.is_some_and(|first| {
                    let age_days = (self.today - first).get_days() as i64;
                    let limit_days = (self.today - self.calendar.before(self.today, *age)).get_days() as i64;
                    comparison.holds(age_days, limit_days)
                })
            }
            CustomerCondition::PaysLate { comparison, lateness } => {
                customer.history.average_days_late().is_some_and(|late| comparison.holds(late, days_in(*lateness)))
            }
            CustomerCondition::OverdueInvoices { comparison, count } => {
                let overdue = customer.open.iter().filter(|i| i.due_date < self.today).count() as u32;
                comparison.holds(overdue, *count)
            }
            CustomerCondition::EmailAddress { text_match, text } => customer
                .contact
                .email
                .iter()
                .chain(customer.contact.persons.iter().filter_map(|p| p.email.as_ref()))
                .any(|email| text_matches(*text_match, email, text)),
            CustomerCondition::Name { text_match, text } => text_matches(*text_match, &customer.contact.name, text),
        }
    }

    pub fn invoice(&self, condition: &InvoiceCondition, invoice: &Invoice, promised: bool) -> bool {
        match condition {
            InvoiceCondition::All(all) => all.iter().all(|c| self.invoice(c, invoice, promised)),
            InvoiceCondition::Any(any) => any.iter().any(|c| self.invoice(c, invoice, promised)),
            InvoiceCondition::Not(inner) => !self.invoice(inner, invoice, promised),
            InvoiceCondition::AmountDue { comparison, amount } => self
                .invoice_amount(amount, invoice, invoice.amount_due)
                .is_some_and(|owed| comparison.holds(owed, amount.amount)),
            InvoiceCondition::Total { comparison, amount } => self
                .invoice_amount(amount, invoice, invoice.total)
                .is_some_and(|total| comparison.holds(total, amount.amount)),
            InvoiceCondition::PartlyPaid => {
                invoice.amount_due > Decimal::ZERO && (invoice.amount_paid + invoice.amount_credited) > Decimal::ZERO
            }
            InvoiceCondition::InCurrency { currency } => invoice.currency.eq_ignore_ascii_case(currency.as_str()),
            InvoiceCondition::Reference { text_match, text } => {
                invoice.reference.as_deref().is_some_and(|r| text_matches(*text_match, r, text))
            }
            InvoiceCondition::Promised => promised,
        }
    }

    /// Whether an amount still due is below a minimum (which never applies across currencies).
    pub fn below(&self, minimum: &Money, invoice: &Invoice) -> bool {
        self.invoice_amount(minimum, invoice, invoice.amount_due).is_some_and(|owed| owed < minimum.amount)
    }
}
