//! Late-payment claims on invoices as CollectIQ shows them: one path for emails, statement PDFs
//! and `explain`, so that each shows the same figures. The principal falls on the dates of the
//! payments and credit allocations Xero recorded, and no interest accrues on the days an invoice
//! was disputed.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::decide::late_payment::{Debt, Dispute, LatePayment, NoClaim, RateTable, late_payment};
use crate::ledger::records::{Credit, Invoice, Payment};
use crate::plan::Claim;
use crate::store::{Store, StoreError};

/// An organisation's payments and credits, read once and used for every claim reckoned on its
/// invoices.
pub struct ClaimRecords {
    payments: Vec<Payment>,
    credits: Vec<Credit>,
}

impl ClaimRecords {
    pub async fn read(store: &Store, tenant: uuid::Uuid) -> Result<ClaimRecords, StoreError> {
        Ok(ClaimRecords { payments: store.payments(tenant).await?, credits: store.credits(tenant).await? })
    }

    /// The customer's credits with something left to allocate.
    pub fn credits_available_to(&self, contact: uuid::Uuid) -> impl Iterator<Item = &Credit> {
        self.credits.iter().filter(move |credit| credit.available_to(contact))
    }
}

/// What `claim` claims on each of `invoices` (of one customer, in `groups`) on `today`, one entry
/// each; `day` gives the organisation's day of an instant (when a dispute was raised or
/// resolved). A rate the table lacks claims nothing and is logged.
#[allow(clippy::too_many_arguments)]
pub async fn claims(
    store: &Store,
    records: &ClaimRecords,
    claim: &Claim,
    rates: &RateTable,
    groups: &[String],
    invoices: &[&Invoice],
    today: Date,
    day: impl Fn(Timestamp) -> Date,
) -> Result<Vec<LatePayment>, StoreError> {
    let Some(tenant) = invoices.first().map(|invoice| invoice.tenant_id) else { return Ok(Vec::new()) };
    let ids: Vec<uuid::Uuid> = invoices.iter().map(|invoice| invoice.invoice_id).collect();
    let disputed = store.dispute_periods(tenant, &ids).await?;
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    Ok(invoices
        .iter()
        .map(|invoice| {
            let disputes = disputed
                .get(&invoice.invoice_id)
                .into_iter()
                .flatten()
                .map(|(opened, resolved)| Dispute { from: day(*opened), until: resolved.map(&day) })
                .collect();
            let Some(debt) = Debt::from_records(invoice, &records.payments, &records.credits, disputes) else {
                return LatePayment::NotClaimed { reason: NoClaim::NothingOwed };
            };
            let outcome = late_payment(claim, &debt, &groups, today, rates);
            if let Some(missing) = outcome.missing_rate() {
                tracing::warn!(invoice = %invoice.number, "{missing}");
            }
            outcome
        })
        .collect())
}
