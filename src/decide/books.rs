//! What evaluation knows about one organisation's customers, however they were read: each
//! customer's contact details and groups, their open invoices, and the history the strategy's
//! customer conditions ask about (first invoice, billing, lateness, currencies).

use std::collections::{BTreeSet, HashMap};

use jiff::civil::Date;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::days::day_number;
use crate::ledger::records::{Billed, Contact, Invoice, Organisation, in_base_currency};

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
    /// Addresses of theirs that bounced for good (lower-case): never emailed again.
    pub bounced: Vec<String>,
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
            .filter(|address| self.bounced.is_empty() || !self.bounced.contains(&address.to_lowercase()))
    }

    /// Whether the customer cannot be emailed because every address they had bounced.
    pub fn lost_by_bounces(&self) -> bool {
        !self.bounced.is_empty() && !self.has_recipient()
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
    pub fn absorb(&mut self, other: History) {
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
    pub fn without_invoices(
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
                bounced: Vec::new(),
                contact,
            })
            .collect();
        Books { organisation, customers, positions }
    }

    /// Gives a customer part of their ledger, read apart from the rest: open invoices and the
    /// history of all of them (nothing, for a contact the books do not know).
    pub fn settle(&mut self, contact_id: Uuid, open: Vec<Invoice>, history: History) {
        let Some(customer) = self.customer_mut(contact_id) else { return };
        if customer.open.is_empty() {
            customer.open = open;
        } else {
            customer.open.extend(open);
        }
        in_due_order(&mut customer.open);
        customer.history.absorb(history);
    }

    /// Sets aside the addresses no email may go to (lower-case), customer by customer.
    pub fn set_aside(&mut self, suppressed: &foldhash::HashSet<String>) {
        if suppressed.is_empty() {
            return;
        }
        for customer in &mut self.customers {
            let persons = customer.contact.persons.iter().filter_map(|p| p.email.as_deref());
            customer.bounced = customer
                .contact
                .email
                .as_deref()
                .into_iter()
                .chain(persons)
                .map(|address| address.trim().to_lowercase())
                .filter(|address| suppressed.contains(address))
                .collect();
        }
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
