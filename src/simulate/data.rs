//! Where a simulation's books come from besides the store: a folder of Xero API responses saved
//! as they came (`Organisation.json`, `Contacts.json`, `ContactGroups.json`, `Invoices.json`,
//! `Payments.json`, `CreditNotes.json`, each optional but the invoices), or the sandbox's
//! generated organisation. Both go through Xero's wire types and the converter that sync uses,
//! so a snapshot reads exactly as a sync would have stored it.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

use crate::decide::books::{Books, assemble};
use crate::ledger::records::{Contact, Invoice, Organisation};
use crate::sandbox::world::{generate, render};
use crate::xero::convert;
use crate::xero::wire::{self, Envelope, List};

/// Why a snapshot could not be read, with the file and what was wrong with it.
#[derive(Debug, PartialEq, Eq)]
pub struct DataError {
    pub file: PathBuf,
    pub problem: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read {}: {}", self.file.display(), self.problem)
    }
}

impl std::error::Error for DataError {}

/// Books read from responses, and what could not be read (each in words, with its file).
pub struct Loaded {
    pub books: Books,
    pub left_out: Vec<String>,
}

/// Xero's responses for one organisation, as the API returns them.
#[derive(Default)]
pub struct Export {
    pub organisation: Option<wire::Organisation>,
    pub contacts: Vec<wire::Contact>,
    pub groups: Vec<wire::ContactGroup>,
    pub invoices: Vec<wire::Invoice>,
    pub payments: Vec<wire::Payment>,
}

fn read_list<T: List>(folder: &Path, name: &str, required: bool) -> Result<Vec<T::Item>, DataError> {
    let file = folder.join(name);
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && !required => return Ok(Vec::new()),
        Err(error) => return Err(DataError { file, problem: error.to_string() }),
    };
    let envelope: Envelope<T> = serde_json::from_str(&text).map_err(|error| DataError {
        file: file.clone(),
        problem: format!("it is not a Xero {name} response ({error})"),
    })?;
    if let Some(first) = envelope.unreadable.first() {
        return Err(DataError { file, problem: first.clone() });
    }
    Ok(envelope.items.into_items())
}

impl Export {
    /// Reads a folder of saved responses. `Invoices.json` must be there; the rest are optional.
    pub fn read(folder: &Path) -> Result<Export, DataError> {
        if !folder.is_dir() {
            return Err(DataError { file: folder.into(), problem: "it is not a folder".into() });
        }
        // Credit notes are already in the invoices (AmountCredited, AmountDue): the file is read
        // only so that a broken one is said rather than ignored.
        read_list::<wire::CreditNotes>(folder, "CreditNotes.json", false)?;
        Ok(Export {
            organisation: read_list::<wire::Organisations>(folder, "Organisation.json", false)?.into_iter().next(),
            contacts: read_list::<wire::Contacts>(folder, "Contacts.json", false)?,
            groups: read_list::<wire::ContactGroups>(folder, "ContactGroups.json", false)?,
            invoices: read_list::<wire::Invoices>(folder, "Invoices.json", true)?,
            payments: read_list::<wire::Payments>(folder, "Payments.json", false)?,
        })
    }

    /// The sandbox's generated organisation, as its API would answer, on the day given.
    pub fn sandbox(seed: u64, invoices: usize, today: Date) -> Export {
        let contacts = (invoices / 20).clamp(5, 50_000);
        let size = generate::Size { organisations: 1, contacts, invoices };
        let now = generate::at(today, 9);
        let org = generate::organisations(seed, size, now).remove(0);
        let visible = (0..org.invoices.len() as u32).filter(|&i| org.invoices[i as usize].visible);
        Export {
            organisation: Some(render::organisation(&org)),
            contacts: (0..org.contacts.len() as u32).map(|i| render::contact(&org, i)).collect(),
            groups: (0..org.groups.len()).map(|i| render::group(&org, i, true)).collect(),
            invoices: visible.map(|i| render::invoice(&org, i, false)).collect(),
            payments: (0..org.payments.len() as u32)
                .filter(|&i| org.payments[i as usize].visible)
                .map(|i| render::payment(&org, i))
                .collect(),
        }
    }

    /// The books the runtime would read after syncing these responses, and the records left out.
    pub fn books(&self, source: &Path) -> Result<Loaded, DataError> {
        let tenant = self
            .organisation
            .as_ref()
            .and_then(|o| o.organisation_id.as_deref())
            .and_then(|id| Uuid::parse_str(id).ok())
            .unwrap_or(Uuid::nil());
        // As a sync does: a record that cannot be read is left out and said, not the whole file.
        let sales: Vec<&wire::Invoice> = self.invoices.iter().filter(|i| i.kind.as_deref() != Some("ACCPAY")).collect();
        let (mut invoices, skipped) = convert::all(&sales, |invoice| convert::invoice(tenant, invoice));
        let mut left_out: Vec<String> = skipped.iter().map(|skip| format!("Invoices.json: {skip}")).collect();
        fill_paid_days(&mut invoices, &self.payments);
        let (mut contacts, skipped) = convert::all(&self.contacts, |contact| convert::contact(tenant, contact));
        left_out.extend(skipped.iter().map(|skip| format!("Contacts.json: {skip}")));
        add_missing_contacts(tenant, &mut contacts, &self.invoices);
        let mut groups: HashMap<Uuid, Vec<String>> = HashMap::new();
        for group in self.groups.iter().filter(|g| g.status.as_deref() != Some("DELETED")) {
            let name = group.name.clone().unwrap_or_default();
            for member in group.contacts.iter().flatten() {
                if let Some(id) = member.contact_id.as_deref().and_then(|id| Uuid::parse_str(id).ok()) {
                    groups.entry(id).or_default().push(name.clone());
                }
            }
        }
        let organisation = match &self.organisation {
            Some(org) => convert::organisation(tenant, org),
            None => Organisation {
                tenant_id: tenant,
                name: source.file_name().map_or("Xero export".into(), |n| n.to_string_lossy().into_owned()),
                base_currency: most_common_currency(&invoices),
                timezone: None,
                zone: None,
                short_code: None,
                reminders_enabled: None,
                country_code: None,
            },
        };
        Ok(Loaded { books: assemble(organisation, contacts, &groups, invoices), left_out })
    }
}

/// Xero gives FullyPaidOnDate on paid invoices; an export without it gets the last payment's day.
fn fill_paid_days(invoices: &mut [Invoice], payments: &[wire::Payment]) {
    let mut last_paid: HashMap<Uuid, Date> = HashMap::new();
    for payment in payments.iter().filter(|p| p.status.as_deref() != Some("DELETED")) {
        let invoice =
            payment.invoice.as_ref().and_then(|i| i.invoice_id.as_deref()).and_then(|id| Uuid::parse_str(id).ok());
        if let (Some(invoice), Some(date)) = (invoice, payment.date) {
            let day = last_paid.entry(invoice).or_insert(date.date());
            *day = (*day).max(date.date());
        }
    }
    for invoice in invoices.iter_mut().filter(|i| i.status == "PAID" && i.fully_paid_on.is_none()) {
        invoice.fully_paid_on = last_paid.get(&invoice.invoice_id).copied();
    }
}

/// Invoices name their contact; a customer missing from `Contacts.json` is known by that name.
fn add_missing_contacts(tenant: Uuid, contacts: &mut Vec<Contact>, invoices: &[wire::Invoice]) {
    let known: std::collections::HashSet<Uuid> = contacts.iter().map(|c| c.contact_id).collect();
    let mut added = std::collections::HashSet::new();
    for contact in invoices.iter().filter_map(|i| i.contact.as_ref()) {
        let Some(id) = contact.contact_id.as_deref().and_then(|id| Uuid::parse_str(id).ok()) else { continue };
        if !known.contains(&id) && added.insert(id) {
            contacts.push(Contact {
                tenant_id: tenant,
                contact_id: id,
                name: contact.name.clone().unwrap_or_else(|| "(unnamed customer)".into()),
                first_name: None,
                last_name: None,
                email: contact.email_address.clone().filter(|e| !e.trim().is_empty()),
                status: "ACTIVE".into(),
                currency: None,
                persons: Vec::new(),
                updated: Timestamp::UNIX_EPOCH,
            });
        }
    }
}

fn most_common_currency(invoices: &[Invoice]) -> String {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for invoice in invoices {
        *counts.entry(invoice.currency.as_str()).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(code, n)| (*n, std::cmp::Reverse(*code))).map_or("USD".into(), |(c, _)| c.into())
}
