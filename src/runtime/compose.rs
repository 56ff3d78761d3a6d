//! Composing an email from a decision: the strategy's template rendered with the variables of
//! LANGUAGE.md §9 (or, for an escalation, a plain note to the person named), addressed, with
//! the Message-ID fixed by the action's key. Emails are composed when they are decided and kept
//! as composed, so that delivery sends exactly what was decided, whatever is edited meanwhile.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use jiff::Timestamp;
use jiff::civil::Date;
use tokio::time::Instant;
use uuid::Uuid;

use super::RunError;
use super::claims::{ClaimRecords, claims};
use super::email::{RenderedEmail, message_id};
use super::page_link::PageLinker;
use crate::decide::books::{Books, Customer};
use crate::decide::calendar::Calendar;
use crate::decide::late_payment::{LatePayment, NoClaim, RateTable};
use crate::ledger::records::Invoice;
use crate::plan::{Action, Plan};
use crate::store::Store;
use crate::store::page_links::NewPageLink;
use crate::template::{
    CreditView, CustomerView, EmailContext, InvoiceView, LinksView, Locale, OrganisationView, OthersView, Rendered,
    SenderView, Style, render,
};
use crate::xero::budget::Priority;
use crate::xero::client::{ApiError, Get, XeroClient};
use crate::xero::wire;

/// How many links are asked for at once (Xero takes 5 calls at once per organisation).
const LINKS_AT_ONCE: usize = 5;
/// The pause before links that failed for a passing reason are asked for again.
const LINK_RETRY_PAUSE: Duration = Duration::from_secs(5);
/// How many times a link that fails for a passing reason is asked for in one go. The client has
/// already retried each call; past this the email goes without the link rather than holding the
/// run until its deadline (a link Xero keeps failing on held the demo a minute).
pub const LINK_ROUNDS: u32 = 3;

/// What fetching links gave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LinksFetched {
    /// Fetched from Xero now (each one call, once per invoice ever).
    pub fetched: usize,
    /// Not to be had in time: the emails go without them.
    pub missing: usize,
}

/// What the configuration says about the sender: the address and name when a strategy names
/// none, the look of every email (the organisation's colour, `[page] colour`), and the reference
/// rates late-payment claims are computed with (the shipped table under `[rates]`).
#[derive(Clone, Debug, Default)]
pub struct DefaultSender {
    pub address: Option<String>,
    pub name: Option<String>,
    pub style: Style,
    pub rates: Option<RateTable>,
    /// `[email] locale`: how every organisation's emails write money and dates; each
    /// organisation's country decides when it is not set.
    pub locale: Option<Locale>,
}

impl DefaultSender {
    /// From `[email] from` and `name`, `[page] colour`, and the rates table with `[rates]` over it.
    pub fn from_config(config: &crate::config::Config) -> Result<DefaultSender, RunError> {
        Ok(DefaultSender {
            address: config.email.from.clone(),
            name: config.email.name.clone(),
            style: config.page.colour.clone().map_or_else(Style::default, |accent| Style { accent }),
            rates: Some(RateTable::in_use(&config.rates).map_err(RunError::Rates)?),
            locale: config.email.locale.clone(),
        })
    }
}

/// What an email is to be composed about.
#[derive(Clone, Copy, Debug)]
pub struct EmailAbout<'a> {
    /// The action's idempotency key: the Message-ID is derived from it.
    pub key: &'a str,
    pub action: &'a Action,
    pub contact_id: Uuid,
    pub invoices: &'a [Uuid],
    /// A statement lists every open invoice of the customer.
    pub statement: bool,
    pub rule_text: &'a str,
}

/// What composing gave.
#[derive(Debug)]
pub enum Composed {
    /// The email, and the links to the customer's page it carries (stored with it, so that they
    /// open only once it is recorded).
    Email(Box<RenderedEmail>, Vec<NewPageLink>),
    /// Nothing to send, and why (no address any more, nothing of the action is an email).
    Nothing(String),
}

/// Why an email cannot be composed; `permanent` when trying again will not help.
#[derive(Debug, Clone)]
pub struct ComposeError {
    pub permanent: bool,
    pub why: String,
}

impl ComposeError {
    fn permanent(why: impl std::fmt::Display) -> ComposeError {
        ComposeError { permanent: true, why: why.to_string() }
    }
}

/// What composing needs beyond the decision: the sender, and Xero for online invoice links
/// (fetched once per invoice and kept in the store, before the emails that show them are composed).
/// One composer serves one organisation: what it reads once and keeps (payments and credits, the
/// locale) is that organisation's.
pub struct Composer<'a> {
    pub sender: &'a DefaultSender,
    /// Xero, for online invoice links; none in a dry world.
    pub client: Option<&'a XeroClient>,
    pub store: &'a Store,
    /// Makes the links to customers' pages; none when `[page] base_url` is not set.
    pub pages: Option<&'a PageLinker>,
    /// The run's instant: "today" in the email is the run's day.
    pub now: Timestamp,
    /// The organisation's payments and credits, read at the first claim or statement and kept.
    claim_records: tokio::sync::OnceCell<ClaimRecords>,
    /// The locale of the organisation's emails, made at the first email and kept for the rest.
    locale: std::sync::OnceLock<Locale>,
}

impl<'a> Composer<'a> {
    pub fn new(
        sender: &'a DefaultSender,
        client: Option<&'a XeroClient>,
        store: &'a Store,
        pages: Option<&'a PageLinker>,
        now: Timestamp,
    ) -> Composer<'a> {
        Composer {
            sender,
            client,
            store,
            pages,
            now,
            claim_records: tokio::sync::OnceCell::new(),
            locale: std::sync::OnceLock::new(),
        }
    }
}

impl Composer<'_> {
    pub async fn compose(&self, plan: &Plan, books: &Books, about: EmailAbout<'_>) -> Result<Composed, ComposeError> {
        let customer =
            books.customer(about.contact_id).ok_or_else(|| ComposeError::permanent("the customer is gone"))?;
        let open: Vec<&Invoice> =
            about.invoices.iter().filter_map(|id| customer.open.iter().find(|i| i.invoice_id == *id)).collect();
        let (address, from_name) = self.sender_of(plan);
        let address = address.ok_or_else(|| {
            ComposeError::permanent("no sender address: the strategy names none and [email] from is not set")
        })?;
        let (template_name, copy) = match about.action {
            Action::Email { template, copy, .. } => (template, copy),
            Action::Escalate { to } => {
                let person = plan
                    .settings
                    .people
                    .get(to)
                    .ok_or_else(|| ComposeError::permanent(format!("no address for {to}")))?;
                let email = escalation_email(about, books, customer, &open, to, person, &address, from_name);
                return Ok(Composed::Email(Box::new(email), Vec::new()));
            }
            _ => return Ok(Composed::Nothing("nothing to send".into())),
        };
        let to = customer.recipients();
        if to.is_empty() {
            return Ok(Composed::Nothing("the customer has no email address any more".into()));
        }
        let template = plan
            .templates
            .get(template_name)
            .ok_or_else(|| ComposeError::permanent(format!("the plan has no template \"{template_name}\"")))?;
        let listed: Vec<&Invoice> = if about.statement { customer.open.iter().collect() } else { open };
        let today = self.today(plan, books);
        // A template that shows the customer's statement (`customer.invoices`) shows every open
        // invoice, listed or not; the others need only what they list.
        let shows_account = template.shows_account();
        let every: Vec<&Invoice> = if shows_account { customer.open.iter().collect() } else { listed.clone() };
        let ids: Vec<Uuid> = every.iter().map(|invoice| invoice.invoice_id).collect();
        let links = match self.store.online_links(books.organisation.tenant_id, &ids).await {
            Ok(links) => links,
            Err(error) => {
                // The email says how to pay otherwise; the link is shown again once it can be read.
                tracing::warn!(%error, "online invoice links could not be read");
                HashMap::new()
            }
        };
        // Links are made only for templates that show them: a statement lists every open invoice.
        let linker = self.pages.filter(|_| template.shows_page_links());
        let mut grants = Vec::new();
        let mut page_link = |invoice: Option<Uuid>| match linker {
            Some(linker) => {
                let (grant, address) = linker.make(books.organisation.tenant_id, about.contact_id, invoice, self.now);
                grants.push(grant);
                address
            }
            None => String::new(),
        };
        let claims: HashMap<Uuid, LatePayment> =
            ids.iter().copied().zip(self.claims(plan, books, customer, &every, today).await).collect();
        let unclaimed = LatePayment::NotClaimed { reason: NoClaim::NotClaimed };
        let claim_of = |invoice: &Invoice| claims.get(&invoice.invoice_id).unwrap_or(&unclaimed);
        let views: Vec<InvoiceView> = listed
            .iter()
            .map(|invoice| view(invoice, &links, today, page_link(Some(invoice.invoice_id)), claim_of(invoice)))
            .collect();
        let total_claim = listed.iter().map(|invoice| claim_of(invoice).claim_total()).sum();
        let mut context =
            context(books, customer, &listed, views, about.statement, &address, from_name.as_deref(), today);
        context.total_claim = total_claim;
        if shows_account {
            context.customer.invoices =
                every.iter().map(|invoice| view(invoice, &links, today, String::new(), claim_of(invoice))).collect();
            context.customer.credits = self.credits(books, customer).await;
        }
        context.links.page = page_link(None);
        context.locale = self.locale(books).clone();
        let Rendered { subject, text, html } =
            render(template.source(), &context, &self.sender.style).map_err(ComposeError::permanent)?;
        let message_id = message_id(about.key, Some(&address));
        Ok(Composed::Email(
            Box::new(RenderedEmail {
                from_address: address,
                from_name,
                reply_to: plan.settings.reply_to.clone(),
                to,
                cc: copy.clone(),
                subject,
                text,
                html: Some(html),
                message_id,
            }),
            grants,
        ))
    }

    /// What the strategy's Claim sentence claims on each of `listed` today (one entry each; not
    /// claimed without the sentence). The organisation's payments and credits are read once per
    /// composer, for all its emails; when they cannot be read, the email claims nothing.
    pub async fn claims(
        &self,
        plan: &Plan,
        books: &Books,
        customer: &Customer,
        listed: &[&Invoice],
        today: Date,
    ) -> Vec<LatePayment> {
        let unclaimed = || listed.iter().map(|_| LatePayment::NotClaimed { reason: NoClaim::NotClaimed }).collect();
        let (Some(claim), Some(rates)) = (&plan.settings.claim, &self.sender.rates) else { return unclaimed() };
        let tenant = books.organisation.tenant_id;
        let records = self.claim_records.get_or_try_init(|| ClaimRecords::read(self.store, tenant)).await;
        // A dispute's days are the organisation's days, as the strategy counts them.
        let day = |at: Timestamp| self.day_of(plan, books, at);
        let reckoned = match records {
            Ok(records) => claims(self.store, records, claim, rates, &customer.groups, listed, today, day).await,
            Err(error) => Err(error),
        };
        reckoned.unwrap_or_else(|error| {
            tracing::warn!(%error, "payments or disputes could not be read: no late-payment claim in this email");
            unclaimed()
        })
    }

    /// The locale the organisation's emails write money and dates in: `[email] locale`, else its
    /// country's, else the default (a country CLDR does not know is warned of once).
    pub fn locale(&self, books: &Books) -> &Locale {
        self.locale.get_or_init(|| {
            if let Some(configured) = &self.sender.locale {
                return configured.clone();
            }
            let Some(country) = books.organisation.country_code.as_deref() else { return Locale::default() };
            Locale::of_country(country).unwrap_or_else(|error| {
                tracing::warn!(%error, "emails write money and dates as {} does", crate::ledger::locale::DEFAULT_LOCALE);
                Locale::default()
            })
        })
    }

    /// The customer's credits left to allocate, for their statement; none when the organisation's
    /// credits cannot be read (the statement still lists what is owed).
    async fn credits(&self, books: &Books, customer: &Customer) -> Vec<CreditView> {
        let tenant = books.organisation.tenant_id;
        match self.claim_records.get_or_try_init(|| ClaimRecords::read(self.store, tenant)).await {
            Ok(records) => records
                .credits_available_to(customer.contact.contact_id)
                .map(|credit| CreditView {
                    kind: credit.kind.words().into(),
                    number: credit.number.clone().unwrap_or_default(),
                    date: credit.date,
                    currency: credit.currency.clone().unwrap_or_else(|| books.organisation.base_currency.clone()),
                    remaining: credit.remaining,
                })
                .collect(),
            Err(error) => {
                tracing::warn!(%error, "credits could not be read: the statement lists none");
                Vec::new()
            }
        }
    }

    /// Today where the strategy counts its days: its own time zone, else the organisation's.
    pub fn today(&self, plan: &Plan, books: &Books) -> Date {
        self.day_of(plan, books, self.now)
    }

    /// The day of `at` where the strategy counts its days (UTC when its zone is unknown).
    fn day_of(&self, plan: &Plan, books: &Books, at: Timestamp) -> Date {
        match Calendar::new(&plan.settings, books.organisation.zone.as_deref()) {
            Ok(calendar) => calendar.today(at),
            Err(_) => jiff::tz::TimeZone::UTC.to_datetime(at).date(),
        }
    }

    /// The sender's address and name: the strategy's, else the configured default.
    pub fn sender_of(&self, plan: &Plan) -> (Option<String>, Option<String>) {
        match &plan.settings.sender {
            Some(sender) => (Some(sender.address.clone()), sender.name.clone().or(self.sender.name.clone())),
            None => (self.sender.address.clone(), self.sender.name.clone()),
        }
    }

    /// Fetches and keeps the online links not yet kept for these invoices, several at once within
    /// the organisation's budget, until `deadline` (`[runtime] patience_minutes` from the start,
    /// 15 by default): a link that fails for a passing reason (an error, an outage) is asked for
    /// again after a pause, one that Xero refuses is not. Past the deadline the emails go without
    /// the links they lack, and say how to pay otherwise.
    pub async fn fetch_links(
        &self,
        tenant: Uuid,
        invoices: &[Uuid],
        deadline: Instant,
        priority: Priority,
    ) -> LinksFetched {
        let kept = self.store.online_links(tenant, invoices).await.unwrap_or_default();
        let mut wanted: Vec<Uuid> = Vec::new();
        for invoice in invoices {
            if !wanted.contains(invoice) && !kept.contains_key(invoice) {
                wanted.push(*invoice);
            }
        }
        let mut outcome = LinksFetched::default();
        let grant = self.store.organisation(tenant).await.ok().flatten().and_then(|o| o.grant_id);
        let (Some(client), Some(grant)) = (self.client, grant) else {
            outcome.missing = wanted.len();
            return outcome;
        };
        for round in 1..=LINK_ROUNDS {
            let mut answers = futures_util::stream::iter(wanted.clone())
                .map(|invoice| async move { (invoice, fetch_link(client, tenant, grant, invoice, priority).await) })
                .buffer_unordered(LINKS_AT_ONCE);
            let mut again = Vec::new();
            while let Ok(Some((invoice, answer))) = tokio::time::timeout_at(deadline, answers.next()).await {
                wanted.retain(|id| *id != invoice);
                match answer {
                    Ok(Some(url)) => {
                        // A link that cannot be kept is asked for again next time: no worse than before.
                        let _ = self.store.keep_online_link(tenant, invoice, &url, Timestamp::now()).await;
                        outcome.fetched += 1;
                    }
                    Ok(None) => outcome.missing += 1,
                    Err(ApiError::GaveUp { .. } | ApiError::Unexpected { .. } | ApiError::Unreadable { .. }) => {
                        again.push(invoice)
                    }
                    Err(error) => {
                        tracing::info!(%error, %invoice, "no online invoice link");
                        outcome.missing += 1;
                    }
                }
            }
            // Whatever did not come back by the deadline is not waited for.
            wanted.extend(again);
            if wanted.is_empty()
                || round == LINK_ROUNDS
                || tokio::time::timeout_at(deadline, tokio::time::sleep(LINK_RETRY_PAUSE)).await.is_err()
            {
                break;
            }
        }
        outcome.missing += wanted.len();
        outcome
    }
}

/// An invoice as a template shows it, with its online link if one was fetched.
fn view(
    invoice: &Invoice,
    links: &HashMap<Uuid, String>,
    today: Date,
    page: String,
    claim: &LatePayment,
) -> InvoiceView {
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
        url: links.get(&invoice.invoice_id).cloned().unwrap_or_default(),
        links: LinksView { page },
        interest: claim.interest(),
        compensation: claim.compensation(),
        claim_total: claim.claim_total(),
        interest_rate: claim.interest_rate().unwrap_or_default(),
        interest_days: claim.interest_days(),
    }
}

/// Asks Xero for one invoice's online link; `None` when its answer names none.
async fn fetch_link(
    client: &XeroClient,
    tenant: Uuid,
    grant: i64,
    invoice: Uuid,
    priority: Priority,
) -> Result<Option<String>, ApiError> {
    let mut get = Get::new(format!("Invoices/{invoice}/OnlineInvoice"));
    get.priority = priority;
    let answer: wire::Envelope<wire::OnlineInvoices> = client.get(tenant, grant, &get).await?;
    Ok(answer.items.items.into_iter().next().and_then(|link| link.online_invoice_url))
}

/// The invoices whose links an email about `about` shows: its own, or for a statement every open
/// invoice of the customer.
pub fn invoices_shown(books: &Books, contact: Uuid, invoices: &[Uuid], statement: bool) -> Vec<Uuid> {
    match (statement, books.customer(contact)) {
        (true, Some(customer)) => customer.open.iter().map(|i| i.invoice_id).collect(),
        _ => invoices.to_vec(),
    }
}

/// The variables of LANGUAGE.md §9 for an email to `customer` about `listed` (shown as `views`).
#[allow(clippy::too_many_arguments)]
pub fn context(
    books: &Books,
    customer: &Customer,
    listed: &[&Invoice],
    views: Vec<InvoiceView>,
    statement: bool,
    sender_address: &str,
    sender_name: Option<&str>,
    today: Date,
) -> EmailContext {
    let (mut overdue, mut outstanding) = (rust_decimal::Decimal::ZERO, rust_decimal::Decimal::ZERO);
    for invoice in &customer.open {
        let owed = invoice.amount_due_in_base();
        outstanding += owed;
        if invoice.due_date < today {
            overdue += owed;
        }
    }
    // What the email lists, and what it leaves out, in the same currency as the totals, so
    // that every figure it shows can be reconciled with its lines.
    let invoices_total: rust_decimal::Decimal = listed.iter().map(|invoice| invoice.amount_due_in_base()).sum();
    let mut others = OthersView::default();
    for invoice in customer.open.iter().filter(|i| !listed.iter().any(|l| l.invoice_id == i.invoice_id)) {
        others.count += 1;
        others.total += invoice.amount_due_in_base();
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
            invoices: Vec::new(),
            credits: Vec::new(),
        },
        invoice: if statement { None } else { views.first().cloned() },
        invoices: views,
        invoices_total,
        others,
        total_claim: rust_decimal::Decimal::ZERO,
        total_overdue: overdue,
        total_outstanding: outstanding,
        total_currency: books.organisation.base_currency.clone(),
        links: LinksView::default(),
        organisation: OrganisationView { name: books.organisation.name.clone() },
        locale: Locale::default(),
        sender: SenderView {
            name: sender_name.unwrap_or(&books.organisation.name).to_string(),
            email: sender_address.to_string(),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn escalation_email(
    about: EmailAbout<'_>,
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
        subject: crate::template::header_text(&format!(
            "Escalation: {} ({})",
            customer.contact.name, books.organisation.name
        )),
        text: format!(
            "Hello {person},\n\nCollectIQ has escalated {} to you ({}).\n\n{}\n\nAutomatic emails to this customer are paused until the task is marked done:\n  collectiq tasks done <id>\n",
            customer.contact.name,
            about.rule_text,
            lines.join("\n")
        ),
        html: None,
        message_id: message_id(about.key, Some(from)),
    }
}
