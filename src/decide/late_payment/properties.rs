//! Properties over arbitrary invoices: the computation never panics, never claims negative
//! interest, and its periods always add up to the interest it claims.

use jiff::civil::Date;
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::decide::days::add_days;
use crate::plan::{ContractualRate, RatePeriod};

fn day(offset: i64) -> Date {
    add_days(jiff::civil::date(2019, 1, 1), offset).unwrap()
}

fn cents(amount: i64) -> Decimal {
    Decimal::new(amount, 2)
}

fn claims() -> impl Strategy<Value = Claim> {
    let law = prop_oneof![
        Just(None),
        Just(Some(Law::UkLatePaymentAct)),
        Just(Some(Law::EuLatePaymentDirective)),
        Just(Some(Law::EuLatePaymentDirectiveGermany)),
    ];
    let contract =
        proptest::option::of((0u32..5_000, any::<bool>()).prop_map(|(hundredths, monthly)| ContractualRate {
            percent: Decimal::new(i64::from(hundredths), 2),
            per: if monthly { RatePeriod::Month } else { RatePeriod::Year },
        }));
    (law, contract).prop_map(|(law, contractual_rate)| Claim { law, contractual_rate, except_group: None })
}

fn debts() -> impl Strategy<Value = Debt> {
    (
        prop_oneof![Just("GBP"), Just("EUR"), Just("NZD")],
        -1_000i64..100_000_000_000,
        0i64..3_000,
        proptest::collection::vec((0i64..3_500, -100_000i64..10_000_000_000), 0..5),
        proptest::collection::vec((0i64..3_500, proptest::option::of(0i64..200)), 0..3),
    )
        .prop_map(|(currency, total, due, reductions, disputes)| Debt {
            currency: CurrencyCode::parse(currency).unwrap(),
            total: cents(total),
            due_date: day(due),
            reductions: reductions
                .into_iter()
                .map(|(on, amount)| Reduction { date: day(on), amount: cents(amount) })
                .collect(),
            disputes: disputes
                .into_iter()
                .map(|(from, length)| Dispute { from: day(from), until: length.map(|l| day(from + l)) })
                .collect(),
        })
}

proptest! {
    #[test]
    fn never_panics_nor_claims_negative_interest(claim in claims(), debt in debts(), as_of in 0i64..3_700) {
        let rates = RateTable::shipped().unwrap();
        let outcome = late_payment(&claim, &debt, &[], day(as_of), &rates);
        prop_assert!(outcome.interest() >= Decimal::ZERO);
        prop_assert!(outcome.compensation() >= Decimal::ZERO);
        if let Some(figures) = outcome.figures() {
            let summed: Decimal = figures.periods.iter().map(|p| p.amount).sum();
            prop_assert_eq!(summed, figures.interest);
            prop_assert_eq!(figures.interest_days, figures.periods.iter().map(|p| p.days).sum::<i64>());
            prop_assert!(figures.periods.iter().all(|p| p.days > 0 && p.principal > Decimal::ZERO && p.from <= p.to));
        }
    }
}
