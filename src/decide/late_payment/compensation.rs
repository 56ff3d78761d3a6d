//! Fixed compensation per late invoice: banded on the amount as invoiced under the UK Act, a flat
//! €40 under the Directive (the minimum it sets, which Germany's BGB § 288(5) keeps).

use rust_decimal::Decimal;

use crate::plan::Law;

/// The compensation `law` sets for a late invoice of `total` (as invoiced, in the law's currency).
pub fn compensation(law: Law, total: Decimal) -> Decimal {
    match law {
        // Act s.5A: £40 under £1,000; £70 from £1,000 to £9,999.99; £100 from £10,000.
        Law::UkLatePaymentAct if total < Decimal::from(1_000) => Decimal::from(40),
        Law::UkLatePaymentAct if total < Decimal::from(10_000) => Decimal::from(70),
        Law::UkLatePaymentAct => Decimal::from(100),
        Law::EuLatePaymentDirective | Law::EuLatePaymentDirectiveGermany => Decimal::from(40),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pounds(text: &str) -> Decimal {
        compensation(Law::UkLatePaymentAct, text.parse().unwrap())
    }

    #[test]
    fn the_uk_bands_meet_at_a_thousand_and_ten_thousand() {
        assert_eq!(pounds("0.01"), Decimal::from(40));
        assert_eq!(pounds("999.99"), Decimal::from(40));
        assert_eq!(pounds("1000"), Decimal::from(70));
        assert_eq!(pounds("9999.99"), Decimal::from(70));
        assert_eq!(pounds("10000"), Decimal::from(100));
        assert_eq!(pounds("250000"), Decimal::from(100));
        assert_eq!(compensation(Law::EuLatePaymentDirective, Decimal::from(50_000)), Decimal::from(40));
        assert_eq!(compensation(Law::EuLatePaymentDirectiveGermany, Decimal::from(10)), Decimal::from(40));
    }
}
