//! `collectiq inbox`: read the reply mailbox (or files), list what was heard, and act on it.

use std::path::PathBuf;

use jiff::Timestamp;
use serde::Serialize;

use super::Outcome;
use super::context::{Global, config};
use super::error::{CommandError, block_on};
use super::output::fail;
use crate::config::Config;
use crate::inbox::files::{expand, read_message};
use crate::inbox::message::one_line;
use crate::inbox::policies::policies;
use crate::inbox::{Imported, Importer, Policies};
use crate::runtime::RunError;
use crate::runtime::run::load_strategies;
use crate::store::Store;
use crate::store::inbox::{InboundKind, InboundMessage};
use crate::store::page_actions::{Answer, PageAction};

#[derive(clap::Subcommand, Debug)]
pub enum InboxCommand {
    /// Read new messages from the mailbox (or mailboxes) in [inbox], over IMAP.
    Fetch,
    /// Import messages from .eml files, Maildir folders, or `-` (one message on stdin).
    Import {
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,
    },
    /// Replies waiting for a person, bounces, unmatched and unreadable messages (--all: everything).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = super::Format::Human)]
        format: super::Format,
    },
    /// One message: who, what was concluded and why, its text.
    Show { id: i64 },
    /// Mark a reply handled: the chase resumes as the strategy says.
    Handle { id: i64 },
    /// Give a message, and its tasks, to a person.
    Assign {
        id: i64,
        #[arg(long, value_name = "PERSON")]
        to: String,
    },
    /// Let an address that bounced be emailed again.
    Unsuppress {
        #[arg(value_name = "ADDRESS")]
        address: String,
    },
}

pub fn run(global: &Global, command: InboxCommand) -> Outcome {
    let result = config(global).and_then(|config| block_on(inbox(&config, command)));
    match result {
        Ok(outcome) => outcome,
        Err(error) => fail(error),
    }
}

async fn inbox(config: &Config, command: InboxCommand) -> Result<Outcome, CommandError> {
    let store = Store::open(&config.database).await?;
    match command {
        InboxCommand::Fetch => {
            let importer = importer(config, &store).await?;
            let report = crate::inbox::fetch::fetch_all(&config.inbox, &importer).await?;
            for line in report.lines() {
                println!("{line}");
            }
            Ok(if report.failed() { Outcome::Problems } else { Outcome::Clean })
        }
        InboxCommand::Import { paths } => import(config, &store, &paths).await,
        InboxCommand::List { all, format } => {
            let messages = store.inbound_messages(all).await?;
            match format {
                super::Format::Json => {
                    println!("{}", serde_json::to_string_pretty(&listed(&messages)).unwrap_or_default())
                }
                super::Format::Human => {
                    if messages.is_empty() {
                        println!("Nothing {}in the inbox.", if all { "" } else { "waiting " });
                    }
                    for message in &messages {
                        println!("{}", line(message));
                    }
                }
            }
            Ok(Outcome::Clean)
        }
        InboxCommand::Show { id } => {
            let message = store.inbound_message(id).await?.ok_or(CommandError::NoSuchRecord { what: "message", id })?;
            print!("{}", shown(&message));
            if let Some(concerned) = message.concerns.first()
                && matches!(message.kind, InboundKind::Promise | InboundKind::Dispute | InboundKind::PaidClaim)
            {
                let answers = store.page_actions(concerned.tenant_id, concerned.contact_id).await?;
                if let Some(answer) = answers.iter().find(|answer| answer.id == id) {
                    print!("{}", answered(answer, &config.page.uploads_dir));
                }
            }
            Ok(Outcome::Clean)
        }
        InboxCommand::Handle { id } => {
            let message = store.inbound_message(id).await?.ok_or(CommandError::NoSuchRecord { what: "message", id })?;
            store.handle_inbound(id, Timestamp::now()).await?;
            let resumes = if message.kind == InboundKind::Reply {
                " Automatic emails to the customer resume as the strategy says."
            } else {
                ""
            };
            println!("Message {id} is handled.{resumes}");
            Ok(Outcome::Clean)
        }
        InboxCommand::Assign { id, to } => {
            if !store.assign_inbound(id, to.trim().to_string()).await? {
                return Err(CommandError::NoSuchRecord { what: "message", id });
            }
            println!("Message {id} (and its open tasks) is {}'s now.", to.trim());
            Ok(Outcome::Clean)
        }
        InboxCommand::Unsuppress { address } => {
            if store.unsuppress(address.clone()).await? {
                println!("{} may be emailed again.", address.trim());
                Ok(Outcome::Clean)
            } else {
                println!("{} was not suppressed.", address.trim());
                Ok(Outcome::Problems)
            }
        }
    }
}

/// Stores each message with the policies of the connected organisations' strategies.
pub async fn importer(config: &Config, store: &Store) -> Result<Importer, CommandError> {
    let policies = match load_strategies(&config.runtime.strategies) {
        Ok(strategies) => policies(&store.organisations().await?, &strategies),
        // No strategy configured: unassigned tasks and notes, as a strategy that says nothing.
        Err(RunError::NoStrategy) => Policies::default(),
        Err(error) => return Err(error.into()),
    };
    Ok(Importer::new(store.clone(), policies))
}

async fn import(config: &Config, store: &Store, paths: &[PathBuf]) -> Result<Outcome, CommandError> {
    let importer = importer(config, store).await?;
    let (mut new, mut known, mut own, mut refused) = (0, 0, 0, 0);
    for path in paths {
        let files = match expand(path) {
            Ok(files) => files,
            Err(cause) => {
                eprintln!("{}: not read: {cause}", path.display());
                refused += 1;
                continue;
            }
        };
        for file in files {
            let message = read_message(&file);
            let bytes = match message.bytes {
                Ok(bytes) => bytes,
                Err(cause) => {
                    eprintln!("{}: not read: {cause}", message.source);
                    refused += 1;
                    continue;
                }
            };
            match importer.import(&bytes, &message.source, None, Timestamp::now()).await? {
                Imported::New { id, kind, reason } => {
                    new += 1;
                    println!("{}: message {id}, {}: {reason}", message.source, kind.as_str());
                }
                Imported::AlreadyHad { id } => {
                    known += 1;
                    println!("{}: already stored as message {id}", message.source);
                }
                Imported::OurOwn => {
                    own += 1;
                    println!("{}: one of CollectIQ's own emails; ignored", message.source);
                }
            }
        }
    }
    println!("{new} stored, {known} already stored, {own} of our own ignored, {refused} not read.");
    Ok(if refused > 0 { Outcome::Problems } else { Outcome::Clean })
}

/// `inbox list --format json`: the stable fields (docs/inbox.md).
#[derive(Serialize)]
struct Listed<'a> {
    id: i64,
    message_id: Option<&'a str>,
    from: Option<&'a str>,
    subject: Option<&'a str>,
    received_at: Timestamp,
    kind: &'static str,
    /// Where it came from: a mailbox, a file, `stdin`, `page` (the customer's page) or `cli`.
    source: &'a str,
    permanent: Option<bool>,
    failed_address: Option<&'a str>,
    customer: Option<CustomerRef<'a>>,
    customers: Vec<CustomerRef<'a>>,
    state: &'a str,
    assignee: Option<&'a str>,
    reason: &'a str,
}

#[derive(Clone, Serialize)]
struct CustomerRef<'a> {
    name: &'a str,
    contact_id: String,
    tenant_id: String,
}

fn listed(messages: &[InboundMessage]) -> Vec<Listed<'_>> {
    messages
        .iter()
        .map(|m| {
            let customers: Vec<CustomerRef<'_>> = m
                .concerns
                .iter()
                .map(|c| CustomerRef {
                    name: &c.name,
                    contact_id: c.contact_id.to_string(),
                    tenant_id: c.tenant_id.to_string(),
                })
                .collect();
            Listed {
                id: m.id,
                message_id: m.message_id.as_deref(),
                from: m.from.as_deref(),
                subject: m.subject.as_deref(),
                received_at: m.received_at,
                kind: m.kind.as_str(),
                source: &m.source,
                permanent: m.bounce.as_ref().map(|b| b.permanence == crate::store::inbox::Permanence::Permanent),
                failed_address: m.bounce.as_ref().map(|b| b.address.as_str()),
                customer: customers.first().cloned(),
                customers,
                state: &m.state,
                assignee: m.assignee.as_deref(),
                reason: &m.reason,
            }
        })
        .collect()
}

/// What a customer answered on their page, for `inbox show`.
fn answered(answer: &PageAction, uploads: &std::path::Path) -> String {
    let mut text = String::from("\nAnswered on their page\n");
    match &answer.answer {
        Answer::Promise { on } => text.push_str(&format!("  will pay on {on}\n")),
        Answer::Dispute { reason } => text.push_str(&format!("  disputes it: {}\n", one_line(reason))),
        Answer::PaidClaim { paid_on, amount, reference, remittance } => {
            text.push_str(&format!("  paid on {paid_on}, {amount}, reference {}\n", one_line(reference)));
            if let Some(remittance) = remittance {
                let path = uploads.join(&remittance.file);
                text.push_str(&format!(
                    "  remittance {} ({}, {} bytes; open it from there, it is never served)\n",
                    path.display(),
                    remittance.media_type,
                    remittance.size
                ));
            }
        }
    }
    let state = match answer.state.as_str() {
        "open" => "open: the customer may still change it",
        "replaced" => "replaced by a later answer",
        _ => "handled",
    };
    text.push_str(&format!("  state     {state}\n"));
    text
}

fn line(message: &InboundMessage) -> String {
    let who: Vec<&str> = message.concerns.iter().map(|c| c.name.as_str()).collect();
    let who = if who.is_empty() { "no customer".to_string() } else { who.join(", ") };
    format!(
        "#{}  {}  {}  {}  from {}  ({who}): {}",
        message.id,
        message.received_at.strftime("%Y-%m-%d %H:%M"),
        message.kind.as_str(),
        message.state,
        message.from.as_deref().or(message.from_name.as_deref()).unwrap_or("?"),
        message.subject.as_deref().unwrap_or("(no subject)")
    )
}

fn shown(message: &InboundMessage) -> String {
    let mut text = format!("Message {}: {} ({})\n", message.id, message.kind.as_str(), message.state);
    let mut field = |name: &str, value: Option<&str>| {
        if let Some(value) = value {
            text.push_str(&format!("{name:<12}{value}\n"));
        }
    };
    field("From", message.from.as_deref());
    field("Name", message.from_name.as_deref());
    field("Subject", message.subject.as_deref());
    field("Message-ID", message.message_id.as_deref());
    field("Received", Some(&message.received_at.to_string()));
    field("Source", Some(&message.source));
    field("Assigned to", message.assignee.as_deref());
    if let Some(bounce) = &message.bounce {
        field("Failed", Some(&format!("{} ({})", bounce.address, bounce.permanence.as_str())));
    }
    text.push_str(&format!("Concluded   {}\n", message.reason));
    for concerned in &message.concerns {
        text.push_str(&format!("Customer    {} (organisation {})\n", concerned.name, concerned.tenant_id));
        if let Some(task) = &concerned.task {
            let who = if task.assignee.is_empty() { "unassigned" } else { task.assignee.as_str() };
            text.push_str(&format!("  task      {} for {who}: {}\n", task.kind, task.summary));
        }
        if let Some(note) = &concerned.note {
            text.push_str(&format!("  note      {note}\n"));
        }
    }
    if let Some(excerpt) = &message.excerpt {
        text.push('\n');
        text.push_str(excerpt);
        text.push('\n');
    }
    text
}
