//! A claim in words, one line each, for `explain` and the simulator's reports: the figures and
//! the periods they were reckoned over, or why there is no claim, so that a person can redo the
//! sum by hand.

use rust_decimal::Decimal;

use super::outcome::{LatePayment, NoClaim};
use crate::ledger::money::group_thousands;
use crate::plan::Claim;

impl LatePayment {
    /// The claim as lines for people.
    pub fn explain(&self, claim: &Claim) -> Vec<String> {
        let under = match (claim.law, claim.contractual_rate) {
            (Some(law), None) => format!("under the {}", law.title()),
            (Some(law), Some(rate)) => {
                format!(
                    "at the contract's {}% a year, with the {}'s compensation",
                    rate.yearly_percent().normalize(),
                    law.title()
                )
            }
            (None, Some(rate)) => format!("at the contract's {}% a year", rate.yearly_percent().normalize()),
            (None, None) => String::new(),
        };
        match self {
            LatePayment::Claimed(figures) => {
                let money = |amount: Decimal| format!("{} {}", figures.currency, group_thousands(amount));
                let mut lines = vec![format!(
                    "Late-payment claim {under}: interest {} over {} days, compensation {}, {} in all",
                    money(figures.interest),
                    figures.interest_days,
                    money(figures.compensation),
                    money(figures.claim_total)
                )];
                for period in &figures.periods {
                    lines.push(format!(
                        "  {} to {}: {} at {}% a year for {} days = {}",
                        period.from,
                        period.to,
                        group_thousands(period.principal),
                        period.rate,
                        period.days,
                        group_thousands(period.amount)
                    ));
                }
                lines
            }
            LatePayment::NotClaimed { reason } => vec![format!("No late-payment claim: {}", reason_text(reason))],
            LatePayment::RateMissing(missing) => vec![format!("No late-payment claim: {missing}")],
        }
    }
}

fn reason_text(reason: &NoClaim) -> String {
    match reason {
        NoClaim::ExceptedGroup { group } => {
            format!("the customer is in the contact group \"{group}\", which is spared")
        }
        NoClaim::OtherCurrency { law, currency } => {
            format!("the {} applies to {} invoices, and this one is in {currency}", law.title(), super::currency(*law))
        }
        NoClaim::NothingOwed => "nothing was owed on it".to_string(),
        NoClaim::NotLate => "it is not late".to_string(),
        NoClaim::OutOfRange => "its figures are too large to compute exactly".to_string(),
        NoClaim::NotClaimed => "nothing is claimed on it".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::super::*;
    use crate::plan::Law;

    #[test]
    fn the_periods_are_spelled_out_so_the_sum_can_be_redone() {
        let claim = Claim { law: Some(Law::UkLatePaymentAct), contractual_rate: None, except_group: None };
        let debt = Debt {
            currency: CurrencyCode::GBP,
            total: Decimal::from(5_000),
            due_date: date(2023, 6, 15),
            reductions: vec![Reduction { date: date(2023, 7, 5), amount: Decimal::from(2_000) }],
            disputes: Vec::new(),
        };
        let rates = RateTable::from_rates([(
            Reference::BankOfEngland,
            HalfYear { year: 2023, second: false },
            "3.50".parse().unwrap(),
        )]);
        let lines = late_payment(&claim, &debt, &[], date(2023, 8, 4), &rates).explain(&claim);
        assert_eq!(
            lines,
            vec![
                "Late-payment claim under the UK Late Payment Act: interest GBP 59.87 over 50 days, compensation GBP 70.00, GBP 129.87 in all",
                "  2023-06-16 to 2023-07-05: 5,000.00 at 11.50% a year for 20 days = 31.51",
                "  2023-07-06 to 2023-08-04: 3,000.00 at 11.50% a year for 30 days = 28.36",
            ]
        );
        let euros = Debt { currency: CurrencyCode::EUR, ..debt };
        let lines = late_payment(&claim, &euros, &[], date(2023, 8, 4), &rates).explain(&claim);
        assert_eq!(
            lines,
            vec!["No late-payment claim: the UK Late Payment Act applies to GBP invoices, and this one is in EUR"]
        );
    }
}
