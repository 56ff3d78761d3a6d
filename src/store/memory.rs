//! What CollectIQ remembers beside Xero's data, read back for evaluation as one
//! [`Memory`]: occurrences handled, invoices stopped, promises, disputes and pauses entered by
//! hand, open escalations, and when each customer was last emailed. The outbox and the tasks
//! write it; this reads it.

use uuid::Uuid;

use super::{Result, Store};
use crate::decide::memory::Memory;

impl Store {
    /// What CollectIQ remembers for an organisation, for evaluation.
    pub async fn memory(&self, tenant: Uuid) -> Result<Memory> {
        self.call(move |db| db.memory(tenant)).await
    }
}
