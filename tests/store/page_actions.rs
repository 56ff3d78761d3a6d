//! Customers' answers from their page at the boundary: each is one inbox event stored with its
//! details, task, notes and effect in one transaction; the same form sent twice is one answer; a
//! new answer replaces the open one of its kind about the same invoice; a claim to have paid is
//! in force (in memory) while nobody has acted on it.

use collectiq::store::inbox::NewInboundTask;
use collectiq::store::page_actions::{Answer, NewPageAction};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::support::*;

fn answer(digest: &str, invoices: &[u128], answer: Answer, task: Option<&str>) -> NewPageAction {
    NewPageAction {
        digest: digest.into(),
        link_id: Some("00ff".into()),
        tenant_id: TENANT,
        contact_id: Uuid::from_u128(101),
        customer_name: "Ridgeway Ltd".into(),
        invoices: invoices.iter().map(|n| Uuid::from_u128(1000 + n)).collect(),
        answer,
        summary: format!("summary of {digest}"),
        task: task.map(|kind| NewInboundTask { kind: kind.into(), assignee: String::new(), summary: "look".into() }),
        notes: invoices.iter().map(|n| (Uuid::from_u128(1000 + n), format!("note {digest} ref 0a0b0c"))).collect(),
        source: "page".into(),
        at: now(),
    }
}

fn paid(amount: i64) -> Answer {
    Answer::PaidClaim {
        paid_on: day("2026-11-20"),
        amount: Decimal::new(amount, 2),
        reference: "R1".into(),
        remittance: None,
    }
}

#[tokio::test]
async fn answers_are_stored_once_with_their_effects_and_replaced_until_acted_on() {
    for (backend, store) in backends("page-actions").await {
        let customer = Uuid::from_u128(101);
        let promise = store
            .record_page_action(answer("p1", &[1], Answer::Promise { on: day("2026-12-10") }, None))
            .await
            .unwrap();
        let again = store
            .record_page_action(answer("p1", &[1], Answer::Promise { on: day("2026-12-10") }, None))
            .await
            .unwrap();
        assert_eq!(
            (again.id, again.new, again.replaced.len()),
            (promise.id, false, 0),
            "{backend}: the same form twice is one answer"
        );
        assert!(promise.new, "{backend}");
        store
            .record_page_action(answer("d1", &[2], Answer::Dispute { reason: "never arrived".into() }, Some("dispute")))
            .await
            .unwrap();
        let claim = store.record_page_action(answer("c1", &[3, 4], paid(12_000), Some("paid_claim"))).await.unwrap();

        let memory = store.memory(TENANT).await.unwrap();
        assert_eq!(memory.promises.get(&Uuid::from_u128(1001)), Some(&day("2026-12-10")), "{backend}");
        assert!(memory.disputes.contains(&Uuid::from_u128(1002)), "{backend}");
        assert!(memory.paid_claims.contains_key(&Uuid::from_u128(1003)), "{backend}");
        assert!(memory.paid_claims.contains_key(&Uuid::from_u128(1004)), "{backend}");
        assert!(memory.replies.is_empty(), "{backend}: answers are not replies");

        // The inbox lists them as customer events; each task and note is there once.
        let events = store.inbound_messages(false).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds.len(), 3, "{backend}: {kinds:?}");
        assert!(events.iter().all(|e| e.message_id.is_none()), "{backend}");
        let tasks = store.tasks(false).await.unwrap();
        assert_eq!(tasks.iter().map(|t| t.kind.as_str()).collect::<Vec<_>>(), ["dispute", "paid_claim"], "{backend}");
        let open = store.open_customer_events(TENANT).await.unwrap();
        assert_eq!(open, [("dispute".into(), 1), ("paid_claim".into(), 1), ("promise".into(), 1)], "{backend}");

        // Answering again about invoice 3 replaces the whole earlier claim (invoices 3 and 4).
        let changed = store.record_page_action(answer("c2", &[3], paid(9_000), Some("paid_claim"))).await.unwrap();
        assert_eq!(changed.replaced, [claim.id], "{backend}");
        let memory = store.memory(TENANT).await.unwrap();
        assert!(memory.paid_claims.contains_key(&Uuid::from_u128(1003)), "{backend}");
        assert!(!memory.paid_claims.contains_key(&Uuid::from_u128(1004)), "{backend}: replaced");
        let answers = store.page_actions(TENANT, customer).await.unwrap();
        let states: Vec<(i64, &str)> = answers.iter().map(|a| (a.id, a.state.as_str())).collect();
        assert!(
            states.contains(&(claim.id, "replaced")) && states.contains(&(changed.id, "open")),
            "{backend}: {states:?}"
        );
        let tasks = store.tasks(false).await.unwrap();
        assert_eq!(
            tasks.iter().filter(|t| t.kind == "paid_claim").count(),
            1,
            "{backend}: the replaced task is closed"
        );

        // A person acts on the claim (its task done): the pause ends, and a new answer is new.
        let task = tasks.iter().find(|t| t.kind == "paid_claim").unwrap();
        store.set_task_done(task.id, true, now()).await.unwrap();
        let memory = store.memory(TENANT).await.unwrap();
        assert!(memory.paid_claims.is_empty(), "{backend}: acted on");
        let handled = store.page_actions(TENANT, customer).await.unwrap();
        assert!(handled.iter().any(|a| a.id == changed.id && a.state == "handled" && !a.changeable()), "{backend}");
        let fresh = store.record_page_action(answer("c3", &[3], paid(9_000), Some("paid_claim"))).await.unwrap();
        assert!(fresh.replaced.is_empty(), "{backend}: nothing open to replace");

        // Another organisation's customer sees none of it.
        assert!(store.page_actions(OTHER_TENANT, customer).await.unwrap().is_empty(), "{backend}");
        assert!(store.open_customer_events(OTHER_TENANT).await.unwrap().is_empty(), "{backend}");
    }
}
