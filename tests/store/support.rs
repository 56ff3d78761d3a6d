//! Stores to test, and records to put in them.

use std::path::PathBuf;

use collectiq::ledger::records::{Contact, Invoice, Organisation};
use collectiq::plan::Action;
use collectiq::store::Store;
use collectiq::store::connections::{Connected, Tokens};
use collectiq::store::outbox::{Decider, NewAction, NewNote, Status};
use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use uuid::Uuid;

pub const TENANT: Uuid = Uuid::from_u128(1);
pub const OTHER_TENANT: Uuid = Uuid::from_u128(2);

/// A folder of its own for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("collectiq-boundary-{name}-{}-{}", std::process::id(), fastrand::u32(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every backend, each a fresh, empty store, with the name a failure is reported under.
pub async fn backends(test: &str) -> Vec<(&'static str, Store)> {
    let file = scratch(test).join("collectiq.db");
    vec![
        ("sqlite in memory", Store::open_in_memory().await.unwrap()),
        ("sqlite file", Store::open(&file).await.unwrap()),
    ]
}

pub fn now() -> Timestamp {
    "2026-11-25T10:00:00Z".parse().unwrap()
}

pub fn day(text: &str) -> Date {
    text.parse().unwrap()
}

pub fn contact(tenant: Uuid, n: u128, email: Option<&str>) -> Contact {
    Contact {
        tenant_id: tenant,
        contact_id: Uuid::from_u128(100 + n),
        name: format!("Customer {n}"),
        first_name: None,
        last_name: None,
        email: email.map(str::to_string),
        status: "ACTIVE".into(),
        currency: None,
        persons: Vec::new(),
        updated: now(),
    }
}

/// An invoice to customer `customer`, owing `due` (paid when it owes nothing).
pub fn invoice(tenant: Uuid, n: u128, customer: u128, due: &str) -> Invoice {
    let owed: Decimal = due.parse().unwrap();
    let paid = owed.is_zero();
    Invoice {
        tenant_id: tenant,
        invoice_id: Uuid::from_u128(1000 + n),
        number: format!("INV-{n:04}").into(),
        reference: None,
        contact_id: Uuid::from_u128(100 + customer),
        status: if paid { "PAID" } else { "AUTHORISED" }.into(),
        date: day("2026-10-01"),
        due_date: day("2026-10-31"),
        currency: "NZD".into(),
        currency_rate: Decimal::ONE,
        total: "100.00".parse().unwrap(),
        amount_due: owed,
        amount_paid: Decimal::ONE_HUNDRED - owed,
        amount_credited: Decimal::ZERO,
        expected_payment_date: None,
        fully_paid_on: paid.then(|| day("2026-11-10")),
        repeating_invoice_id: None,
        updated: now(),
    }
}

/// Connects `tenant` (a grant, its settings), as `collectiq connect` and a sync would.
pub async fn connect(store: &Store, tenant: Uuid, name: &str) {
    let key = scratch("key").join("token.key");
    store.unlock_or_create(Some(&key)).await.unwrap();
    let tokens = Tokens {
        access_token: collectiq::secret::Secret::new("access"),
        expires_at: now(),
        refresh_token: Some(collectiq::secret::Secret::new("refresh")),
        scopes: "offline_access".into(),
    };
    let connected = Connected { tenant_id: tenant, name: name.into(), connection_id: None };
    store.add_grant("client", &tokens, &[connected], now()).await.unwrap();
    let organisation = Organisation {
        tenant_id: tenant,
        name: name.into(),
        base_currency: "NZD".into(),
        timezone: None,
        zone: Some("Pacific/Auckland".into()),
        short_code: None,
        reminders_enabled: None,
        country_code: None,
    };
    store.save_organisation_settings(&organisation).await.unwrap();
}

/// A decision to email about invoice `n` under `rule`, as the runtime hands it over.
pub fn email_about(tenant: Uuid, n: u128, customer: u128, rule: &str, occurrence: i64) -> NewAction {
    let subject = Uuid::from_u128(1000 + n);
    let action = Action::Email { template: "reminder".into(), copy: Vec::new(), attach: Vec::new() };
    NewAction {
        key: format!("{tenant}/invoice/{subject}/{rule}/{occurrence}"),
        tenant_id: tenant,
        subject_kind: "invoice",
        subject_id: subject,
        rule_id: rule.into(),
        rule_text: "1 day after the due date, send the \"reminder\" email".into(),
        occurrence,
        occurrence_date: day("2026-11-01"),
        contact_id: Uuid::from_u128(100 + customer),
        invoices: vec![subject],
        action_kind: "email",
        action: serde_json::to_string(&action).unwrap(),
        outcome: "act",
        reason: None,
        status: Status::Waiting,
        task: None,
        notes: vec![NewNote {
            subject_kind: "invoice",
            subject_id: subject,
            details: "CollectIQ emailed \"reminder\" ref 000001".into(),
            reference: "000001".into(),
        }],
        message_id: Some(format!("<{n}@example.com>")),
        email: None,
        page_links: Vec::new(),
        attachments: Vec::new(),
        error: None,
    }
}

pub fn decider() -> Decider {
    Decider { strategy: "Wholesale".into(), plan_version: 1, plan_fingerprint: "f00d".into() }
}
