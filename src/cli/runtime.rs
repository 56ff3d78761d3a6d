//! `run`, `explain`, `tasks`, `promise`, `dispute` and `pause`: acting on overdue accounts.

use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;

use super::Outcome;
use super::context::{Global, choose, config};
use super::error::{CommandError, block_on};
use super::output::fail;
use crate::decide::calendar::Calendar;
use crate::runtime::RunError;
use crate::runtime::claims::{ClaimRecords, claims};
use crate::runtime::run::{RunOptions, load_strategies, run, strategy_for};
use crate::store::{Store, StoreError};
use crate::xero::client::RetryPolicy;
use crate::xero::session::Session;

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Only this organisation (name or tenant id).
    #[arg(long, value_name = "ORG")]
    org: Option<String>,
    /// The strategy to apply (repeatable); the ones in collectiq.toml by default.
    #[arg(long = "strategy", value_name = "PATH")]
    strategies: Vec<PathBuf>,
    /// Decide, and say what would happen, changing nothing anywhere.
    #[arg(long)]
    dry_run: bool,
    /// Run as of this instant (RFC 3339, such as 2026-11-25T10:00:00Z).
    #[arg(long, value_name = "INSTANT")]
    at: Option<Timestamp>,
    /// Do not sync first (use what the store holds).
    #[arg(long)]
    no_sync: bool,
    #[arg(long, value_enum, default_value_t = super::Format::Human)]
    format: super::Format,
}

pub fn run_command(global: &Global, args: RunArgs) -> Outcome {
    let result = config(global).and_then(|config| {
        block_on(async {
            // The lock first: another run may be sealing tokens or migrating the store.
            let store = Store::open(&config.database).await?;
            let _lock = if args.dry_run { None } else { Some(store.lock_runs().await?) };
            let session = Session::with_store(&config, store, RetryPolicy::default()).await?;
            let all = session.store.organisations().await?;
            let chosen = choose(all, args.org.as_deref())?;
            let options = RunOptions {
                organisation: args.org.clone(),
                strategies: args.strategies.clone(),
                dry_run: args.dry_run,
                at: args.at,
                sync: !args.no_sync,
                stop: None,
                skip_links_ahead: false,
            };
            let progress: Arc<dyn crate::xero::sync::Progress> = Arc::from(super::progress::for_stderr());
            Ok(run(&config, &session, chosen, &options, progress).await?)
        })
    });
    let report = match result {
        Ok(report) => report,
        Err(error) => return fail(error),
    };
    if args.format == super::Format::Json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        for warning in &report.sync_errors {
            eprintln!("warning: sync: {warning}");
        }
        for org in &report.organisations {
            let strategy = org.strategy.as_deref().unwrap_or("no strategy");
            println!(
                "{} ({strategy}): {} to do, {} skipped, {} superseded, {} combined, {} waiting",
                org.organisation, org.acted, org.skipped, org.superseded, org.combined, org.waiting
            );
            if let Some(error) = &org.error {
                println!("  error: {error}");
            }
            for warning in &org.warnings {
                println!("  warning: {warning}");
            }
            if !report.dry_run {
                let links = &org.links;
                if links.fetched + links.missing + org.links_ahead > 0 {
                    println!(
                        "  online invoice links: {} fetched for today's emails, {} not to be had (those emails say how to pay otherwise), {} fetched ahead",
                        links.fetched, links.missing, org.links_ahead
                    );
                }
                println!(
                    "  Xero calls in the last day: {} of {}; {} history notes waiting",
                    org.calls_today, org.calls_per_day, org.notes_waiting
                );
                if !org.waiting_for_a_person.is_empty() {
                    let said: Vec<String> = org
                        .waiting_for_a_person
                        .iter()
                        .map(|(kind, count)| format!("{count} {}", customer_event_words(kind, *count)))
                        .collect();
                    println!("  customers said, waiting for a person: {} (collectiq inbox list)", said.join(", "));
                }
            }
            if report.dry_run {
                for line in &org.lines {
                    println!("  {line}");
                }
            }
        }
        if report.dry_run {
            println!("Dry run: nothing was recorded, sent or written.");
        } else {
            let d = &report.delivered;
            println!(
                "Emails: {} sent, {} cancelled (paid since, or their rule left the strategy), {} to retry, {} failed. History notes: {} written, {} found already in Xero, {} failed.",
                d.emails_sent,
                d.emails_cancelled,
                d.emails_retrying,
                d.emails_failed,
                d.notes_written,
                d.notes_found_in_xero,
                d.notes_failed
            );
            if d.notes_deferred > 0 {
                println!(
                    "{} history note(s) wait for tomorrow's budget: Xero's daily limit is kept, and no note is dropped.",
                    d.notes_deferred
                );
            }
            for held in &d.held_back {
                println!("warning: {held}");
            }
            if d.emails_resumed_after_handing > 0 {
                println!(
                    "{} email(s) left with the mail server by a run that died were sent again, under their own Message-ID.",
                    d.emails_resumed_after_handing
                );
            }
        }
    }
    let failed = report.organisations.iter().any(|o| o.error.is_some()) || report.delivered.emails_failed > 0;
    if failed { Outcome::Problems } else { Outcome::Clean }
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// The invoice number (INV-0042) or id.
    #[arg(value_name = "INVOICE")]
    invoice: String,
    #[arg(long = "strategy", value_name = "PATH")]
    strategies: Vec<PathBuf>,
    #[arg(long, value_name = "INSTANT")]
    at: Option<Timestamp>,
    #[arg(long, value_enum, default_value_t = super::Format::Human)]
    format: super::Format,
}

/// A kind of customer event in words, for the run's summary.
fn customer_event_words(kind: &str, count: u64) -> &'static str {
    match (kind, count) {
        ("reply", 1) => "reply",
        ("reply", _) => "replies",
        ("promise", 1) => "promise to pay from the page",
        ("promise", _) => "promises to pay from the page",
        ("dispute", 1) => "dispute from the page",
        ("dispute", _) => "disputes from the page",
        ("paid_claim", 1) => "\"already paid\" from the page",
        (_, _) => "\"already paid\" answers from the page",
    }
}

/// `explain --format json` (docs/runtime.md lists the fields; they stay).
#[derive(serde::Serialize)]
struct Explained {
    invoice: ExplainedInvoice,
    organisation: String,
    strategy: String,
    at: Timestamp,
    /// Why automatic emails to the customer are held back now, in words (empty: they are not).
    paused: Vec<String>,
    /// Addresses of the customer that bounced for good.
    bounced: Vec<String>,
    /// The inbox message of the customer's first reply not yet handled.
    open_reply: Option<i64>,
    actions: Vec<ExplainedAction>,
    /// The explanation as `explain` prints it.
    lines: Vec<String>,
}

#[derive(serde::Serialize)]
struct ExplainedInvoice {
    id: uuid::Uuid,
    number: String,
    customer: Option<String>,
    contact_id: uuid::Uuid,
    currency: String,
    total: rust_decimal::Decimal,
    amount_due: rust_decimal::Decimal,
    due_date: Date,
    status: String,
}

#[derive(serde::Serialize)]
struct ExplainedAction {
    id: i64,
    rule: String,
    occurrence_date: String,
    outcome: String,
    status: &'static str,
    reason: Option<String>,
    message_id: Option<String>,
    decided_at: Timestamp,
}

/// Why automatic emails to a customer are held back at `now`, each in words, from what is
/// remembered (not from the explanation's prose): a reply under the strategy's pause, a pause by
/// hand, an open escalation, every address bounced.
fn held_back(
    plan: &crate::plan::Plan,
    calendar: &Calendar,
    books: &crate::decide::books::Books,
    memory: &crate::decide::memory::Memory,
    contact: uuid::Uuid,
    invoice: uuid::Uuid,
    now: Timestamp,
) -> Vec<String> {
    use crate::decide::conditions::Judge;
    use crate::decide::evaluate::{guards_for, held_by_paid_claim, held_by_reply, segment_of};
    let today = calendar.today(now);
    let mut held = Vec::new();
    let Some(customer) = books.customer(contact) else { return held };
    let judge = Judge { today, calendar, base_currency: &books.organisation.base_currency };
    let guards: Vec<&crate::plan::Guard> = guards_for(plan, segment_of(plan, &judge, customer)).collect();
    if let Some(replies) = memory.replies.get(&contact)
        && let Some(skip) = held_by_reply(&guards, replies, calendar, today)
    {
        held.push(skip.to_string());
    }
    if let Some(claimed) = memory.paid_claims.get(&invoice)
        && let Some(skip) = held_by_paid_claim(&guards, *claimed, calendar, today)
    {
        held.push(skip.to_string());
    }
    if let Some(until) = memory.pauses.get(&contact).filter(|until| today <= **until) {
        held.push(format!("paused by hand until {until}"));
    }
    if memory.escalated.contains(&contact) {
        held.push("escalated: automatic emails wait until the escalation task is done".into());
    }
    if customer.lost_by_bounces() {
        held.push(format!("every address bounced ({}): a call instead of each email", customer.bounced.join(", ")));
    }
    held
}

pub fn explain_command(global: &Global, args: ExplainArgs) -> Outcome {
    let result = config(global).and_then(|config| {
        block_on(async {
            let store = Store::open(&config.database).await?;
            let invoice = one_invoice(&store, &args.invoice).await?;
            let org = store
                .organisation(invoice.tenant_id)
                .await?
                .ok_or(StoreError::NotConnected { doing: "explain an invoice".into(), tenant: invoice.tenant_id })?;
            let strategies = load_strategies(if args.strategies.is_empty() {
                &config.runtime.strategies
            } else {
                &args.strategies
            })?;
            let strategy = strategy_for(&strategies, &org.organisation.name)
                .ok_or_else(|| CommandError::NoStrategyFor { organisation: org.organisation.name.clone() })?;
            let calendar =
                Calendar::new(&strategy.plan.settings, org.organisation.zone.as_deref()).map_err(RunError::from)?;
            let (books, memory) = store.books_and_memory(invoice.tenant_id).await?;
            let actions = store.actions_about(invoice.tenant_id, &[invoice.invoice_id]).await?;
            let now = args.at.unwrap_or_else(Timestamp::now);
            let mut lines =
                crate::runtime::explain::explain(&strategy.plan, &calendar, &books, &memory, &invoice, &actions, now);
            if let Some(claim) = &strategy.plan.settings.claim {
                // The claim as the email would show it today (docs/email.md).
                let rates = crate::decide::late_payment::RateTable::in_use(&config.rates).map_err(RunError::Rates)?;
                let records = ClaimRecords::read(&store, invoice.tenant_id).await?;
                let groups = books.customer(invoice.contact_id).map(|c| c.groups.clone()).unwrap_or_default();
                let today = calendar.today(now);
                let day = |at: Timestamp| calendar.today(at);
                let reckoned = claims(&store, &records, claim, &rates, &groups, &[&invoice], today, day).await?;
                for outcome in reckoned {
                    lines.extend(outcome.explain(claim));
                }
            }
            if args.format == super::Format::Human {
                return Ok(lines.join("\n"));
            }
            let customer = books.customer(invoice.contact_id);
            let contact = invoice.contact_id;
            let open_reply = memory.replies.get(&contact).and_then(|r| r.first_open).map(|heard| heard.message);
            let paused = held_back(&strategy.plan, &calendar, &books, &memory, contact, invoice.invoice_id, now);
            let explained = Explained {
                invoice: ExplainedInvoice {
                    id: invoice.invoice_id,
                    number: invoice.number.to_string(),
                    customer: customer.map(|c| c.contact.name.clone()),
                    contact_id: contact,
                    currency: invoice.currency.to_string(),
                    total: invoice.total,
                    amount_due: invoice.amount_due,
                    due_date: invoice.due_date,
                    status: invoice.status.to_string(),
                },
                organisation: org.organisation.name.clone(),
                strategy: strategy.plan.strategy.clone(),
                at: now,
                paused,
                bounced: customer.map(|c| c.bounced.clone()).unwrap_or_default(),
                open_reply,
                actions: actions
                    .iter()
                    .map(|a| ExplainedAction {
                        id: a.id,
                        rule: a.rule_text.clone(),
                        occurrence_date: a.occurrence_date.clone(),
                        outcome: a.outcome.clone(),
                        status: a.status.as_str(),
                        reason: a.reason.clone(),
                        message_id: a.message_id.clone(),
                        decided_at: a.decided_at,
                    })
                    .collect(),
                lines,
            };
            Ok(serde_json::to_string_pretty(&explained).unwrap_or_default())
        })
    });
    match result {
        Ok(text) => {
            println!("{text}");
            Outcome::Clean
        }
        Err(error) => fail(error),
    }
}

#[derive(clap::Subcommand, Debug)]
pub enum TasksCommand {
    /// Open tasks (with --all, done ones too).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = super::Format::Human)]
        format: super::Format,
    },
    /// Mark a task done (an escalation's end lets automatic emails resume).
    Done { id: i64 },
    /// Open a task again.
    Reopen { id: i64 },
}

pub fn tasks_command(global: &Global, command: Option<TasksCommand>) -> Outcome {
    let result = config(global).and_then(|config| {
        block_on(async {
            let store = Store::open(&config.database).await?;
            match command.unwrap_or(TasksCommand::List { all: false, format: super::Format::Human }) {
                TasksCommand::List { all, format: super::Format::Json } => {
                    // The fields of `Task`, as stored (docs/runtime.md); an empty assignee is unassigned.
                    let tasks = store.tasks(all).await?;
                    println!("{}", serde_json::to_string_pretty(&tasks).unwrap_or_default());
                    Ok(())
                }
                TasksCommand::List { all, format: super::Format::Human } => {
                    let tasks = store.tasks(all).await?;
                    if tasks.is_empty() {
                        println!("No {}tasks.", if all { "" } else { "open " });
                    }
                    for task in tasks {
                        println!(
                            "#{}  {}  {} for {}: {}  (created {})",
                            task.id,
                            task.status,
                            task.kind,
                            if task.assignee.is_empty() { "(unassigned)" } else { task.assignee.as_str() },
                            task.summary,
                            task.created_at.strftime("%Y-%m-%d")
                        );
                    }
                    Ok(())
                }
                TasksCommand::Done { id } => set_task(&store, id, true).await,
                TasksCommand::Reopen { id } => set_task(&store, id, false).await,
            }
        })
    });
    match result {
        Ok(()) => Outcome::Clean,
        Err(error) => fail(error),
    }
}

async fn set_task(store: &Store, id: i64, done: bool) -> Result<(), CommandError> {
    let task = store.task(id).await?.ok_or(CommandError::NoSuchRecord { what: "task", id })?;
    store.set_task_done(id, done, Timestamp::now()).await?;
    let note = if task.kind == "escalation" && done { " Automatic emails to this customer resume." } else { "" };
    println!("Task #{id} ({} for {}) is {}.{note}", task.kind, task.assignee, if done { "done" } else { "open again" });
    Ok(())
}

/// The one customer a person named (a name, part of one, or a contact id), in whichever
/// organisation.
pub(super) async fn one_customer(store: &Store, name: &str) -> Result<crate::ledger::records::Contact, CommandError> {
    let found = store.find_contacts(name).await?;
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(CommandError::NoSuchCustomer { name: name.into() }),
        many => {
            let names: Vec<&str> = many.iter().map(|c| c.name.as_str()).collect();
            Err(CommandError::AmbiguousCustomer { name: name.into(), candidates: names.join(", ") })
        }
    }
}

/// The one invoice a person named, in whichever organisation.
async fn one_invoice(store: &Store, text: &str) -> Result<crate::ledger::records::Invoice, CommandError> {
    let mut found = store.find_invoices(text).await?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(CommandError::NoSuchInvoice { number: text.into() }),
        count => Err(CommandError::AmbiguousInvoice { number: text.into(), count }),
    }
}

pub fn promise_command(global: &Global, invoice: &str, on: Option<Date>, clear: bool) -> Outcome {
    let result = config(global).and_then(|config| {
        block_on(async {
            let store = Store::open(&config.database).await?;
            let invoice = one_invoice(&store, invoice).await?;
            let missing =
                CommandError::Missing { what: "the promised day", help: "give it with --on YYYY-MM-DD (or --clear)" };
            let on = if clear { None } else { Some(on.ok_or(missing)?) };
            store.set_promise(invoice.tenant_id, invoice.invoice_id, on, Timestamp::now()).await?;
            match on {
                Some(on) => println!("Recorded: {} is promised for {on}.", invoice.number),
                None => println!("Cleared the promise on {}.", invoice.number),
            }
            Ok(())
        })
    });
    result.map_or_else(fail, |_| Outcome::Clean)
}

/// `collectiq paid-claim`: a customer says (by phone, say) they have paid an invoice. Recorded as
/// the customer's page records it: a customer event, a task to check the bank, a note, and the
/// pause the strategy's paid-claim sentence gives.
pub fn paid_claim_command(
    global: &Global,
    invoice: &str,
    on: Date,
    amount: Option<rust_decimal::Decimal>,
    reference: Option<String>,
) -> Outcome {
    use crate::page::answers::{About, Draft, to_store};
    use crate::store::page_actions::Answer;
    let result = config(global).and_then(|config| {
        block_on(async {
            let store = Store::open(&config.database).await?;
            let invoice = one_invoice(&store, invoice).await?;
            if !invoice.is_open() {
                return Err(CommandError::Missing {
                    what: "an open invoice",
                    help: "a claim to have paid is for an invoice still open in Xero (sync first if it was just paid)",
                });
            }
            let account = store
                .account(invoice.tenant_id, invoice.contact_id)
                .await?
                .ok_or(CommandError::NoSuchInvoice { number: invoice.number.to_string() })?;
            let strategies = load_strategies(&config.runtime.strategies).unwrap_or_default();
            let organisation = store.organisation(invoice.tenant_id).await?;
            let notes = match (&organisation, strategies.is_empty()) {
                (Some(record), false) => {
                    strategy_for(&strategies, &record.organisation.name).is_none_or(|s| s.plan.settings.write_back)
                }
                _ => true,
            };
            let base_currency = organisation.map(|o| o.organisation.base_currency).unwrap_or_default();
            let now = Timestamp::now();
            let answer = Answer::PaidClaim {
                paid_on: on,
                amount: amount.unwrap_or(invoice.amount_due),
                reference: crate::inbox::message::one_line(reference.as_deref().unwrap_or_default()),
                remittance: None,
            };
            let about = About {
                digest: format!("cli:{}:{}", invoice.invoice_id, now.as_nanosecond()),
                link_id: None,
                account: &account,
                base_currency: &base_currency,
                notes,
                source: "cli",
                at: now,
            };
            let recorded = store.record_page_action(to_store(Draft { invoices: vec![invoice.invoice_id], answer }, None, about)).await?;
            println!(
                "Recorded: the customer says {} was paid on {on} (inbox {}); a task to check the bank is open, and chasing it pauses as the strategy says.",
                invoice.number, recorded.id
            );
            Ok(())
        })
    });
    result.map_or_else(fail, |_| Outcome::Clean)
}

pub fn dispute_command(global: &Global, invoice: &str, resolve: bool) -> Outcome {
    let result = config(global).and_then(|config| {
        block_on(async {
            let store = Store::open(&config.database).await?;
            let invoice = one_invoice(&store, invoice).await?;
            store.set_dispute(invoice.tenant_id, invoice.invoice_id, !resolve, Timestamp::now()).await?;
            println!("{} is {}.", invoice.number, if resolve { "no longer disputed" } else { "recorded as disputed" });
            Ok(())
        })
    });
    result.map_or_else(fail, |_| Outcome::Clean)
}

pub fn pause_command(global: &Global, contact: &str, until: Option<Date>, clear: bool) -> Outcome {
    let result = config(global).and_then(|config| {
        block_on(async {
            let store = Store::open(&config.database).await?;
            let contact = one_customer(&store, contact).await?;
            let missing = CommandError::Missing {
                what: "the last paused day",
                help: "give it with --until YYYY-MM-DD (or --clear)",
            };
            let until = if clear { None } else { Some(until.ok_or(missing)?) };
            store.set_pause(contact.tenant_id, contact.contact_id, until, Timestamp::now()).await?;
            match until {
                Some(until) => println!("{} is paused until {until} (inclusive).", contact.name),
                None => println!("{} is no longer paused.", contact.name),
            }
            Ok(())
        })
    });
    result.map_or_else(fail, |_| Outcome::Clean)
}
