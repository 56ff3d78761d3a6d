//! The world the corpus is written against (tests/inbox/corpus/README.md): two organisations,
//! a customer they share, and three emails CollectIQ sent.

use collectiq::ledger::records::Person;
use collectiq::store::Store;
use collectiq::store::outbox::{NewAction, Status};
use collectiq::store::records::Records;
use uuid::Uuid;

use super::support::{connect, contact, decider, email_about, invoice, now};

pub const A: Uuid = Uuid::from_u128(1);
pub const B: Uuid = Uuid::from_u128(2);

/// (organisation, number in support's scheme, name, address)
pub const CUSTOMERS: &[(Uuid, u128, &str, &str)] = &[
    (A, 1, "Ridgeway University", "accounts@ridgeway.example"),
    (A, 2, "Boom FM", "ap@boomfm.example"),
    (A, 3, "City Agency", "billing@cityagency.example"),
    (B, 11, "Ridgeway University", "accounts@ridgeway.example"),
    (B, 12, "Harbour Cafe", "info@harbourcafe.example"),
];

/// (organisation, Message-ID, customer number, invoice number, to)
pub const SENT: &[(Uuid, &str, u128, u128, &str)] = &[
    (A, "<4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e@collectiq.invalid>", 1, 42, "accounts@ridgeway.example"),
    (A, "<a1b2c3d4e5f60718293a4b5c6d7e8f90@collectiq.invalid>", 2, 50, "ap@boomfm.example"),
    (B, "<0badc0ffee0ddf00d0badc0ffee0ddf0@collectiq.invalid>", 12, 100, "info@harbourcafe.example"),
];

pub fn contact_id(number: u128) -> Uuid {
    Uuid::from_u128(100 + number)
}

/// "A:Ridgeway University" for a customer the store names.
pub fn label(tenant: Uuid, name: &str) -> String {
    format!("{}:{name}", if tenant == A { "A" } else { "B" })
}

pub async fn build(store: &Store) {
    connect(store, A, "Demo Company (NZ)").await;
    connect(store, B, "Kiwi Supplies").await;
    for tenant in [A, B] {
        let contacts = CUSTOMERS
            .iter()
            .filter(|(t, ..)| *t == tenant)
            .map(|&(t, n, name, address)| {
                let mut c = contact(t, n, Some(address));
                c.name = name.into();
                if n == 1 {
                    c.persons.push(Person {
                        first_name: Some("Amy".into()),
                        last_name: Some("Lee".into()),
                        email: Some("amy.lee@ridgeway.example".into()),
                        include_in_emails: true,
                    });
                }
                c
            })
            .collect();
        store.save_records(tenant, Records::Contacts(contacts)).await.unwrap();
    }
    let a = vec![invoice(A, 42, 1, "100.00"), invoice(A, 50, 2, "100.00"), invoice(A, 61, 3, "100.00")];
    store.save_records(A, Records::Invoices(a)).await.unwrap();
    // Ridgeway owes Kiwi Supplies too, so that pausing it there shows (the corpus names only
    // INV-0100 of Kiwi Supplies).
    let b = vec![invoice(B, 100, 12, "100.00"), invoice(B, 101, 11, "100.00")];
    store.save_records(B, Records::Invoices(b)).await.unwrap();
    let sent: Vec<(Uuid, NewAction)> = SENT
        .iter()
        .map(|&(tenant, id, customer, number, to)| {
            let mut action = email_about(tenant, number, customer, "every-customer/reminder", 1);
            action.message_id = Some(id.into());
            action.email = Some(serde_json::json!({ "to": [to], "message_id": id }).to_string());
            action.status = Status::Waiting;
            (tenant, action)
        })
        .collect();
    for (_, action) in sent {
        store.record_decisions(vec![action], decider(), now()).await.unwrap();
    }
}
