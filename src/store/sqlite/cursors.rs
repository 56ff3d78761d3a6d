//! Sync cursors, one per organisation and entity. A cursor holds the `If-Modified-Since`
//! watermark of the last complete pass and, while a pass is under way, how far it has come:
//! pages are written in one transaction with the cursor moved past them, so a pass cut short
//! resumes where it stopped. Every record a pass writes carries the pass's number, so that after
//! a full pass the records Xero no longer lists are the ones without it, and a page that
//! shifted under an incremental pass shows as fewer records marked than Xero counted.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::codec::{format_time, optional_instant};
use super::records::{marked, remove_unmarked, write};
use super::{Database, Doing, Result, StoreError};
use crate::store::cursors::{Cursor, Pass};
use crate::store::records::Records;

impl Database {
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
                            number: row.get("pass_number")?,
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

    pub fn begin_pass(&mut self, tenant: Uuid, entity: &str, since: Option<Timestamp>, full: bool) -> Result<Pass> {
        let tenant_text = tenant.to_string();
        let tx = self.conn_mut().transaction().doing("start a sync pass")?;
        let number: i64 = tx
            .query_row(
                "INSERT INTO sync_cursors (tenant_id, entity, pass_since, pass_started, next_page, pass_full, pass_number)
                 VALUES (?1, ?2, ?3, NULL, 1, ?4, 1)
                 ON CONFLICT (tenant_id, entity) DO UPDATE SET pass_since = excluded.pass_since, pass_started = NULL,
                     next_page = 1, pass_full = excluded.pass_full, pass_number = sync_cursors.pass_number + 1
                 RETURNING pass_number",
                params![tenant_text, entity, since.map(format_time), full],
                |row| row.get(0),
            )
            .doing("start a sync pass")?;
        tx.commit().doing("start a sync pass")?;
        Ok(Pass { since, started: None, next_page: 1, full, number })
    }

    pub fn write_pages(
        &mut self,
        tenant: Uuid,
        entity: &str,
        pages: &[Records],
        pass: &Pass,
        next_page: u32,
        started: Option<Timestamp>,
    ) -> Result<()> {
        let tx = self.conn_mut().transaction().doing("start writing a page")?;
        ensure_current(&tx, tenant, entity, pass)?;
        for records in pages {
            write(&tx, tenant, records, Some(pass.number))?;
        }
        tx.execute(
            "UPDATE sync_cursors SET next_page = ?1, pass_started = COALESCE(pass_started, ?2)
             WHERE tenant_id = ?3 AND entity = ?4",
            params![next_page, started.map(format_time), tenant.to_string(), entity],
        )
        .doing("move the sync cursor")?;
        tx.commit().doing("write a page")
    }

    pub fn seen_in_pass(&self, tenant: Uuid, entity: &str, pass: &Pass) -> Result<u64> {
        marked(self.conn(), tenant, entity, pass.number)
    }

    pub fn finish_pass(
        &mut self,
        tenant: Uuid,
        entity: &str,
        pass: &Pass,
        watermark: Option<Timestamp>,
    ) -> Result<usize> {
        let tx = self.conn_mut().transaction().doing("start finishing a sync pass")?;
        ensure_current(&tx, tenant, entity, pass)?;
        let removed = if pass.full { remove_unmarked(&tx, tenant, entity, pass.number)? } else { 0 };
        tx.execute(
            "UPDATE sync_cursors SET modified_since = COALESCE(?1, modified_since), pass_since = NULL,
                 pass_started = NULL, next_page = NULL, pass_full = 0
             WHERE tenant_id = ?2 AND entity = ?3",
            params![watermark.map(format_time), tenant.to_string(), entity],
        )
        .doing("finish a sync pass")?;
        tx.commit().doing("finish a sync pass")?;
        Ok(removed)
    }
}

/// Refuses to go on with a pass another has replaced: a sync given up while it stored its pages
/// (another process, or one stopped mid-write) must not move the new pass's cursor, mark records
/// as its own, or remove what the new pass has not reached yet.
fn ensure_current(tx: &Transaction<'_>, tenant: Uuid, entity: &str, pass: &Pass) -> Result<()> {
    let current: Option<i64> = tx
        .query_row(
            "SELECT pass_number FROM sync_cursors WHERE tenant_id = ?1 AND entity = ?2",
            params![tenant.to_string(), entity],
            |row| row.get(0),
        )
        .optional()
        .doing("read a sync cursor")?;
    if current == Some(pass.number) {
        return Ok(());
    }
    Err(StoreError::PassOvertaken { entity: entity.into() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::records::Invoice;

    fn invoice(id: u128) -> Invoice {
        Invoice {
            tenant_id: Uuid::from_u128(1),
            invoice_id: Uuid::from_u128(id),
            number: format!("INV-{id}").into(),
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
        let mut store = Database::open_in_memory().unwrap();
        let tenant = Uuid::from_u128(1);
        store.save_records(tenant, &Records::Invoices(vec![invoice(1), invoice(2), invoice(3)])).unwrap();
        let pass = store.begin_pass(tenant, "invoices", None, true).unwrap();
        let started: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        store.write_pages(tenant, "invoices", &[Records::Invoices(vec![invoice(1)])], &pass, 2, Some(started)).unwrap();
        // A crash here: the cursor says where to go on.
        let cursor = store.cursor(tenant, "invoices").unwrap();
        let resumed = cursor.pass.unwrap();
        assert_eq!(
            resumed,
            Pass { since: None, started: Some(started), next_page: 2, full: true, number: pass.number }
        );
        // A webhook's record, written mid-pass, keeps the mark it had.
        store.save_records(tenant, &Records::Invoices(vec![invoice(1)])).unwrap();
        store.write_pages(tenant, "invoices", &[Records::Invoices(vec![invoice(3)])], &resumed, 3, None).unwrap();
        assert_eq!(store.seen_in_pass(tenant, "invoices", &resumed).unwrap(), 2);
        assert_eq!(store.finish_pass(tenant, "invoices", &resumed, Some(started)).unwrap(), 1);
        let left: Vec<u128> = store.invoices(tenant).unwrap().iter().map(|i| i.invoice_id.as_u128()).collect();
        assert_eq!(left, vec![1, 3]);
        assert_eq!(store.cursor(tenant, "invoices").unwrap(), Cursor { modified_since: Some(started), pass: None });
        let next = store.begin_pass(tenant, "invoices", Some(started), false).unwrap();
        assert_eq!(next.number, pass.number + 1, "every pass has a number of its own");
    }

    #[test]
    fn pages_of_a_pass_given_up_do_not_move_the_cursor_of_the_next() {
        let mut store = Database::open_in_memory().unwrap();
        let tenant = Uuid::from_u128(1);
        let given_up = store.begin_pass(tenant, "invoices", None, true).unwrap();
        let next = store.begin_pass(tenant, "invoices", None, true).unwrap();
        let error = store
            .write_pages(tenant, "invoices", &[Records::Invoices(vec![invoice(1)])], &given_up, 7, None)
            .unwrap_err();
        assert!(matches!(&error, StoreError::PassOvertaken { entity } if entity == "invoices"), "{error:?}");
        assert!(error.to_string().contains("another sync began a new pass"), "{error}");
        assert_eq!(store.cursor(tenant, "invoices").unwrap().pass.unwrap().next_page, 1, "the next pass starts at 1");
        assert!(store.invoices(tenant).unwrap().is_empty(), "nothing of the old pass is written");
        store.write_pages(tenant, "invoices", &[Records::Invoices(vec![invoice(2)])], &next, 2, None).unwrap();
        assert!(store.finish_pass(tenant, "invoices", &given_up, None).is_err(), "nor does it finish the new pass");
        assert_eq!(store.cursor(tenant, "invoices").unwrap().pass.unwrap().next_page, 2);
        assert_eq!(store.finish_pass(tenant, "invoices", &next, None).unwrap(), 0);
    }
}
