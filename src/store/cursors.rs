//! Sync cursors, one per organisation and entity. A cursor holds the `If-Modified-Since`
//! watermark of the last complete pass and, while a pass is under way, how far it has come:
//! each page is written in one transaction with the cursor moved past it, so a pass cut short
//! resumes where it stopped, and the ids it has seen (to find records Xero no longer lists after
//! a full pass, and pages that shifted under an incremental one).

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::codec::{format_time, optional_instant};
use super::receivables::{Records, remove_unseen, write};
use super::{Doing, Result, Store};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Changes at or after this were not yet fetched (None: nothing was ever fetched).
    pub modified_since: Option<Timestamp>,
    pub pass: Option<Pass>,
}

/// A pass under way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pass {
    /// The `If-Modified-Since` the pass uses (None for a full pass).
    pub since: Option<Timestamp>,
    /// Xero's clock when the pass began: the next watermark.
    pub started: Option<Timestamp>,
    pub next_page: u32,
    pub full: bool,
}

impl Store {
    pub fn cursor(&self, tenant: Uuid, entity: &str) -> Result<Cursor> {
        let row = self
            .conn()
            .query_row(
                "SELECT * FROM sync_cursors WHERE tenant_id = ?1 AND entity = ?2",
                params![tenant.to_string(), entity],
                |row| {
                    let next_page: Option<u32> = row.get("next_page")?;
                    let pass = match next_page {
                        Some(next_page) => Some(Pass {
                            since: optional_instant(row, "pass_since")?,
                            started: optional_instant(row, "pass_started")?,
                            next_page,
                            full: row.get("pass_full")?,
                        }),
                        None => None,
                    };
                    Ok(Cursor { modified_since: optional_instant(row, "modified_since")?, pass })
                },
            )
            .optional()
            .doing("read a sync cursor")?;
        Ok(row.unwrap_or_default())
    }

    /// Starts a pass from page 1, forgetting what an earlier unfinished pass had seen.
    pub fn begin_pass(&mut self, tenant: Uuid, entity: &str, since: Option<Timestamp>, full: bool) -> Result<Pass> {
        let tenant_text = tenant.to_string();
        let tx = self.conn_mut().transaction().doing("start a sync pass")?;
        tx.execute("DELETE FROM seen_in_pass WHERE tenant_id = ?1 AND entity = ?2", params![tenant_text, entity])
            .doing("start a sync pass")?;
        tx.execute(
            "INSERT INTO sync_cursors (tenant_id, entity, pass_since, pass_started, next_page, pass_full)
             VALUES (?1, ?2, ?3, NULL, 1, ?4)
             ON CONFLICT (tenant_id, entity) DO UPDATE SET pass_since = excluded.pass_since, pass_started = NULL,
                 next_page = 1, pass_full = excluded.pass_full",
            params![tenant_text, entity, since.map(format_time), full],
        )
        .doing("start a sync pass")?;
        tx.commit().doing("start a sync pass")?;
        Ok(Pass { since, started: None, next_page: 1, full })
    }

    /// Writes one page and moves the cursor past it, in one transaction.
    pub fn write_page(
        &mut self,
        tenant: Uuid,
        entity: &str,
        records: &Records,
        next_page: u32,
        started: Option<Timestamp>,
    ) -> Result<()> {
        let tenant_text = tenant.to_string();
        let tx = self.conn_mut().transaction().doing("start writing a page")?;
        write(&tx, tenant, records)?;
        {
            let mut seen = tx
                .prepare_cached("INSERT OR IGNORE INTO seen_in_pass (tenant_id, entity, record_id) VALUES (?1, ?2, ?3)")
                .doing("note what a page held")?;
            for id in records.ids() {
                seen.execute(params![tenant_text, entity, id.to_string()]).doing("note what a page held")?;
            }
        }
        tx.execute(
            "UPDATE sync_cursors SET next_page = ?1, pass_started = COALESCE(pass_started, ?2)
             WHERE tenant_id = ?3 AND entity = ?4",
            params![next_page, started.map(format_time), tenant_text, entity],
        )
        .doing("move the sync cursor")?;
        tx.commit().doing("write a page")
    }

    /// How many different records the pass under way has seen.
    pub fn seen_in_pass(&self, tenant: Uuid, entity: &str) -> Result<u64> {
        self.conn()
            .query_row(
                "SELECT COUNT(*) FROM seen_in_pass WHERE tenant_id = ?1 AND entity = ?2",
                params![tenant.to_string(), entity],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .doing("count what a pass has seen")
    }

    /// Ends the pass: the watermark moves to `watermark`, and after a full pass the records it did
    /// not see are removed. Gives how many were removed.
    pub fn finish_pass(
        &mut self,
        tenant: Uuid,
        entity: &str,
        watermark: Option<Timestamp>,
        remove_missing: bool,
    ) -> Result<usize> {
        let tenant_text = tenant.to_string();
        let tx = self.conn_mut().transaction().doing("start finishing a sync pass")?;
        let removed = if remove_missing { remove_unseen(&tx, tenant, entity)? } else { 0 };
        tx.execute("DELETE FROM seen_in_pass WHERE tenant_id = ?1 AND entity = ?2", params![tenant_text, entity])
            .doing("finish a sync pass")?;
        tx.execute(
            "UPDATE sync_cursors SET modified_since = COALESCE(?1, modified_since), pass_since = NULL,
                 pass_started = NULL, next_page = NULL, pass_full = 0
             WHERE tenant_id = ?2 AND entity = ?3",
            params![watermark.map(format_time), tenant_text, entity],
        )
        .doing("finish a sync pass")?;
        tx.commit().doing("finish a sync pass")?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::records::Invoice;

    fn invoice(id: u128) -> Invoice {
        Invoice {
            tenant_id: Uuid::from_u128(1),
            invoice_id: Uuid::from_u128(id),
            number: format!("INV-{id}"),
            reference: None,
            contact_id: Uuid::from_u128(7),
            status: "AUTHORISED".into(),
            date: "2026-10-01".parse().unwrap(),
            due_date: "2026-10-31".parse().unwrap(),
            currency: "NZD".into(),
            currency_rate: "1".parse().unwrap(),
            total: "10".parse().unwrap(),
            amount_due: "10".parse().unwrap(),
            amount_paid: "0".parse().unwrap(),
            amount_credited: "0".parse().unwrap(),
            expected_payment_date: None,
            fully_paid_on: None,
            repeating_invoice_id: None,
            updated: "2026-10-01T20:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn a_pass_resumes_and_a_full_pass_removes_what_it_did_not_see() {
        let mut store = Store::open_in_memory().unwrap();
        let tenant = Uuid::from_u128(1);
        store.save_records(tenant, &Records::Invoices(vec![invoice(1), invoice(2), invoice(3)])).unwrap();
        store.begin_pass(tenant, "invoices", None, true).unwrap();
        let started: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        store.write_page(tenant, "invoices", &Records::Invoices(vec![invoice(1)]), 2, Some(started)).unwrap();
        // A crash here: the cursor says where to go on.
        let cursor = store.cursor(tenant, "invoices").unwrap();
        assert_eq!(cursor.pass, Some(Pass { since: None, started: Some(started), next_page: 2, full: true }));
        store.write_page(tenant, "invoices", &Records::Invoices(vec![invoice(3)]), 3, None).unwrap();
        assert_eq!(store.seen_in_pass(tenant, "invoices").unwrap(), 2);
        assert_eq!(store.finish_pass(tenant, "invoices", Some(started), true).unwrap(), 1);
        let left: Vec<u128> = store.invoices(tenant).unwrap().iter().map(|i| i.invoice_id.as_u128()).collect();
        assert_eq!(left, vec![1, 3]);
        assert_eq!(store.cursor(tenant, "invoices").unwrap(), Cursor { modified_since: Some(started), pass: None });
    }
}
