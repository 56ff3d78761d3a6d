//! The reference-rates table: one rate per half-year for each published reference rate, shipped
//! in `rates.toml` (with its sources and the day it was last checked) and overridable half-year by
//! half-year from `collectiq.toml`. A half-year the table lacks is reported, never guessed.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::half_year::HalfYear;

/// The table as shipped. Read at compile time so that the pure core needs no file.
const SHIPPED: &str = include_str!("rates.toml");

/// A published reference rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// Bank Rate, for the UK Act.
    BankOfEngland,
    /// The ECB's main refinancing rate, for the Directive.
    EcbMainRefinancing,
    /// The Bundesbank's Basiszinssatz (BGB § 247), for Germany.
    Basiszinssatz,
}

impl Reference {
    pub const ALL: [Reference; 3] = [Reference::BankOfEngland, Reference::EcbMainRefinancing, Reference::Basiszinssatz];

    /// The name of its table in `rates.toml` and under `[rates]` in `collectiq.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Reference::BankOfEngland => "bank_of_england",
            Reference::EcbMainRefinancing => "ecb_main_refinancing",
            Reference::Basiszinssatz => "basiszinssatz",
        }
    }

    /// How a person names it.
    pub fn title(self) -> &'static str {
        match self {
            Reference::BankOfEngland => "Bank of England Bank Rate",
            Reference::EcbMainRefinancing => "ECB main refinancing rate",
            Reference::Basiszinssatz => "Bundesbank Basiszinssatz",
        }
    }

    fn from_key(key: &str) -> Option<Reference> {
        Reference::ALL.into_iter().find(|reference| reference.key() == key)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// Where a half-year's rate came from: the shipped table or the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Shipped,
    Configured,
}

/// One reference rate's half-years.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    pub reference: Reference,
    /// Where the figures are published.
    pub source: String,
    /// Which day's rate counts for a half-year.
    pub in_force_on: String,
    pub rates: BTreeMap<HalfYear, (Decimal, Origin)>,
}

/// Every reference rate's half-years, with when the shipped figures were last checked.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateTable {
    /// The day the shipped figures were last checked, `YYYY-MM-DD`.
    pub checked: String,
    /// How the shipped figures were entered and checked.
    pub status: String,
    pub series: Vec<Series>,
}

/// What is wrong with a table or an override.
#[derive(Debug, thiserror::Error)]
pub enum RatesError {
    #[error("the shipped rates table cannot be read: {0}")]
    Shipped(#[source] Box<toml::de::Error>),
    #[error("[rates] names \"{name}\", which is not a reference rate")]
    UnknownReference { name: String },
    #[error("[rates.{reference}] has \"{text}\", which is not a half-year such as 2026-H2")]
    BadHalfYear { reference: &'static str, text: String },
}

impl RatesError {
    /// What to do about it, in plain words.
    pub fn help(&self) -> String {
        match self {
            RatesError::Shipped(_) => "this is a bug in CollectIQ's rates.toml; please report it".into(),
            RatesError::UnknownReference { .. } => {
                let known: Vec<&str> = Reference::ALL.iter().map(|r| r.key()).collect();
                format!("the reference rates are {}", known.join(", "))
            }
            RatesError::BadHalfYear { .. } => {
                "write each rate as \"2026-H1\" = \"3.75\" (January–June) or \"2026-H2\" = … (July–December)".into()
            }
        }
    }
}

/// The overrides from `collectiq.toml`: reference key → half-year → percent, as written.
pub type Overrides = BTreeMap<String, BTreeMap<String, Decimal>>;

// No `deny_unknown_fields` here: serde does not combine it with `flatten`; the tables are
// checked by name instead, and a test reads the shipped file.
#[derive(Deserialize)]
struct ShippedFile {
    checked: String,
    status: String,
    #[serde(flatten)]
    series: BTreeMap<String, ShippedSeries>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShippedSeries {
    source: String,
    in_force_on: String,
    rates: BTreeMap<String, Decimal>,
}

impl RateTable {
    /// The table CollectIQ ships.
    pub fn shipped() -> Result<RateTable, RatesError> {
        let file: ShippedFile = toml::from_str(SHIPPED).map_err(|error| RatesError::Shipped(Box::new(error)))?;
        let mut series = Vec::new();
        for (key, shipped) in file.series {
            // A misnamed table or half-year here is CollectIQ's own mistake; a test reads the
            // file, so it never ships.
            let reference = Reference::from_key(&key).ok_or(RatesError::UnknownReference { name: key })?;
            let rates = half_years(reference, shipped.rates, Origin::Shipped)?;
            series.push(Series { reference, source: shipped.source, in_force_on: shipped.in_force_on, rates });
        }
        series.sort_by_key(|s| s.reference);
        Ok(RateTable { checked: file.checked, status: file.status, series })
    }

    /// The shipped table with `overrides` laid over it, half-year by half-year.
    pub fn with_overrides(mut self, overrides: &Overrides) -> Result<RateTable, RatesError> {
        for (key, rates) in overrides {
            let reference =
                Reference::from_key(key).ok_or_else(|| RatesError::UnknownReference { name: key.clone() })?;
            let configured = half_years(reference, rates.clone(), Origin::Configured)?;
            if let Some(series) = self.series.iter_mut().find(|s| s.reference == reference) {
                series.rates.extend(configured);
            }
        }
        Ok(self)
    }

    /// The table in use: the shipped one with the configuration's `[rates]` over it.
    pub fn in_use(overrides: &Overrides) -> Result<RateTable, RatesError> {
        RateTable::shipped()?.with_overrides(overrides)
    }

    /// The reference rate for `half`, in percent, when the table has it.
    pub fn rate(&self, reference: Reference, half: HalfYear) -> Option<Decimal> {
        self.series.iter().find(|s| s.reference == reference)?.rates.get(&half).map(|(rate, _)| *rate)
    }

    /// A table of given rates, for tests and simulations.
    pub fn from_rates(rates: impl IntoIterator<Item = (Reference, HalfYear, Decimal)>) -> RateTable {
        let mut series: Vec<Series> = Reference::ALL
            .into_iter()
            .map(|reference| Series {
                reference,
                source: String::new(),
                in_force_on: String::new(),
                rates: BTreeMap::new(),
            })
            .collect();
        for (reference, half, rate) in rates {
            if let Some(s) = series.iter_mut().find(|s| s.reference == reference) {
                s.rates.insert(half, (rate, Origin::Configured));
            }
        }
        RateTable { checked: String::new(), status: String::new(), series }
    }
}

fn half_years(
    reference: Reference,
    rates: BTreeMap<String, Decimal>,
    origin: Origin,
) -> Result<BTreeMap<HalfYear, (Decimal, Origin)>, RatesError> {
    rates
        .into_iter()
        .map(|(text, rate)| match text.parse::<HalfYear>() {
            Ok(half) => Ok((half, (rate, origin))),
            Err(()) => Err(RatesError::BadHalfYear { reference: reference.key(), text }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn half(text: &str) -> HalfYear {
        text.parse().unwrap()
    }

    #[test]
    fn the_shipped_table_reads_and_has_every_reference_from_2019() {
        let table = RateTable::shipped().unwrap();
        assert_eq!(table.checked, "2026-12-06");
        for reference in Reference::ALL {
            for year in 2019..=2025 {
                for second in [false, true] {
                    let half = HalfYear { year, second };
                    assert!(table.rate(reference, half).is_some(), "{reference} lacks {half}");
                }
            }
        }
        assert_eq!(table.rate(Reference::BankOfEngland, half("2023-H2")), Some(dec("5.00")));
        assert_eq!(table.rate(Reference::EcbMainRefinancing, half("2024-H2")), Some(dec("4.25")));
        assert_eq!(table.rate(Reference::Basiszinssatz, half("2021-H1")), Some(dec("-0.88")));
    }

    #[test]
    fn an_override_replaces_or_adds_one_half_year() {
        let overrides = Overrides::from([(
            "bank_of_england".to_string(),
            BTreeMap::from([("2026-H2".to_string(), dec("3.5")), ("2024-H1".to_string(), dec("5.0"))]),
        )]);
        let table = RateTable::shipped().unwrap().with_overrides(&overrides).unwrap();
        assert_eq!(table.rate(Reference::BankOfEngland, half("2026-H2")), Some(dec("3.5")));
        assert_eq!(table.rate(Reference::BankOfEngland, half("2024-H1")), Some(dec("5.0")));
        assert_eq!(table.rate(Reference::BankOfEngland, half("2023-H2")), Some(dec("5.00")));
    }

    #[test]
    fn a_bad_override_is_refused_with_help() {
        let unknown = Overrides::from([("boe".to_string(), BTreeMap::new())]);
        let error = RateTable::shipped().unwrap().with_overrides(&unknown).unwrap_err();
        assert!(matches!(&error, RatesError::UnknownReference { name } if name == "boe"), "{error:?}");
        assert!(error.help().contains("bank_of_england"));
        let bad = Overrides::from([("basiszinssatz".to_string(), BTreeMap::from([("2026".to_string(), dec("1"))]))]);
        let error = RateTable::shipped().unwrap().with_overrides(&bad).unwrap_err();
        assert!(matches!(error, RatesError::BadHalfYear { .. }), "{error:?}");
    }
}
