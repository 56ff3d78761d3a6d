//! The plan's form of each strategy value: the same meaning without spans or phrasing.

use super::claim::{ContractualRate, Law, RatePeriod};
use super::types::*;
use crate::ast;
use crate::ledger::money::Money;

/// A length of time in the plan's units: a year is 12 calendar months.
pub fn period(duration: &ast::Duration) -> Period {
    match duration.unit {
        ast::Unit::Day => Period { count: duration.count, unit: PeriodUnit::Days },
        ast::Unit::BusinessDay => Period { count: duration.count, unit: PeriodUnit::BusinessDays },
        ast::Unit::Month => Period { count: duration.count, unit: PeriodUnit::Months },
        ast::Unit::Year => Period { count: duration.count.saturating_mul(12), unit: PeriodUnit::Months },
    }
}

pub fn money(amount: &ast::MoneyAmount) -> Money {
    Money { amount: amount.amount, currency: amount.currency }
}

pub fn law(law: ast::Law) -> Law {
    match law {
        ast::Law::UkLatePaymentAct => Law::UkLatePaymentAct,
        ast::Law::EuLatePaymentDirective => Law::EuLatePaymentDirective,
        ast::Law::EuLatePaymentDirectiveGermany => Law::EuLatePaymentDirectiveGermany,
    }
}

/// A contractual rate, its percent without trailing zeros so that `2%` and `2.0%` compile alike.
pub fn interest_rate(rate: &ast::InterestRate) -> ContractualRate {
    let per = match rate.per {
        ast::RatePer::Month => RatePeriod::Month,
        ast::RatePer::Year => RatePeriod::Year,
    };
    ContractualRate { percent: rate.percent.normalize(), per }
}

pub fn sending_days(days: ast::SendingDays) -> SendingDays {
    match days {
        ast::SendingDays::BusinessDays => SendingDays::BusinessDays,
        ast::SendingDays::Weekdays => SendingDays::Weekdays,
        ast::SendingDays::EveryDay => SendingDays::EveryDay,
    }
}

pub fn trigger(trigger: &ast::TriggerKind) -> Trigger {
    match trigger {
        ast::TriggerKind::BeforeDue { offset } => Trigger::BeforeDue { offset: period(offset) },
        ast::TriggerKind::OnDue => Trigger::OnDue,
        ast::TriggerKind::Overdue { offset } => Trigger::Overdue { offset: period(offset) },
        ast::TriggerKind::Repeating { interval, from, until } => {
            Trigger::Repeating { every: period(interval), from: period(from), until: until.as_ref().map(period) }
        }
        ast::TriggerKind::AfterIssue { offset } => Trigger::AfterIssue { offset: period(offset) },
        ast::TriggerKind::Weekly { day } => Trigger::Weekly { day: weekday(*day) },
        ast::TriggerKind::Monthly { day } => Trigger::Monthly {
            day: match day {
                ast::DayOfMonth::Day(day) => DayOfMonth::Day(*day),
                ast::DayOfMonth::Last => DayOfMonth::Last,
            },
        },
    }
}

fn weekday(day: ast::Weekday) -> Weekday {
    match day {
        ast::Weekday::Monday => Weekday::Monday,
        ast::Weekday::Tuesday => Weekday::Tuesday,
        ast::Weekday::Wednesday => Weekday::Wednesday,
        ast::Weekday::Thursday => Weekday::Thursday,
        ast::Weekday::Friday => Weekday::Friday,
        ast::Weekday::Saturday => Weekday::Saturday,
        ast::Weekday::Sunday => Weekday::Sunday,
    }
}

pub fn action(action: &ast::ActionKind) -> Action {
    match action {
        ast::ActionKind::Email { template, copy, attach } => {
            // The order copies are listed in means nothing.
            let mut copy: Vec<String> = copy.iter().map(|name| name.text.clone()).collect();
            copy.sort();
            copy.dedup();
            let attach = attach.iter().map(|a| attachment(*a)).collect();
            Action::Email { template: template.text.clone(), copy, attach }
        }
        ast::ActionKind::CallTask { assignee } => Action::CallTask { assignee: assignee.text.clone() },
        ast::ActionKind::Escalate { to } => Action::Escalate { to: to.text.clone() },
        ast::ActionKind::StopChasing => Action::StopChasing,
    }
}

fn attachment(attachment: ast::Attachment) -> Attachment {
    match attachment {
        ast::Attachment::InvoicePdf => Attachment::InvoicePdf,
        ast::Attachment::StatementPdf => Attachment::StatementPdf,
    }
}

fn comparison(comparison: ast::Comparison) -> Comparison {
    match comparison {
        ast::Comparison::MoreThan => Comparison::MoreThan,
        ast::Comparison::AtLeast => Comparison::AtLeast,
        ast::Comparison::LessThan => Comparison::LessThan,
        ast::Comparison::AtMost => Comparison::AtMost,
    }
}

fn text_match(text_match: ast::TextMatch) -> TextMatch {
    match text_match {
        ast::TextMatch::Contains => TextMatch::Contains,
        ast::TextMatch::StartsWith => TextMatch::StartsWith,
        ast::TextMatch::EndsWith => TextMatch::EndsWith,
        ast::TextMatch::Is => TextMatch::Is,
    }
}

/// Maps a condition tree, test by test.
fn boolean<T, C>(
    condition: &ast::Condition<T>,
    test: &dyn Fn(&T) -> C,
    all: fn(Vec<C>) -> C,
    any: fn(Vec<C>) -> C,
    not: fn(Box<C>) -> C,
) -> C {
    let each = |parts: &[ast::Condition<T>]| parts.iter().map(|part| boolean(part, test, all, any, not)).collect();
    match condition {
        ast::Condition::Test(t) => test(t),
        ast::Condition::Not(inner, _) => not(Box::new(boolean(inner, test, all, any, not))),
        ast::Condition::All(parts, _) => all(each(parts)),
        ast::Condition::Any(parts, _) => any(each(parts)),
    }
}

pub fn customer_condition(condition: &ast::CustomerCondition) -> CustomerCondition {
    boolean(
        condition,
        &|test| customer_test(&test.kind),
        CustomerCondition::All,
        CustomerCondition::Any,
        CustomerCondition::Not,
    )
}

fn customer_test(test: &ast::CustomerTestKind) -> CustomerCondition {
    use ast::CustomerTestKind as T;
    match test {
        T::InContactGroup { group } => CustomerCondition::InContactGroup { group: group.text.clone() },
        T::Balance { comparison: c, amount, measure } => CustomerCondition::Balance {
            comparison: comparison(*c),
            amount: money(amount),
            measure: match measure {
                ast::Balance::Outstanding => Balance::Outstanding,
                ast::Balance::Overdue => Balance::Overdue,
            },
        },
        T::Billed { comparison: c, amount, period: p } => {
            CustomerCondition::Billed { comparison: comparison(*c), amount: money(amount), period: period(p) }
        }
        T::BilledIn { currency } => CustomerCondition::BilledIn { currency: currency.code },
        T::FirstInvoice { comparison: c, age } => {
            CustomerCondition::FirstInvoice { comparison: comparison(*c), age: period(age) }
        }
        T::PaysLate { comparison: c, lateness } => {
            CustomerCondition::PaysLate { comparison: comparison(*c), lateness: period(lateness) }
        }
        T::OverdueInvoices { comparison: c, count } => {
            CustomerCondition::OverdueInvoices { comparison: comparison(*c), count: count.value }
        }
        T::EmailAddress { text_match: m, text } => {
            CustomerCondition::EmailAddress { text_match: text_match(*m), text: text.text.clone() }
        }
        T::Name { text_match: m, text } => {
            CustomerCondition::Name { text_match: text_match(*m), text: text.text.clone() }
        }
    }
}

pub fn invoice_condition(condition: &ast::InvoiceCondition) -> InvoiceCondition {
    boolean(
        condition,
        &|test| invoice_test(&test.kind),
        InvoiceCondition::All,
        InvoiceCondition::Any,
        InvoiceCondition::Not,
    )
}

fn invoice_test(test: &ast::InvoiceTestKind) -> InvoiceCondition {
    use ast::InvoiceTestKind as T;
    match test {
        T::AmountDue { comparison: c, amount } => {
            InvoiceCondition::AmountDue { comparison: comparison(*c), amount: money(amount) }
        }
        T::Total { comparison: c, amount } => {
            InvoiceCondition::Total { comparison: comparison(*c), amount: money(amount) }
        }
        T::PartlyPaid => InvoiceCondition::PartlyPaid,
        T::InCurrency { currency } => InvoiceCondition::InCurrency { currency: currency.code },
        T::Reference { text_match: m, text } => {
            InvoiceCondition::Reference { text_match: text_match(*m), text: text.text.clone() }
        }
        T::Promised => InvoiceCondition::Promised,
    }
}
