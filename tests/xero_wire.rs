//! The wire types read every example payload in Xero's official specs (../shared/xero/examples),
//! keep what they read through a write and a read, and tolerate what real payloads do: escaped
//! date slashes, numbers in strings, fields nobody has heard of.

use std::path::{Path, PathBuf};

use collectiq::xero::wire::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/xero/examples");

fn examples() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for folder in ["accounting", "identity", "webhooks"] {
        for entry in std::fs::read_dir(Path::new(EXAMPLES).join(folder)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    files.sort();
    files
}

/// Reads `text` as `T`, writes it and reads it again: nothing read may be lost.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(name: &str, text: &str) -> T {
    let value: T = serde_json::from_str(text).unwrap_or_else(|error| panic!("{name} does not read: {error}"));
    let again: T = serde_json::from_str(&serde_json::to_string(&value).unwrap()).unwrap();
    assert_eq!(again, value, "{name} changes on a round trip");
    value
}

/// Which wire type each example is.
fn read_example(name: &str, text: &str) -> usize {
    let list = |kind: &str| name.contains(kind);
    if name.ends_with("ValidationException.json") {
        let exception: ApiException = round_trip(name, text);
        assert_eq!(exception.kind, "ValidationException");
        return exception.elements.len();
    }
    match () {
        _ if name.starts_with("GET_Connections") => round_trip::<Vec<Connection>>(name, text).len(),
        _ if name.ends_with(".event.json") => round_trip::<WebhookPayload>(name, text).events.len(),
        _ if list("History") => round_trip::<Envelope<HistoryRecords>>(name, text).items.items.len(),
        _ if list("OnlineInvoice") => round_trip::<Envelope<OnlineInvoices>>(name, text).items.items.len(),
        _ if list("RepeatingInvoices") => round_trip::<Envelope<RepeatingInvoices>>(name, text).items.items.len(),
        _ if list("Allocations") => round_trip::<Envelope<Allocations>>(name, text).items.items.len(),
        _ if list("Invoices") => round_trip::<Envelope<Invoices>>(name, text).items.items.len(),
        _ if list("ContactGroups") => round_trip::<Envelope<ContactGroups>>(name, text).items.items.len(),
        _ if list("Contacts") => round_trip::<Envelope<Contacts>>(name, text).items.items.len(),
        _ if list("CreditNotes") => round_trip::<Envelope<CreditNotes>>(name, text).items.items.len(),
        _ if list("Overpayments") => round_trip::<Envelope<Overpayments>>(name, text).items.items.len(),
        _ if list("Prepayments") => round_trip::<Envelope<Prepayments>>(name, text).items.items.len(),
        _ if list("Payments") => round_trip::<Envelope<Payments>>(name, text).items.items.len(),
        _ if list("Organisation") => round_trip::<Envelope<Organisations>>(name, text).items.items.len(),
        _ if list("Reports") => round_trip::<Envelope<Reports>>(name, text).items.items.len(),
        _ => panic!("no wire type is chosen for {name}"),
    }
}

#[test]
fn every_official_example_reads() {
    let files = examples();
    assert_eq!(files.len(), 41, "the examples folder should hold Xero's 41 examples");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(read_example(&name, &text) > 0, "{name} read, but nothing was in it");
    }
}

#[test]
fn examples_read_with_their_values() {
    let text = std::fs::read_to_string(Path::new(EXAMPLES).join("accounting/GET_Invoices.200.json")).unwrap();
    let invoices: Envelope<Invoices> = serde_json::from_str(&text).unwrap();
    let second = &invoices.items.items[1];
    assert_eq!(second.invoice_number.as_deref(), Some("INV-0002"));
    assert_eq!(second.status.as_deref(), Some("PAID"));
    assert_eq!(second.total, Some("46.00".parse().unwrap()));
    assert_eq!(second.date.unwrap().date(), jiff::civil::date(2018, 10, 20));
    assert_eq!(second.payments.as_ref().unwrap()[0].amount, Some("46".parse().unwrap()));
    assert_eq!(invoices.pagination.unwrap().item_count, 3);

    let organisation: Envelope<Organisations> = serde_json::from_str(
        &std::fs::read_to_string(Path::new(EXAMPLES).join("accounting/GET_Organisation.200.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(organisation.items.items[0].timezone.as_deref(), Some("NEWZEALANDSTANDARDTIME"));
    assert_eq!(organisation.items.items[0].base_currency.as_deref(), Some("NZD"));
}

#[test]
fn real_world_variations_read() {
    let text = r#"{
        "Invoices": [{
            "InvoiceID": "d4956132-ed94-4dd7-9eaa-aa22dfdf06f2",
            "Date": "\/Date(1539993600000+0000)\/",
            "DueDate": "/Date(1546128000000)/",
            "Total": "115.00",
            "AmountDue": 115,
            "CurrencyRate": 1.000000,
            "Status": "SOMENEWSTATUS",
            "SomethingXeroAddedLater": {"Nested": [1, 2, 3]},
            "Contact": {"ContactID": "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7", "Unknown": true}
        }]
    }"#;
    let invoices: Envelope<Invoices> = serde_json::from_str(text).unwrap();
    let invoice = &invoices.items.items[0];
    assert_eq!(invoice.date.unwrap().date(), jiff::civil::date(2018, 10, 20));
    assert_eq!(invoice.due_date.unwrap().date(), jiff::civil::date(2018, 12, 30));
    assert_eq!(invoice.total, Some("115.00".parse().unwrap()));
    assert_eq!(invoice.amount_due, Some("115".parse().unwrap()));
    assert_eq!(invoice.status.as_deref(), Some("SOMENEWSTATUS"), "unknown values are kept for the sync to judge");
}

#[test]
fn amounts_are_written_as_xero_writes_them() {
    let invoice = Invoice {
        total: Some("46.00".parse().unwrap()),
        currency_rate: Some("1.000000".parse().unwrap()),
        ..Invoice::default()
    };
    assert_eq!(serde_json::to_string(&invoice).unwrap(), r#"{"Total":46.00,"CurrencyRate":1.000000}"#);
}
