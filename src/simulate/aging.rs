//! The outstanding balance by age on each simulated day, as each day's run sees it. Each invoice
//! moves through the buckets on days known in advance and leaves them when paid, so the series is
//! built from the changes rather than by looking at every invoice on every day.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use super::scenario::Scenario;
use crate::decide::days::day_number;
use crate::ledger::aging::{Bucket, Buckets};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgingDay {
    pub date: Date,
    #[serde(flatten)]
    pub buckets: Buckets,
    pub total: Decimal,
}

/// The first day past due (counted as `Bucket::for_days_past_due` counts) of each bucket.
const BUCKET_STARTS: [i64; 5] = [i64::MIN, 1, 31, 61, 91];

pub fn aging_over_time(scenario: &Scenario<'_>) -> Vec<AgingDay> {
    let days = scenario.days as usize;
    let first = day_number(scenario.from);
    // changes[bucket][day]: what enters (or, negative, leaves) the bucket on that day.
    let mut changes = vec![[Decimal::ZERO; 5]; days + 1];
    let mut add = |bucket: usize, from: i64, to: i64, amount: Decimal| {
        let (from, to) = (from.max(0), to.min(days as i64));
        if from < to {
            changes[from as usize][bucket] += amount;
            changes[to as usize][bucket] -= amount;
        }
    };
    for customer in &scenario.books.customers {
        for invoice in &customer.open {
            let amount = invoice.amount_due_in_base();
            let due = day_number(invoice.due_date) - first;
            // Counted on each day whose run still sees it open.
            let gone = scenario.paid_on.get(&invoice.invoice_id).map_or(i64::MAX, |paid| day_number(*paid) - first + 1);
            for (bucket, start) in BUCKET_STARTS.iter().enumerate() {
                let end = BUCKET_STARTS.get(bucket + 1).map_or(i64::MAX, |next| due + next);
                let begin = if *start == i64::MIN { i64::MIN } else { due + start };
                add(bucket, begin, end.min(gone), amount);
            }
        }
    }
    let mut running = [Decimal::ZERO; 5];
    scenario
        .dates()
        .zip(changes)
        .map(|(date, change)| {
            let mut buckets = Buckets::default();
            for (bucket, slot) in Bucket::ALL.iter().zip(running.iter_mut().zip(change)) {
                *slot.0 += slot.1;
                buckets.add(*bucket, *slot.0);
            }
            AgingDay { date, total: running.iter().sum(), buckets }
        })
        .collect()
}
