//! An organisation's books (see [`crate::decide::books`]) and what CollectIQ remembers for it,
//! read as the runtime does on every run.
//!
//! Reading the whole ledger: a million invoices or more. The table keeps each customer's invoices together (migration 5), so one ordered scan
//! hands them over customer by customer and nothing has to be gathered afterwards. It decodes no
//! more of a closed invoice than the customer's history needs, and shares the work among the
//! cores, each reading its own range of customers on its own connection.

use rusqlite::{Connection, OpenFlags, OptionalExtension, Row};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::codec::{amount, day, id, optional_day};
use super::records::{INVOICE_COLUMNS, invoice_from};
use std::collections::HashMap;

use super::{Database, Doing, Result, StoreError};
use crate::decide::books::{Books, History};
use crate::decide::memory::Memory;
use crate::ledger::records::{Billed, Invoice};

const WHAT: &str = "read the ledger";

/// Below this many customers, one connection reads faster than several start.
const WORTH_SHARING: i64 = 1_000;

/// One invoice of a ledger as [`Database::read_ledger`] gives it.
pub enum LedgerEntry<'a> {
    Open(Invoice),
    /// Paid, voided, draft or otherwise closed: only what it tells of the customer's history.
    Closed(Billed<'a>),
}

impl LedgerEntry<'_> {
    /// The customer the invoice is to.
    pub fn contact_id(&self) -> Uuid {
        match self {
            LedgerEntry::Open(invoice) => invoice.contact_id,
            LedgerEntry::Closed(billed) => billed.contact_id,
        }
    }
}

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

/// A range of customers by contact id: from the first (inclusive, or from the start) to the
/// second (exclusive, or to the end).
type CustomerRange = (Option<String>, Option<String>);

/// The query for a range of customers, ending where the range ends (when it does).
fn customers_query(bounded: bool) -> String {
    format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices WHERE tenant_id = ?1 AND contact_id >= ?2 {} ORDER BY contact_id",
        // Both forms take the same three parameters, so that one call binds either.
        if bounded { "AND contact_id < ?3" } else { "AND ?3 IS NULL" }
    )
}

/// Reads the invoices of one range of customers, customer by customer in order of contact id:
/// the table's own order, so SQLite walks it without sorting.
fn read_customers<T>(
    conn: &Connection,
    tenant: Uuid,
    (from, to): &CustomerRange,
    into: &mut T,
    take: &impl Fn(&mut T, LedgerEntry<'_>),
) -> Result<()> {
    let mut statement = conn.prepare_cached(&customers_query(to.is_some())).doing(WHAT)?;
    let from = from.as_deref().unwrap_or("");
    let mut rows = statement.query(rusqlite::params![tenant.to_string(), from, to]).doing(WHAT)?;
    while let Some(row) = rows.next().doing(WHAT)? {
        take(into, entry(row).doing(WHAT)?);
    }
    Ok(())
}

impl Database {
    /// Reads an organisation's whole ledger into one `T` per part (as many parts as cores, for a
    /// large file-backed store; otherwise one). Each part is a range of customers and starts as
    /// `start()`; it takes its entries through `take`, one customer's invoices after another, in
    /// order of contact id. If anything else writes to the database while the parts are read, so
    /// that they might not agree, it is read again in one part.
    pub fn read_ledger<T: Send>(
        &self,
        tenant: Uuid,
        start: impl Fn() -> T + Sync,
        take: impl Fn(&mut T, LedgerEntry<'_>) + Sync,
    ) -> Result<Vec<T>> {
        let read_whole = || -> Result<Vec<T>> {
            let mut whole = start();
            read_customers(self.conn(), tenant, &(None, None), &mut whole, &take)?;
            Ok(vec![whole])
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
        let (Some(path), true) = (self.path(), cores > 1) else { return read_whole() };
        let version = || -> Result<i64> { self.conn().query_row("PRAGMA data_version", [], |r| r.get(0)).doing(WHAT) };
        let before = version()?;
        let ranges = self.customer_ranges(tenant, cores)?;
        if ranges.len() < 2 {
            return read_whole();
        }
        let parts: Vec<Result<T>> = std::thread::scope(|scope| {
            let workers: Vec<_> = ranges
                .iter()
                .map(|range| {
                    let (start, take) = (&start, &take);
                    scope.spawn(move || -> Result<T> {
                        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                        let conn = Connection::open_with_flags(path, flags).doing(WHAT)?;
                        conn.busy_timeout(std::time::Duration::from_secs(30)).doing(WHAT)?;
                        let mut part = start();
                        read_customers(&conn, tenant, range, &mut part, take)?;
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

    /// The organisation's customers cut into `parts` ranges of about as many contacts each (one
    /// range when there are too few to be worth sharing). Invoices of contacts the store does not
    /// know still fall in some range.
    fn customer_ranges(&self, tenant: Uuid, parts: i64) -> Result<Vec<CustomerRange>> {
        let tenant = tenant.to_string();
        let contacts: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM contacts WHERE tenant_id = ?1", [&tenant], |r| r.get(0))
            .doing(WHAT)?;
        if contacts < WORTH_SHARING {
            return Ok(vec![(None, None)]);
        }
        let mut statement = self
            .conn()
            .prepare("SELECT contact_id FROM contacts WHERE tenant_id = ?1 ORDER BY contact_id LIMIT 1 OFFSET ?2")
            .doing(WHAT)?;
        // Contacts removed meanwhile may leave fewer bounds; what was read is then read again
        // whole anyway (`PRAGMA data_version` moves).
        let mut inner: Vec<String> = Vec::new();
        for part in 1..parts {
            let offset = contacts * part / parts;
            let bound = statement.query_row(rusqlite::params![tenant, offset], |r| r.get(0)).optional().doing(WHAT)?;
            inner.extend(bound);
        }
        inner.sort();
        inner.dedup();
        let bounds: Vec<Option<String>> =
            std::iter::once(None).chain(inner.into_iter().map(Some)).chain(std::iter::once(None)).collect();
        Ok(bounds.windows(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect())
    }
}

/// One customer's invoices as a reader of the ledger gathers them: the open ones kept, every one
/// counted in the history.
struct Gathered {
    contact_id: Uuid,
    open: Vec<Invoice>,
    history: History,
}

/// What one reader of the ledger gathers, customer after customer, as the store hands each
/// customer's invoices over together.
#[derive(Default)]
struct Gathering {
    done: Vec<Gathered>,
    current: Option<Gathered>,
    /// The current customer's open invoices.
    open: Vec<Invoice>,
}

impl Gathering {
    fn take(&mut self, entry: LedgerEntry<'_>) {
        let contact_id = entry.contact_id();
        if self.current.as_ref().is_none_or(|current| current.contact_id != contact_id) {
            self.finish_current();
            self.current = Some(Gathered { contact_id, open: Vec::new(), history: History::default() });
        }
        let Some(current) = self.current.as_mut() else { return };
        match entry {
            LedgerEntry::Open(invoice) => {
                current.history.record(Billed::of(&invoice));
                self.open.push(invoice);
            }
            LedgerEntry::Closed(billed) => current.history.record(billed),
        }
    }

    fn finish_current(&mut self) {
        let Some(mut current) = self.current.take() else { return };
        if !self.open.is_empty() {
            // The vector goes to the customer as it is, and the next customer's starts with room
            // for as many, so that no invoice is copied to a larger buffer as long as customers
            // are alike. One left with far more room than it holds is cut down to size.
            let room = self.open.len();
            current.open = std::mem::replace(&mut self.open, Vec::with_capacity(room));
            if current.open.capacity() > 2 * room {
                current.open.shrink_to_fit();
            }
        }
        self.done.push(current);
    }

    fn finish(mut self) -> Vec<Gathered> {
        self.finish_current();
        self.done
    }
}

impl Database {
    pub fn books(&self, tenant: Uuid) -> Result<Books> {
        let organisation = self
            .organisation(tenant)?
            .map(|record| record.organisation)
            .ok_or_else(|| StoreError::NotConnected { doing: "read the organisation's books".into(), tenant })?;
        let names: HashMap<Uuid, String> =
            self.contact_groups(tenant)?.into_iter().map(|g| (g.group_id, g.name)).collect();
        let mut groups: HashMap<Uuid, Vec<String>> = HashMap::new();
        for (group, contact) in self.group_members(tenant)? {
            if let Some(name) = names.get(&group) {
                groups.entry(contact).or_default().push(name.clone());
            }
        }
        let mut books = Books::without_invoices(organisation, self.contacts(tenant)?, &groups);
        let parts = self.read_ledger(tenant, Gathering::default, |gathering, entry| gathering.take(entry))?;
        for gathered in parts.into_iter().flat_map(Gathering::finish) {
            books.settle(gathered.contact_id, gathered.open, gathered.history);
        }
        books.set_aside(&self.suppressed_set()?);
        Ok(books)
    }

    pub fn books_and_memory(&self, tenant: Uuid) -> Result<(Books, Memory)> {
        let Some(reader) = self.reader()? else {
            return Ok((self.books(tenant)?, self.memory(tenant)?));
        };
        std::thread::scope(|scope| {
            let state = scope.spawn(move || reader.memory(tenant));
            let books = self.books(tenant);
            let state = state.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Ok((books?, state?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::records::Contact;
    use crate::store::records::Records;

    const CUSTOMERS: u128 = 2_000;

    fn invoice(n: u128, status: &str, due: &str) -> Invoice {
        Invoice {
            tenant_id: Uuid::from_u128(1),
            invoice_id: Uuid::from_u128(n),
            number: format!("INV-{n}").into(),
            reference: None,
            contact_id: Uuid::from_u128(1_000_000 + n % CUSTOMERS),
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

    fn contact(n: u128) -> Contact {
        Contact {
            tenant_id: Uuid::from_u128(1),
            contact_id: Uuid::from_u128(1_000_000 + n),
            name: format!("Customer {n}"),
            first_name: None,
            last_name: None,
            email: None,
            status: "ACTIVE".into(),
            currency: None,
            persons: Vec::new(),
            updated: "2026-10-01T00:00:00Z".parse().unwrap(),
        }
    }

    /// Each part's entries as (contact, invoice id if open).
    fn read_parts(store: &Database, tenant: u128) -> Vec<Vec<(Uuid, Option<u128>)>> {
        store
            .read_ledger(Uuid::from_u128(tenant), Vec::new, |part: &mut Vec<(Uuid, Option<u128>)>, entry| {
                let open = match &entry {
                    LedgerEntry::Open(invoice) => Some(invoice.invoice_id.as_u128()),
                    LedgerEntry::Closed(_) => None,
                };
                part.push((entry.contact_id(), open));
            })
            .unwrap()
    }

    #[test]
    fn every_invoice_is_read_once_customer_by_customer_whatever_the_parts() {
        let folder = std::env::temp_dir().join(format!("collectiq-ledger-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let mut store = Database::open(&folder.join("ledger.db")).unwrap();
        // Some invoices are to contacts the store does not know: they are read all the same.
        store
            .save_records(Uuid::from_u128(1), &Records::Contacts((0..CUSTOMERS - 100).map(contact).collect()))
            .unwrap();
        let invoices: Vec<Invoice> = (0..120_000u128)
            .map(|n| match n % 3 {
                0 => invoice(n, "PAID", "0.00"),
                1 => invoice(n, "AUTHORISED", "100.00"),
                _ => invoice(n, "AUTHORISED", "0.00"),
            })
            .collect();
        store.save_records(Uuid::from_u128(1), &Records::Invoices(invoices)).unwrap();
        store.save_records(Uuid::from_u128(2), &Records::Invoices(vec![invoice(7, "AUTHORISED", "5.00")])).unwrap();
        let parts = read_parts(&store, 1);
        if std::thread::available_parallelism().map_or(1, |n| n.get()) > 1 {
            assert!(parts.len() > 1, "a large ledger is shared out");
        }
        let entries: Vec<(Uuid, Option<u128>)> = parts.concat();
        let customers: Vec<Uuid> = entries.iter().map(|(contact, _)| *contact).collect();
        assert!(customers.windows(2).all(|pair| pair[0] <= pair[1]), "customer by customer, in order, across parts");
        let mut open: Vec<u128> = entries.iter().filter_map(|(_, open)| *open).collect();
        open.sort();
        assert_eq!(open, (0..120_000u128).filter(|n| n % 3 == 1).collect::<Vec<_>>());
        assert_eq!(entries.len() - open.len(), 80_000);
        let second = read_parts(&store, 2).concat();
        assert_eq!(second, vec![(Uuid::from_u128(1_000_007), Some(7))], "organisations never mix");
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[test]
    fn an_invoice_moved_to_another_customer_is_read_under_that_customer_only() {
        let mut store = Database::open_in_memory().unwrap();
        let tenant = Uuid::from_u128(1);
        let mut moved = invoice(5, "AUTHORISED", "100.00");
        store.save_records(tenant, &Records::Invoices(vec![moved.clone()])).unwrap();
        moved.contact_id = Uuid::from_u128(42);
        moved.updated = "2026-10-02T00:00:00Z".parse().unwrap();
        store.save_records(tenant, &Records::Invoices(vec![moved])).unwrap();
        assert_eq!(read_parts(&store, 1).concat(), vec![(Uuid::from_u128(42), Some(5))]);
        assert_eq!(store.invoices(tenant).unwrap().len(), 1);
    }

    #[test]
    fn the_ledger_is_read_in_the_tables_own_order() {
        let store = Database::open_in_memory().unwrap();
        for bounded in [true, false] {
            let plan: Vec<String> = store
                .conn()
                .prepare(&format!("EXPLAIN QUERY PLAN {}", customers_query(bounded)))
                .unwrap()
                .query_map(["t", "a", "b"], |row| row.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(plan.len(), 1, "{plan:?}");
            assert!(plan[0].starts_with("SEARCH invoices USING PRIMARY KEY"), "{plan:?}");
        }
    }
}

#[cfg(test)]
mod gathering_tests {
    use super::*;
    use crate::decide::books::{Customer, assemble};
    use crate::ledger::records::{Contact, Organisation};
    use jiff::civil::Date;

    fn invoice(n: u128, status: &str, due: &str, currency: &str) -> Invoice {
        let day = |d: i64| "2026-01-01".parse::<Date>().unwrap().checked_add(jiff::ToSpan::days(d)).unwrap();
        Invoice {
            tenant_id: Uuid::from_u128(1),
            invoice_id: Uuid::from_u128(n),
            number: format!("INV-{n:03}").into(),
            reference: None,
            contact_id: Uuid::from_u128(100 + n % 3),
            status: status.into(),
            date: day((n % 50) as i64),
            due_date: day((n % 50) as i64 + 20),
            currency: currency.into(),
            currency_rate: if currency == "NZD" { Decimal::ONE } else { "0.9".parse().unwrap() },
            total: "100.00".parse().unwrap(),
            amount_due: due.parse().unwrap(),
            amount_paid: Decimal::ZERO,
            amount_credited: Decimal::ZERO,
            expected_payment_date: None,
            fully_paid_on: (status == "PAID").then(|| day((n % 50) as i64 + (n % 9) as i64 + 15)),
            repeating_invoice_id: None,
            updated: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    fn contact(n: u128) -> Contact {
        Contact {
            tenant_id: Uuid::from_u128(1),
            contact_id: Uuid::from_u128(n),
            name: format!("Customer {n}"),
            first_name: None,
            last_name: None,
            email: None,
            status: "ACTIVE".into(),
            currency: None,
            persons: Vec::new(),
            updated: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    fn organisation() -> Organisation {
        Organisation {
            tenant_id: Uuid::from_u128(1),
            name: "Org".into(),
            base_currency: "NZD".into(),
            timezone: None,
            zone: None,
            short_code: None,
            reminders_enabled: None,
            country_code: None,
        }
    }

    /// A customer's books with the order of history lists set aside (they are sums and sets).
    fn shown(customer: &Customer) -> String {
        let mut billed = customer.history.billed.clone();
        billed.sort();
        let mut late = customer.history.days_late.clone();
        late.sort();
        let open: Vec<&str> = customer.open.iter().map(|i| i.number.as_str()).collect();
        format!("{open:?} {:?} {billed:?} {late:?} {:?}", customer.history.first_invoice, customer.history.currencies)
    }

    #[test]
    fn ledgers_read_customer_by_customer_in_parts_make_the_same_books() {
        let mut invoices: Vec<Invoice> = (0..300)
            .map(|n| match n % 4 {
                0 => invoice(n, "PAID", "0.00", "NZD"),
                1 => invoice(n, "AUTHORISED", "100.00", "AUD"),
                2 => invoice(n, "VOIDED", "0.00", "NZD"),
                _ => invoice(n, "AUTHORISED", "40.00", "NZD"),
            })
            .collect();
        let mut stranger = invoice(300, "AUTHORISED", "10.00", "NZD");
        stranger.contact_id = Uuid::from_u128(999);
        invoices.push(stranger);
        let contacts = || (100..103).map(contact).collect::<Vec<_>>();
        let whole = assemble(organisation(), contacts(), &HashMap::new(), invoices.clone());
        // As the store hands them over: customer by customer. The cut between the two parts falls
        // inside customer 101's invoices, which the books must then put together.
        invoices.sort_by_key(|invoice| invoice.contact_id);
        let cut = invoices.iter().position(|i| i.contact_id == Uuid::from_u128(101)).unwrap() + 10;
        let mut read = Books::without_invoices(organisation(), contacts(), &HashMap::new());
        for part in invoices.chunks(cut) {
            let mut gathering = Gathering::default();
            for invoice in part {
                let entry = if invoice.is_open() {
                    LedgerEntry::Open(invoice.clone())
                } else {
                    LedgerEntry::Closed(Billed::of(invoice))
                };
                gathering.take(entry);
            }
            gathering.finish().into_iter().for_each(|g| read.settle(g.contact_id, g.open, g.history));
        }
        assert_eq!(whole.customers.len(), 3);
        for (a, b) in whole.customers.iter().zip(&read.customers) {
            assert_eq!(shown(a), shown(b));
            assert!(!a.open.is_empty() && !a.history.days_late.is_empty());
        }
        assert_eq!(read.customer(Uuid::from_u128(101)).unwrap().contact.name, "Customer 101");
        assert!(read.customer(Uuid::from_u128(999)).is_none(), "no customer for an unknown contact");
    }
}
