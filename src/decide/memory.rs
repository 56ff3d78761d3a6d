//! What CollectIQ itself remembers, beside Xero's data: occurrences already handled, invoices
//! whose chasing was stopped, promises, disputes and pauses entered by hand, open escalations,
//! when each customer was last emailed, what customers said back, and their claims that an
//! invoice is already paid.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

use super::decision::{Decision, Outcome};
use super::handled::Handled;
use crate::plan::Action;

/// Its maps hash with foldhash: evaluation looks every invoice up in several of them.
#[derive(Clone, Debug, Default)]
pub struct Memory {
    /// For each invoice or customer and rule, the last handled occurrence (every earlier one is
    /// handled too: a rule never goes back). Rules are numbered in `rules`: a ledger has a million
    /// invoices but a strategy only a few dozen rules, so the keys stay small.
    handled: Handled,
    rules: foldhash::HashMap<Arc<str>, u32>,
    /// Invoices a "stop chasing" rule has stopped.
    pub stopped: foldhash::HashSet<Uuid>,
    /// Promises to pay entered by hand, by invoice (Xero's ExpectedPaymentDate counts too).
    pub promises: foldhash::HashMap<Uuid, Date>,
    pub disputes: foldhash::HashSet<Uuid>,
    /// Customers paused by hand, until (and including) a day.
    pub pauses: foldhash::HashMap<Uuid, Date>,
    /// Customers with an open escalation task.
    pub escalated: foldhash::HashSet<Uuid>,
    /// When each customer was last sent an automatic email.
    pub last_emailed: foldhash::HashMap<Uuid, Timestamp>,
    /// The human replies heard from each customer (auto-replies and bounces are not here).
    pub replies: foldhash::HashMap<Uuid, Replies>,
    /// Claims that an invoice is already paid (the customer page's "I've already paid", or the
    /// CLI), by invoice: when the latest claim still open was made. A pause counts from its day.
    pub paid_claims: foldhash::HashMap<Uuid, Timestamp>,
}

/// What a customer has said back, as far as pausing them goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replies {
    /// The earliest reply nobody has marked handled yet.
    pub first_open: Option<Heard>,
    /// The latest reply, handled or not (a pause for a time counts from it).
    pub latest: Heard,
}

/// One reply: the inbox message it is, and when it was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heard {
    pub message: i64,
    pub at: Timestamp,
}

impl Replies {
    /// Takes one more reply into account.
    pub fn hear(replies: Option<Replies>, heard: Heard, open: bool) -> Replies {
        let first_open = |earlier: Option<Heard>| match (earlier, open) {
            (Some(e), true) if e.at <= heard.at => Some(e),
            (_, true) => Some(heard),
            (e, false) => e,
        };
        match replies {
            None => Replies { first_open: open.then_some(heard), latest: heard },
            Some(known) => Replies {
                first_open: first_open(known.first_open),
                latest: if heard.at >= known.latest.at { heard } else { known.latest },
            },
        }
    }
}

impl Memory {
    /// The last occurrence of a rule handled for an invoice or customer.
    pub fn handled_up_to(&self, subject: Uuid, rule: &str) -> Option<i64> {
        self.handled_by_number(subject, self.rule_number(rule))
    }

    /// The number a rule is remembered by (none if nothing of it is remembered): looked up once
    /// per rule rather than once per invoice.
    pub fn rule_number(&self, rule: &str) -> Option<u32> {
        self.rules.get(rule).copied()
    }

    /// Readies what is handled for these subjects, about to be looked up one after another.
    pub fn warm_handled(&self, subjects: impl Iterator<Item = Uuid>) {
        self.handled.warm(subjects);
    }

    pub fn handled_by_number(&self, subject: Uuid, rule: Option<u32>) -> Option<i64> {
        self.handled.get(subject, rule?)
    }

    pub fn record_handled(&mut self, subject: Uuid, rule: &str, occurrence: i64) {
        let number = self.number_rule(rule);
        self.record_handled_by_number(subject, number, occurrence);
    }

    /// The number a rule is remembered by, given it one if it has none yet.
    pub fn number_rule(&mut self, rule: &str) -> u32 {
        let next = self.rules.len() as u32;
        match self.rules.get(rule) {
            Some(&number) => number,
            None => *self.rules.entry(Arc::from(rule)).or_insert(next),
        }
    }

    /// As `record_handled`, with the rule's number (from `number_rule`).
    pub fn record_handled_by_number(&mut self, subject: Uuid, rule: u32, occurrence: i64) {
        self.handled.record(subject, rule, occurrence);
    }

    /// Takes what the store remembers as handled (each subject and rule by number, with its last
    /// occurrence), all at once, in place of anything handled before.
    pub fn set_remembered_handled(&mut self, remembered: Vec<((Uuid, u32), i64)>) {
        self.handled = Handled::remembered(remembered);
    }
}

impl Memory {
    /// Takes a decision into account, as storing it does: its occurrence is handled, and what it
    /// did (an email, an escalation, a stop) shapes later decisions.
    pub fn remember(&mut self, decision: &Decision, at: Timestamp) {
        self.record_handled(decision.key.subject.id(), decision.key.rule, decision.key.occurrence);
        if decision.outcome != Outcome::Act {
            return;
        }
        match &decision.action {
            Action::Email { .. } => {
                self.last_emailed.insert(decision.contact_id, at);
            }
            Action::Escalate { .. } => {
                self.escalated.insert(decision.contact_id);
            }
            Action::StopChasing => self.stopped.extend(decision.invoices.iter().copied()),
            Action::CallTask { .. } => {}
        }
    }

    /// Whether nothing is remembered at all (rules may be numbered).
    pub fn is_empty(&self) -> bool {
        self.handled.is_empty()
            && self.stopped.is_empty()
            && self.promises.is_empty()
            && self.disputes.is_empty()
            && self.pauses.is_empty()
            && self.escalated.is_empty()
            && self.last_emailed.is_empty()
            && self.replies.is_empty()
            && self.paid_claims.is_empty()
    }

    /// Lets go of everything remembered, keeping the rules' numbers (and the room the maps took).
    pub fn clear(&mut self) {
        self.handled.clear();
        self.stopped.clear();
        self.promises.clear();
        self.disputes.clear();
        self.pauses.clear();
        self.escalated.clear();
        self.last_emailed.clear();
        self.replies.clear();
        self.paid_claims.clear();
    }

    /// For a simulation done with a customer: lets go of what was handled for the decision's
    /// subject and rule since the store was read (the store's own table stays as it is), its
    /// customer's last email and escalation, and its invoices' stops, whether this decision or an
    /// earlier one put them there. No other customer's decisions look at them, and what the
    /// simulation keeps stays one customer's size, in cache. Not an undo of `remember`.
    pub(crate) fn forget(&mut self, decision: &Decision) {
        if let Some(number) = self.rule_number(decision.key.rule) {
            self.handled.forget(decision.key.subject.id(), number);
        }
        self.last_emailed.remove(&decision.contact_id);
        self.escalated.remove(&decision.contact_id);
        for invoice in &decision.invoices {
            self.stopped.remove(invoice);
        }
    }
}
