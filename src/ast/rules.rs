//! Rules (`TRIGGER, [if CONDITION,] ACTION.`), their triggers and actions, and guards.

use serde::Serialize;

use super::{CustomerCondition, Duration, InvoiceCondition, MoneyAmount, Name, Weekday};
use crate::source::Span;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    pub trigger: Trigger,
    pub condition: Option<RuleCondition>,
    pub action: Action,
    pub span: Span,
}

/// `if more than $5,000 is outstanding` (also `when …`), or `unless …`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleCondition {
    pub unless: bool,
    pub condition: InvoiceCondition,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trigger {
    pub kind: TriggerKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TriggerKind {
    /// `3 days before the due date`
    BeforeDue { offset: Duration },
    /// `on the due date`
    OnDue,
    /// `1 day after the due date`, `at 30 days overdue`
    Overdue { offset: Duration },
    /// `every 7 days from 8 to 29 days overdue`; open-ended (`… after 60 days overdue`) without
    /// `until`.
    Repeating { interval: Duration, from: Duration, until: Option<Duration> },
    /// `5 days after the invoice date`
    AfterIssue { offset: Duration },
    /// `every Monday` (statements)
    Weekly { day: Weekday },
    /// `on the 1st of every month` (statements)
    Monthly { day: DayOfMonth },
}

impl TriggerKind {
    /// Calendar triggers act on a customer's whole account; the others on one invoice.
    pub fn is_calendar(&self) -> bool {
        matches!(self, TriggerKind::Weekly { .. } | TriggerKind::Monthly { .. })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum DayOfMonth {
    Day(u32),
    Last,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Action {
    pub kind: ActionKind,
    pub span: Span,
}

/// A PDF an email carries: `with the invoice PDF` (each invoice's, as Xero renders it) or
/// `with a statement PDF` (the customer's statement of account, rendered by CollectIQ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Attachment {
    InvoicePdf,
    StatementPdf,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ActionKind {
    /// `send the "friendly-reminder" email [with the invoice PDF] [and copy "ap@acme.example"]`
    Email {
        template: Name,
        copy: Vec<Name>,
        /// Left out of the tree's JSON when empty, as most emails carry nothing.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        attach: Vec<Attachment>,
    },
    /// `create a call task for "Sam"`
    CallTask { assignee: Name },
    /// `escalate to "Dana"`
    Escalate { to: Name },
    /// `stop chasing`
    StopChasing,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Guard {
    pub kind: GuardKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum GuardKind {
    /// `Don't contact customers in the contact group "Do not chase".`
    DoNotContact { condition: CustomerCondition },
    /// `Stop chasing disputed invoices.`
    StopDisputed,
    /// `When a customer promises to pay, pause chasing until 2 days after the promised date.`
    PauseOnPromise { grace: Duration },
    /// `If a promise is broken, send the "broken-promise" email.`
    BrokenPromise { action: Action },
    /// `Ignore invoices with less than $20 outstanding.` in a rules section: for its customers only.
    MinimumAmount { amount: MoneyAmount },
    /// `When a customer replies, pause chasing until the reply is handled.` and the other
    /// sentences about what a human reply does to the customer's automatic emails.
    OnReply { pause: ReplyPause },
    /// `When a customer says they have paid, pause chasing for 3 business days.`: how long a
    /// claim that an invoice is already paid holds back that invoice's reminders.
    OnPaidClaim { pause: Duration },
    /// `When an email bounces, create a call task for "Sam".` The action is always a call task;
    /// it keeps its span so that messages can point at the person.
    OnBounce { action: Action },
}

/// How long a customer's reply holds back their automatic emails.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ReplyPause {
    /// `… pause chasing until the reply is handled` (what happens when no sentence says)
    UntilHandled,
    /// `… pause chasing for 3 business days`: the pause ends by itself.
    For(Duration),
    /// `Keep chasing when a customer replies.`: nothing pauses.
    KeepChasing,
}
