//! Fresh data before an email goes: one incremental sync of the organisation when its last sync
//! is older than the freshness limit, waited out for a while when Xero does not answer.

use std::time::Duration;

use jiff::Timestamp;
use uuid::Uuid;

use super::{Delivered, Deliverer};
use crate::decide::books::Books;
use crate::store::StoreError;
use crate::xero::sync::SyncOptions;

impl Deliverer<'_> {
    /// Before an email goes, its invoices must be known unpaid by a sync no older than the
    /// freshness limit (at the run's instant). When the last sync is older, or this batch has
    /// outlasted the limit since it made them fresh, one incremental sync of the organisation
    /// makes every invoice fresh at once. Xero not answering is waited out for a while, then the
    /// organisation's emails wait for the next run: never sent on old data.
    pub(super) async fn make_fresh(&self, batch: &mut Batch, delivered: &mut Delivered) -> Result<(), HeldBack> {
        let Some(syncer) = self.syncer else { return Ok(()) };
        let freshness = self.freshness.unsigned_abs();
        let stale = match batch.fresh_until {
            Some(until) => std::time::Instant::now() >= until,
            None => {
                let organisation = self.store.organisation(batch.tenant).await?;
                let Some(organisation) = organisation else { return Err(HeldBack::Gone) };
                // Stale at the run's instant, or by the clock: a run whose deciding took a while
                // (links fetched at Xero's pace) does not send on data older than the limit.
                let fresh_until = organisation.last_sync_at.and_then(|at| at.checked_add(self.freshness).ok());
                match fresh_until {
                    Some(until) if until > self.now && until > Timestamp::now() => {
                        let left = until.duration_since(Timestamp::now()).unsigned_abs();
                        batch.fresh_until = Some(std::time::Instant::now() + left);
                        false
                    }
                    _ => true,
                }
            }
        };
        if !stale {
            return Ok(());
        }
        let patience = std::time::Instant::now() + self.patience;
        loop {
            let organisation = self.store.organisation(batch.tenant).await?;
            let Some(organisation) = organisation else { return Err(HeldBack::Gone) };
            let options = SyncOptions { full: false, freshness_only: true };
            let report = syncer.sync_org(&organisation, options).await;
            delivered.fresh_syncs += 1;
            let Some(error) = report.error else { break };
            let pause = Duration::from_secs(30);
            if self.stopping() || std::time::Instant::now() + pause > patience {
                return Err(HeldBack::NotFresh { organisation: organisation.organisation.name, error });
            }
            tokio::time::sleep(pause).await;
        }
        batch.fresh_until = Some(std::time::Instant::now() + freshness);
        batch.books = Some(self.store.books(batch.tenant).await?);
        Ok(())
    }
}

/// One organisation's batch: the books its emails are checked against, and until when they are
/// known fresh (read from the store once, then kept: the run's instant does not move).
pub(super) struct Batch {
    pub(super) tenant: Uuid,
    pub(super) books: Option<Books>,
    pub(super) fresh_until: Option<std::time::Instant>,
}
/// Why an organisation's emails wait for the next run.
#[derive(Debug, thiserror::Error)]
pub(super) enum HeldBack {
    #[error("the organisation is gone")]
    Gone,
    #[error(
        "{organisation}: could not make the data fresh before emailing ({error}); its emails wait for the next run"
    )]
    NotFresh { organisation: String, error: std::sync::Arc<crate::xero::sync::SyncError> },
    #[error(transparent)]
    Store(#[from] StoreError),
}
