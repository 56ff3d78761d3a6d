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

/// Below this many customers, the books are freed where they are dropped.
const WORTH_FREEING_APART: usize = 10_000;

/// A large organisation's books are freed on every core: a million invoices are millions of
/// small allocations, and the run that read them waits for them to go.
impl Drop for Books {
    fn drop(&mut self) {
        let mut customers = std::mem::take(&mut self.customers);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if customers.len() < WORTH_FREEING_APART || cores < 2 {
            return;
        }
        let share = customers.len().div_ceil(cores);
        std::thread::scope(|scope| {
            while customers.len() > share {
                let tail = customers.split_off(customers.len() - share);
                // Without a thread (none to be had), the tail goes here, as it would have anyway.
                let _ = std::thread::Builder::new().spawn_scoped(scope, move || drop(tail));
            }
            drop(customers);
        });
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

/// The order a customer's open invoices are considered in: oldest due first.
fn in_due_order(open: &mut [Invoice]) {
    open.sort_by(|a, b| a.due_date.cmp(&b.due_date).then_with(|| a.number.cmp(&b.number)));
}

impl History {
    /// Counts an invoice in the history.
    pub fn record(&mut self, invoice: Billed<'_>) {
        if matches!(invoice.status, "AUTHORISED" | "PAID") {
            self.first_invoice = Some(self.first_invoice.map_or(invoice.date, |d| d.min(invoice.date)));
            self.billed.push((invoice.date, in_base_currency(invoice.total, invoice.currency_rate)));
            if !self.currencies.contains(invoice.currency) {
                self.currencies.insert(invoice.currency.to_string());
            }
        }
        if invoice.status == "PAID"
            && let Some(paid) = invoice.fully_paid_on
        {
            self.days_late.push(day_number(paid) - day_number(invoice.due_date));
        }
    }

    /// Takes in what another part of the same customer's ledger told.
    fn absorb(&mut self, other: History) {
        fn join<T>(mine: &mut Vec<T>, theirs: Vec<T>) {
            if mine.is_empty() { *mine = theirs } else { mine.extend(theirs) }
        }
        self.first_invoice = match (self.first_invoice, other.first_invoice) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        join(&mut self.billed, other.billed);
        join(&mut self.days_late, other.days_late);
        self.currencies.extend(other.currencies);
    }
}

/// Builds the books from records (the store's, or any other source such as a simulation), in
/// any order. Invoices of contacts not among `contacts` are left out.
pub fn assemble(
    organisation: Organisation,
    contacts: Vec<Contact>,
    groups: &HashMap<Uuid, Vec<String>>,
    invoices: Vec<Invoice>,
) -> Books {
    let mut books = Books::without_invoices(organisation, contacts, groups);
    for invoice in invoices {
        if let Some(customer) = books.customer_mut(invoice.contact_id) {
            customer.history.record(Billed::of(&invoice));
            if invoice.is_open() {
                customer.open.push(invoice);
            }
        }
    }
    for customer in &mut books.customers {
        in_due_order(&mut customer.open);
    }
    books
}

impl Books {
    /// The organisation's customers, in the order given, with nothing billed yet.
    fn without_invoices(
        organisation: Organisation,
        contacts: Vec<Contact>,
        groups: &HashMap<Uuid, Vec<String>>,
    ) -> Books {
        let positions = contacts.iter().enumerate().map(|(at, c)| (c.contact_id, at)).collect();
        let customers = contacts
            .into_iter()
            .map(|contact| Customer {
                groups: groups.get(&contact.contact_id).cloned().unwrap_or_default(),
                open: Vec::new(),
                history: History::default(),
                contact,
            })
            .collect();
        Books { organisation, customers, positions }
    }

    /// Gives a customer what a reader of the ledger gathered for them (nothing, for a contact the
    /// books do not know).
    fn settle(&mut self, gathered: Gathered) {
        let Some(customer) = self.customer_mut(gathered.contact_id) else { return };
        if customer.open.is_empty() {
            customer.open = gathered.open;
        } else {
            customer.open.extend(gathered.open);
        }
        in_due_order(&mut customer.open);
        customer.history.absorb(gathered.history);
    }

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
        let mut books = Books::without_invoices(organisation, store.contacts(tenant)?, &groups);
        let parts = store.read_ledger(tenant, Gathering::default, |gathering, entry| gathering.take(entry))?;
        for gathered in parts.into_iter().flat_map(Gathering::finish) {
            books.settle(gathered);
        }
        Ok(books)
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
            gathering.finish().into_iter().for_each(|gathered| read.settle(gathered));
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
