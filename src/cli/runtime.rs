//! `run`, `explain`, `tasks`, `promise`, `dispute` and `pause`: acting on overdue accounts.

use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;

use super::Outcome;
use super::context::{Global, choose, config, runtime, session};
use crate::decide::calendar::Calendar;
use crate::runtime::run::{RunOptions, load_strategies, lock, run, strategy_for};
use crate::store::Store;

fn fail(message: impl std::fmt::Display) -> Outcome {
    eprintln!("error: {message}");
    Outcome::Failed
}

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
        let _lock = if args.dry_run { None } else { Some(lock(&config.database)?) };
        let session = session(&config)?;
        let all = session.store.lock().unwrap_or_else(|p| p.into_inner()).organisations().map_err(|e| e.to_string())?;
        let chosen = choose(all, args.org.as_deref())?;
        let options = RunOptions {
            organisation: args.org.clone(),
            strategies: args.strategies.clone(),
            dry_run: args.dry_run,
            at: args.at,
            sync: !args.no_sync,
            stop: None,
        };
        let progress: Arc<dyn crate::xero::sync::Progress> = Arc::from(super::progress::for_stderr());
        runtime()?.block_on(run(&config, &session, chosen, &options, progress))
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
}

pub fn explain_command(global: &Global, args: ExplainArgs) -> Outcome {
    let result = config(global).and_then(|config| {
        let store = Store::open(&config.database).map_err(|e| e.to_string())?;
        let found = store.find_invoices(&args.invoice).map_err(|e| e.to_string())?;
        let invoice = match found.as_slice() {
            [one] => one.clone(),
            [] => return Err(format!("no invoice {} is in the store; run `collectiq sync` first?", args.invoice)),
            many => {
                return Err(format!(
                    "{} invoices are numbered {}; give the invoice id instead",
                    many.len(),
                    args.invoice
                ));
            }
        };
        let org = store
            .organisation(invoice.tenant_id)
            .map_err(|e| e.to_string())?
            .ok_or("the organisation is not connected")?;
        let strategies =
            load_strategies(if args.strategies.is_empty() { &config.runtime.strategies } else { &args.strategies })?;
        let strategy =
            strategy_for(&strategies, &org.organisation.name).ok_or("no strategy applies to this organisation")?;
        let calendar =
            Calendar::new(&strategy.plan.settings, org.organisation.zone.as_deref()).map_err(|e| e.to_string())?;
        let books = store.books(invoice.tenant_id).map_err(|e| e.to_string())?;
        let state = store.memory(invoice.tenant_id).map_err(|e| e.to_string())?;
        let actions = store.actions_about(invoice.tenant_id, &[invoice.invoice_id]).map_err(|e| e.to_string())?;
        let now = args.at.unwrap_or_else(Timestamp::now);
        Ok(crate::runtime::explain::explain(&strategy.plan, &calendar, &books, &state, &invoice, &actions, now))
    });
    match result {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
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
    },
    /// Mark a task done (an escalation's end lets automatic emails resume).
    Done { id: i64 },
    /// Open a task again.
    Reopen { id: i64 },
}

pub fn tasks_command(global: &Global, command: Option<TasksCommand>) -> Outcome {
    let result = config(global).and_then(|config| Store::open(&config.database).map_err(|e| e.to_string())).and_then(
        |mut store| match command.unwrap_or(TasksCommand::List { all: false }) {
            TasksCommand::List { all } => {
                let tasks = store.tasks(all).map_err(|e| e.to_string())?;
                if tasks.is_empty() {
                    println!("No {}tasks.", if all { "" } else { "open " });
                }
                for task in tasks {
                    println!(
                        "#{}  {}  {} for {}: {}  (created {})",
                        task.id,
                        task.status,
                        task.kind,
                        task.assignee,
                        task.summary,
                        task.created_at.strftime("%Y-%m-%d")
                    );
                }
                Ok(())
            }
            TasksCommand::Done { id } => set_task(&mut store, id, true),
            TasksCommand::Reopen { id } => set_task(&mut store, id, false),
        },
    );
    match result {
        Ok(()) => Outcome::Clean,
        Err(error) => fail(error),
    }
}

fn set_task(store: &mut Store, id: i64, done: bool) -> Result<(), String> {
    let task = store
        .task(id)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("there is no task #{id}; `collectiq tasks list --all` lists them"))?;
    store.set_task_done(id, done, Timestamp::now()).map_err(|e| e.to_string())?;
    let note = if task.kind == "escalation" && done { " Automatic emails to this customer resume." } else { "" };
    println!("Task #{id} ({} for {}) is {}.{note}", task.kind, task.assignee, if done { "done" } else { "open again" });
    Ok(())
}

/// The one invoice a person named, in whichever organisation.
fn one_invoice(store: &Store, text: &str) -> Result<crate::ledger::records::Invoice, String> {
    let mut found = store.find_invoices(text).map_err(|e| e.to_string())?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!("no invoice {text} is in the store")),
        n => Err(format!("{n} invoices are numbered {text}; give the invoice id instead")),
    }
}

pub fn promise_command(global: &Global, invoice: &str, on: Option<Date>, clear: bool) -> Outcome {
    let result = config(global).and_then(|config| Store::open(&config.database).map_err(|e| e.to_string())).and_then(
        |mut store| {
            let invoice = one_invoice(&store, invoice)?;
            let on =
                if clear { None } else { Some(on.ok_or("give the promised day with --on YYYY-MM-DD (or --clear)")?) };
            store
                .set_promise(invoice.tenant_id, invoice.invoice_id, on, Timestamp::now())
                .map_err(|e| e.to_string())?;
            match on {
                Some(on) => println!("Recorded: {} is promised for {on}.", invoice.number),
                None => println!("Cleared the promise on {}.", invoice.number),
            }
            Ok(())
        },
    );
    result.map_or_else(fail, |_| Outcome::Clean)
}

pub fn dispute_command(global: &Global, invoice: &str, resolve: bool) -> Outcome {
    let result = config(global).and_then(|config| Store::open(&config.database).map_err(|e| e.to_string())).and_then(
        |mut store| {
            let invoice = one_invoice(&store, invoice)?;
            store
                .set_dispute(invoice.tenant_id, invoice.invoice_id, !resolve, Timestamp::now())
                .map_err(|e| e.to_string())?;
            println!("{} is {}.", invoice.number, if resolve { "no longer disputed" } else { "recorded as disputed" });
            Ok(())
        },
    );
    result.map_or_else(fail, |_| Outcome::Clean)
}

pub fn pause_command(global: &Global, contact: &str, until: Option<Date>, clear: bool) -> Outcome {
    let result = config(global).and_then(|config| Store::open(&config.database).map_err(|e| e.to_string())).and_then(
        |mut store| {
            let found = store.find_contacts(contact).map_err(|e| e.to_string())?;
            let contact = match found.as_slice() {
                [one] => one.clone(),
                [] => return Err(format!("no customer called \"{contact}\" is in the store")),
                many => {
                    let names: Vec<&str> = many.iter().map(|c| c.name.as_str()).collect();
                    return Err(format!(
                        "\"{contact}\" could be any of {}; give more of the name, or the contact id",
                        names.join(", ")
                    ));
                }
            };
            let until = if clear {
                None
            } else {
                Some(until.ok_or("give the last paused day with --until YYYY-MM-DD (or --clear)")?)
            };
            store
                .set_pause(contact.tenant_id, contact.contact_id, until, Timestamp::now())
                .map_err(|e| e.to_string())?;
            match until {
                Some(until) => println!("{} is paused until {until} (inclusive).", contact.name),
                None => println!("{} is no longer paused.", contact.name),
            }
            Ok(())
        },
    );
    result.map_or_else(fail, |_| Outcome::Clean)
}
