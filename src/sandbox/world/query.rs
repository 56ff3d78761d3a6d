//! The list endpoints' filters and paging, as Xero applies them: `IDs`, `InvoiceNumbers`,
//! `ContactIDs`, `Statuses`, `If-Modified-Since` (to the second), `page` and `pageSize` (at most
//! 1,000). Results come in UpdatedDateUTC order, so a record changed during a paged read moves
//! to the end rather than being skipped.

use std::collections::HashSet;

use jiff::Timestamp;
use uuid::Uuid;

use super::{InvoiceRec, Org};
use crate::xero::wire::Pagination;
use crate::xero::wire::dates::truncate_to_second;

/// Xero's default and largest page sizes.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
pub const LARGEST_PAGE_SIZE: u32 = 1000;

#[derive(Clone, Debug, Default)]
pub struct Paging {
    /// 1-based; without a page, everything is returned at once.
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub struct InvoiceFilter {
    pub ids: Option<HashSet<Uuid>>,
    pub numbers: Option<HashSet<String>>,
    pub contact_ids: Option<HashSet<Uuid>>,
    pub statuses: Option<HashSet<String>>,
    /// `Type=="ACCREC"` from a `where` clause.
    pub kind: Option<String>,
    pub modified_since: Option<Timestamp>,
}

/// Whether a record changed at `updated` is newer than `If-Modified-Since` (both to the second).
pub fn changed_since(updated: Timestamp, since: Option<Timestamp>) -> bool {
    since.is_none_or(|since| truncate_to_second(updated) >= truncate_to_second(since))
}

impl InvoiceFilter {
    fn keeps(&self, org: &Org, invoice: &InvoiceRec) -> bool {
        let status = super::render::invoice_status(invoice);
        self.ids.as_ref().is_none_or(|ids| ids.contains(&invoice.id))
            && self.numbers.as_ref().is_none_or(|numbers| numbers.contains(&org.invoice_number(invoice)))
            && self.contact_ids.as_ref().is_none_or(|ids| ids.contains(&org.contacts[invoice.contact as usize].id))
            && self.statuses.as_ref().is_none_or(|statuses| statuses.contains(status))
            && self.kind.as_ref().is_none_or(|kind| kind == super::render::invoice_kind(invoice))
            && changed_since(invoice.updated, self.modified_since)
    }
}

/// The invoices a request asks for, in order, with the pagination Xero reports.
pub fn invoices(org: &mut Org, filter: &InvoiceFilter, paging: &Paging) -> (Vec<u32>, Option<Pagination>) {
    let by_id = filter
        .ids
        .as_ref()
        .map(|ids| ids.iter().filter_map(|id| org.index.invoice_by_id.get(id).copied()).collect::<Vec<_>>());
    let candidates: Vec<u32> = match by_id {
        // Asked for by id: a few lookups instead of a walk over every invoice.
        Some(mut found) => {
            found.sort_unstable_by_key(|&i| (org.invoices[i as usize].updated, org.invoices[i as usize].id));
            found
        }
        None => {
            org.refresh_orders();
            let invoices = &org.invoices;
            since(&org.index.invoice_order, filter.modified_since, |i| invoices[i as usize].updated).to_vec()
        }
    };
    let kept: Vec<u32> = candidates
        .into_iter()
        .filter(|&i| org.invoices[i as usize].visible && filter.keeps(org, &org.invoices[i as usize]))
        .collect();
    page(kept, paging)
}

/// The tail of an order (sorted by when each item changed) changed at or after `modified_since`.
pub fn since(order: &[u32], modified_since: Option<Timestamp>, changed: impl Fn(u32) -> Timestamp) -> &[u32] {
    match modified_since {
        Some(since) => {
            let since = truncate_to_second(since);
            &order[order.partition_point(|&i| truncate_to_second(changed(i)) < since)..]
        }
        None => order,
    }
}

/// Visible payments (all, or one organisation's changed since a time), in order.
pub fn payments(org: &mut Org, modified_since: Option<Timestamp>, paging: &Paging) -> (Vec<u32>, Option<Pagination>) {
    org.refresh_orders();
    let payments = &org.payments;
    page(since(&org.index.payment_order, modified_since, |i| payments[i as usize].at).to_vec(), paging)
}

/// Visible credits of one kind, in order.
pub fn credits(
    org: &mut Org,
    kind: super::CreditKind,
    modified_since: Option<Timestamp>,
    paging: &Paging,
) -> (Vec<u32>, Option<Pagination>) {
    org.refresh_orders();
    let credits = &org.credits;
    let changed = since(&org.index.credit_order, modified_since, |i| credits[i as usize].updated);
    page(changed.iter().copied().filter(|&i| credits[i as usize].kind == kind).collect(), paging)
}

/// Contacts (all, or those asked for by id) changed since a time, in order.
pub fn contacts(
    org: &Org,
    ids: Option<&HashSet<Uuid>>,
    modified_since: Option<Timestamp>,
    paging: &Paging,
) -> (Vec<u32>, Option<Pagination>) {
    let contacts = &org.contacts;
    let mut chosen: Vec<u32> = (0..contacts.len() as u32)
        .filter(|&i| ids.is_none_or(|ids| ids.contains(&contacts[i as usize].id)))
        .filter(|&i| changed_since(contacts[i as usize].updated, modified_since))
        .collect();
    chosen.sort_unstable_by_key(|&i| (contacts[i as usize].updated, contacts[i as usize].id));
    page(chosen, paging)
}

/// One page of `items`, or all of them when no page is asked for.
pub fn page<T>(items: Vec<T>, paging: &Paging) -> (Vec<T>, Option<Pagination>) {
    let Some(page) = paging.page else {
        return (items, None);
    };
    let page = page.max(1);
    let size = paging.page_size.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, LARGEST_PAGE_SIZE);
    let count = items.len() as u64;
    let pagination =
        Pagination { page, page_size: size, page_count: count.div_ceil(u64::from(size)) as u32, item_count: count };
    let start = ((page - 1) as usize).saturating_mul(size as usize);
    let items = items.into_iter().skip(start).take(size as usize).collect();
    (items, Some(pagination))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_count_and_slice_like_xero() {
        let items: Vec<u32> = (0..2_501).collect();
        let (first, pagination) = page(items.clone(), &Paging { page: Some(1), page_size: Some(1000) });
        assert_eq!(first.len(), 1000);
        assert_eq!(pagination, Some(Pagination { page: 1, page_size: 1000, page_count: 3, item_count: 2501 }));
        let (last, _) = page(items.clone(), &Paging { page: Some(3), page_size: Some(1000) });
        assert_eq!((last.len(), last[0]), (501, 2000));
        let (beyond, _) = page(items.clone(), &Paging { page: Some(4), page_size: Some(1000) });
        assert!(beyond.is_empty());
        let (capped, pagination) = page(items.clone(), &Paging { page: Some(1), page_size: Some(5000) });
        assert_eq!((capped.len(), pagination.unwrap().page_size), (1000, 1000));
        let (all, pagination) = page(items, &Paging::default());
        assert_eq!((all.len(), pagination), (2501, None));
    }
}
