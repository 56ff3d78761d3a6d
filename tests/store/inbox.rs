//! The inbox at the boundary: a message stored once (by Message-ID, else by its bytes) with its
//! customers, tasks, notes and suppression, in one transaction with the mailbox's cursor.

use collectiq::store::Store;
use collectiq::store::inbox::{
    BounceFacts, Concerned, InboundKind, MailboxCursor, NewInbound, NewInboundTask, Permanence, Stored,
};
use collectiq::store::records::Records;

use super::support::*;

fn message(id: Option<&str>, digest: &str) -> NewInbound {
    NewInbound {
        message_id: id.map(str::to_string),
        digest: digest.into(),
        source: "test".into(),
        received_at: now(),
        sent_at: None,
        from: Some("ap@one.example".into()),
        from_name: None,
        subject: Some("Re: invoice".into()),
        kind: InboundKind::Reply,
        bounce: None,
        reason: "a reply".into(),
        excerpt: Some("we paid".into()),
        size: 10,
        concerns: vec![Concerned {
            tenant_id: TENANT,
            contact_id: contact(TENANT, 1, None).contact_id,
            name: "Customer 1".into(),
            invoices: Vec::new(),
            task: Some(NewInboundTask { kind: "reply".into(), assignee: String::new(), summary: "read it".into() }),
            note: Some("Customer replied: Re: invoice".into()),
        }],
        suppress: Vec::new(),
        open: true,
        history: false,
    }
}

async fn world(store: &Store) {
    connect(store, TENANT, "Harbour").await;
    let contacts = vec![contact(TENANT, 1, Some("AP@One.example")), contact(TENANT, 2, Some("x@two.example"))];
    store.save_records(TENANT, Records::Contacts(contacts)).await.unwrap();
}

#[tokio::test]
async fn a_message_is_stored_once_with_its_task_note_and_cursor() {
    for (backend, store) in backends("inbox-once").await {
        world(&store).await;
        let cursor = |uid| Some(("box".to_string(), MailboxCursor { uid_validity: 7, last_uid: uid }));
        let Stored::New(id) = store.store_inbound(message(Some("m1@x"), "d1"), cursor(3)).await.unwrap() else {
            panic!("{backend}: stored")
        };
        assert_eq!(
            store.store_inbound(message(Some("m1@x"), "d2"), cursor(4)).await.unwrap(),
            Stored::AlreadyHad(id),
            "{backend}: same Message-ID"
        );
        assert_eq!(
            store.store_inbound(message(None, "d1"), None).await.unwrap(),
            Stored::AlreadyHad(id),
            "{backend}: same bytes"
        );
        assert_eq!(
            store.mailbox_cursor("box".into()).await.unwrap(),
            Some(MailboxCursor { uid_validity: 7, last_uid: 4 }),
            "{backend}"
        );
        // A cursor never goes back within one UIDVALIDITY, and starts again under a new one.
        store.move_mailbox_cursor("box".into(), MailboxCursor { uid_validity: 7, last_uid: 2 }).await.unwrap();
        assert_eq!(store.mailbox_cursor("box".into()).await.unwrap().unwrap().last_uid, 4, "{backend}");
        store.move_mailbox_cursor("box".into(), MailboxCursor { uid_validity: 8, last_uid: 1 }).await.unwrap();
        assert_eq!(
            store.mailbox_cursor("box".into()).await.unwrap().unwrap(),
            MailboxCursor { uid_validity: 8, last_uid: 1 },
            "{backend}"
        );
        let tasks = store.tasks(false).await.unwrap();
        assert_eq!(tasks.len(), 1, "{backend}");
        assert_eq!(tasks[0].kind, "reply");
        let notes = store.pending_notes(now(), &[], 10).await.unwrap();
        assert_eq!(notes.len(), 1, "{backend}: the reply's note waits to be written, with no action behind it");
        assert_eq!(notes[0].subject_kind, "contact");
        let memory = store.memory(TENANT).await.unwrap();
        let replies = memory.replies.get(&contact(TENANT, 1, None).contact_id).copied().unwrap();
        assert_eq!(replies.first_open.map(|h| h.message), Some(id), "{backend}");
        assert!(store.assign_inbound(id, "Sam".into()).await.unwrap());
        assert_eq!(store.tasks(false).await.unwrap()[0].assignee, "Sam", "{backend}");
        assert!(store.handle_inbound(id, now()).await.unwrap());
        assert!(store.tasks(false).await.unwrap().is_empty(), "{backend}: handling closes its task");
        let memory = store.memory(TENANT).await.unwrap();
        let replies = memory.replies.get(&contact(TENANT, 1, None).contact_id).copied().unwrap();
        assert_eq!((replies.first_open, replies.latest.message), (None, id), "{backend}");
        assert_eq!(store.inbound_message(id).await.unwrap().unwrap().state, "handled");
        assert!(!store.handle_inbound(9999, now()).await.unwrap(), "{backend}: no such message");
    }
}

#[tokio::test]
async fn a_suppressed_address_is_set_aside_in_the_books_until_lifted() {
    for (backend, store) in backends("inbox-suppress").await {
        world(&store).await;
        let mut bounce = message(Some("b1@x"), "b1");
        bounce.kind = InboundKind::Bounce;
        bounce.bounce = Some(BounceFacts {
            address: "ap@one.example".into(),
            permanence: Permanence::Permanent,
            status: Some("5.1.1".into()),
        });
        bounce.suppress = vec![("AP@one.example".into(), "550".into())];
        bounce.open = false;
        store.store_inbound(bounce, None).await.unwrap();
        let books = store.books(TENANT).await.unwrap();
        let one = books.customer(contact(TENANT, 1, None).contact_id).unwrap();
        assert!(one.recipients().is_empty() && one.lost_by_bounces(), "{backend}: {:?}", one.recipients());
        assert_eq!(books.customer(contact(TENANT, 2, None).contact_id).unwrap().recipients(), ["x@two.example"]);
        let found = store.customers_with_address("ap@ONE.example".into()).await.unwrap();
        assert_eq!(found.len(), 1, "{backend}: addresses compare case-insensitively");
        assert!(store.unsuppress(" Ap@One.Example ".into()).await.unwrap(), "{backend}");
        assert_eq!(
            store.books(TENANT).await.unwrap().customer(contact(TENANT, 1, None).contact_id).unwrap().recipients(),
            ["AP@One.example"]
        );
        assert!(!store.unsuppress("ap@one.example".into()).await.unwrap(), "{backend}: already lifted");
    }
}

#[tokio::test]
async fn only_transient_failures_within_the_window_are_counted() {
    for (backend, store) in backends("inbox-transient").await {
        world(&store).await;
        for (n, permanence) in
            [Permanence::Transient, Permanence::Delayed, Permanence::Transient].into_iter().enumerate()
        {
            let mut bounce = message(Some(&format!("t{n}@x")), &format!("t{n}"));
            bounce.kind = InboundKind::Bounce;
            bounce.bounce = Some(BounceFacts { address: "x@two.example".into(), permanence, status: None });
            bounce.open = false;
            store.store_inbound(bounce, None).await.unwrap();
        }
        let week_ago = now().checked_sub(jiff::SignedDuration::from_hours(24 * 7)).unwrap();
        assert_eq!(store.transient_bounces("X@two.example".into(), week_ago).await.unwrap(), 2, "{backend}");
        let later = now().checked_add(jiff::SignedDuration::from_hours(1)).unwrap();
        assert_eq!(store.transient_bounces("x@two.example".into(), later).await.unwrap(), 0, "{backend}");
    }
}
