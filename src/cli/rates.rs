//! `collectiq rates`: the late-payment reference rates in use — the shipped table with the
//! configuration's `[rates]` laid over it — so that a credit controller can check each figure
//! against its source before a claim goes out.

use rust_decimal::Decimal;
use serde::Serialize;

use super::context::{Global, config};
use super::error::CommandError;
use super::output::fail;
use super::{Format, Outcome};
use crate::decide::late_payment::{Origin, RateTable};

#[derive(clap::Args, Debug)]
pub struct RatesArgs {
    /// For people, or JSON.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Serialize)]
struct Shown {
    checked: String,
    status: String,
    references: Vec<ShownSeries>,
}

#[derive(Serialize)]
struct ShownSeries {
    reference: &'static str,
    title: &'static str,
    source: String,
    in_force_on: String,
    rates: Vec<ShownRate>,
}

#[derive(Serialize)]
struct ShownRate {
    half_year: String,
    percent: Decimal,
    origin: Origin,
}

pub fn run(global: &Global, args: RatesArgs) -> Outcome {
    let table = config(global).and_then(|config| RateTable::in_use(&config.rates).map_err(CommandError::from));
    let table = match table {
        Ok(table) => table,
        Err(error) => return fail(error),
    };
    let shown = shown(&table);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&shown).unwrap_or_default()),
        Format::Human => print!("{}", human(&shown)),
    }
    Outcome::Clean
}

fn shown(table: &RateTable) -> Shown {
    let references = table
        .series
        .iter()
        .map(|series| ShownSeries {
            reference: series.reference.key(),
            title: series.reference.title(),
            source: series.source.clone(),
            in_force_on: series.in_force_on.clone(),
            rates: series
                .rates
                .iter()
                .map(|(half, (percent, origin))| ShownRate {
                    half_year: half.to_string(),
                    percent: *percent,
                    origin: *origin,
                })
                .collect(),
        })
        .collect();
    Shown { checked: table.checked.clone(), status: table.status.clone(), references }
}

fn human(shown: &Shown) -> String {
    let mut text = format!("Late-payment reference rates, per half-year ({}).\n", shown.status);
    for series in &shown.references {
        text.push_str(&format!(
            "\n{} [rates.{}]: the rate in force on the {}\n  {}\n",
            series.title, series.reference, series.in_force_on, series.source
        ));
        for rate in &series.rates {
            let from = match rate.origin {
                Origin::Shipped => "",
                Origin::Configured => "   (collectiq.toml)",
            };
            text.push_str(&format!("  {}  {:>6}%{from}\n", rate.half_year, rate.percent));
        }
    }
    text.push_str(
        "\nA half-year not listed claims no interest and warns. Add or correct one in collectiq.toml:\n  [rates.bank_of_england]\n  \"2026-H2\" = \"3.75\"\n",
    );
    text
}
