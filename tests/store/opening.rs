//! Opening a store, and the run lock.

use collectiq::store::{Store, StoreError};

use crate::support::scratch;

#[tokio::test]
async fn a_file_that_is_not_a_store_is_refused_by_name_and_left_as_it_was() {
    let path = scratch("junk").join("collectiq.db");
    let junk = b"PK\x03\x04 a zip file, not a database".repeat(300);
    std::fs::write(&path, &junk).unwrap();
    match Store::open(&path).await {
        Err(StoreError::Damaged { path: named, .. }) => assert!(named.ends_with("collectiq.db")),
        other => panic!("expected Damaged, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), junk, "nothing was written to it");
}

#[tokio::test]
async fn a_store_is_opened_again_with_what_it_held() {
    let path = scratch("again").join("collectiq.db");
    {
        let store = Store::open(&path).await.unwrap();
        crate::support::connect(&store, crate::support::TENANT, "Harbour").await;
    }
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.organisations().await.unwrap().len(), 1);
    assert_eq!(store.path(), Some(std::fs::canonicalize(&path).unwrap().as_path()));
}

#[tokio::test]
async fn one_run_at_a_time_holds_the_lock_and_lets_it_go() {
    let path = scratch("lock").join("collectiq.db");
    let first = Store::open(&path).await.unwrap();
    let second = Store::open(&path).await.unwrap();
    let held = first.lock_runs().await.unwrap();
    assert!(matches!(second.lock_runs().await, Err(StoreError::RunsLocked { .. })));
    drop(held);
    assert!(second.lock_runs().await.is_ok(), "free again once the holder lets go");
}

#[tokio::test]
async fn a_reader_sees_what_was_written() {
    for (backend, store) in crate::support::backends("reader").await {
        crate::support::connect(&store, crate::support::TENANT, "Harbour").await;
        let reader = store.read_only().await.unwrap();
        assert_eq!(reader.organisations().await.unwrap().len(), 1, "{backend}");
    }
}

#[tokio::test]
async fn errors_say_what_to_do() {
    let error = StoreError::RunsLocked { path: "/tmp/c.db".into() };
    assert!(error.to_string().contains("/tmp/c.db"));
    assert!(error.help().is_some_and(|help| !help.is_empty()));
}
