//! What the runtime knows about one organisation's customers, read from the store: each
//! customer's contact details and groups, their open invoices, and the history the strategy's
//! customer conditions ask about (first invoice, billing, lateness, currencies).

use std::collections::{BTreeSet, HashMap};

use jiff::civil::Date;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::occurrences::day_number;
use super::state::RuntimeState;
use crate::ledger::records::{Billed, Contact, Invoice, Organisation, in_base_currency};
use crate::store::ledger::LedgerEntry;
use crate::store::{Store, StoreError};

#[derive(Clone, Debug)]
pub struct Books {
    pub organisation: Organisation,
    pub customers: Vec<Customer>,
    /// Where each customer is in `customers`, by contact id.
    positions: foldhash::HashMap<Uuid, usize>,
}

#[derive(Clone, Debug)]
pub struct Customer {
    pub contact: Contact,
    /// The names of the contact groups the customer is in.
    pub groups: Vec<String>,
    /// Approved invoices with something still due.
    pub open: Vec<Invoice>,
    pub history: History,
}

#[derive(Clone, Debug, Default)]
pub struct History {
    pub first_invoice: Option<Date>,
    /// Each invoice that counts as billed (approved, paid or partly paid): its date and total in
    /// the base currency.
    pub billed: Vec<(Date, Decimal)>,
    /// For each fully paid invoice, how many days after its due date it was paid (negative: early).
    pub days_late: Vec<i64>,
    pub currencies: BTreeSet<String>,
}

impl History {
    pub fn average_days_late(&self) -> Option<i64> {
        (!self.days_late.is_empty()).then(|| self.days_late.iter().sum::<i64>() / self.days_late.len() as i64)
    }
}

impl Customer {
    /// Where emails to the customer go: the contact's address and every contact person marked to
    /// be included in emails, each once.
    pub fn recipients(&self) -> Vec<String> {
        let mut recipients: Vec<String> = Vec::new();
        for address in self.addresses() {
            if !recipients.iter().any(|known| known.eq_ignore_ascii_case(address)) {
                recipients.push(address.to_string());
            }
        }
        recipients
    }

    /// Whether the customer can be emailed at all; asked for every decision, so without
    /// gathering the addresses.
    pub fn has_recipient(&self) -> bool {
        self.addresses().next().is_some()
    }

    fn addresses(&self) -> impl Iterator<Item = &str> {
        let persons = self.contact.persons.iter().filter(|p| p.include_in_emails).filter_map(|p| p.email.as_deref());
        self.contact
            .email
            .as_deref()
            .into_iter()
            .chain(persons)
            .map(str::trim)
            .filter(|address| crate::ledger::is_email_address(address))
    }
}

/// Books built one invoice at a time, so that a ledger of millions need never be held whole:
/// open invoices are kept, closed ones leave only their mark on the history. Open invoices are
/// gathered in arrival order and handed to their customers once, at the end: each is moved as
/// few times as can be.
#[derive(Default)]
pub struct Ledger {
    open: Vec<Vec<Invoice>>,
    // A fast hash: every invoice of the ledger passes through this map.
    histories: foldhash::HashMap<Uuid, History>,
}

/// How many open invoices a chunk of a [`Ledger`] holds.
const OPEN_CHUNK: usize = 4096;

impl Ledger {
    /// Records an invoice's part in its customer's history.
    pub fn history(&mut self, invoice: Billed<'_>) {
        record(self.histories.entry(invoice.contact_id).or_default(), invoice);
    }

    /// Adds any invoice: kept if open, and counted in the history either way.
    pub fn add(&mut self, invoice: Invoice) {
        self.history(Billed::of(&invoice));
        if invoice.is_open() {
            // Fixed-size chunks rather than one growing vector: a million invoices are never
            // copied to a larger buffer on the way in.
            match self.open.last_mut() {
                Some(chunk) if chunk.len() < chunk.capacity() => chunk.push(invoice),
                _ => self.open.push({
                    let mut chunk = Vec::with_capacity(OPEN_CHUNK);
                    chunk.push(invoice);
                    chunk
                }),
            }
        }
    }

    /// Takes in what another reader of the same ledger found.
    pub fn merge(&mut self, other: Ledger) {
        self.open.extend(other.open);
        for (contact, history) in other.histories {
            let mine = self.histories.entry(contact).or_default();
            mine.first_invoice = match (mine.first_invoice, history.first_invoice) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            mine.billed.extend(history.billed);
            mine.days_late.extend(history.days_late);
            mine.currencies.extend(history.currencies);
        }
    }

    pub fn into_books(
        mut self,
        organisation: Organisation,
        contacts: Vec<Contact>,
        groups: &HashMap<Uuid, Vec<String>>,
    ) -> Books {
        let positions: foldhash::HashMap<Uuid, usize> =
            contacts.iter().enumerate().map(|(at, c)| (c.contact_id, at)).collect();
        let mut counts = vec![0usize; contacts.len()];
        for invoice in self.open.iter().flatten() {
            if let Some(&at) = positions.get(&invoice.contact_id) {
                counts[at] += 1;
            }
        }
        let mut open: Vec<Vec<Invoice>> = counts.into_iter().map(Vec::with_capacity).collect();
        for invoice in self.open.into_iter().flatten() {
            if let Some(&at) = positions.get(&invoice.contact_id) {
                open[at].push(invoice);
            }
        }
        let customers: Vec<Customer> = contacts
            .into_iter()
            .zip(open)
            .map(|(contact, mut open)| {
                open.sort_by(|a, b| a.due_date.cmp(&b.due_date).then_with(|| a.number.cmp(&b.number)));
                Customer {
                    groups: groups.get(&contact.contact_id).cloned().unwrap_or_default(),
                    open,
                    history: self.histories.remove(&contact.contact_id).unwrap_or_default(),
                    contact,
                }
            })
            .collect();
        Books { organisation, customers, positions }
    }
}

fn record(history: &mut History, invoice: Billed<'_>) {
    if matches!(invoice.status, "AUTHORISED" | "PAID") {
        history.first_invoice = Some(history.first_invoice.map_or(invoice.date, |d| d.min(invoice.date)));
        history.billed.push((invoice.date, in_base_currency(invoice.total, invoice.currency_rate)));
        if !history.currencies.contains(invoice.currency) {
            history.currencies.insert(invoice.currency.to_string());
        }
    }
    if invoice.status == "PAID"
        && let Some(paid) = invoice.fully_paid_on
    {
        history.days_late.push(day_number(paid) - day_number(invoice.due_date));
    }
}

/// Builds the books from records (the store's, or any other source such as a simulation).
pub fn assemble(
    organisation: Organisation,
    contacts: Vec<Contact>,
    groups: &HashMap<Uuid, Vec<String>>,
    invoices: Vec<Invoice>,
) -> Books {
    let mut ledger = Ledger::default();
    for invoice in invoices {
        ledger.add(invoice);
    }
    ledger.into_books(organisation, contacts, groups)
}

impl Books {
    /// One organisation's books as the store holds them.
    pub fn load(store: &Store, tenant: Uuid) -> Result<Books, StoreError> {
        let organisation = store.organisation(tenant)?.map(|record| record.organisation).ok_or_else(|| StoreError {
            doing: "read the organisation".into(),
            reason: "it is not connected".into(),
        })?;
        let names: HashMap<Uuid, String> =
            store.contact_groups(tenant)?.into_iter().map(|g| (g.group_id, g.name)).collect();
        let mut groups: HashMap<Uuid, Vec<String>> = HashMap::new();
        for (group, contact) in store.group_members(tenant)? {
            if let Some(name) = names.get(&group) {
                groups.entry(contact).or_default().push(name.clone());
            }
        }
        let parts = store.read_ledger(tenant, Ledger::default, |ledger, entry| match entry {
            LedgerEntry::Open(invoice) => ledger.add(invoice),
            LedgerEntry::Closed(closed) => ledger.history(closed),
        })?;
        let mut parts = parts.into_iter();
        let mut ledger = parts.next().unwrap_or_default();
        for part in parts {
            ledger.merge(part);
        }
        Ok(ledger.into_books(organisation, store.contacts(tenant)?, &groups))
    }

    /// An organisation's books and what CollectIQ remembers for it: what a run decides from.
    /// The two are read side by side, on two connections, when the store is a file.
    pub fn load_with_state(store: &Store, tenant: Uuid) -> Result<(Books, RuntimeState), StoreError> {
        let Some(reader) = store.reader()? else {
            return Ok((Books::load(store, tenant)?, store.runtime_state(tenant)?));
        };
        std::thread::scope(|scope| {
            let state = scope.spawn(move || reader.runtime_state(tenant));
            let books = Books::load(store, tenant);
            let state = state.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Ok((books?, state?))
        })
    }

    pub fn customer_mut(&mut self, contact: Uuid) -> Option<&mut Customer> {
        self.positions.get(&contact).and_then(|&at| self.customers.get_mut(at))
    }

    /// Where a customer is in `customers`.
    pub fn position(&self, contact: Uuid) -> Option<usize> {
        self.positions.get(&contact).copied()
    }

    pub fn customer(&self, contact: Uuid) -> Option<&Customer> {
        self.positions.get(&contact).and_then(|&at| self.customers.get(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoice(n: u128, status: &str, due: &str, currency: &str) -> Invoice {
        let day = |d: i64| "2026-01-01".parse::<Date>().unwrap().checked_add(jiff::ToSpan::days(d)).unwrap();
        Invoice {
            tenant_id: Uuid::from_u128(1),
            invoice_id: Uuid::from_u128(n),
            number: format!("INV-{n:03}"),
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
    fn ledgers_read_in_parts_and_merged_make_the_same_books() {
        let invoices: Vec<Invoice> = (0..300)
            .map(|n| match n % 4 {
                0 => invoice(n, "PAID", "0.00", "NZD"),
                1 => invoice(n, "AUTHORISED", "100.00", "AUD"),
                2 => invoice(n, "VOIDED", "0.00", "NZD"),
                _ => invoice(n, "AUTHORISED", "40.00", "NZD"),
            })
            .collect();
        let contacts = || (100..103).map(contact).collect::<Vec<_>>();
        let whole = assemble(organisation(), contacts(), &HashMap::new(), invoices.clone());
        let mut parts = [Ledger::default(), Ledger::default(), Ledger::default()];
        for (n, invoice) in invoices.into_iter().enumerate() {
            let part = &mut parts[(n * 7) % 3];
            if invoice.is_open() { part.add(invoice) } else { part.history(Billed::of(&invoice)) }
        }
        let [mut merged, second, third] = parts;
        merged.merge(second);
        merged.merge(third);
        let merged = merged.into_books(organisation(), contacts(), &HashMap::new());
        assert_eq!(whole.customers.len(), 3);
        for (a, b) in whole.customers.iter().zip(&merged.customers) {
            assert_eq!(shown(a), shown(b));
            assert!(!a.open.is_empty() && !a.history.days_late.is_empty());
        }
        assert_eq!(merged.customer(Uuid::from_u128(101)).unwrap().contact.name, "Customer 101");
    }
}
