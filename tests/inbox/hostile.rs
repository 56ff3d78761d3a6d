//! Inbound mail is hostile input: whatever the bytes, a message is stored or refused with a
//! reason, never a panic, never half-written, and a crash before the commit leaves nothing.

use std::path::Path;
use std::process::Command;

use collectiq::inbox::{Imported, Importer, Policies};
use collectiq::store::Store;
use collectiq::store::inbox::InboundKind;
use proptest::prelude::*;

use super::support::{now, scratch};
use super::world;

async fn stored_kind(importer: &Importer, store: &Store, bytes: &[u8]) -> Option<(InboundKind, String)> {
    match importer.import(bytes, "test", None, now()).await.unwrap() {
        Imported::New { id, .. } | Imported::AlreadyHad { id } => {
            let message = store.inbound_message(id).await.unwrap().unwrap();
            Some((message.kind, message.reason))
        }
        Imported::OurOwn => None,
    }
}

#[tokio::test]
async fn a_huge_message_and_a_part_bomb_are_recorded_unread_with_a_reason() {
    let store = Store::open_in_memory().await.unwrap();
    let importer = Importer::new(store.clone(), Policies::default());
    let mut huge = b"From: a@b.example\r\nSubject: big\r\n\r\n".to_vec();
    huge.resize(25 * 1024 * 1024 + 10, b'x');
    let (kind, reason) = stored_kind(&importer, &store, &huge).await.unwrap();
    assert_eq!(kind, InboundKind::Unreadable);
    assert!(reason.contains("over the 25 MB"), "{reason}");
    let mut bomb = b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n".to_vec();
    for _ in 0..1_000_000 {
        bomb.extend_from_slice(b"--b\r\n\r\n");
    }
    let (kind, reason) = stored_kind(&importer, &store, &bomb).await.unwrap();
    assert_eq!(kind, InboundKind::Unreadable);
    assert!(reason.contains("MIME parts"), "{reason}");
    assert!(store.tasks(true).await.unwrap().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Any bytes at all, alone or behind headers that reach every path (a customer's address, a
    /// thread to our email, a report, failed recipients), in a store with customers and sent
    /// emails: stored (as something, perhaps unreadable) or recognised, never a panic, and the
    /// same message twice is stored once.
    #[test]
    fn any_bytes_are_stored_or_refused_never_a_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..2000),
        headers in "(From: (accounts@ridgeway\\.example|ap@boomfm\\.example|MAILER-DAEMON@mx\\.example|[a-z]{1,8}@[a-z]{1,8}\\.example)\r\n)?\
(In-Reply-To: <(4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e|0badc0ffee0ddf00d0badc0ffee0ddf0)@collectiq\\.invalid>\r\n)?\
(X-Failed-Recipients: [a-z]{1,8}@[a-z]{1,8}\\.example\r\n)?(Auto-Submitted: auto-replied\r\n)?\
(Subject: (INV-0042|Undelivered Mail Returned to Sender|[ -~]{0,40})\r\n)?\
(Content-Type: multipart/(mixed|report); boundary=\"?[a-z]{0,3}\"?(; report-type=delivery-status)?\r\n)?\r\n",
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let store = Store::open_in_memory().await.unwrap();
            world::build(&store).await;
            let importer = Importer::new(store.clone(), Policies::default());
            for candidate in [bytes.clone(), [headers.as_bytes(), &bytes].concat()] {
                let imported = importer.import(&candidate, "proptest", None, now()).await.unwrap();
                let again = importer.import(&candidate, "proptest", None, now()).await.unwrap();
                if let Imported::New { id, .. } = imported {
                    assert_eq!(again, Imported::AlreadyHad { id });
                }
            }
        });
    }
}

/// A crash between reading a message and committing it leaves nothing of it; the next import
/// stores it once, with its task.
#[test]
fn a_crash_before_the_commit_leaves_nothing_and_the_message_is_stored_next_time() {
    let folder = scratch("inbox-crash");
    let database = folder.join("collectiq.db");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let store = Store::open(&database).await.unwrap();
        world::build(&store).await;
    });
    let message = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inbox/corpus/outlook-reply.eml");
    let import = |fail: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_collectiq"));
        command.current_dir(&folder).env("COLLECTIQ_DB", &database).args(["inbox", "import"]).arg(&message);
        command.env("COLLECTIQ_KEY_FILE", folder.join("token.key"));
        if let Some(point) = fail {
            command.env("COLLECTIQ_FAIL_AT", point);
        }
        command.output().unwrap()
    };
    let crashed = import(Some("inbox:before-commit"));
    assert_eq!(crashed.status.code(), Some(86), "{}", String::from_utf8_lossy(&crashed.stderr));
    let (messages, tasks) = runtime.block_on(async {
        let store = Store::open(&database).await.unwrap();
        (store.inbound_messages(true).await.unwrap().len(), store.tasks(true).await.unwrap().len())
    });
    assert_eq!((messages, tasks), (0, 0), "nothing of the message was kept");
    for _ in 0..2 {
        let done = import(None);
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    }
    let (messages, tasks) = runtime.block_on(async {
        let store = Store::open(&database).await.unwrap();
        (store.inbound_messages(true).await.unwrap().len(), store.tasks(true).await.unwrap().len())
    });
    assert_eq!((messages, tasks), (1, 1), "stored once, with one task");
}
