//! What evaluation decides: for each rule occurrence that has come due, act on it now, or record
//! why it is skipped, superseded or combined into another; and what is waiting (for the sending
//! window, or the frequency cap). Every decision carries its idempotency key.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use smallvec::SmallVec;
use uuid::Uuid;

use crate::plan::Action;

/// What an occurrence is about: one invoice, or a customer's whole account (statements).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Invoice(Uuid),
    Account(Uuid),
}

impl Subject {
    pub fn id(self) -> Uuid {
        match self {
            Subject::Invoice(id) | Subject::Account(id) => id,
        }
    }
}

/// (organisation, invoice or customer, rule, occurrence): an occurrence is acted on at most once,
/// ever.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ActionKey<'p> {
    pub tenant: Uuid,
    pub subject: Subject,
    pub rule: &'p str,
    pub occurrence: i64,
}

impl fmt::Display for ActionKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, id) = match self.subject {
            Subject::Invoice(id) => ("invoice", id),
            Subject::Account(id) => ("account", id),
        };
        write!(f, "{}/{kind}/{id}/{}/{}", self.tenant, self.rule, self.occurrence)
    }
}

/// Why an occurrence is recorded without being acted on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Skip<'p> {
    /// It fell due longer ago than the catch-up window allows.
    Missed {
        deadline: Timestamp,
    },
    /// The customer has no email address.
    NoAddress,
    /// A "don't contact" guard covers the customer.
    DoNotContact {
        guard: &'p str,
    },
    Disputed,
    /// Paused by hand until this day.
    Paused {
        until: Date,
    },
    /// A promise to pay pauses chasing until this day.
    Promised {
        until: Date,
    },
    /// The customer said on `on` that the invoice is already paid: its reminders pause until
    /// (and including) `until`, as the strategy's paid-claim guard says.
    ClaimedPaid {
        on: Date,
        until: Date,
    },
    /// An escalation of the customer is open: no automatic emails until it is closed.
    Escalated,
    /// The customer replied (inbox message `message`, stored on `on`): no automatic emails until
    /// the reply is handled (`until` none) or until a day.
    Replied {
        on: Date,
        message: i64,
        until: Option<Date>,
    },
    BelowMinimum,
    /// The rule's condition did not hold for the invoice when the occurrence came due.
    ConditionNotMet,
    /// The strategy's calendar has no day to send on.
    NoSendingDay,
    /// Occurrences of a repeating rule that passed unhandled (an outage, a first run): only the
    /// latest goes, and this records the ones before it.
    Overtaken {
        count: i64,
    },
}

impl fmt::Display for Skip<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::Missed { deadline } => write!(f, "missed: its catch-up window closed at {deadline}"),
            Skip::NoAddress => f.write_str("the customer has no email address"),
            Skip::DoNotContact { guard } => write!(f, "the customer is not to be contacted ({guard})"),
            Skip::Disputed => f.write_str("the invoice is disputed"),
            Skip::Paused { until } => write!(f, "chasing is paused until {until}"),
            Skip::Promised { until } => write!(f, "the customer promised to pay; paused until {until}"),
            Skip::ClaimedPaid { on, until } => write!(
                f,
                "paused until {}: the customer said on {} that they have paid",
                until.strftime("%-d %B %Y"),
                on.strftime("%-d %B %Y")
            ),
            Skip::Escalated => f.write_str("the customer is escalated; automatic emails wait for the task to close"),
            Skip::Replied { on, message, until: None } => write!(
                f,
                "paused: the customer replied on {}, message {message}, not yet handled",
                on.strftime("%-d %B %Y")
            ),
            Skip::Replied { on, message, until: Some(until) } => write!(
                f,
                "paused until {}: the customer replied on {}, message {message}",
                until.strftime("%-d %B %Y"),
                on.strftime("%-d %B %Y")
            ),
            Skip::BelowMinimum => f.write_str("less is outstanding than the minimum worth chasing"),
            Skip::ConditionNotMet => f.write_str("the rule's condition did not hold"),
            Skip::NoSendingDay => f.write_str("the strategy's calendar has no day to send on"),
            Skip::Overtaken { count: 1 } => {
                f.write_str("missed while CollectIQ was not running; a later one goes instead")
            }
            Skip::Overtaken { count } => {
                write!(f, "{count} occurrences missed while CollectIQ was not running; only the latest goes")
            }
        }
    }
}

/// The keys of the other decisions are boxed: a simulation keeps hundreds of thousands of
/// outcomes, and most have none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome<'p> {
    /// Do it now.
    Act,
    Skipped(Skip<'p>),
    /// A later reminder for the same invoice came due first.
    Superseded {
        by: Box<ActionKey<'p>>,
    },
    /// Sent as part of one email with the customer's other reminders.
    Combined {
        into: Box<ActionKey<'p>>,
    },
}

/// A decision's invoices: most decisions are about one, kept without an allocation.
pub type Invoices = SmallVec<[Uuid; 1]>;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision<'p> {
    /// Its rule's id is `key.rule`.
    pub key: ActionKey<'p>,
    pub contact_id: Uuid,
    /// The invoice, the invoices of a combined email, or the open invoices of a statement.
    pub invoices: Invoices,
    /// The rule and its action are the plan's, borrowed: a simulation takes hundreds of thousands
    /// of decisions, and copying them into each was most of its cost.
    pub rule_text: &'p str,
    pub action: &'p Action,
    pub occurrence_date: Date,
    pub outcome: Outcome<'p>,
}

/// Why a due occurrence is not acted on yet; it is looked at again next time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Wait {
    /// Outside the sending window; it may go out then.
    Window { next: Timestamp },
    /// The customer was emailed too recently.
    FrequencyCap { until: Timestamp },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Waiting<'p> {
    pub key: ActionKey<'p>,
    pub contact_id: Uuid,
    pub occurrence_date: Date,
    /// After this it is missed: its catch-up window has closed.
    pub expires: Timestamp,
    pub wait: Wait,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Evaluation<'p> {
    pub decisions: Vec<Decision<'p>>,
    pub waiting: Vec<Waiting<'p>>,
}

impl<'p> Evaluation<'p> {
    pub fn acting(&self) -> impl Iterator<Item = &Decision<'p>> {
        self.decisions.iter().filter(|d| d.outcome == Outcome::Act)
    }
}
