//! An email's files at the boundary: stored with the email in the transaction that records it,
//! read back whole and in order by its action, once (a decision recorded again adds nothing).

use collectiq::store::attachments::EmailAttachment;
use collectiq::store::outbox::Status;

use super::support::*;

const NONE_GONE: &[String] = &[];

fn file(name: &str, size: usize) -> EmailAttachment {
    // Every byte value, so that a blob read back as text would show.
    let bytes = (0..size).map(|n| (n % 256) as u8).collect();
    EmailAttachment { filename: name.into(), content_type: "application/pdf".into(), bytes }
}

#[tokio::test]
async fn an_emails_files_are_stored_with_it_and_read_back_in_order() {
    for (backend, store) in backends("attachments").await {
        let files = vec![file("Invoice INV-0001.pdf", 40_000), file("Statement.pdf", 3)];
        let with = email_about(TENANT, 1, 1, "r1", 0);
        let with = collectiq::store::outbox::NewAction { attachments: files.clone(), ..with };
        let without = email_about(TENANT, 2, 1, "r1", 0);
        store.record_decisions(vec![with.clone(), without.clone()], decider(), now()).await.unwrap();
        let id = store.action(&with.key).await.unwrap().unwrap().id;
        assert_eq!(store.attachments_of(id).await.unwrap(), files, "{backend}");
        let other = store.action(&without.key).await.unwrap().unwrap().id;
        assert!(store.attachments_of(other).await.unwrap().is_empty(), "{backend}");
        assert!(store.attachments_of(id + 1000).await.unwrap().is_empty(), "{backend}: no such action");

        // Decided again (another run): the key is recorded once, and so are its files.
        let again = store.record_decisions(vec![with.clone()], decider(), now()).await.unwrap();
        assert!(again.is_empty(), "{backend}");
        assert_eq!(store.attachments_of(id).await.unwrap().len(), 2, "{backend}");
    }
}

#[tokio::test]
async fn an_email_whose_files_could_not_be_had_is_recorded_failed_with_why() {
    for (backend, store) in backends("attachments-failed").await {
        let failed = collectiq::store::outbox::NewAction {
            status: Status::Failed,
            error: Some("the PDF of invoice INV-0001 could not be fetched".into()),
            notes: Vec::new(),
            ..email_about(TENANT, 1, 1, "r1", 0)
        };
        store.record_decisions(vec![failed.clone()], decider(), now()).await.unwrap();
        let kept = store.action(&failed.key).await.unwrap().unwrap();
        assert_eq!(kept.status, Status::Failed, "{backend}");
        assert_eq!(kept.last_error.as_deref(), failed.error.as_deref(), "{backend}");
        assert!(store.deliverable(now(), NONE_GONE, 10).await.unwrap().is_empty(), "{backend}: not delivered");
        assert!(store.attachments_of(kept.id).await.unwrap().is_empty(), "{backend}");
    }
}
