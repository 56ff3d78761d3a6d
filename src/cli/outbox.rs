//! `collectiq outbox`: what is decided, waiting, sent, cancelled or failed, and why, with the
//! history notes queue — for an operator, and (as JSON) for a monitoring script; and the rare
//! manual move: `retry ID` (a failed or cancelled email waits again, due now) and `cancel ID`
//! (a waiting email is not sent).

use jiff::Timestamp;
use serde::Serialize;

use super::Outcome;
use super::context::{Global, config};
use super::error::{CommandError, block_on};
use super::output::fail;
use crate::store::Store;
use crate::store::outbox::{Status, StoredAction};
use crate::store::tasks::QueuedNote;

#[derive(clap::Subcommand, Debug)]
pub enum OutboxCommand {
    /// Emails and escalations in the outbox (newest first), and the history notes queue.
    List {
        /// Only actions in this state.
        #[arg(long, value_enum)]
        state: Option<State>,
        #[arg(long, value_enum, default_value_t = super::Format::Human)]
        format: super::Format,
        /// At most this many actions and this many notes.
        #[arg(long, default_value_t = 200)]
        limit: usize,
    },
    /// A failed or cancelled email waits again, due now, with its attempts counted afresh.
    Retry {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// A waiting email is not sent (its history notes are not written).
    Cancel {
        #[arg(value_name = "ID")]
        id: i64,
    },
}

/// The states an operator asks for.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Waiting,
    /// Claimed by a process, or handed to the mail server.
    Claimed,
    Sent,
    Cancelled,
    Failed,
}

impl State {
    fn statuses(self) -> &'static [Status] {
        match self {
            State::Waiting => &[Status::Waiting],
            State::Claimed => &[Status::Claimed, Status::Handed],
            State::Sent => &[Status::Sent],
            State::Cancelled => &[Status::Cancelled],
            State::Failed => &[Status::Failed],
        }
    }

    /// The notes in the queue that go with actions in this state.
    fn note_status(self) -> Option<&'static str> {
        match self {
            State::Waiting => Some("pending"),
            State::Claimed => Some("writing"),
            State::Sent => Some("done"),
            State::Cancelled => Some("cancelled"),
            State::Failed => Some("failed"),
        }
    }
}

/// One action as listed.
#[derive(Serialize)]
struct Listed {
    id: i64,
    key: String,
    kind: String,
    rule: String,
    invoices: Vec<String>,
    message_id: Option<String>,
    state: Status,
    reason: Option<String>,
    attempts: u32,
    next_try: Option<String>,
    claimed_by: Option<String>,
    decided_at: String,
    plan: String,
}

#[derive(Serialize)]
struct Listing {
    actions: Vec<Listed>,
    notes: Vec<QueuedNote>,
}

async fn listed(store: &Store, action: StoredAction) -> Listed {
    let numbers = match store.invoice_numbers(action.tenant_id, &action.invoices).await {
        Ok(numbers) => numbers,
        Err(_) => action.invoices.iter().map(|id| id.to_string()).collect(),
    };
    let waiting = action.status == Status::Waiting;
    Listed {
        id: action.id,
        kind: action.action_kind().unwrap_or("email").to_string(),
        rule: action.rule_id,
        invoices: numbers,
        message_id: action.message_id,
        state: action.status,
        reason: action.last_error.or(action.reason),
        attempts: action.attempts,
        next_try: if waiting { action.next_attempt_at.map(|at| at.to_string()) } else { None },
        claimed_by: action.claimed_by,
        decided_at: action.decided_at.to_string(),
        plan: format!(
            "\"{}\" v{} #{}",
            action.strategy,
            action.plan_version,
            action.plan_fingerprint.as_deref().unwrap_or("-")
        ),
        key: action.key,
    }
}

pub fn run(global: &Global, command: OutboxCommand) -> Outcome {
    let result = config(global).and_then(|config| {
        block_on(async {
            let store = Store::open(&config.database).await?;
            match command {
                OutboxCommand::List { state, format, limit } => list(&store, state, format, limit).await,
                OutboxCommand::Retry { id } => {
                    let action = one(&store, id).await?;
                    if !store.retry_by_hand(id).await? {
                        if let (Status::Claimed | Status::Handed, Some(owner)) = (action.status, &action.claimed_by) {
                            return Err(CommandError::ActionHeld { id, owner: owner.clone() });
                        }
                        let only = "only a failed, cancelled or waiting email can be tried again";
                        return Err(CommandError::ActionIs { id, state: action.status.as_str(), only });
                    }
                    println!("Action #{id} waits to be delivered again, by the next run.");
                    Ok(())
                }
                OutboxCommand::Cancel { id } => {
                    let action = one(&store, id).await?;
                    if !store.cancel_waiting(id, "cancelled by hand", Timestamp::now()).await? {
                        let only = "only a waiting one can be cancelled";
                        return Err(CommandError::ActionIs { id, state: action.status.as_str(), only });
                    }
                    println!("Action #{id} is cancelled; it will not be sent, and no note is written of it.");
                    Ok(())
                }
            }
        })
    });
    match result {
        Ok(()) => Outcome::Clean,
        Err(error) => fail(error),
    }
}

async fn one(store: &Store, id: i64) -> Result<StoredAction, CommandError> {
    store.action_by_id(id).await?.ok_or(CommandError::NoSuchRecord { what: "outbox action", id })
}

async fn list(store: &Store, state: Option<State>, format: super::Format, limit: usize) -> Result<(), CommandError> {
    let mut actions = Vec::new();
    match state {
        Some(state) => {
            for status in state.statuses() {
                actions.extend(store.outbox(Some(*status), limit).await?);
            }
            actions.sort_by_key(|a| std::cmp::Reverse(a.id));
            actions.truncate(limit);
        }
        None => actions = store.outbox(None, limit).await?,
    }
    let notes = store.notes_queue(state.and_then(State::note_status), limit).await?;
    let mut listed_actions = Vec::with_capacity(actions.len());
    for action in actions {
        listed_actions.push(listed(store, action).await);
    }
    let listing = Listing { actions: listed_actions, notes };
    if format == super::Format::Json {
        println!("{}", serde_json::to_string_pretty(&listing).unwrap_or_default());
        return Ok(());
    }
    if listing.actions.is_empty() {
        println!("No emails in the outbox{}.", state.map(|_| " in that state").unwrap_or_default());
    }
    for a in &listing.actions {
        let mut line = format!(
            "#{}  {:<9}  {} {}  {}  rule {}  {}",
            a.id,
            a.state.as_str(),
            a.kind,
            a.invoices.join(", "),
            a.message_id.as_deref().unwrap_or("(no Message-ID yet)"),
            a.rule,
            plural(a.attempts, "attempt")
        );
        if let Some(next) = &a.next_try {
            line.push_str(&format!(", next try {next}"));
        }
        if let Some(owner) = &a.claimed_by
            && matches!(a.state, Status::Claimed | Status::Handed)
        {
            line.push_str(&format!(", held by {owner}"));
        }
        if let Some(reason) = &a.reason {
            line.push_str(&format!(" — {reason}"));
        }
        println!("{line}");
    }
    let waiting = listing.notes.iter().filter(|n| n.status == "pending" || n.status == "writing").count();
    println!("History notes: {} listed, {waiting} waiting to be written.", listing.notes.len());
    for n in listing.notes.iter().filter(|n| n.status != "done") {
        let mut line = format!(
            "  note #{}  {:<9}  {} {}  {}",
            n.id,
            n.status,
            n.subject_kind,
            n.subject_id,
            plural(n.attempts, "attempt")
        );
        if n.maybe_written {
            line.push_str(", may already be in Xero (looked for by its reference before writing again)");
        }
        if let Some(error) = &n.last_error {
            line.push_str(&format!(" — {error}"));
        }
        println!("{line}");
    }
    Ok(())
}

fn plural(n: u32, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
