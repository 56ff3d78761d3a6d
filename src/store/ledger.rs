//! Reading an organisation's whole ledger, as the runtime does on every run: a million invoices
//! or more, so it sorts nothing, scans the table rather than seeking each row through an index,
//! decodes no more of a closed invoice than the customer's history needs, and shares the work
//! among the cores, each reading its own slice of the table on its own connection.

use rusqlite::{Connection, OpenFlags, Row};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::codec::{amount, day, id, optional_day};
use super::receivables::{INVOICE_COLUMNS, invoice_from};
use super::{Doing, Result, Store};
use crate::ledger::records::{Billed, Invoice};

/// One invoice of a ledger as [`Store::read_ledger`] gives it.
pub enum LedgerEntry<'a> {
    Open(Invoice),
    /// Paid, voided, draft or otherwise closed: only what it tells of the customer's history.
    Closed(Billed<'a>),
}

const WHAT: &str = "read the ledger";

/// Below this many invoices, one connection reads faster than several start.
const WORTH_SHARING: i64 = 50_000;

fn entry<'r>(row: &'r Row<'_>) -> rusqlite::Result<LedgerEntry<'r>> {
    let status = row.get_ref(5)?.as_str()?;
    if status == "AUTHORISED" && amount(row, 11)? > Decimal::ZERO {
        return Ok(LedgerEntry::Open(invoice_from(row)?));
    }
    Ok(LedgerEntry::Closed(Billed {
        contact_id: id(row, 4)?,
        status,
        date: day(row, 6)?,
        due_date: day(row, 7)?,
        total: amount(row, 10)?,
        currency_rate: amount(row, 9)?,
        currency: row.get_ref(8)?.as_str()?,
        fully_paid_on: optional_day(row, 15)?,
    }))
}

/// Reads the invoices with rowids in `from..=to` (all of them when `None`).
fn read_slice<T>(
    conn: &Connection,
    tenant: Uuid,
    rows: Option<(i64, i64)>,
    into: &mut T,
    take: &impl Fn(&mut T, LedgerEntry<'_>),
) -> Result<()> {
    let (from, to) = rows.unwrap_or((i64::MIN, i64::MAX));
    let sql =
        format!("SELECT {INVOICE_COLUMNS} FROM invoices NOT INDEXED WHERE tenant_id = ?1 AND rowid BETWEEN ?2 AND ?3");
    let mut statement = conn.prepare_cached(&sql).doing(WHAT)?;
    let mut rows = statement.query(rusqlite::params![tenant.to_string(), from, to]).doing(WHAT)?;
    while let Some(row) = rows.next().doing(WHAT)? {
        take(into, entry(row).doing(WHAT)?);
    }
    Ok(())
}

impl Store {
    /// Reads an organisation's whole ledger, in no particular order, into one `T` per part (as
    /// many parts as cores, for a large file-backed store; otherwise one). Each part starts as
    /// `start()` and takes its entries through `take`. If anything else writes to the database
    /// while the parts are read, so that they might not agree, it is read again in one part.
    pub fn read_ledger<T: Send>(
        &self,
        tenant: Uuid,
        start: impl Fn() -> T + Sync,
        take: impl Fn(&mut T, LedgerEntry<'_>) + Sync,
    ) -> Result<Vec<T>> {
        let read_whole = || -> Result<Vec<T>> {
            let mut whole = start();
            read_slice(self.conn(), tenant, None, &mut whole, &take)?;
            Ok(vec![whole])
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
        let (Some(path), true) = (self.path(), cores > 1) else { return read_whole() };
        let (first, last): (Option<i64>, Option<i64>) = self
            .conn()
            .query_row("SELECT MIN(rowid), MAX(rowid) FROM invoices", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .doing(WHAT)?;
        let (Some(first), Some(last)) = (first, last) else { return read_whole() };
        if last - first < WORTH_SHARING {
            return read_whole();
        }
        let version = || -> Result<i64> { self.conn().query_row("PRAGMA data_version", [], |r| r.get(0)).doing(WHAT) };
        let before = version()?;
        let share = (last - first) / cores + 1;
        let slices: Vec<(i64, i64)> =
            (0..cores).map(|part| (first + part * share, (first + (part + 1) * share - 1).min(last))).collect();
        let parts: Vec<Result<T>> = std::thread::scope(|scope| {
            let workers: Vec<_> = slices
                .iter()
                .map(|&slice| {
                    let (start, take) = (&start, &take);
                    scope.spawn(move || -> Result<T> {
                        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                        let conn = Connection::open_with_flags(path, flags).doing(WHAT)?;
                        conn.busy_timeout(std::time::Duration::from_secs(30)).doing(WHAT)?;
                        let mut part = start();
                        read_slice(&conn, tenant, Some(slice), &mut part, take)?;
                        Ok(part)
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
        });
        let parts = parts.into_iter().collect::<Result<Vec<T>>>()?;
        if version()? != before {
            return read_whole();
        }
        Ok(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::receivables::Records;

    fn invoice(n: u128, status: &str, due: &str) -> Invoice {
        Invoice {
            tenant_id: Uuid::from_u128(1),
            invoice_id: Uuid::from_u128(n),
            number: format!("INV-{n}"),
            reference: None,
            contact_id: Uuid::from_u128(1_000 + n % 7),
            status: status.into(),
            date: "2026-10-01".parse().unwrap(),
            due_date: "2026-10-31".parse().unwrap(),
            currency: "NZD".into(),
            currency_rate: Decimal::ONE,
            total: "100.00".parse().unwrap(),
            amount_due: due.parse().unwrap(),
            amount_paid: Decimal::ZERO,
            amount_credited: Decimal::ZERO,
            expected_payment_date: None,
            fully_paid_on: None,
            repeating_invoice_id: None,
            updated: "2026-10-01T00:00:00Z".parse().unwrap(),
        }
    }

    /// (open invoice ids, closed invoice ids) in every part together.
    fn read(store: &Store, tenant: u128) -> (Vec<u128>, Vec<u128>, usize) {
        let parts = store
            .read_ledger(
                Uuid::from_u128(tenant),
                || (Vec::new(), Vec::new()),
                |(open, closed): &mut (Vec<u128>, Vec<u128>), entry| match entry {
                    LedgerEntry::Open(invoice) => open.push(invoice.invoice_id.as_u128()),
                    LedgerEntry::Closed(billed) => closed.push(billed.contact_id.as_u128()),
                },
            )
            .unwrap();
        let count = parts.len();
        let (mut open, mut closed): (Vec<u128>, Vec<u128>) =
            parts.into_iter().fold((Vec::new(), Vec::new()), |(mut o, mut c), (po, pc)| {
                o.extend(po);
                c.extend(pc);
                (o, c)
            });
        open.sort();
        closed.sort();
        (open, closed, count)
    }

    #[test]
    fn every_invoice_is_read_once_whatever_the_parts() {
        let folder = std::env::temp_dir().join(format!("collectiq-ledger-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let mut store = Store::open(&folder.join("ledger.db")).unwrap();
        let invoices: Vec<Invoice> = (0..120_000u128)
            .map(|n| match n % 3 {
                0 => invoice(n, "PAID", "0.00"),
                1 => invoice(n, "AUTHORISED", "100.00"),
                _ => invoice(n, "AUTHORISED", "0.00"),
            })
            .collect();
        store.save_records(Uuid::from_u128(1), &Records::Invoices(invoices)).unwrap();
        store.save_records(Uuid::from_u128(2), &Records::Invoices(vec![invoice(7, "AUTHORISED", "5.00")])).unwrap();
        let (open, closed, parts) = read(&store, 1);
        assert_eq!(open, (0..120_000u128).filter(|n| n % 3 == 1).collect::<Vec<_>>());
        assert_eq!(closed.len(), 80_000);
        if std::thread::available_parallelism().map_or(1, |n| n.get()) > 1 {
            assert!(parts > 1, "a large ledger is shared out");
        }
        assert_eq!(read(&store, 2).0, vec![7], "organisations never mix");
        let _ = std::fs::remove_dir_all(&folder);
    }
}
