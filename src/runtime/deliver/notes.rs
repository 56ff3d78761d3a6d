//! The history notes of what was done, drained to Xero beside the emails, within the
//! organisation's budget: looked for in the record's History first when an earlier write may
//! have landed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::SignedDuration;
use uuid::Uuid;

use super::{Delivered, Deliverer, DeliveryError, Pass, later};
use crate::failpoint;
use crate::store::StoreError;
use crate::store::tasks::{NoteClaim, PendingNote};
use crate::xero::client::{ApiError, Get, XeroClient};
use crate::xero::wire;

impl Deliverer<'_> {
    /// Writes the organisation's history notes as their actions are done, until its emails are
    /// delivered and its queue is empty (or the process is asked to stop: notes wait for the next
    /// start). Notes are background calls: they leave a reserve of the organisation's budget to
    /// the syncs and links that emails wait for.
    pub(super) async fn drain_notes(
        &self,
        pass: &Pass,
        tenant: Uuid,
        emails_done: &AtomicBool,
        delivered: &mut Delivered,
    ) -> Result<(), DeliveryError> {
        let Some(client) = self.client else { return Ok(()) };
        let grant = self.store.organisation(tenant).await?.and_then(|o| o.grant_id);
        loop {
            if self.stopping() {
                return Ok(());
            }
            // Read whether the emails are done before looking: a note whose email was sent just
            // before is then certainly seen.
            let done = emails_done.load(Ordering::SeqCst);
            pass.keep_off_the_wire().await;
            let notes = self.store.pending_notes_of(Some(tenant), self.now, &pass.gone, 100).await?;
            if notes.is_empty() {
                if done {
                    return Ok(());
                }
                pass.next_email_settled().await;
                continue;
            }
            let mut handled = false;
            for note in notes {
                if self.stopping() {
                    return Ok(());
                }
                pass.still_here(self.store).await?;
                handled |= self.write_note(pass, client, grant, &note, delivered).await?;
            }
            if !handled {
                // Every note read was taken by another process meanwhile: wait before reading again.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    /// Writes one note: claimed, then looked for in the record's History if an earlier write may
    /// have reached Xero, then written. Gives whether this process took the note on.
    pub(super) async fn write_note(
        &self,
        pass: &Pass,
        client: &XeroClient,
        grant: Option<i64>,
        note: &PendingNote,
        delivered: &mut Delivered,
    ) -> Result<bool, StoreError> {
        pass.keep_off_the_wire().await;
        let claim = self.store.claim_note(note.id, &pass.worker, &pass.gone, self.now).await?;
        if claim == NoteClaim::NotYours {
            return Ok(false);
        }
        let me = pass.worker.as_str();
        let retry =
            (note.attempts + 1 < crate::store::tasks::MOST_NOTE_ATTEMPTS).then(|| later(self.now, note.attempts + 1));
        let Some(grant) = grant else {
            let why = "the organisation is no longer connected; run `collectiq connect` and `collectiq outbox list`";
            // Tried again later, with the usual waits: connecting again brings it back.
            self.store.note_failed(note.id, me, why, retry, claim == NoteClaim::LookFirst).await?;
            delivered.notes_failed += 1;
            return Ok(true);
        };
        failpoint::pass("notes:claimed");
        let path = match note.subject_kind.as_str() {
            "invoice" => format!("Invoices/{}/History", note.subject_id),
            _ => format!("Contacts/{}/History", note.subject_id),
        };
        if claim == NoteClaim::LookFirst {
            let history: Result<wire::Envelope<wire::HistoryRecords>, ApiError> =
                client.get(note.tenant_id, grant, &Get::new(path.clone()).in_background()).await;
            pass.keep_off_the_wire().await;
            match history {
                Ok(history) if already_there(&history.items.items, note) => {
                    self.store.note_written(note.id, me, self.now).await?;
                    delivered.notes_found_in_xero += 1;
                    return Ok(true);
                }
                Ok(_) => {}
                Err(ApiError::DayBudgetSpent) => {
                    self.defer(note, me, delivered).await?;
                    return Ok(true);
                }
                Err(error) => {
                    let why = format!("could not read the History to see whether the note is there: {error}");
                    self.store.note_failed(note.id, me, &why, retry, true).await?;
                    delivered.notes_failed += 1;
                    return Ok(true);
                }
            }
        }
        let body = serde_json::json!({ "HistoryRecords": [{ "Details": note.details }] });
        let written: Result<wire::Envelope<wire::HistoryRecords>, ApiError> =
            client.put(note.tenant_id, grant, &path, &body).await;
        pass.keep_off_the_wire().await;
        match written {
            Ok(_) => {
                failpoint::pass("notes:answered");
                self.store.note_written(note.id, me, self.now).await?;
                failpoint::pass("notes:written");
                delivered.notes_written += 1;
            }
            // Never sent: the day's budget (short of the reserve) is spent.
            Err(ApiError::DayBudgetSpent) => self.defer(note, me, delivered).await?,
            Err(error) => {
                // No certain answer (a 5xx, a dropped connection, a body cut short): Xero may
                // have stored it. The next attempt looks in the History first.
                let maybe = matches!(
                    error,
                    ApiError::GaveUp { .. } | ApiError::Unexpected { .. } | ApiError::Unreadable { .. }
                );
                let why = error.to_string();
                self.store.note_failed(note.id, me, &why, retry, maybe).await?;
                delivered.notes_failed += 1;
            }
        }
        Ok(true)
    }

    /// Puts a note back until the budget allows, without counting the attempt.
    pub(super) async fn defer(
        &self,
        note: &PendingNote,
        worker: &str,
        delivered: &mut Delivered,
    ) -> Result<(), StoreError> {
        let why = "the organisation's Xero calls for the day are spent (a reserve is kept for syncs); written when the budget allows";
        let until = self.now.checked_add(SignedDuration::from_hours(1)).unwrap_or(self.now);
        self.store.defer_note(note.id, worker, until, why).await?;
        delivered.notes_deferred += 1;
        Ok(())
    }
}

/// Whether a note is among a record's History entries, by its reference.
pub(super) fn already_there(records: &[wire::HistoryRecord], note: &PendingNote) -> bool {
    let Some(reference) = note.reference.as_deref() else {
        // A note queued before notes carried references: its whole text identifies it.
        return records.iter().any(|r| r.details.as_deref() == Some(note.details.as_str()));
    };
    let marker = format!("ref {reference}");
    records.iter().any(|r| r.details.as_deref().is_some_and(|details| details.ends_with(&marker)))
}
