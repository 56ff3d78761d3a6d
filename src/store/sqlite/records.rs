//! Receivables in the store: written a few pages at a time (in one transaction, with their
//! cursor), read back as ledger records. Every query names its organisation.

use rusqlite::{Connection, Row, Transaction, params};
use uuid::Uuid;

use super::codec::{amount, day, format_time, id, instant, optional_day, optional_id, optional_short_text, short_text};
use super::{Database, Doing, Result};
use crate::ledger::records::{Allocation, Contact, ContactGroup, Credit, CreditKind, Invoice, Payment, Person};
use crate::store::records::{Account, Counts, Records};

/// Writes records, marking each with the sync pass that fetched it (`pass`), or keeping the mark
/// it had (`None`: records fetched outside a pass, after a webhook).
pub(crate) fn write(tx: &Transaction<'_>, tenant: Uuid, records: &Records, pass: Option<i64>) -> Result<()> {
    let tenant = tenant.to_string();
    match records {
        Records::Contacts(items) => items.iter().try_for_each(|c| write_contact(tx, &tenant, c, pass)),
        Records::Invoices(items) => items.iter().try_for_each(|i| write_invoice(tx, &tenant, i, pass)),
        Records::Payments(items) => items.iter().try_for_each(|p| write_payment(tx, &tenant, p, pass)),
        Records::Credits(_, items) => items.iter().try_for_each(|c| write_credit(tx, &tenant, c, pass)),
    }
}

/// `INSERT … ON CONFLICT DO UPDATE` for a table keyed by (tenant_id, `key`), with the pass mark
/// as the last parameter: set when given, kept when null. A stored row Xero changed more recently
/// than the one being written (a webhook's fetch overtaking a sync page) keeps its values; only
/// the pass mark moves, since the pass did see the record.
fn upsert(table: &str, key: &str, columns: &[&str]) -> String {
    let names: Vec<&str> = ["tenant_id", key].into_iter().chain(columns.iter().copied()).collect();
    let slots: Vec<String> = (1..=names.len()).map(|n| format!("?{n}")).collect();
    let pass = names.len() + 1;
    let updates: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = CASE WHEN excluded.updated >= {table}.updated THEN excluded.{c} ELSE {table}.{c} END"))
        .collect();
    format!(
        "INSERT INTO {table} ({}, pass) VALUES ({}, COALESCE(?{pass}, 0))
         ON CONFLICT (tenant_id, {key}) DO UPDATE SET {}, pass = COALESCE(?{pass}, {table}.pass)",
        names.join(", "),
        slots.join(", "),
        updates.join(", ")
    )
}

/// Whether the stored row is the version just written (and so its persons or allocations are
/// this version's too).
fn is_current(
    tx: &Transaction<'_>,
    table: &str,
    key: &str,
    tenant: &str,
    id: &str,
    updated: jiff::Timestamp,
) -> Result<bool> {
    let stored: String = tx
        .prepare_cached(&format!("SELECT updated FROM {table} WHERE tenant_id = ?1 AND {key} = ?2"))
        .and_then(|mut s| s.query_row(params![tenant, id], |row| row.get(0)))
        .doing("read what is stored")?;
    Ok(stored == format_time(updated))
}

static CONTACT_SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
static INVOICE_SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
static PAYMENT_SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
static CREDIT_SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn write_contact(tx: &Transaction<'_>, tenant: &str, contact: &Contact, pass: Option<i64>) -> Result<()> {
    let id = contact.contact_id.to_string();
    let sql = CONTACT_SQL.get_or_init(|| {
        upsert("contacts", "contact_id", &["name", "first_name", "last_name", "email", "status", "currency", "updated"])
    });
    tx.prepare_cached(sql)
        .and_then(|mut s| {
            s.execute(params![
                tenant,
                id,
                contact.name,
                contact.first_name,
                contact.last_name,
                contact.email,
                contact.status,
                contact.currency,
                format_time(contact.updated),
                pass
            ])
        })
        .doing("save a contact")?;
    if !is_current(tx, "contacts", "contact_id", tenant, &id, contact.updated)? {
        return Ok(());
    }
    tx.prepare_cached("DELETE FROM contact_persons WHERE tenant_id = ?1 AND contact_id = ?2")
        .and_then(|mut s| s.execute(params![tenant, id]))
        .doing("replace a contact's persons")?;
    for (position, person) in contact.persons.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO contact_persons (tenant_id, contact_id, position, first_name, last_name, email, include_in_emails)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .and_then(|mut s| {
            s.execute(params![
                tenant,
                id,
                position as i64,
                person.first_name,
                person.last_name,
                person.email,
                person.include_in_emails
            ])
        })
        .doing("save a contact person")?;
    }
    Ok(())
}

fn write_invoice(tx: &Transaction<'_>, tenant: &str, invoice: &Invoice, pass: Option<i64>) -> Result<()> {
    let sql = INVOICE_SQL.get_or_init(|| {
        upsert(
            "invoices",
            "invoice_id",
            &[
                "number",
                "reference",
                "contact_id",
                "status",
                "date",
                "due_date",
                "currency",
                "currency_rate",
                "total",
                "amount_due",
                "amount_paid",
                "amount_credited",
                "expected_payment_date",
                "fully_paid_on",
                "repeating_invoice_id",
                "updated",
            ],
        )
    });
    tx.prepare_cached(sql)
        .and_then(|mut s| {
            s.execute(params![
                tenant,
                invoice.invoice_id.to_string(),
                invoice.number.as_str(),
                invoice.reference.as_deref(),
                invoice.contact_id.to_string(),
                invoice.status.as_str(),
                invoice.date.to_string(),
                invoice.due_date.to_string(),
                invoice.currency.as_str(),
                invoice.currency_rate.to_string(),
                invoice.total.to_string(),
                invoice.amount_due.to_string(),
                invoice.amount_paid.to_string(),
                invoice.amount_credited.to_string(),
                invoice.expected_payment_date.map(|d| d.to_string()),
                invoice.fully_paid_on.map(|d| d.to_string()),
                invoice.repeating_invoice_id.map(|r| r.to_string()),
                format_time(invoice.updated),
                pass
            ])
        })
        .doing("save an invoice")?;
    Ok(())
}

fn write_payment(tx: &Transaction<'_>, tenant: &str, payment: &Payment, pass: Option<i64>) -> Result<()> {
    let sql = PAYMENT_SQL
        .get_or_init(|| upsert("payments", "payment_id", &["invoice_id", "date", "amount", "status", "updated"]));
    tx.prepare_cached(sql)
        .and_then(|mut s| {
            s.execute(params![
                tenant,
                payment.payment_id.to_string(),
                payment.invoice_id.map(|i| i.to_string()),
                payment.date.to_string(),
                payment.amount.to_string(),
                payment.status,
                format_time(payment.updated),
                pass
            ])
        })
        .doing("save a payment")?;
    Ok(())
}

fn write_credit(tx: &Transaction<'_>, tenant: &str, credit: &Credit, pass: Option<i64>) -> Result<()> {
    let id = credit.credit_id.to_string();
    let sql = CREDIT_SQL.get_or_init(|| {
        upsert(
            "credits",
            "credit_id",
            &["kind", "number", "contact_id", "date", "status", "currency", "total", "remaining", "updated"],
        )
    });
    tx.prepare_cached(sql)
        .and_then(|mut s| {
            s.execute(params![
                tenant,
                id,
                credit.kind.as_str(),
                credit.number,
                credit.contact_id.map(|c| c.to_string()),
                credit.date.map(|d| d.to_string()),
                credit.status,
                credit.currency,
                credit.total.to_string(),
                credit.remaining.to_string(),
                format_time(credit.updated),
                pass
            ])
        })
        .doing("save a credit")?;
    if !is_current(tx, "credits", "credit_id", tenant, &id, credit.updated)? {
        return Ok(());
    }
    tx.prepare_cached("DELETE FROM allocations WHERE tenant_id = ?1 AND credit_id = ?2")
        .and_then(|mut s| s.execute(params![tenant, id]))
        .doing("replace a credit's allocations")?;
    for (position, allocation) in credit.allocations.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO allocations (tenant_id, credit_id, position, invoice_id, amount, date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut s| {
            s.execute(params![
                tenant,
                id,
                position as i64,
                allocation.invoice_id.to_string(),
                allocation.amount.to_string(),
                allocation.date.map(|d| d.to_string())
            ])
        })
        .doing("save an allocation")?;
    }
    Ok(())
}

/// Where each entity lives, and how its rows are told apart, for removals after a full pass.
pub(crate) fn table_of(entity: &str) -> Option<(&'static str, &'static str, Option<&'static str>)> {
    Some(match entity {
        "contacts" => ("contacts", "contact_id", None),
        "invoices" => ("invoices", "invoice_id", None),
        "payments" => ("payments", "payment_id", None),
        "credit_notes" => ("credits", "credit_id", Some("credit_note")),
        "overpayments" => ("credits", "credit_id", Some("overpayment")),
        "prepayments" => ("credits", "credit_id", Some("prepayment")),
        _ => return None,
    })
}

/// The rows of an entity's records, as a `WHERE` clause on its table (`?1` is the tenant).
fn scope(entity: &str) -> Option<(&'static str, &'static str)> {
    table_of(entity).map(|(table, _, kind)| {
        let clause = match kind {
            Some("credit_note") => "tenant_id = ?1 AND kind = 'credit_note'",
            Some("overpayment") => "tenant_id = ?1 AND kind = 'overpayment'",
            Some("prepayment") => "tenant_id = ?1 AND kind = 'prepayment'",
            _ => "tenant_id = ?1",
        };
        (table, clause)
    })
}

/// How many of the entity's records carry the pass's mark.
pub(crate) fn marked(conn: &Connection, tenant: Uuid, entity: &str, pass: i64) -> Result<u64> {
    let Some((table, clause)) = scope(entity) else { return Ok(0) };
    conn.query_row(
        &format!("SELECT COUNT(*) FROM {table} WHERE {clause} AND pass = ?2"),
        params![tenant.to_string(), pass],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
    .doing("count what a pass has seen")
}

/// Removes the entity's records a full pass did not see (Xero no longer lists them), with the
/// persons and allocations that belonged to them.
pub(crate) fn remove_unmarked(tx: &Transaction<'_>, tenant: Uuid, entity: &str, pass: i64) -> Result<usize> {
    let Some((table, clause)) = scope(entity) else { return Ok(0) };
    let tenant = tenant.to_string();
    let removed = tx
        .execute(&format!("DELETE FROM {table} WHERE {clause} AND pass != ?2"), params![tenant, pass])
        .doing("remove records Xero no longer lists")?;
    if removed > 0 {
        tx.execute(
            "DELETE FROM contact_persons WHERE tenant_id = ?1
               AND contact_id NOT IN (SELECT contact_id FROM contacts WHERE tenant_id = ?1)",
            [&tenant],
        )
        .doing("remove persons of removed contacts")?;
        tx.execute(
            "DELETE FROM allocations WHERE tenant_id = ?1
               AND credit_id NOT IN (SELECT credit_id FROM credits WHERE tenant_id = ?1)",
            [&tenant],
        )
        .doing("remove allocations of removed credit")?;
    }
    Ok(removed)
}

/// The columns [`invoice_from`] reads, in the order it reads them (by position: the runtime reads
/// a million rows at a time, and finding a column by name costs more than reading it).
pub(super) const INVOICE_COLUMNS: &str =
    "tenant_id, invoice_id, number, reference, contact_id, status, date, due_date, currency,
     currency_rate, total, amount_due, amount_paid, amount_credited, expected_payment_date, fully_paid_on,
     repeating_invoice_id, updated";

pub(super) fn invoice_from(row: &Row<'_>) -> rusqlite::Result<Invoice> {
    Ok(Invoice {
        tenant_id: id(row, 0)?,
        invoice_id: id(row, 1)?,
        number: short_text(row, 2)?,
        reference: optional_short_text(row, 3)?,
        contact_id: id(row, 4)?,
        status: short_text(row, 5)?,
        date: day(row, 6)?,
        due_date: day(row, 7)?,
        currency: short_text(row, 8)?,
        currency_rate: amount(row, 9)?,
        total: amount(row, 10)?,
        amount_due: amount(row, 11)?,
        amount_paid: amount(row, 12)?,
        amount_credited: amount(row, 13)?,
        expected_payment_date: optional_day(row, 14)?,
        fully_paid_on: optional_day(row, 15)?,
        repeating_invoice_id: optional_id(row, 16)?,
        updated: instant(row, 17)?,
    })
}

fn contact_from(row: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        tenant_id: id(row, "tenant_id")?,
        contact_id: id(row, "contact_id")?,
        name: row.get("name")?,
        first_name: row.get("first_name")?,
        last_name: row.get("last_name")?,
        email: row.get("email")?,
        status: row.get("status")?,
        currency: row.get("currency")?,
        persons: Vec::new(),
        updated: instant(row, "updated")?,
    })
}

/// A credit without its allocations (read apart).
fn credit_from(row: &Row<'_>) -> rusqlite::Result<Credit> {
    let kind: String = row.get("kind")?;
    Ok(Credit {
        tenant_id: id(row, "tenant_id")?,
        credit_id: id(row, "credit_id")?,
        kind: CreditKind::parse(&kind).unwrap_or(CreditKind::CreditNote),
        number: row.get("number")?,
        contact_id: optional_id(row, "contact_id")?,
        date: optional_day(row, "date")?,
        status: row.get("status")?,
        currency: row.get("currency")?,
        total: amount(row, "total")?,
        remaining: amount(row, "remaining")?,
        allocations: Vec::new(),
        updated: instant(row, "updated")?,
    })
}

fn query<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    what: &str,
) -> Result<Vec<T>> {
    let mut statement = conn.prepare_cached(sql).doing(what)?;
    let rows = statement.query_map(params, map).doing(what)?;
    rows.collect::<rusqlite::Result<_>>().doing(what)
}

impl Database {
    pub fn invoices(&self, tenant: Uuid) -> Result<Vec<Invoice>> {
        query(
            self.conn(),
            &format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE tenant_id = ?1 ORDER BY number, invoice_id"),
            [tenant.to_string()],
            invoice_from,
            "read invoices",
        )
    }

    pub fn find_invoices(&self, number_or_id: &str) -> Result<Vec<Invoice>> {
        query(
            self.conn(),
            &format!(
                "SELECT {INVOICE_COLUMNS} FROM invoices
                 WHERE invoice_id = lower(?1) OR upper(number) = upper(?1) ORDER BY tenant_id"
            ),
            [number_or_id.trim()],
            invoice_from,
            "find an invoice",
        )
    }

    pub fn find_contacts(&self, name_or_id: &str) -> Result<Vec<Contact>> {
        let text = name_or_id.trim();
        let exact = query(
            self.conn(),
            "SELECT * FROM contacts WHERE contact_id = lower(?1) OR lower(name) = lower(?1) ORDER BY tenant_id, name",
            [text],
            contact_from,
            "find a contact",
        )?;
        if !exact.is_empty() {
            return Ok(exact);
        }
        query(
            self.conn(),
            "SELECT * FROM contacts WHERE instr(lower(name), lower(?1)) > 0 ORDER BY tenant_id, name",
            [text],
            contact_from,
            "find a contact",
        )
    }

    pub fn account(&self, tenant: Uuid, contact: Uuid) -> Result<Option<Account>> {
        let keys = params![tenant.to_string(), contact.to_string()];
        let found = query(
            self.conn(),
            "SELECT * FROM contacts WHERE tenant_id = ?1 AND contact_id = ?2",
            keys,
            contact_from,
            "read a customer's account",
        )?;
        let Some(contact_record) = found.into_iter().next() else { return Ok(None) };
        // The customer's invoices are kept together (migration 5): one ordered range.
        let open: Vec<Invoice> = query(
            self.conn(),
            &format!(
                "SELECT {INVOICE_COLUMNS} FROM invoices WHERE tenant_id = ?1 AND contact_id = ?2 AND status = 'AUTHORISED'
                 ORDER BY due_date, number"
            ),
            keys,
            invoice_from,
            "read a customer's open invoices",
        )?
        .into_iter()
        .filter(Invoice::is_open)
        .collect();
        let credits = query(
            self.conn(),
            "SELECT * FROM credits WHERE tenant_id = ?1 AND contact_id = ?2 AND status = 'AUTHORISED'
               AND CAST(remaining AS REAL) > 0 ORDER BY date, credit_id",
            keys,
            credit_from,
            "read a customer's credits",
        )?;
        Ok(Some(Account { contact: contact_record, open, credits }))
    }

    pub fn open_invoices(&self, tenant: Uuid) -> Result<Vec<Invoice>> {
        let all = query(
            self.conn(),
            &format!(
                "SELECT {INVOICE_COLUMNS} FROM invoices WHERE tenant_id = ?1 AND status = 'AUTHORISED'
                 ORDER BY number, invoice_id"
            ),
            [tenant.to_string()],
            invoice_from,
            "read open invoices",
        )?;
        Ok(all.into_iter().filter(Invoice::is_open).collect())
    }

    pub fn contacts(&self, tenant: Uuid) -> Result<Vec<Contact>> {
        let mut contacts = query(
            self.conn(),
            "SELECT * FROM contacts WHERE tenant_id = ?1 ORDER BY name, contact_id",
            [tenant.to_string()],
            contact_from,
            "read contacts",
        )?;
        let persons = query(
            self.conn(),
            "SELECT * FROM contact_persons WHERE tenant_id = ?1 ORDER BY contact_id, position",
            [tenant.to_string()],
            |row| {
                Ok((
                    id(row, "contact_id")?,
                    Person {
                        first_name: row.get("first_name")?,
                        last_name: row.get("last_name")?,
                        email: row.get("email")?,
                        include_in_emails: row.get("include_in_emails")?,
                    },
                ))
            },
            "read contact persons",
        )?;
        let mut by_contact: std::collections::HashMap<Uuid, Vec<Person>> = std::collections::HashMap::new();
        for (contact, person) in persons {
            by_contact.entry(contact).or_default().push(person);
        }
        for contact in &mut contacts {
            contact.persons = by_contact.remove(&contact.contact_id).unwrap_or_default();
        }
        Ok(contacts)
    }

    pub fn payments(&self, tenant: Uuid) -> Result<Vec<Payment>> {
        query(
            self.conn(),
            "SELECT * FROM payments WHERE tenant_id = ?1 ORDER BY date, payment_id",
            [tenant.to_string()],
            |row| {
                Ok(Payment {
                    tenant_id: id(row, "tenant_id")?,
                    payment_id: id(row, "payment_id")?,
                    invoice_id: optional_id(row, "invoice_id")?,
                    date: day(row, "date")?,
                    amount: amount(row, "amount")?,
                    status: row.get("status")?,
                    updated: instant(row, "updated")?,
                })
            },
            "read payments",
        )
    }

    pub fn credits(&self, tenant: Uuid) -> Result<Vec<Credit>> {
        let mut credits = query(
            self.conn(),
            "SELECT * FROM credits WHERE tenant_id = ?1 ORDER BY kind, credit_id",
            [tenant.to_string()],
            credit_from,
            "read credits",
        )?;
        let allocations = query(
            self.conn(),
            "SELECT * FROM allocations WHERE tenant_id = ?1 ORDER BY credit_id, position",
            [tenant.to_string()],
            |row| {
                Ok((
                    id(row, "credit_id")?,
                    Allocation {
                        invoice_id: id(row, "invoice_id")?,
                        amount: amount(row, "amount")?,
                        date: optional_day(row, "date")?,
                    },
                ))
            },
            "read allocations",
        )?;
        let mut by_credit: std::collections::HashMap<Uuid, Vec<Allocation>> = std::collections::HashMap::new();
        for (credit, allocation) in allocations {
            by_credit.entry(credit).or_default().push(allocation);
        }
        for credit in &mut credits {
            credit.allocations = by_credit.remove(&credit.credit_id).unwrap_or_default();
        }
        Ok(credits)
    }

    pub fn contact_groups(&self, tenant: Uuid) -> Result<Vec<ContactGroup>> {
        query(
            self.conn(),
            "SELECT * FROM contact_groups WHERE tenant_id = ?1 ORDER BY name, group_id",
            [tenant.to_string()],
            |row| {
                Ok(ContactGroup {
                    tenant_id: id(row, "tenant_id")?,
                    group_id: id(row, "group_id")?,
                    name: row.get("name")?,
                    status: row.get("status")?,
                })
            },
            "read contact groups",
        )
    }

    pub fn group_members(&self, tenant: Uuid) -> Result<Vec<(Uuid, Uuid)>> {
        query(
            self.conn(),
            "SELECT group_id, contact_id FROM contact_group_members WHERE tenant_id = ?1 ORDER BY group_id, contact_id",
            [tenant.to_string()],
            |row| Ok((id(row, "group_id")?, id(row, "contact_id")?)),
            "read group members",
        )
    }

    pub fn replace_contact_groups(
        &mut self,
        tenant: Uuid,
        groups: &[ContactGroup],
        members: Option<&[(Uuid, Uuid)]>,
    ) -> Result<()> {
        let tenant_text = tenant.to_string();
        let tx = self.conn_mut().transaction().doing("start saving contact groups")?;
        tx.execute("DELETE FROM contact_groups WHERE tenant_id = ?1", [&tenant_text])
            .doing("replace contact groups")?;
        for group in groups {
            tx.execute(
                "INSERT INTO contact_groups (tenant_id, group_id, name, status) VALUES (?1, ?2, ?3, ?4)",
                params![tenant_text, group.group_id.to_string(), group.name, group.status],
            )
            .doing("save a contact group")?;
        }
        if let Some(members) = members {
            tx.execute("DELETE FROM contact_group_members WHERE tenant_id = ?1", [&tenant_text])
                .doing("replace group members")?;
            for (group, contact) in members {
                tx.execute(
                    "INSERT OR IGNORE INTO contact_group_members (tenant_id, group_id, contact_id) VALUES (?1, ?2, ?3)",
                    params![tenant_text, group.to_string(), contact.to_string()],
                )
                .doing("save a group member")?;
            }
        } else {
            // Members of groups that are gone go with them.
            tx.execute(
                "DELETE FROM contact_group_members WHERE tenant_id = ?1
                   AND group_id NOT IN (SELECT group_id FROM contact_groups WHERE tenant_id = ?1)",
                [&tenant_text],
            )
            .doing("forget members of removed groups")?;
        }
        tx.commit().doing("save contact groups")
    }

    pub fn save_records(&mut self, tenant: Uuid, records: &Records) -> Result<()> {
        let tx = self.conn_mut().transaction().doing("start saving records")?;
        write(&tx, tenant, records, None)?;
        tx.commit().doing("save records")
    }

    pub fn counts(&self, tenant: Uuid) -> Result<Counts> {
        let tenant = tenant.to_string();
        let count = |sql: &str| -> Result<u64> {
            self.conn().query_row(sql, [&tenant], |r| r.get::<_, i64>(0)).map(|n| n as u64).doing("count records")
        };
        Ok(Counts {
            contacts: count("SELECT COUNT(*) FROM contacts WHERE tenant_id = ?1")?,
            invoices: count("SELECT COUNT(*) FROM invoices WHERE tenant_id = ?1")?,
            open_invoices: count("SELECT COUNT(*) FROM invoices WHERE tenant_id = ?1 AND status = 'AUTHORISED'")?,
            payments: count("SELECT COUNT(*) FROM payments WHERE tenant_id = ?1")?,
            credits: count("SELECT COUNT(*) FROM credits WHERE tenant_id = ?1")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn invoice(tenant: u128, id: u128, status: &str) -> Invoice {
        Invoice {
            tenant_id: Uuid::from_u128(tenant),
            invoice_id: Uuid::from_u128(id),
            number: format!("INV-{id:04}").into(),
            reference: Some("PO 1".into()),
            contact_id: Uuid::from_u128(99),
            status: status.into(),
            date: "2026-10-01".parse().unwrap(),
            due_date: "2026-10-31".parse().unwrap(),
            currency: "NZD".into(),
            currency_rate: "1.0000".parse().unwrap(),
            total: "115.00".parse().unwrap(),
            amount_due: "115.00".parse().unwrap(),
            amount_paid: "0.00".parse().unwrap(),
            amount_credited: "0".parse().unwrap(),
            expected_payment_date: None,
            fully_paid_on: None,
            repeating_invoice_id: None,
            updated: "2026-10-01T20:00:00.123Z".parse().unwrap(),
        }
    }

    #[test]
    fn an_older_version_never_overwrites_a_newer_one() {
        let mut store = Database::open_in_memory().unwrap();
        let tenant = Uuid::from_u128(1);
        let mut paid = invoice(1, 10, "PAID");
        paid.updated = "2026-11-25T12:00:00Z".parse().unwrap();
        paid.amount_due = "0.00".parse().unwrap();
        store.save_records(tenant, &Records::Invoices(vec![paid.clone()])).unwrap();
        // A sync page fetched before the payment arrives late.
        store.save_records(tenant, &Records::Invoices(vec![invoice(1, 10, "AUTHORISED")])).unwrap();
        assert_eq!(store.invoices(tenant).unwrap(), vec![paid]);
    }

    #[test]
    fn records_round_trip_exactly_and_stay_with_their_organisation() {
        let mut store = Database::open_in_memory().unwrap();
        let first = vec![invoice(1, 10, "AUTHORISED"), invoice(1, 11, "PAID")];
        store.save_records(Uuid::from_u128(1), &Records::Invoices(first.clone())).unwrap();
        store.save_records(Uuid::from_u128(2), &Records::Invoices(vec![invoice(2, 20, "AUTHORISED")])).unwrap();
        assert_eq!(store.invoices(Uuid::from_u128(1)).unwrap(), first);
        assert_eq!(store.open_invoices(Uuid::from_u128(1)).unwrap(), vec![first[0].clone()]);
        assert_eq!(store.invoices(Uuid::from_u128(2)).unwrap().len(), 1);
        // Trailing zeros are kept: "1.0000" stays as Xero wrote it.
        assert_eq!(store.invoices(Uuid::from_u128(1)).unwrap()[0].currency_rate.to_string(), "1.0000");
    }
}
