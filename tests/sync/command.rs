//! `connect`, `sync`, `orgs`, `aging` and `disconnect` as an operator runs them, against a sandbox.

use collectiq::sandbox::Sandbox;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn connect_sync_orgs_aging_and_disconnect() {
    let sandbox = Sandbox::start(sandbox_config(51, 2, 300), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = sandbox.url().to_string();
    let folder = scratch("command");
    let db = folder.join("collectiq.db");

    let connect = collectiq(&url, &db, &["connect", "--headless", "--port", "0"]);
    assert_eq!(connect.status.code(), Some(0), "{}", text(&connect));
    assert!(text(&connect).contains("Connected 2 organisations"), "{}", text(&connect));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&db).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let sync = collectiq(&url, &db, &["sync"]);
    assert_eq!(sync.status.code(), Some(0), "{}", text(&sync));
    assert!(text(&sync).contains("invoices"), "{}", text(&sync));

    let orgs = collectiq(&url, &db, &["orgs", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_slice(&orgs.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(listed[0]["invoices"].as_u64().unwrap() > 0);
    assert_eq!(listed[0]["token"], "connected");

    let aging = collectiq(&url, &db, &["aging", "--format", "json", "--as-of", "2026-11-25"]);
    assert_eq!(aging.status.code(), Some(0), "{}", text(&aging));
    let report: serde_json::Value = serde_json::from_slice(&aging.stdout).unwrap();
    let first = &report["organisations"][0];
    for key in ["tenant_id", "name", "base_currency", "as_of", "buckets", "total", "customers"] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    for bucket in ["current", "1-30", "31-60", "61-90", "90+"] {
        assert!(first["buckets"][bucket].is_string(), "{bucket}");
    }
    assert_eq!(first["as_of"], "2026-11-25");
    let customer = &first["customers"][0];
    for key in ["contact_id", "name", "buckets", "total"] {
        assert!(customer.get(key).is_some(), "{key} in {customer}");
    }

    let csv = collectiq(&url, &db, &["aging", "--by", "invoice", "--format", "csv", "--org", "Harbour"]);
    let csv_text = String::from_utf8(csv.stdout).unwrap();
    assert!(csv_text.starts_with("organisation,tenant_id,base_currency,as_of,invoice_id,number"), "{csv_text}");
    assert!(csv_text.lines().count() > 2);
    let table = collectiq(&url, &db, &["aging"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("Current"), "{}", text(&table));

    let unknown = collectiq(&url, &db, &["aging", "--org", "Nobody Ltd"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown).contains("no connected organisation is called \"Nobody Ltd\""), "{}", text(&unknown));

    // No token ever appears in what CollectIQ prints.
    let store = collectiq::store::Store::open(&db).await.unwrap();
    store.unlock(Some(&key_file_for(&db))).await.unwrap();
    let grant = store.organisations().await.unwrap()[0].grant_id.unwrap();
    let tokens = store.grant(grant).await.unwrap().unwrap();
    for output in [&connect, &sync, &orgs, &aging] {
        let said = text(output);
        assert!(!said.contains(tokens.access_token.expose()));
        assert!(!said.contains(tokens.refresh_token.as_ref().unwrap().expose()));
    }
    drop(store);

    let disconnect = collectiq(&url, &db, &["disconnect", "Harbour"]);
    assert_eq!(disconnect.status.code(), Some(0), "{}", text(&disconnect));
    let orgs = collectiq(&url, &db, &["orgs", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_slice(&orgs.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let stats = collectiq::sandbox::state::lock(&sandbox.state().stats).clone();
    assert!(stats.refused_writes.is_empty());
}
