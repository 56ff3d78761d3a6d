//! Receivables in the store: written a few pages at a time (in one transaction, with their
//! cursor), read back as ledger records. Every query names its organisation.

use uuid::Uuid;

use super::{Result, Store};
use crate::ledger::records::{Contact, ContactGroup, Credit, CreditKind, Invoice, Payment};

/// One page of records from Xero, of one entity.
#[derive(Clone, Debug)]
pub enum Records {
    Contacts(Vec<Contact>),
    Invoices(Vec<Invoice>),
    Payments(Vec<Payment>),
    Credits(CreditKind, Vec<Credit>),
}

/// One customer's account: see [`Store::account`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub contact: Contact,
    pub open: Vec<Invoice>,
    pub credits: Vec<Credit>,
}

impl Records {
    pub fn len(&self) -> usize {
        match self {
            Records::Contacts(items) => items.len(),
            Records::Invoices(items) => items.len(),
            Records::Payments(items) => items.len(),
            Records::Credits(_, items) => items.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn ids(&self) -> Vec<Uuid> {
        match self {
            Records::Contacts(items) => items.iter().map(|c| c.contact_id).collect(),
            Records::Invoices(items) => items.iter().map(|i| i.invoice_id).collect(),
            Records::Payments(items) => items.iter().map(|p| p.payment_id).collect(),
            Records::Credits(_, items) => items.iter().map(|c| c.credit_id).collect(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub contacts: u64,
    pub invoices: u64,
    pub open_invoices: u64,
    pub payments: u64,
    pub credits: u64,
}

impl Store {
    /// Every sales invoice kept for an organisation, by number.
    pub async fn invoices(&self, tenant: Uuid) -> Result<Vec<Invoice>> {
        self.call(move |db| db.invoices(tenant)).await
    }

    /// Invoices with this number or id, in any organisation.
    pub async fn find_invoices(&self, number_or_id: &str) -> Result<Vec<Invoice>> {
        let number_or_id = number_or_id.to_owned();
        self.call(move |db| db.find_invoices(&number_or_id)).await
    }

    /// Contacts with this id, or whose name is or contains this text, in any organisation.
    pub async fn find_contacts(&self, name_or_id: &str) -> Result<Vec<Contact>> {
        let name_or_id = name_or_id.to_owned();
        self.call(move |db| db.find_contacts(&name_or_id)).await
    }

    /// Invoices the customer still owes on.
    /// One customer's account as the customer may see it: the contact, their open invoices
    /// (oldest due first) and the credits they still have, without reading the organisation's
    /// ledger.
    pub async fn account(&self, tenant: Uuid, contact: Uuid) -> Result<Option<Account>> {
        self.call(move |db| db.account(tenant, contact)).await
    }

    pub async fn open_invoices(&self, tenant: Uuid) -> Result<Vec<Invoice>> {
        self.call(move |db| db.open_invoices(tenant)).await
    }

    /// Every contact kept for an organisation, with its persons, by name.
    pub async fn contacts(&self, tenant: Uuid) -> Result<Vec<Contact>> {
        self.call(move |db| db.contacts(tenant)).await
    }

    pub async fn payments(&self, tenant: Uuid) -> Result<Vec<Payment>> {
        self.call(move |db| db.payments(tenant)).await
    }

    pub async fn credits(&self, tenant: Uuid) -> Result<Vec<Credit>> {
        self.call(move |db| db.credits(tenant)).await
    }

    pub async fn contact_groups(&self, tenant: Uuid) -> Result<Vec<ContactGroup>> {
        self.call(move |db| db.contact_groups(tenant)).await
    }

    /// `(group, contact)` pairs.
    pub async fn group_members(&self, tenant: Uuid) -> Result<Vec<(Uuid, Uuid)>> {
        self.call(move |db| db.group_members(tenant)).await
    }

    /// Replaces an organisation's contact groups (and, where given, their members) at once.
    pub async fn replace_contact_groups(
        &self,
        tenant: Uuid,
        groups: Vec<ContactGroup>,
        members: Option<Vec<(Uuid, Uuid)>>,
    ) -> Result<()> {
        self.call(move |db| db.replace_contact_groups(tenant, &groups, members.as_deref())).await
    }

    /// Writes records fetched outside a sync pass (by id, after a webhook), in one transaction.
    pub async fn save_records(&self, tenant: Uuid, records: Records) -> Result<()> {
        self.call(move |db| db.save_records(tenant, &records)).await
    }

    /// How many of each kind of record an organisation has: (contacts, invoices, open invoices, payments, credits).
    pub async fn counts(&self, tenant: Uuid) -> Result<Counts> {
        self.call(move |db| db.counts(tenant)).await
    }
}
