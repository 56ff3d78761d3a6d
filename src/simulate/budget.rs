//! Whether each simulated day fits in Xero's day budget for the organisation: every email, call
//! and escalation writes history notes (one per invoice and one on the contact, unless the
//! strategy says "Don't log to Xero"), and each invoice an email shows costs one call for its
//! online link the first time. A day that needs more than Xero allows is said, as a lint: the
//! runtime never exceeds the limit and never drops a note, so the rest are written the next day.

use std::collections::{BTreeMap, HashSet};

use jiff::civil::Date;
use uuid::Uuid;

use super::action::SimulatedAction;

/// Xero's calls a day per organisation.
pub const XERO_CALLS_PER_DAY: usize = 5_000;

/// What one day would cost in Xero calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct DayCost {
    notes: usize,
    links: usize,
}

/// The days whose calls would not fit in `per_day`, in words.
pub fn over_budget(actions: &[SimulatedAction], organisation: &str, write_back: bool, per_day: usize) -> Vec<String> {
    let mut days: BTreeMap<Date, DayCost> = BTreeMap::new();
    let mut linked: HashSet<Uuid> = HashSet::new();
    for action in actions.iter().filter(|a| a.acts()) {
        let cost = days.entry(action.date).or_default();
        if write_back && matches!(action.kind, "email" | "statement" | "call" | "escalation") {
            cost.notes += action.invoice_ids.len() + 1;
        }
        if matches!(action.kind, "email" | "statement") {
            cost.links += action.invoice_ids.iter().filter(|id| linked.insert(**id)).count();
        }
    }
    days.into_iter()
        .filter(|(_, cost)| cost.notes + cost.links > per_day)
        .map(|(date, cost)| {
            format!(
                "this strategy would need {} Xero calls on {date} for {organisation} ({} history notes, {} online-invoice links); Xero allows {} a day, so notes past the limit are written the next day",
                group(cost.notes + cost.links),
                group(cost.notes),
                group(cost.links),
                group(per_day)
            )
        })
        .collect()
}

fn group(n: usize) -> String {
    crate::ledger::money::group_thousands(rust_decimal::Decimal::from(n)).trim_end_matches(".00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(date: &str, invoices: usize, first: u128) -> SimulatedAction {
        SimulatedAction {
            at: "2027-03-01T09:00:00Z".parse().unwrap(),
            date: date.parse().unwrap(),
            kind: "email",
            rule: "r".into(),
            segment: None,
            contact_id: Uuid::nil(),
            contact_name: "C".into(),
            template: Some("t".into()),
            invoice_numbers: Vec::new(),
            invoice_ids: (first..first + invoices as u128).map(Uuid::from_u128).collect(),
            amount: rust_decimal::Decimal::ZERO,
            reason: String::new(),
            claims: Vec::new(),
        }
    }

    #[test]
    fn a_day_of_notes_and_first_links_over_the_limit_is_said() {
        // 3,000 emails of one invoice each: 6,000 notes and 3,000 first-time links.
        let day: Vec<SimulatedAction> = (0..3_000).map(|n| email("2027-03-01", 1, n)).collect();
        let said = over_budget(&day, "Harbour Wholesale", true, XERO_CALLS_PER_DAY);
        assert_eq!(said.len(), 1);
        assert!(said[0].starts_with("this strategy would need 9,000 Xero calls on 2027-03-01 for Harbour Wholesale (6,000 history notes, 3,000 online-invoice links); Xero allows 5,000 a day"), "{}", said[0]);
        // The same invoices the next day: their links are kept, and without notes the day fits.
        let again: Vec<SimulatedAction> = (0..3_000).map(|n| email("2027-03-02", 1, n)).collect();
        let both: Vec<SimulatedAction> = day.iter().cloned().chain(again).collect();
        assert_eq!(over_budget(&both, "H", true, XERO_CALLS_PER_DAY).len(), 2, "6,000 notes alone are too many");
        assert_eq!(over_budget(&both, "H", false, XERO_CALLS_PER_DAY).len(), 0, "3,000 links and no notes fit");
    }
}
