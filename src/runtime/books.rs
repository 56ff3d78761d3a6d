//! What the runtime knows about one organisation's customers, read from the store: each
//! customer's contact details and groups, their open invoices, and the history the strategy's
//! customer conditions ask about (first invoice, billing, lateness, currencies).

use std::collections::{BTreeSet, HashMap};

use jiff::civil::Date;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::ledger::records::{Billed, Contact, Invoice, Organisation};
use crate::store::receivables::LedgerEntry;
use crate::store::{Store, StoreError};

#[derive(Clone, Debug)]
pub struct Books {
    pub organisation: Organisation,
    pub customers: Vec<Customer>,
    /// Where each customer is in `customers`, by contact id.
    positions: HashMap<Uuid, usize>,
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
        let persons = self.contact.persons.iter().filter(|p| p.include_in_emails).filter_map(|p| p.email.clone());
        for address in self.contact.email.clone().into_iter().chain(persons) {
            let address = address.trim().to_string();
            if crate::ledger::is_email_address(&address)
                && !recipients.iter().any(|known| known.eq_ignore_ascii_case(&address))
            {
                recipients.push(address);
            }
        }
        recipients
    }
}

/// Books built one invoice at a time, so that a ledger of millions need never be held whole:
/// open invoices are kept, closed ones leave only their mark on the history.
#[derive(Default)]
pub struct Ledger {
    by_contact: HashMap<Uuid, (Vec<Invoice>, History)>,
}

impl Ledger {
    /// Records an invoice's part in its customer's history.
    pub fn history(&mut self, invoice: Billed<'_>) {
        let (_, history) = self.by_contact.entry(invoice.contact_id).or_default();
        record(history, invoice);
    }

    /// Adds any invoice: kept if open, and counted in the history either way.
    pub fn add(&mut self, invoice: Invoice) {
        let (open, history) = self.by_contact.entry(invoice.contact_id).or_default();
        record(history, Billed::of(&invoice));
        if invoice.is_open() {
            open.push(invoice);
        }
    }

    pub fn into_books(
        mut self,
        organisation: Organisation,
        contacts: Vec<Contact>,
        groups: &HashMap<Uuid, Vec<String>>,
    ) -> Books {
        let customers: Vec<Customer> = contacts
            .into_iter()
            .map(|contact| {
                let (mut open, history) = self.by_contact.remove(&contact.contact_id).unwrap_or_default();
                open.sort_by(|a, b| a.due_date.cmp(&b.due_date).then_with(|| a.number.cmp(&b.number)));
                Customer {
                    groups: groups.get(&contact.contact_id).cloned().unwrap_or_default(),
                    open,
                    history,
                    contact,
                }
            })
            .collect();
        let positions = customers.iter().enumerate().map(|(at, c)| (c.contact.contact_id, at)).collect();
        Books { organisation, customers, positions }
    }
}

fn record(history: &mut History, invoice: Billed<'_>) {
    if matches!(invoice.status, "AUTHORISED" | "PAID") {
        history.first_invoice = Some(history.first_invoice.map_or(invoice.date, |d| d.min(invoice.date)));
        // Xero's convention: an amount in the base currency is the amount divided by the rate.
        let mut total = if invoice.currency_rate == Decimal::ONE {
            invoice.total
        } else {
            invoice.total.checked_div(invoice.currency_rate).unwrap_or(invoice.total)
        };
        total.rescale(2);
        history.billed.push((invoice.date, total));
        if !history.currencies.contains(invoice.currency) {
            history.currencies.insert(invoice.currency.to_string());
        }
    }
    if invoice.status == "PAID"
        && let Some(paid) = invoice.fully_paid_on
    {
        history.days_late.push((paid - invoice.due_date).get_days() as i64);
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
        let mut ledger = Ledger::default();
        store.read_ledger(tenant, |entry| match entry {
            LedgerEntry::Open(invoice) => ledger.add(invoice),
            LedgerEntry::Closed(closed) => ledger.history(closed),
        })?;
        Ok(ledger.into_books(organisation, store.contacts(tenant)?, &groups))
    }

    pub fn customer_mut(&mut self, contact: Uuid) -> Option<&mut Customer> {
        self.positions.get(&contact).and_then(|&at| self.customers.get_mut(at))
    }

    pub fn customer(&self, contact: Uuid) -> Option<&Customer> {
        self.positions.get(&contact).and_then(|&at| self.customers.get(at))
    }
}
