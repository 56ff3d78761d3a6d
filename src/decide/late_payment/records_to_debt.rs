//! From Xero's records to a [`Debt`]: the invoice, the payments and credit allocations made to
//! it with their dates, and the disputes CollectIQ recorded. What callers (templates, `explain`,
//! the simulator) use, so that every one of them counts payments the same way.

use rust_decimal::Decimal;

use super::debt::{Debt, Dispute, Reduction};
use crate::ledger::CurrencyCode;
use crate::ledger::records::{Credit, Invoice, Payment};

impl Debt {
    /// The debt `invoice` is, reduced by its `payments` and by allocations from `credits` (other
    /// invoices' records are ignored, so whole lists may be passed). `None` for an invoice that
    /// was never owed (a draft, a voided or deleted one) or in a currency Xero does not know.
    ///
    /// Never claims on money Xero says was received: whatever of the invoice's amount paid and
    /// credited no dated record explains counts as received on the invoice's date (so an invoice
    /// Xero shows as paid, whose payment was not synced, is never charged as if unpaid).
    pub fn from_records(
        invoice: &Invoice,
        payments: &[Payment],
        credits: &[Credit],
        disputes: Vec<Dispute>,
    ) -> Option<Debt> {
        if !matches!(invoice.status.as_str(), "AUTHORISED" | "PAID") {
            return None;
        }
        let currency = CurrencyCode::parse(&invoice.currency)?;
        let mut reductions: Vec<Reduction> = payments
            .iter()
            .filter(|p| p.invoice_id == Some(invoice.invoice_id) && p.status != "DELETED")
            .map(|p| Reduction { date: p.date, amount: p.amount })
            .collect();
        for credit in credits.iter().filter(|c| !matches!(c.status.as_str(), "VOIDED" | "DELETED")) {
            for allocation in credit.allocations.iter().filter(|a| a.invoice_id == invoice.invoice_id) {
                // An allocation without a date counts from the credit's date, else the invoice's.
                let date = allocation.date.or(credit.date).unwrap_or(invoice.date);
                reductions.push(Reduction { date, amount: allocation.amount });
            }
        }
        let dated: Decimal = reductions.iter().map(|r| r.amount).sum();
        let received = invoice.total - invoice.amount_due;
        if received > dated {
            reductions.push(Reduction { date: invoice.date, amount: received - dated });
        }
        reductions.sort_by_key(|r| r.date);
        Some(Debt { currency, total: invoice.total, due_date: invoice.due_date, reductions, disputes })
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use jiff::civil::date;
    use uuid::Uuid;

    use super::*;
    use crate::ledger::records::{Allocation, CreditKind};

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn invoice(total: &str, due: &str) -> Invoice {
        Invoice {
            tenant_id: Uuid::nil(),
            invoice_id: Uuid::from_u128(1),
            number: "INV-1".into(),
            reference: None,
            contact_id: Uuid::nil(),
            status: "AUTHORISED".into(),
            date: date(2024, 3, 1),
            due_date: date(2024, 3, 31),
            currency: "GBP".into(),
            currency_rate: Decimal::ONE,
            total: d(total),
            amount_due: d(due),
            amount_paid: Decimal::ZERO,
            amount_credited: Decimal::ZERO,
            expected_payment_date: None,
            fully_paid_on: None,
            repeating_invoice_id: None,
            updated: Timestamp::UNIX_EPOCH,
        }
    }

    fn payment(invoice: u128, on: jiff::civil::Date, amount: &str, status: &str) -> Payment {
        Payment {
            tenant_id: Uuid::nil(),
            payment_id: Uuid::nil(),
            invoice_id: Some(Uuid::from_u128(invoice)),
            date: on,
            amount: d(amount),
            status: status.into(),
            updated: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn payments_and_allocations_to_this_invoice_reduce_it_from_their_dates() {
        let payments = [
            payment(1, date(2024, 4, 10), "300", "AUTHORISED"),
            payment(1, date(2024, 4, 12), "50", "DELETED"),
            payment(2, date(2024, 4, 11), "999", "AUTHORISED"),
        ];
        let credit = Credit {
            tenant_id: Uuid::nil(),
            credit_id: Uuid::nil(),
            kind: CreditKind::CreditNote,
            number: None,
            contact_id: None,
            date: Some(date(2024, 4, 20)),
            status: "AUTHORISED".into(),
            currency: Some("GBP".into()),
            total: d("200"),
            remaining: Decimal::ZERO,
            allocations: vec![
                Allocation { invoice_id: Uuid::from_u128(1), amount: d("100"), date: None },
                Allocation { invoice_id: Uuid::from_u128(2), amount: d("100"), date: None },
            ],
            updated: Timestamp::UNIX_EPOCH,
        };
        let debt = Debt::from_records(&invoice("1000", "600"), &payments, &[credit], Vec::new()).unwrap();
        assert_eq!(
            debt.reductions,
            vec![
                Reduction { date: date(2024, 4, 10), amount: d("300") },
                Reduction { date: date(2024, 4, 20), amount: d("100") },
            ]
        );
        assert_eq!(debt.currency, CurrencyCode::GBP);
    }

    #[test]
    fn money_received_without_a_dated_record_counts_from_the_invoice_date() {
        let debt = Debt::from_records(&invoice("1000", "400"), &[], &[], Vec::new()).unwrap();
        assert_eq!(debt.reductions, vec![Reduction { date: date(2024, 3, 1), amount: d("600") }]);
        let mut voided = invoice("1000", "1000");
        voided.status = "VOIDED".into();
        assert_eq!(Debt::from_records(&voided, &[], &[], Vec::new()), None);
    }
}
