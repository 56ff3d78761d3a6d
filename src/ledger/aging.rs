//! Aged receivables: what customers owe, by how long it has been overdue. Open invoices
//! (AUTHORISED, with something due) fall in `current`, `1-30`, `31-60`, `61-90` or `90+` days past
//! their due date, in the organisation's base currency (amount ÷ CurrencyRate, as Xero converts).

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::records::{Invoice, Organisation};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bucket {
    Current,
    Days1To30,
    Days31To60,
    Days61To90,
    Over90,
}

impl Bucket {
    pub const ALL: [Bucket; 5] =
        [Bucket::Current, Bucket::Days1To30, Bucket::Days31To60, Bucket::Days61To90, Bucket::Over90];

    /// The bucket for an invoice this many days past its due date (zero or less: not yet due).
    pub fn for_days_past_due(days: i64) -> Bucket {
        match days {
            ..=0 => Bucket::Current,
            1..=30 => Bucket::Days1To30,
            31..=60 => Bucket::Days31To60,
            61..=90 => Bucket::Days61To90,
            _ => Bucket::Over90,
        }
    }

    /// The bucket's name in a document a customer reads: `Current`, `1–30 days`, `Over 90 days`.
    pub fn words(self) -> &'static str {
        match self {
            Bucket::Current => "Current",
            Bucket::Days1To30 => "1–30 days",
            Bucket::Days31To60 => "31–60 days",
            Bucket::Days61To90 => "61–90 days",
            Bucket::Over90 => "Over 90 days",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Bucket::Current => "current",
            Bucket::Days1To30 => "1-30",
            Bucket::Days31To60 => "31-60",
            Bucket::Days61To90 => "61-90",
            Bucket::Over90 => "90+",
        }
    }
}

/// An amount per bucket. Serialised as `{"current": "12.50", "1-30": "0", …}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Buckets([Decimal; 5]);

impl Buckets {
    pub fn add(&mut self, bucket: Bucket, amount: Decimal) {
        let slot = &mut self.0[bucket as usize];
        *slot = slot.checked_add(amount).unwrap_or(Decimal::MAX);
    }

    /// The amount in a bucket, in cents (`0.00`, not `0`).
    pub fn get(&self, bucket: Bucket) -> Decimal {
        cents(self.0[bucket as usize])
    }

    pub fn total(&self) -> Decimal {
        cents(self.0.iter().fold(Decimal::ZERO, |sum, amount| sum.checked_add(*amount).unwrap_or(Decimal::MAX)))
    }
}

impl Serialize for Buckets {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(5))?;
        for bucket in Bucket::ALL {
            map.serialize_entry(bucket.label(), &self.get(bucket).to_string())?;
        }
        map.end()
    }
}

fn cents(mut amount: Decimal) -> Decimal {
    amount.rescale(2);
    amount
}

fn as_text<S: serde::Serializer>(amount: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(amount)
}

#[derive(Clone, Debug, Serialize)]
pub struct CustomerAging {
    pub contact_id: Uuid,
    pub name: String,
    pub buckets: Buckets,
    #[serde(serialize_with = "as_text")]
    pub total: Decimal,
}

#[derive(Clone, Debug, Serialize)]
pub struct InvoiceAging {
    pub invoice_id: Uuid,
    pub number: String,
    pub contact_id: Uuid,
    pub customer: String,
    pub due_date: Date,
    pub days_past_due: i64,
    pub bucket: &'static str,
    pub currency: String,
    /// In the invoice's own currency.
    #[serde(serialize_with = "as_text")]
    pub amount_due: Decimal,
    /// In the organisation's base currency.
    #[serde(serialize_with = "as_text")]
    pub amount_due_base: Decimal,
}

#[derive(Clone, Debug, Serialize)]
pub struct OrganisationAging {
    pub tenant_id: Uuid,
    pub name: String,
    pub base_currency: String,
    pub as_of: Date,
    pub buckets: Buckets,
    #[serde(serialize_with = "as_text")]
    pub total: Decimal,
    pub customers: Vec<CustomerAging>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invoices: Vec<InvoiceAging>,
}

/// Ages `invoices` (one organisation's sales invoices) as of a day in the organisation's zone.
/// `customer_name` names a contact; customers come largest balance first.
pub fn age(
    organisation: &Organisation,
    invoices: &[Invoice],
    customer_name: &dyn Fn(Uuid) -> String,
    as_of: Date,
    with_invoices: bool,
) -> OrganisationAging {
    let mut buckets = Buckets::default();
    let mut by_customer: BTreeMap<Uuid, Buckets> = BTreeMap::new();
    let mut lines = Vec::new();
    for invoice in invoices.iter().filter(|invoice| invoice.is_open()) {
        let days = (as_of - invoice.due_date).get_days() as i64;
        let bucket = Bucket::for_days_past_due(days);
        let amount = invoice.amount_due_in_base();
        buckets.add(bucket, amount);
        by_customer.entry(invoice.contact_id).or_default().add(bucket, amount);
        if with_invoices {
            lines.push(InvoiceAging {
                invoice_id: invoice.invoice_id,
                number: invoice.number.to_string(),
                contact_id: invoice.contact_id,
                customer: customer_name(invoice.contact_id),
                due_date: invoice.due_date,
                days_past_due: days.max(0),
                bucket: bucket.label(),
                currency: invoice.currency.to_string(),
                amount_due: invoice.amount_due,
                amount_due_base: amount,
            });
        }
    }
    let mut customers: Vec<CustomerAging> = by_customer
        .into_iter()
        .map(|(contact_id, buckets)| CustomerAging {
            contact_id,
            name: customer_name(contact_id),
            total: buckets.total(),
            buckets,
        })
        .collect();
    customers.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
    lines.sort_by(|a, b| b.days_past_due.cmp(&a.days_past_due).then_with(|| a.number.cmp(&b.number)));
    OrganisationAging {
        tenant_id: organisation.tenant_id,
        name: organisation.name.clone(),
        base_currency: organisation.base_currency.clone(),
        as_of,
        total: buckets.total(),
        buckets,
        customers,
        invoices: lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn invoice(due: &str, amount: &str, rate: &str, status: &str, contact: u128) -> Invoice {
        Invoice {
            tenant_id: Uuid::nil(),
            invoice_id: Uuid::from_u128(fastrand::u128(..)),
            number: format!("INV-{due}").into(),
            reference: None,
            contact_id: Uuid::from_u128(contact),
            status: status.into(),
            date: "2026-01-01".parse().unwrap(),
            due_date: due.parse().unwrap(),
            currency: "NZD".into(),
            currency_rate: dec(rate),
            total: dec(amount),
            amount_due: dec(amount),
            amount_paid: Decimal::ZERO,
            amount_credited: Decimal::ZERO,
            expected_payment_date: None,
            fully_paid_on: None,
            repeating_invoice_id: None,
            updated: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn buckets_have_xeros_edges() {
        assert_eq!(Bucket::for_days_past_due(-5), Bucket::Current);
        assert_eq!(Bucket::for_days_past_due(0), Bucket::Current);
        assert_eq!(Bucket::for_days_past_due(1), Bucket::Days1To30);
        assert_eq!(Bucket::for_days_past_due(30), Bucket::Days1To30);
        assert_eq!(Bucket::for_days_past_due(31), Bucket::Days31To60);
        assert_eq!(Bucket::for_days_past_due(90), Bucket::Days61To90);
        assert_eq!(Bucket::for_days_past_due(91), Bucket::Over90);
    }

    #[test]
    fn ages_open_invoices_in_the_base_currency() {
        let org = Organisation {
            tenant_id: Uuid::nil(),
            name: "Harbour".into(),
            base_currency: "NZD".into(),
            timezone: None,
            zone: None,
            short_code: None,
            reminders_enabled: None,
            country_code: None,
        };
        let invoices = vec![
            invoice("2026-11-30", "100.00", "1", "AUTHORISED", 1),
            invoice("2026-11-01", "50.00", "0.5", "AUTHORISED", 1),
            invoice("2026-07-01", "10.00", "1", "AUTHORISED", 2),
            invoice("2026-07-01", "999.00", "1", "PAID", 2),
            invoice("2026-07-01", "999.00", "1", "DRAFT", 2),
        ];
        let name = |id: Uuid| format!("customer {}", id.as_u128());
        let report = age(&org, &invoices, &name, "2026-11-25".parse().unwrap(), true);
        assert_eq!(report.buckets.get(Bucket::Current), dec("100.00"));
        assert_eq!(report.buckets.get(Bucket::Days1To30), dec("100.00"), "50 at 0.5 is 100 in NZD");
        assert_eq!(report.buckets.get(Bucket::Over90), dec("10.00"));
        assert_eq!(report.total, dec("210.00"));
        assert_eq!(report.customers[0].name, "customer 1");
        assert_eq!(report.customers[0].total, dec("200.00"));
        assert_eq!(report.invoices.len(), 3);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["buckets"]["1-30"], "100.00");
        assert_eq!(json["total"], "210.00");
        assert_eq!(json["customers"][1]["buckets"]["90+"], "10.00");
        assert_eq!(json["buckets"]["61-90"], "0.00", "empty buckets are written in cents too");
    }
}
