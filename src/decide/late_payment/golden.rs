//! Worked cases, each figure computed by hand from the published formula and written out beside
//! it: interest = principal × rate% × days / 365 per period, each period rounded half-up to the
//! penny, summed. Days run from the day after the due date to the day computed for, both
//! included; a payment dated D counts on D and reduces the principal from D + 1.
//!
//! The rates come from a table written here (the shipped table's figures for the half-years used,
//! as entered when these cases were worked), not from the shipped table itself, so that
//! correcting the shipped table never changes these answers: they test the arithmetic, not the
//! figures.

use jiff::civil::{Date, date};
use rust_decimal::Decimal;

use super::*;
use crate::plan::{ContractualRate, RatePeriod};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn table() -> RateTable {
    let half = |text: &str| text.parse::<HalfYear>().unwrap();
    RateTable::from_rates([
        (Reference::BankOfEngland, half("2023-H1"), d("3.50")),
        (Reference::BankOfEngland, half("2023-H2"), d("5.00")),
        (Reference::BankOfEngland, half("2024-H1"), d("5.25")),
        (Reference::BankOfEngland, half("2024-H2"), d("5.25")),
        (Reference::BankOfEngland, half("2025-H1"), d("4.75")),
        (Reference::EcbMainRefinancing, half("2023-H1"), d("2.50")),
        (Reference::EcbMainRefinancing, half("2023-H2"), d("4.00")),
        (Reference::EcbMainRefinancing, half("2024-H1"), d("4.50")),
        (Reference::EcbMainRefinancing, half("2024-H2"), d("4.25")),
        (Reference::EcbMainRefinancing, half("2025-H1"), d("3.15")),
        (Reference::Basiszinssatz, half("2024-H1"), d("3.62")),
        (Reference::Basiszinssatz, half("2024-H2"), d("3.37")),
    ])
}

fn uk() -> Claim {
    Claim { law: Some(Law::UkLatePaymentAct), contractual_rate: None, except_group: None }
}

fn eu() -> Claim {
    Claim { law: Some(Law::EuLatePaymentDirective), contractual_rate: None, except_group: None }
}

fn germany() -> Claim {
    Claim { law: Some(Law::EuLatePaymentDirectiveGermany), contractual_rate: None, except_group: None }
}

fn contractual(law: Option<Law>, percent: &str, per: RatePeriod) -> Claim {
    Claim { law, contractual_rate: Some(ContractualRate { percent: d(percent), per }), except_group: None }
}

fn debt(currency: &str, total: &str, due: Date) -> Debt {
    Debt {
        currency: CurrencyCode::parse(currency).unwrap(),
        total: d(total),
        due_date: due,
        reductions: Vec::new(),
        disputes: Vec::new(),
    }
}

fn paid(mut debt: Debt, on: Date, amount: &str) -> Debt {
    debt.reductions.push(Reduction { date: on, amount: d(amount) });
    debt
}

fn disputed(mut debt: Debt, from: Date, until: Option<Date>) -> Debt {
    debt.disputes.push(Dispute { from, until });
    debt
}

struct Case {
    name: &'static str,
    claim: Claim,
    debt: Debt,
    as_of: Date,
    interest: &'static str,
    compensation: &'static str,
    days: i64,
    rates: &'static [&'static str],
    /// Each period's (from, to, principal, rate, days, amount), when worth spelling out.
    periods: Vec<(Date, Date, &'static str, &'static str, i64, &'static str)>,
}

fn cases() -> Vec<Case> {
    vec![
        // Due 2024-03-15, so 2024-H1: Bank Rate 5.25 + 8 = 13.25%. 16 Mar–14 Apr = 16 + 14 = 30 days.
        // 1000 × 13.25 × 30 / 36500 = 397500 / 36500 = 10.8904… → 10.89. £1,000 is in the £70 band.
        Case {
            name: "uk-simple",
            claim: uk(),
            debt: debt("GBP", "1000.00", date(2024, 3, 15)),
            as_of: date(2024, 4, 14),
            interest: "10.89",
            compensation: "70",
            days: 30,
            rates: &["13.25"],
            periods: vec![],
        },
        // 2023-H2: 5.00 + 8 = 13%. Sep 30 + Oct 31 + Nov 30 + Dec 31 = 122 days.
        // 999.99 × 13 = 12999.87; × 122 = 1585984.14; / 36500 = 43.4516… → 43.45. Under £1,000: £40.
        Case {
            name: "uk-999.99",
            claim: uk(),
            debt: debt("GBP", "999.99", date(2023, 8, 31)),
            as_of: date(2023, 12, 31),
            interest: "43.45",
            compensation: "40",
            days: 122,
            rates: &["13.00"],
            periods: vec![],
        },
        // 2025-H1: 4.75 + 8 = 12.75%. 1–28 Feb 2025 + 1–2 Mar = 30 days.
        // 9999.99 × 12.75 = 127499.8725; × 30 = 3824996.175; / 36500 = 104.7944… → 104.79. £70.
        Case {
            name: "uk-9999.99",
            claim: uk(),
            debt: debt("GBP", "9999.99", date(2025, 1, 31)),
            as_of: date(2025, 3, 2),
            interest: "104.79",
            compensation: "70",
            days: 30,
            rates: &["12.75"],
            periods: vec![],
        },
        // As above: 10000 × 12.75 × 30 / 36500 = 3825000 / 36500 = 104.7945… → 104.79. £10,000: £100.
        Case {
            name: "uk-10000",
            claim: uk(),
            debt: debt("GBP", "10000.00", date(2025, 1, 31)),
            as_of: date(2025, 3, 2),
            interest: "104.79",
            compensation: "100",
            days: 30,
            rates: &["12.75"],
            periods: vec![],
        },
        // Due in 2023-H1: 3.50 + 8 = 11.50%, kept after 1 July (the UK rate is fixed for the debt).
        // 16 Jun–5 Jul (payment day counts) = 15 + 5 = 20 days on 5000: 1150000 / 36500 = 31.5068… → 31.51.
        // 6 Jul–4 Aug = 26 + 4 = 30 days on 3000: 3000 × 11.5 × 30 = 1035000 / 36500 = 28.3561… → 28.36.
        // 31.51 + 28.36 = 59.87; £5,000 as invoiced: £70.
        Case {
            name: "uk-partial-payment-rate-fixed",
            claim: uk(),
            debt: paid(debt("GBP", "5000.00", date(2023, 6, 15)), date(2023, 7, 5), "2000.00"),
            as_of: date(2023, 8, 4),
            interest: "59.87",
            compensation: "70",
            days: 50,
            rates: &["11.50"],
            periods: vec![
                (date(2023, 6, 16), date(2023, 7, 5), "5000.00", "11.50", 20, "31.51"),
                (date(2023, 7, 6), date(2023, 8, 4), "3000.00", "11.50", 30, "28.36"),
            ],
        },
        // 2024-H1: 13.25%. Disputed 10–19 Feb (10 days) accrue nothing. 2024 is a leap year.
        // 1–9 Feb = 9 days: 2400 × 13.25 × 9 = 286200 / 36500 = 7.8410… → 7.84.
        // 20 Feb–1 Mar = 10 + 1 = 11 days: 2400 × 13.25 × 11 = 349800 / 36500 = 9.5835… → 9.58.
        // 7.84 + 9.58 = 17.42; £70.
        Case {
            name: "uk-dispute",
            claim: uk(),
            debt: disputed(debt("GBP", "2400.00", date(2024, 1, 31)), date(2024, 2, 10), Some(date(2024, 2, 19))),
            as_of: date(2024, 3, 1),
            interest: "17.42",
            compensation: "70",
            days: 20,
            rates: &["13.25"],
            periods: vec![
                (date(2024, 2, 1), date(2024, 2, 9), "2400.00", "13.25", 9, "7.84"),
                (date(2024, 2, 20), date(2024, 3, 1), "2400.00", "13.25", 11, "9.58"),
            ],
        },
        // The same dispute still open: only 1–9 Feb accrue, 7.84.
        Case {
            name: "uk-open-dispute",
            claim: uk(),
            debt: disputed(debt("GBP", "2400.00", date(2024, 1, 31)), date(2024, 2, 10), None),
            as_of: date(2024, 3, 1),
            interest: "7.84",
            compensation: "70",
            days: 9,
            rates: &["13.25"],
            periods: vec![],
        },
        // Paid in full 10 days late: 1–10 May = 10 days. 800 × 13.25 × 10 = 106000 / 36500 = 2.9041… → 2.90.
        // Nothing accrues after the payment, however late the day computed for. Under £1,000: £40.
        Case {
            name: "uk-paid-late",
            claim: uk(),
            debt: paid(debt("GBP", "800.00", date(2024, 4, 30)), date(2024, 5, 10), "800.00"),
            as_of: date(2024, 6, 30),
            interest: "2.90",
            compensation: "40",
            days: 10,
            rates: &["13.25"],
            periods: vec![],
        },
        // A credit of 600 before the due date: interest runs on 900, compensation is banded on the
        // 1,500 invoiced (£70). 1–30 May = 30 days: 900 × 13.25 × 30 = 357750 / 36500 = 9.8013… → 9.80.
        Case {
            name: "uk-credit-before-due",
            claim: uk(),
            debt: paid(debt("GBP", "1500.00", date(2024, 4, 30)), date(2024, 4, 20), "600.00"),
            as_of: date(2024, 5, 30),
            interest: "9.80",
            compensation: "70",
            days: 30,
            rates: &["13.25"],
            periods: vec![],
        },
        // The Directive's rate follows the half-years: 2024-H1 ECB 4.50 + 8 = 12.50%, 2024-H2 4.25 + 8 = 12.25%.
        // 1–30 Jun = 30 days: 10000 × 12.5 × 30 = 3750000 / 36500 = 102.7397… → 102.74.
        // 1–30 Jul = 30 days: 10000 × 12.25 × 30 = 3675000 / 36500 = 100.6849… → 100.68.
        // 102.74 + 100.68 = 203.42; €40.
        Case {
            name: "eu-half-years",
            claim: eu(),
            debt: debt("EUR", "10000.00", date(2024, 5, 31)),
            as_of: date(2024, 7, 30),
            interest: "203.42",
            compensation: "40",
            days: 60,
            rates: &["12.50", "12.25"],
            periods: vec![
                (date(2024, 6, 1), date(2024, 6, 30), "10000.00", "12.50", 30, "102.74"),
                (date(2024, 7, 1), date(2024, 7, 30), "10000.00", "12.25", 30, "100.68"),
            ],
        },
        // A payment on 30 Jun and the new half-year on 1 Jul change principal and rate together.
        // 2023-H1 ECB 2.50 + 8 = 10.50%: 21–30 Jun = 10 days on 4000: 420000 / 36500 = 11.5068… → 11.51.
        // 2023-H2 4.00 + 8 = 12%: 1–9 Jul = 9 days on 3000: 324000 / 36500 = 8.8767… → 8.88.
        // 11.51 + 8.88 = 20.39; €40.
        Case {
            name: "eu-payment-at-half-year",
            claim: eu(),
            debt: paid(debt("EUR", "4000.00", date(2023, 6, 20)), date(2023, 6, 30), "1000.00"),
            as_of: date(2023, 7, 9),
            interest: "20.39",
            compensation: "40",
            days: 19,
            rates: &["10.50", "12.00"],
            periods: vec![
                (date(2023, 6, 21), date(2023, 6, 30), "4000.00", "10.50", 10, "11.51"),
                (date(2023, 7, 1), date(2023, 7, 9), "3000.00", "12.00", 9, "8.88"),
            ],
        },
        // Germany: 9 points over the Basiszinssatz. 2024-H1 3.62 + 9 = 12.62%, 2024-H2 3.37 + 9 = 12.37%.
        // 16–30 Jun = 15 days: 3000 × 12.62 × 15 = 567900 / 36500 = 15.5589… → 15.56.
        // 1–15 Jul = 15 days: 3000 × 12.37 × 15 = 556650 / 36500 = 15.2506… → 15.25.
        // 15.56 + 15.25 = 30.81; €40.
        Case {
            name: "germany",
            claim: germany(),
            debt: debt("EUR", "3000.00", date(2024, 6, 15)),
            as_of: date(2024, 7, 15),
            interest: "30.81",
            compensation: "40",
            days: 30,
            rates: &["12.62", "12.37"],
            periods: vec![],
        },
        // 2% a month is 24% a year, in any currency, without compensation. 11–31 Jan + 1–9 Feb = 30 days.
        // 1200 × 24 × 30 = 864000 / 36500 = 23.6712… → 23.67.
        Case {
            name: "contractual-monthly",
            claim: contractual(None, "2", RatePeriod::Month),
            debt: debt("NZD", "1200.00", date(2025, 1, 10)),
            as_of: date(2025, 2, 9),
            interest: "23.67",
            compensation: "0",
            days: 30,
            rates: &["24"],
            periods: vec![],
        },
        // 12% a year replaces the Act's rate; the Act's compensation stays (£70).
        // 1000 × 12 × 30 = 360000 / 36500 = 9.8630… → 9.86.
        Case {
            name: "contractual-with-uk",
            claim: contractual(Some(Law::UkLatePaymentAct), "12", RatePeriod::Year),
            debt: debt("GBP", "1000.00", date(2024, 3, 15)),
            as_of: date(2024, 4, 14),
            interest: "9.86",
            compensation: "70",
            days: 30,
            rates: &["12"],
            periods: vec![],
        },
        // Everything at once under the Directive. Paid 1,500 on 10 Jun; disputed 20 Jun–5 Jul.
        // 16 May–10 Jun = 16 + 10 = 26 days on 6000 at 12.50%: 1950000 / 36500 = 53.4246… → 53.42.
        // 11–19 Jun = 9 days on 4500 at 12.50%: 506250 / 36500 = 13.8698… → 13.87.
        // 20 Jun–5 Jul disputed: nothing (and the new half-year's rate starts inside it).
        // 6–31 Jul = 26 days on 4500 at 12.25%: 4500 × 12.25 = 55125; × 26 = 1433250 / 36500 = 39.2671… → 39.27.
        // 53.42 + 13.87 + 39.27 = 106.56 over 26 + 9 + 26 = 61 days; €40.
        Case {
            name: "eu-payment-dispute-half-years",
            claim: eu(),
            debt: disputed(
                paid(debt("EUR", "6000.00", date(2024, 5, 15)), date(2024, 6, 10), "1500.00"),
                date(2024, 6, 20),
                Some(date(2024, 7, 5)),
            ),
            as_of: date(2024, 7, 31),
            interest: "106.56",
            compensation: "40",
            days: 61,
            rates: &["12.50", "12.25"],
            periods: vec![
                (date(2024, 5, 16), date(2024, 6, 10), "6000.00", "12.50", 26, "53.42"),
                (date(2024, 6, 11), date(2024, 6, 19), "4500.00", "12.50", 9, "13.87"),
                (date(2024, 7, 6), date(2024, 7, 31), "4500.00", "12.25", 26, "39.27"),
            ],
        },
        // A leap-year February, and a figure that lands on half a penny: 16–29 Feb = 14 days, 1–15 Mar
        // = 15, 29 days in all, still divided by 365. 3650 × 13.25 × 29 / 36500 = 0.1 × 13.25 × 29
        // = 38.425 exactly → 38.43 (half-up; bankers' rounding would give 38.42). £3,650: £70.
        Case {
            name: "uk-leap-year-half-penny",
            claim: uk(),
            debt: debt("GBP", "3650.00", date(2024, 2, 15)),
            as_of: date(2024, 3, 15),
            interest: "38.43",
            compensation: "70",
            days: 29,
            rates: &["13.25"],
            periods: vec![],
        },
        // Exactly half a penny rounds up: 18.25 × 10 × 1 = 182.5 / 36500 = 0.005 → 0.01.
        Case {
            name: "half-a-penny-rounds-up",
            claim: contractual(None, "10", RatePeriod::Year),
            debt: debt("NZD", "18.25", date(2025, 1, 10)),
            as_of: date(2025, 1, 11),
            interest: "0.01",
            compensation: "0",
            days: 1,
            rates: &["10"],
            periods: vec![],
        },
    ]
}

#[test]
fn every_worked_case_matches_to_the_penny() {
    let rates = table();
    for case in cases() {
        let outcome = late_payment(&case.claim, &case.debt, &[], case.as_of, &rates);
        let Some(figures) = outcome.figures() else {
            panic!("{}: no claim: {outcome:?}", case.name);
        };
        assert_eq!(figures.interest, d(case.interest), "{}: interest", case.name);
        assert_eq!(figures.compensation, d(case.compensation), "{}: compensation", case.name);
        assert_eq!(figures.claim_total, d(case.interest) + d(case.compensation), "{}: claim total", case.name);
        assert_eq!(figures.interest_days, case.days, "{}: days", case.name);
        let rates: Vec<Decimal> = case.rates.iter().map(|r| d(r)).collect();
        assert_eq!(figures.rates, rates, "{}: rates", case.name);
        assert_eq!(outcome.interest_rate(), rates.last().copied(), "{}: interest rate", case.name);
        let summed: Decimal = figures.periods.iter().map(|p| p.amount).sum();
        assert_eq!(summed, figures.interest, "{}: the periods add up", case.name);
        if !case.periods.is_empty() {
            let periods: Vec<_> =
                figures.periods.iter().map(|p| (p.from, p.to, p.principal, p.rate, p.days, p.amount)).collect();
            let expected: Vec<_> = case
                .periods
                .iter()
                .map(|&(from, to, principal, rate, days, amount)| (from, to, d(principal), d(rate), days, d(amount)))
                .collect();
            assert_eq!(periods, expected, "{}: periods", case.name);
        }
    }
}

#[test]
fn paid_in_full_by_the_due_date_or_not_yet_due_is_not_late() {
    let rates = table();
    let on_time = paid(debt("GBP", "800.00", date(2024, 4, 30)), date(2024, 4, 30), "800.00");
    let outcome = late_payment(&uk(), &on_time, &[], date(2024, 6, 30), &rates);
    assert_eq!(outcome, LatePayment::NotClaimed { reason: NoClaim::NotLate });
    let not_yet = debt("GBP", "800.00", date(2024, 4, 30));
    let outcome = late_payment(&uk(), &not_yet, &[], date(2024, 4, 30), &rates);
    assert_eq!(outcome, LatePayment::NotClaimed { reason: NoClaim::NotLate });
    assert_eq!(outcome.claim_total(), Decimal::ZERO);
}

#[test]
fn other_currencies_and_the_excepted_group_are_not_claimed_from() {
    let rates = table();
    let euros = debt("EUR", "1000.00", date(2024, 3, 15));
    let outcome = late_payment(&uk(), &euros, &[], date(2024, 4, 14), &rates);
    assert_eq!(
        outcome,
        LatePayment::NotClaimed {
            reason: NoClaim::OtherCurrency { law: Law::UkLatePaymentAct, currency: CurrencyCode::EUR }
        }
    );
    let pounds = debt("GBP", "1000.00", date(2024, 3, 15));
    let outcome = late_payment(&eu(), &pounds, &[], date(2024, 4, 14), &rates);
    assert!(matches!(outcome, LatePayment::NotClaimed { reason: NoClaim::OtherCurrency { .. } }));
    let sparing = Claim { except_group: Some("Consumers".into()), ..uk() };
    let outcome = late_payment(&sparing, &pounds, &["Retail", "consumers"], date(2024, 4, 14), &rates);
    assert_eq!(outcome, LatePayment::NotClaimed { reason: NoClaim::ExceptedGroup { group: "Consumers".into() } });
    let outcome = late_payment(&sparing, &pounds, &["Retail"], date(2024, 4, 14), &rates);
    assert_eq!(outcome.claim_total(), d("80.89"));
}

#[test]
fn a_half_year_the_table_lacks_claims_nothing_and_says_which() {
    let rates = table();
    let half = |text: &str| text.parse::<HalfYear>().unwrap();
    let late_2026 = debt("GBP", "1000.00", date(2026, 8, 1));
    let outcome = late_payment(&uk(), &late_2026, &[], date(2026, 9, 1), &rates);
    assert_eq!(
        outcome.missing_rate(),
        Some(MissingRate { reference: Reference::BankOfEngland, half_year: half("2026-H2") })
    );
    assert_eq!(outcome.claim_total(), Decimal::ZERO);
    // The Directive needs each half-year interest runs in: 2025-H1 is known, 2025-H2 is not.
    let crossing = debt("EUR", "1000.00", date(2025, 5, 31));
    let outcome = late_payment(&eu(), &crossing, &[], date(2025, 7, 10), &rates);
    assert_eq!(
        outcome.missing_rate(),
        Some(MissingRate { reference: Reference::EcbMainRefinancing, half_year: half("2025-H2") })
    );
    assert!(outcome.missing_rate().unwrap().to_string().contains("[rates.ecb_main_refinancing]"));
    // A contract's rate needs no table.
    let contract = contractual(None, "2", RatePeriod::Month);
    assert!(late_payment(&contract, &late_2026, &[], date(2026, 9, 1), &rates).figures().is_some());
}
