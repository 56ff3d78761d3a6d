//! The outbox: decisions recorded once, atomically with their notes; each move of the state
//! machine made by exactly one worker.

use collectiq::store::outbox::{Claim, Status};
use collectiq::store::tasks::NoteClaim;

use crate::support::*;

const NONE_GONE: &[String] = &[];

#[tokio::test]
async fn a_decision_is_recorded_once_whoever_records_it() {
    for (backend, store) in backends("once").await {
        let decision = email_about(TENANT, 1, 1, "r1", 0);
        let first = store.record_decisions(vec![decision.clone()], decider(), now()).await.unwrap();
        let again = store.record_decisions(vec![decision.clone()], decider(), now()).await.unwrap();
        assert_eq!((first.len(), again.len()), (1, 0), "{backend}");
        assert_eq!(store.deliverable(now(), NONE_GONE, 10).await.unwrap().len(), 1, "{backend}");
        let kept = store.action(&decision.key).await.unwrap().unwrap();
        assert_eq!((kept.status, kept.message_id.as_deref()), (Status::Waiting, Some("<1@example.com>")), "{backend}");
        assert_eq!(kept.invoices, decision.invoices, "{backend}");
        // What is remembered of it, for the next evaluation.
        let memory = store.memory(TENANT).await.unwrap();
        assert_eq!(memory.handled_up_to(decision.subject_id, "r1"), Some(0), "{backend}");
        assert!(memory.last_emailed.contains_key(&decision.contact_id), "{backend}");
    }
}

#[tokio::test]
async fn racing_workers_never_both_get_an_action() {
    for (backend, store) in backends("race").await {
        let decisions: Vec<_> = (0..50).map(|n| email_about(TENANT, n, 1, "r1", 0)).collect();
        store.record_decisions(decisions, decider(), now()).await.unwrap();
        // Where the store is a file, each racer has a store of its own on it, as separate
        // processes would: only the claim keeps them apart.
        let mut handles = Vec::new();
        for _ in 0..3 {
            handles.push(match store.path() {
                Some(path) => collectiq::store::Store::open(path).await.unwrap(),
                None => store.clone(),
            });
        }
        let racers = ["a", "b", "c"].into_iter().zip(handles).map(|(worker, store)| {
            tokio::spawn(async move {
                let mut mine = Vec::new();
                for action in store.deliverable(now(), NONE_GONE, 1000).await.unwrap() {
                    if store.claim(action.id, worker, NONE_GONE, now()).await.unwrap() == Claim::Fresh {
                        assert!(store.hand(action.id, worker, now()).await.unwrap());
                        assert!(store.settle(action.id, worker, Status::Sent, None, now()).await.unwrap());
                        mine.push(action.id);
                    }
                }
                mine
            })
        });
        let racers: Vec<_> = racers.collect();
        let mut claimed = Vec::new();
        for racer in racers {
            claimed.extend(racer.await.unwrap());
        }
        let total = claimed.len();
        claimed.sort();
        claimed.dedup();
        assert_eq!((total, claimed.len()), (50, 50), "{backend}: each delivered by exactly one worker");
    }
}

#[tokio::test]
async fn a_claim_is_taken_over_only_from_a_worker_that_is_gone() {
    for (backend, store) in backends("takeover").await {
        store.record_decisions(vec![email_about(TENANT, 1, 1, "r1", 0)], decider(), now()).await.unwrap();
        let id = store.deliverable(now(), NONE_GONE, 10).await.unwrap()[0].id;
        assert_eq!(store.claim(id, "a", NONE_GONE, now()).await.unwrap(), Claim::Fresh, "{backend}");
        assert_eq!(store.claim(id, "b", NONE_GONE, now()).await.unwrap(), Claim::NotYours, "{backend}");
        assert!(store.hand(id, "a", now()).await.unwrap(), "{backend}");
        let gone = vec!["a".to_string()];
        assert_eq!(store.claim(id, "b", &gone, now()).await.unwrap(), Claim::MaybeSent, "{backend}");
        assert!(
            !store.settle(id, "a", Status::Sent, None, now()).await.unwrap(),
            "{backend}: a's word no longer counts"
        );
        assert!(store.hand(id, "b", now()).await.unwrap(), "{backend}");
        assert!(store.settle(id, "b", Status::Sent, None, now()).await.unwrap(), "{backend}");
        assert_eq!(store.action_by_id(id).await.unwrap().unwrap().status, Status::Sent, "{backend}");
    }
}

#[tokio::test]
async fn a_note_waits_for_its_email_and_is_written_by_one_worker() {
    for (backend, store) in backends("notes").await {
        store.record_decisions(vec![email_about(TENANT, 1, 1, "r1", 0)], decider(), now()).await.unwrap();
        assert!(store.pending_notes(now(), NONE_GONE, 10).await.unwrap().is_empty(), "{backend}: not before the email");
        let id = store.deliverable(now(), NONE_GONE, 10).await.unwrap()[0].id;
        store.claim(id, "a", NONE_GONE, now()).await.unwrap();
        store.hand(id, "a", now()).await.unwrap();
        store.settle(id, "a", Status::Sent, None, now()).await.unwrap();
        let note = store.pending_notes(now(), NONE_GONE, 10).await.unwrap().remove(0);
        assert_eq!(note.reference.as_deref(), Some("000001"), "{backend}");
        assert_eq!(store.claim_note(note.id, "a", NONE_GONE, now()).await.unwrap(), NoteClaim::Write, "{backend}");
        assert_eq!(store.claim_note(note.id, "b", NONE_GONE, now()).await.unwrap(), NoteClaim::NotYours, "{backend}");
        // Deferred for the budget: back later, the attempt not counted.
        let later = now() + jiff::SignedDuration::from_hours(1);
        store.defer_note(note.id, "a", later, "the day's calls are spent").await.unwrap();
        assert!(store.pending_notes(now(), NONE_GONE, 10).await.unwrap().is_empty(), "{backend}");
        let back = store.pending_notes(later, NONE_GONE, 10).await.unwrap().remove(0);
        assert_eq!(back.attempts, note.attempts, "{backend}");
        store.claim_note(back.id, "a", NONE_GONE, later).await.unwrap();
        store.note_written(back.id, "a", later).await.unwrap();
        assert_eq!(store.notes_waiting(TENANT).await.unwrap(), 0, "{backend}");
    }
}

#[tokio::test]
async fn cancelling_by_hand_and_trying_again() {
    for (backend, store) in backends("by-hand").await {
        store.record_decisions(vec![email_about(TENANT, 1, 1, "r1", 0)], decider(), now()).await.unwrap();
        let id = store.deliverable(now(), NONE_GONE, 10).await.unwrap()[0].id;
        assert!(store.cancel_waiting(id, "cancelled by hand", now()).await.unwrap(), "{backend}");
        assert!(!store.cancel_waiting(id, "again", now()).await.unwrap(), "{backend}");
        assert_eq!(store.outbox(Some(Status::Cancelled), 10).await.unwrap().len(), 1, "{backend}");
        assert!(store.retry_by_hand(id).await.unwrap(), "{backend}");
        assert_eq!(store.action_by_id(id).await.unwrap().unwrap().status, Status::Waiting, "{backend}");
    }
}
