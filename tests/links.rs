//! `collectiq links revoke`: a leaked link is revoked by the email it was sent in, or with every
//! link of its customer; nothing else is touched.

use std::process::Command;

use collectiq::ledger::records::{Contact, Organisation};
use collectiq::secret::Secret;
use collectiq::store::Store;
use collectiq::store::connections::{Connected, Tokens};
use collectiq::store::page_links::NewPageLink;
use collectiq::store::records::Records;
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

const TENANT: Uuid = Uuid::from_u128(1);

fn contact(n: u128, name: &str) -> Contact {
    Contact {
        tenant_id: TENANT,
        contact_id: Uuid::from_u128(100 + n),
        name: name.into(),
        first_name: None,
        last_name: None,
        email: Some(format!("ap@{n}.example")),
        status: "ACTIVE".into(),
        currency: None,
        persons: Vec::new(),
        updated: Timestamp::now(),
    }
}

#[test]
fn links_are_revoked_by_email_or_by_customer() {
    let folder = std::env::temp_dir().join(format!("collectiq-links-{}-{}", std::process::id(), fastrand::u32(..)));
    std::fs::create_dir_all(&folder).unwrap();
    let database = folder.join("collectiq.db");
    let key = folder.join("token.key");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let now = Timestamp::now();
    runtime.block_on(async {
        let store = Store::open(&database).await.unwrap();
        store.unlock_or_create(Some(&key)).await.unwrap();
        let tokens = Tokens {
            access_token: Secret::new("access"),
            expires_at: now,
            refresh_token: None,
            scopes: "offline_access".into(),
        };
        let connected = Connected { tenant_id: TENANT, name: "Harbour".into(), connection_id: None };
        store.add_grant("client", &tokens, &[connected], now).await.unwrap();
        let organisation = Organisation {
            tenant_id: TENANT,
            name: "Harbour".into(),
            base_currency: "NZD".into(),
            timezone: None,
            zone: None,
            short_code: None,
            reminders_enabled: None,
            country_code: None,
        };
        store.save_organisation_settings(&organisation).await.unwrap();
        let contacts = vec![contact(1, "Ridgeway University"), contact(2, "Boom FM")];
        store.save_records(TENANT, Records::Contacts(contacts)).await.unwrap();
        for (id, customer, action) in [("a1", 1, 7), ("a2", 1, 8), ("b1", 2, 9)] {
            let link = NewPageLink {
                id: id.into(),
                tenant_id: TENANT,
                contact_id: Uuid::from_u128(100 + customer),
                invoice_id: None,
                action_id: Some(action),
                created_at: now,
                expires_at: now.checked_add(SignedDuration::from_hours(24)).unwrap(),
            };
            store.create_page_link(link).await.unwrap();
        }
    });
    let links = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_collectiq"))
            .current_dir(&folder)
            .env("COLLECTIQ_DB", &database)
            .env("COLLECTIQ_KEY_FILE", &key)
            .arg("links")
            .args(args)
            .output()
            .unwrap()
    };
    let by_email = links(&["revoke", "--email", "7"]);
    assert!(by_email.status.success(), "{}", String::from_utf8_lossy(&by_email.stderr));
    assert!(String::from_utf8_lossy(&by_email.stdout).starts_with("1 link of email #7 revoked"));
    let by_customer = links(&["revoke", "--customer", "Ridgeway"]);
    assert!(String::from_utf8_lossy(&by_customer.stdout).starts_with("1 link of Ridgeway University revoked"));
    let neither = links(&["revoke"]);
    assert_eq!(neither.status.code(), Some(2), "{}", String::from_utf8_lossy(&neither.stderr));
    let unknown = links(&["revoke", "--customer", "Nobody"]);
    assert_eq!(unknown.status.code(), Some(2));
    let open: Vec<bool> = runtime.block_on(async {
        let store = Store::open(&database).await.unwrap();
        let mut open = Vec::new();
        for id in ["a1", "a2", "b1"] {
            open.push(store.page_link(id.into()).await.unwrap().unwrap().opens_at(Timestamp::now()));
        }
        open
    });
    assert_eq!(open, [false, false, true], "only Boom FM's link still opens");
    let _ = std::fs::remove_dir_all(&folder);
}
