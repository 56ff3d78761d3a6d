//! What CollectIQ remembers beside Xero's data, read back for evaluation as one
//! [`Memory`]: occurrences handled, invoices stopped, promises, disputes and pauses entered by
//! hand, open escalations, and when each customer was last emailed. The outbox and the tasks
//! write it; this reads it.

use uuid::Uuid;

use super::{Result, Store};
use crate::decide::memory::Memory;

/// A period an invoice was disputed: opened, and resolved if it was.
pub type DisputePeriod = (jiff::Timestamp, Option<jiff::Timestamp>);

impl Store {
    /// What CollectIQ remembers for an organisation, for evaluation.
    pub async fn memory(&self, tenant: Uuid) -> Result<Memory> {
        self.call(move |db| db.memory(tenant)).await
    }
}

impl Store {
    /// Every period each of these invoices was disputed (opened, and resolved if it was), oldest
    /// first: late-payment interest does not accrue while an invoice is disputed.
    pub async fn dispute_periods(
        &self,
        tenant: Uuid,
        invoices: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, Vec<DisputePeriod>>> {
        let invoices = invoices.to_vec();
        self.call(move |db| db.dispute_periods(tenant, &invoices)).await
    }
}
