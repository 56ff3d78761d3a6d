//! `collectiq aging`: aged receivables from the store, per organisation, as a table, CSV or JSON.

use std::collections::HashMap;

use clap::ValueEnum;
use jiff::civil::Date;
use serde::Serialize;

use super::Outcome;
use super::context::{Global, choose, config};
use super::error::block_on;
use super::output::fail;
use crate::ledger::aging::{Bucket, OrganisationAging, age};
use crate::ledger::money::group_thousands;
use crate::store::connections::OrganisationRecord;
use crate::store::{Store, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum By {
    Customer,
    Invoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AgingFormat {
    Table,
    Csv,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct AgingArgs {
    /// Only this organisation (name or tenant id).
    #[arg(long, value_name = "ORG")]
    org: Option<String>,
    #[arg(long, value_enum, default_value_t = By::Customer)]
    by: By,
    /// Age as of this day (YYYY-MM-DD); today in each organisation's time zone by default.
    #[arg(long, value_name = "DATE")]
    as_of: Option<Date>,
    #[arg(long, value_enum, default_value_t = AgingFormat::Table)]
    format: AgingFormat,
}

#[derive(Serialize)]
struct Report {
    organisations: Vec<OrganisationAging>,
}

pub fn run(global: &Global, args: AgingArgs) -> Outcome {
    let report = config(global).and_then(|config| {
        block_on(async {
            let store = Store::open(&config.database).await?;
            let chosen = choose(store.organisations().await?, args.org.as_deref())?;
            let mut organisations = Vec::with_capacity(chosen.len());
            for org in &chosen {
                organisations.push(aging_of(&store, org, &args).await?);
            }
            Ok(organisations)
        })
    });
    let organisations = match report {
        Ok(organisations) => organisations,
        Err(error) => return fail(error),
    };
    match args.format {
        AgingFormat::Json => {
            println!("{}", serde_json::to_string_pretty(&Report { organisations }).unwrap_or_default());
        }
        AgingFormat::Csv => print!("{}", csv(&organisations, args.by)),
        AgingFormat::Table => print!("{}", table(&organisations, args.by)),
    }
    Outcome::Clean
}

/// Today where the organisation is.
fn today_in(org: &OrganisationRecord) -> Date {
    let zone = org
        .organisation
        .zone
        .as_deref()
        .and_then(|zone| jiff::tz::TimeZone::get(zone).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    zone.to_datetime(jiff::Timestamp::now()).date()
}

async fn aging_of(store: &Store, org: &OrganisationRecord, args: &AgingArgs) -> Result<OrganisationAging, StoreError> {
    let tenant = org.organisation.tenant_id;
    let invoices = store.open_invoices(tenant).await?;
    let names: HashMap<_, _> = store.contacts(tenant).await?.into_iter().map(|c| (c.contact_id, c.name)).collect();
    let name = |id| names.get(&id).cloned().unwrap_or_else(|| format!("(contact {id})"));
    let as_of = args.as_of.unwrap_or_else(|| today_in(org));
    Ok(age(&org.organisation, &invoices, &name, as_of, args.by == By::Invoice))
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

fn csv(organisations: &[OrganisationAging], by: By) -> String {
    let mut out = String::new();
    match by {
        By::Customer => {
            out.push_str(
                "organisation,tenant_id,base_currency,as_of,contact_id,customer,current,1-30,31-60,61-90,90+,total\n",
            );
            for org in organisations {
                for customer in &org.customers {
                    let amounts: Vec<String> =
                        Bucket::ALL.iter().map(|b| customer.buckets.get(*b).to_string()).collect();
                    out.push_str(&format!(
                        "{},{},{},{},{},{},{},{}\n",
                        csv_field(&org.name),
                        org.tenant_id,
                        org.base_currency,
                        org.as_of,
                        customer.contact_id,
                        csv_field(&customer.name),
                        amounts.join(","),
                        customer.total
                    ));
                }
            }
        }
        By::Invoice => {
            out.push_str("organisation,tenant_id,base_currency,as_of,invoice_id,number,contact_id,customer,due_date,days_past_due,bucket,currency,amount_due,amount_due_base\n");
            for org in organisations {
                for line in &org.invoices {
                    out.push_str(&format!(
                        "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                        csv_field(&org.name),
                        org.tenant_id,
                        org.base_currency,
                        org.as_of,
                        line.invoice_id,
                        csv_field(&line.number),
                        line.contact_id,
                        csv_field(&line.customer),
                        line.due_date,
                        line.days_past_due,
                        line.bucket,
                        line.currency,
                        line.amount_due,
                        line.amount_due_base
                    ));
                }
            }
        }
    }
    out
}

fn table(organisations: &[OrganisationAging], by: By) -> String {
    let mut out = String::new();
    for org in organisations {
        out.push_str(&format!("{} — aged receivables in {} as of {}\n\n", org.name, org.base_currency, org.as_of));
        let money = |amount| group_thousands(amount);
        match by {
            By::Customer => {
                let mut rows: Vec<Vec<String>> = vec![
                    ["Customer", "Current", "1-30", "31-60", "61-90", "90+", "Total"]
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                ];
                for customer in &org.customers {
                    let mut row = vec![customer.name.clone()];
                    row.extend(Bucket::ALL.iter().map(|b| money(customer.buckets.get(*b))));
                    row.push(money(customer.total));
                    rows.push(row);
                }
                let mut total = vec!["Total".to_string()];
                total.extend(Bucket::ALL.iter().map(|b| money(org.buckets.get(*b))));
                total.push(money(org.total));
                rows.push(total);
                out.push_str(&columns(&rows));
            }
            By::Invoice => {
                let mut rows: Vec<Vec<String>> = vec![
                    ["Invoice", "Customer", "Due", "Days over", "Bucket", "Owed", &format!("In {}", org.base_currency)]
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                ];
                for line in &org.invoices {
                    rows.push(vec![
                        line.number.clone(),
                        line.customer.clone(),
                        line.due_date.to_string(),
                        line.days_past_due.to_string(),
                        line.bucket.to_string(),
                        format!("{} {}", line.currency, money(line.amount_due)),
                        money(line.amount_due_base),
                    ]);
                }
                out.push_str(&columns(&rows));
                out.push_str(&format!("\nTotal owed: {} {}\n", org.base_currency, money(org.total)));
            }
        }
        out.push('\n');
    }
    out
}

/// Left-aligned first column, the rest right-aligned, as accountants read figures.
fn columns(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(
                |(c, cell)| {
                    if c == 0 { format!("{cell:<w$}", w = widths[c]) } else { format!("{cell:>w$}", w = widths[c]) }
                },
            )
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
