//! Delivery: the outbox's pending actions carried out — emails (rendered once, kept, then sent;
//! checked against a fresh sync first, and dropped if paid since), escalation emails to the person
//! named, and the history notes written to Xero. Failures are tried again with growing waits; an
//! action interrupted mid-delivery is delivered again by the next run, as the same message.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::books::{Books, Customer};
use super::calendar::Calendar;
use super::email::{RenderedEmail, message_id, render};
use super::mailer::Mailer;
use crate::ledger::records::Invoice;
use crate::plan::{Action, Plan};
use crate::store::outbox::{Status, StoredAction};
use crate::store::receivables::Records;
use crate::store::{Store, StoreError};
use crate::template::{CustomerView, EmailContext, InvoiceView, OrganisationView, SenderView};
use crate::xero::client::{ApiError, Get, XeroClient};
use crate::xero::{convert, wire};

/// An action tried this many times is given up (and shown as failed).
pub const MOST_ATTEMPTS: u32 = 8;

/// The sender when a strategy names none.
#[derive(Clone, Debug, Default)]
pub struct DefaultSender {
    pub address: Option<String>,
    pub name: Option<String>,
}

pub struct Deliverer<'a> {
    pub store: &'a Mutex<Store>,
    pub mailer: &'a Mailer,
    /// Xero, for freshness checks, online invoice links and history notes; none in a dry world.
    pub client: Option<&'a XeroClient>,
    /// The plan each organisation runs under.
    pub plans: &'a HashMap<Uuid, Arc<Plan>>,
    pub sender: DefaultSender,
    pub freshness: SignedDuration,
    pub now: Timestamp,
    /// Set when the process is asked to stop: the email being sent is finished, the rest wait
    /// in the outbox for the next run.
    pub stop: Option<&'a std::sync::atomic::AtomicBool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Delivered {
    pub emails_sent: u64,
    pub emails_failed: u64,
    pub emails_retrying: u64,
    /// Emails not sent because their invoices were paid, voided or credited since.
    pub emails_dropped: u64,
    pub notes_written: u64,
    pub notes_failed: u64,
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Waits between tries: 1 minute, 5, 30, then 2 hours.
fn backoff(attempts: u32) -> SignedDuration {
    SignedDuration::from_mins(match attempts {
        0 | 1 => 1,
        2 => 5,
        3 => 30,
        _ => 120,
    })
}

fn later(now: Timestamp, attempts: u32) -> Timestamp {
    now.checked_add(backoff(attempts)).unwrap_or(now)
}

impl Deliverer<'_> {
    /// Delivers what is due. `books` are organisations' books already read (by the run that
    /// just decided); the others are read when first needed.
    pub async fn deliver(&self, mut books: HashMap<Uuid, Books>) -> Result<Delivered, StoreError> {
        let mut delivered = Delivered::default();
        let mut sending_now: HashMap<Uuid, bool> = HashMap::new();
        let actions = lock(self.store).deliverable(self.now, 10_000)?;
        for action in actions {
            if self.stopping() {
                break;
            }
            // Another organisation's action (`run --org`) waits for a run that has its strategy,
            // and a customer's email waits for the sending window, without using up an attempt.
            let Some(plan) = self.plans.get(&action.tenant_id) else { continue };
            let to_customer = action.action.get("kind").and_then(|k| k.as_str()) != Some("escalate");
            if to_customer && !*sending_now.entry(action.tenant_id).or_insert_with(|| self.may_send(plan, &action)) {
                continue;
            }
            if !lock(self.store).claim(action.id)? {
                continue;
            }
            let outcome = self.deliver_one(&action, &mut books).await;
            self.settle(&action, outcome, &mut delivered)?;
        }
        // Asked to stop, the notes wait for the next start: they can take many calls.
        if !self.stopping() {
            self.write_notes(&mut delivered).await?;
        }
        Ok(delivered)
    }

    /// Whether the process has been asked to stop.
    fn stopping(&self) -> bool {
        self.stop.is_some_and(|stop| stop.load(std::sync::atomic::Ordering::SeqCst))
    }

    fn settle(
        &self,
        action: &StoredAction,
        outcome: Result<Settled, Failure>,
        delivered: &mut Delivered,
    ) -> Result<(), StoreError> {
        let mut store = lock(self.store);
        match outcome {
            Ok(Settled::Sent) => {
                store.finish(action.id, Status::Done, None, self.now)?;
                delivered.emails_sent += 1;
            }
            Ok(Settled::Dropped(why)) => {
                store.finish(action.id, Status::Dropped, Some(&why), self.now)?;
                delivered.emails_dropped += 1;
            }
            Err(Failure { permanent, why }) if permanent || action.attempts + 1 >= MOST_ATTEMPTS => {
                store.finish(action.id, Status::Failed, Some(&why), self.now)?;
                delivered.emails_failed += 1;
            }
            Err(Failure { why, .. }) => {
                store.retry_later(action.id, &why, later(self.now, action.attempts + 1))?;
                delivered.emails_retrying += 1;
            }
        }
        Ok(())
    }

    /// Whether the strategy's sending window is open now for this organisation.
    fn may_send(&self, plan: &Plan, action: &StoredAction) -> bool {
        let zone = lock(self.store).organisation(action.tenant_id).ok().flatten().and_then(|o| o.organisation.zone);
        Calendar::new(&plan.settings, zone.as_deref()).is_ok_and(|calendar| calendar.may_send_at(self.now))
    }

    async fn deliver_one(&self, action: &StoredAction, books: &mut HashMap<Uuid, Books>) -> Result<Settled, Failure> {
        let plan = self
            .plans
            .get(&action.tenant_id)
            .ok_or_else(|| Failure::later("no strategy applies to this organisation in this run".to_string()))?;
        if let std::collections::hash_map::Entry::Vacant(slot) = books.entry(action.tenant_id) {
            slot.insert(Books::load(&lock(self.store), action.tenant_id).map_err(|e| Failure::later(e.to_string()))?);
        }
        // Every attempt, the first or a retry hours later, checks that the money is still owed.
        self.make_fresh(action, books).await?;
        if let Some(why) = no_longer_owed(action, &books[&action.tenant_id]) {
            return Ok(Settled::Dropped(why));
        }
        let email = match &action.email {
            // Rendered before an interruption: the very same message goes.
            Some(kept) => serde_json::from_str::<RenderedEmail>(kept).map_err(|e| Failure::permanent(e.to_string()))?,
            None => {
                let email = match self.compose(action, plan, &books[&action.tenant_id]).await? {
                    Composed::Email(email) => email,
                    Composed::Drop(why) => return Ok(Settled::Dropped(why)),
                };
                let kept = serde_json::to_string(&email).map_err(|e| Failure::permanent(e.to_string()))?;
                lock(self.store).set_email(action.id, &kept).map_err(|e| Failure::later(e.to_string()))?;
                email
            }
        };
        self.mailer
            .send(&email)
            .await
            .map(|_| Settled::Sent)
            .map_err(|error| Failure { permanent: error.permanent, why: error.message })
    }

    async fn compose(&self, action: &StoredAction, plan: &Plan, books: &Books) -> Result<Composed, Failure> {
        let plan_action: Action =
            serde_json::from_value(action.action.clone()).map_err(|e| Failure::permanent(e.to_string()))?;
        let customer =
            books.customer(action.contact_id).ok_or_else(|| Failure::permanent("the customer is gone".into()))?;
        let open: Vec<&Invoice> =
            action.invoices.iter().filter_map(|id| customer.open.iter().find(|i| i.invoice_id == *id)).collect();
        let sender = self.sender_of(plan);
        let address = sender.0.ok_or_else(|| {
            Failure::permanent("no sender address: the strategy names none and [email] from is not set".into())
        })?;
        let (template_name, copy, to) = match &plan_action {
            Action::Email { template, copy } => (template.clone(), copy.clone(), customer.recipients()),
            Action::Escalate { to } => {
                let person = plan
                    .settings
                    .people
                    .get(to)
                    .cloned()
                    .ok_or_else(|| Failure::permanent(format!("no address for {to}")))?;
                return Ok(Composed::Email(escalation_email(
                    action, books, customer, &open, to, &person, &address, sender.1,
                )));
            }
            _ => return Ok(Composed::Drop("nothing to send".into())),
        };
        if to.is_empty() {
            return Ok(Composed::Drop("the customer has no email address any more".into()));
        }
        let template = plan
            .templates
            .get(&template_name)
            .ok_or_else(|| Failure::permanent(format!("the plan has no template \"{template_name}\"")))?;
        let statement = action.subject_kind == "account";
        let listed: Vec<&Invoice> = if statement { customer.open.iter().collect() } else { open };
        let today = self.today(plan, books);
        let mut views = Vec::new();
        for invoice in &listed {
            views.push(self.view(invoice, books.organisation.tenant_id, today).await);
        }
        let context = context(books, customer, views, statement, &address, sender.1.as_deref(), today);
        let (subject, text, html) = render(template, &context).map_err(|e| Failure::permanent(e.to_string()))?;
        Ok(Composed::Email(RenderedEmail {
            from_address: address,
            from_name: sender.1,
            reply_to: plan.settings.reply_to.clone(),
            to,
            cc: copy,
            subject,
            text,
            html,
            message_id: message_id(&action.key),
        }))
    }

    /// Today where the strategy counts its days: its own time zone, else the organisation's.
    fn today(&self, plan: &Plan, books: &Books) -> jiff::civil::Date {
        match Calendar::new(&plan.settings, books.organisation.zone.as_deref()) {
            Ok(calendar) => calendar.today(self.now),
            Err(_) => jiff::tz::TimeZone::UTC.to_datetime(self.now).date(),
        }
    }

    fn sender_of(&self, plan: &Plan) -> (Option<String>, Option<String>) {
        match &plan.settings.sender {
            Some(sender) => (Some(sender.address.clone()), sender.name.clone().or(self.sender.name.clone())),
            None => (self.sender.address.clone(), self.sender.name.clone()),
        }
    }

    /// Before an email goes, its invoices must be known unpaid by a recent sync: if the last sync
    /// is older than the freshness limit, they are fetched again. An invoice Xero does not return
    /// is no longer known unpaid; an answer that does not come is a reason to try later, never
    /// to send on old data.
    async fn make_fresh(&self, action: &StoredAction, books: &mut HashMap<Uuid, Books>) -> Result<(), Failure> {
        let Some(client) = self.client else { return Ok(()) };
        let organisation =
            lock(self.store).organisation(action.tenant_id).map_err(|e| Failure::later(e.to_string()))?;
        let Some(organisation) = organisation else { return Err(Failure::later("the organisation is gone".into())) };
        // Freshness is about real time since the sync, whatever instant the run decides as of.
        let stale = organisation
            .last_sync_at
            .is_none_or(|at| at.checked_add(self.freshness).is_ok_and(|fresh| fresh <= Timestamp::now()));
        if !stale || action.invoices.is_empty() {
            return Ok(());
        }
        let grant = organisation.grant_id.ok_or_else(|| Failure::later("the organisation is not connected".into()))?;
        let answers = crate::xero::sync::fetch_by_ids::<wire::Envelope<wire::Invoices>>(
            client,
            action.tenant_id,
            grant,
            "Invoices",
            action.invoices.clone(),
        )
        .await
        .map_err(|error| {
            Failure::later(format!("could not confirm with Xero that the invoices are unpaid: {error}"))
        })?;
        let mut fresh = Vec::new();
        for answer in answers.iter().flat_map(|a| a.items.items.iter()) {
            let invoice = convert::invoice(action.tenant_id, answer)
                .map_err(|error| Failure::later(format!("Xero's answer for an invoice is unreadable: {error}")))?;
            fresh.push(invoice);
        }
        let _ = lock(self.store).save_records(action.tenant_id, &Records::Invoices(fresh.clone()));
        let Some(customer) = books.get_mut(&action.tenant_id).and_then(|b| b.customer_mut(action.contact_id)) else {
            return Ok(());
        };
        customer.open.retain(|invoice| !action.invoices.contains(&invoice.invoice_id));
        customer.open.extend(fresh.into_iter().filter(|i| i.is_open() && i.contact_id == action.contact_id));
        customer.open.sort_by(|a, b| a.due_date.cmp(&b.due_date).then_with(|| a.number.cmp(&b.number)));
        Ok(())
    }

    async fn view(&self, invoice: &Invoice, tenant: Uuid, today: jiff::civil::Date) -> InvoiceView {
        InvoiceView {
            number: invoice.number.to_string(),
            reference: invoice.reference.as_deref().unwrap_or_default().to_string(),
            date: invoice.date,
            due_date: invoice.due_date,
            days_overdue: (today - invoice.due_date).get_days() as i64,
            currency: invoice.currency.to_string(),
            total: invoice.total,
            amount_paid: invoice.amount_paid + invoice.amount_credited,
            amount_due: invoice.amount_due,
            url: self.online_link(invoice, tenant).await.unwrap_or_default(),
        }
    }

    async fn online_link(&self, invoice: &Invoice, tenant: Uuid) -> Option<String> {
        let client = self.client?;
        let grant = lock(self.store).organisation(tenant).ok()??.grant_id?;
        let path = format!("Invoices/{}/OnlineInvoice", invoice.invoice_id);
        let answer: wire::Envelope<wire::OnlineInvoices> = client.get(tenant, grant, &Get::new(path)).await.ok()?;
        answer.items.items.into_iter().next()?.online_invoice_url
    }

    /// Writes waiting history notes to Xero.
    async fn write_notes(&self, delivered: &mut Delivered) -> Result<(), StoreError> {
        let Some(client) = self.client else { return Ok(()) };
        let notes = lock(self.store).pending_notes(self.now, 5_000)?;
        let mut grants: HashMap<Uuid, Option<i64>> = HashMap::new();
        for note in notes {
            let grant = match grants.get(&note.tenant_id) {
                Some(grant) => *grant,
                None => {
                    let grant = lock(self.store).organisation(note.tenant_id)?.and_then(|o| o.grant_id);
                    grants.insert(note.tenant_id, grant);
                    grant
                }
            };
            let Some(grant) = grant else { continue };
            let path = match note.subject_kind.as_str() {
                "invoice" => format!("Invoices/{}/History", note.subject_id),
                _ => format!("Contacts/{}/History", note.subject_id),
            };
            let body = serde_json::json!({ "HistoryRecords": [{ "Details": note.details }] });
            let written: Result<wire::Envelope<wire::HistoryRecords>, ApiError> =
                client.put(note.tenant_id, grant, &path, &body).await;
            let mut store = lock(self.store);
            match written {
                Ok(_) => {
                    store.note_written(note.id, self.now)?;
                    delivered.notes_written += 1;
                }
                Err(error) => {
                    let retry = (note.attempts + 1 < crate::store::tasks::MOST_NOTE_ATTEMPTS)
                        .then(|| later(self.now, note.attempts + 1));
                    store.note_failed(note.id, &error.to_string(), retry)?;
                    delivered.notes_failed += 1;
                }
            }
        }
        Ok(())
    }
}

/// Why an email is not owed any more: none of the invoices it is about is still open.
fn no_longer_owed(action: &StoredAction, books: &Books) -> Option<String> {
    let customer = books.customer(action.contact_id)?;
    let still_open = action.invoices.iter().any(|id| customer.open.iter().any(|i| i.invoice_id == *id));
    (!still_open && !action.invoices.is_empty()).then(|| "paid, voided or credited before it was sent".to_string())
}

enum Settled {
    Sent,
    Dropped(String),
}

enum Composed {
    Email(RenderedEmail),
    Drop(String),
}

struct Failure {
    permanent: bool,
    why: String,
}

impl Failure {
    fn permanent(why: String) -> Failure {
        Failure { permanent: true, why }
    }

    fn later(why: String) -> Failure {
        Failure { permanent: false, why }
    }
}

/// The variables of LANGUAGE.md §9 for an email to `customer` about `views`.
pub fn context(
    books: &Books,
    customer: &Customer,
    views: Vec<InvoiceView>,
    statement: bool,
    sender_address: &str,
    sender_name: Option<&str>,
    today: jiff::civil::Date,
) -> EmailContext {
    let (mut overdue, mut outstanding) = (rust_decimal::Decimal::ZERO, rust_decimal::Decimal::ZERO);
    for invoice in &customer.open {
        let owed = invoice.amount_due_in_base();
        outstanding += owed;
        if invoice.due_date < today {
            overdue += owed;
        }
    }
    let first_name = customer
        .contact
        .first_name
        .clone()
        .or_else(|| customer.contact.persons.iter().find_map(|p| p.first_name.clone()))
        .unwrap_or_default();
    EmailContext {
        customer: CustomerView {
            name: customer.contact.name.clone(),
            first_name,
            email: customer.recipients().into_iter().next().unwrap_or_default(),
        },
        invoice: if statement { None } else { views.first().cloned() },
        invoices: views,
        total_overdue: overdue,
        total_outstanding: outstanding,
        total_currency: books.organisation.base_currency.clone(),
        organisation: OrganisationView { name: books.organisation.name.clone() },
        sender: SenderView {
            name: sender_name.unwrap_or(&books.organisation.name).to_string(),
            email: sender_address.to_string(),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn escalation_email(
    action: &StoredAction,
    books: &Books,
    customer: &Customer,
    open: &[&Invoice],
    person: &str,
    address: &str,
    from: &str,
    from_name: Option<String>,
) -> RenderedEmail {
    let lines: Vec<String> = open
        .iter()
        .map(|i| {
            format!(
                "  {}  due {}  {} {}",
                i.number,
                i.due_date,
                i.currency,
                crate::ledger::money::group_thousands(i.amount_due)
            )
        })
        .collect();
    RenderedEmail {
        from_address: from.to_string(),
        from_name,
        reply_to: None,
        to: vec![address.to_string()],
        cc: Vec::new(),
        subject: super::email::header_text(&format!(
            "Escalation: {} ({})",
            customer.contact.name, books.organisation.name
        )),
        text: format!(
            "Hello {person},\n\nCollectIQ has escalated {} to you ({}).\n\n{}\n\nAutomatic emails to this customer are paused until the task is marked done:\n  collectiq tasks done <id>\n",
            customer.contact.name,
            action.rule_text,
            lines.join("\n")
        ),
        html: None,
        message_id: message_id(&action.key),
    }
}
