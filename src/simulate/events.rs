//! What customers do back during a simulation: human replies, auto-replies and bounces, listed
//! in the data folder's `events.json` or drawn at random (`--replies RATE`) after emails sent;
//! and what they do on their customer page: promises to pay, disputes and claims that an invoice
//! is already paid, listed in `events.json`.
//!
//! `events.json` (optional, beside the export's files):
//!
//! ```json
//! {"events": [
//!   {"day": "2027-03-05", "kind": "reply", "customer": "Ridgeway Ltd", "handled_on": "2027-03-08"},
//!   {"day": "2027-03-06", "kind": "auto_reply", "address": "accounts@ridgeway.example"},
//!   {"day": "2027-03-09", "kind": "bounce", "address": "ap@tui.example", "permanent": true},
//!   {"day": "2027-03-03", "kind": "promise", "customer": "Tui Cafe", "invoice": "INV-0002", "promised_on": "2027-03-12"},
//!   {"day": "2027-03-04", "kind": "dispute", "customer": "Tui Cafe", "invoice": "INV-0002", "resolved_on": "2027-03-20"},
//!   {"day": "2027-03-04", "kind": "paid_claim", "customer": "Ridgeway Ltd", "invoice": "INV-0001"}
//! ]}
//! ```
//!
//! Each event happens before that day's run. A reply pauses the customer as the strategy's reply
//! guard says, until `handled_on` (none: never handled); an auto-reply changes nothing; a bounce
//! (permanent unless `"permanent": false`) sets its address aside for good, and three temporary
//! ones of one address within 7 days count as a permanent one, as the inbox counts them. A
//! promise, a dispute (open until `resolved_on`; none: never resolved) and a claim of payment
//! are remembered of the invoice as the customer page records them, and the strategy's guards
//! take it from there.

use std::collections::HashMap;
use std::path::Path;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::data::DataError;
use crate::decide::books::{Books, Customer};
use crate::decide::calendar::Calendar;
use crate::decide::days::day_number;
use crate::decide::decision::{Decision, Outcome};
use crate::decide::memory::{Heard, Memory, Replies};
use crate::plan::{Action, Period, PeriodUnit};

/// The file's name, in the `--data` folder.
pub const FILE: &str = "events.json";
/// Temporary failures of one address within this many days count as a permanent one.
const TRANSIENT_WINDOW_DAYS: i64 = 7;
pub const TRANSIENTS_THAT_COUNT: usize = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    events: Vec<serde_json::Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Reply,
    AutoReply,
    Bounce,
    Promise,
    Dispute,
    PaidClaim,
}

/// One entry of `events.json`, as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub day: Date,
    pub kind: EntryKind,
    /// A customer's name (as in Xero, any case) or contact id.
    pub customer: Option<String>,
    pub address: Option<String>,
    /// Bounces only; permanent unless false.
    pub permanent: Option<bool>,
    /// Replies only: the day someone marks the reply handled (before that day's run).
    pub handled_on: Option<Date>,
    /// Promises, disputes and claims of payment: the invoice's number (one of the customer's
    /// open invoices at the start).
    pub invoice: Option<String>,
    /// Promises only: the day the customer promises to pay on.
    pub promised_on: Option<Date>,
    /// Disputes only: the day someone resolves the dispute (before that day's run).
    pub resolved_on: Option<Date>,
}

/// What happens to a customer, in a simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum What {
    Reply {
        handled_on: Option<Date>,
    },
    AutoReply,
    /// `address` none: every address the customer has.
    Bounce {
        address: Option<String>,
        permanent: bool,
    },
    /// On the customer page: a promise to pay an invoice on a day.
    Promise {
        invoice: Uuid,
        promised_on: Date,
    },
    /// On the customer page: a dispute of an invoice, open until `resolved_on` (none: never).
    Dispute {
        invoice: Uuid,
        resolved_on: Option<Date>,
    },
    /// On the customer page: "I've already paid" this invoice.
    PaidClaim {
        invoice: Uuid,
    },
}

impl What {
    /// The invoice an event from the customer page is about.
    pub fn invoice(&self) -> Option<Uuid> {
        match self {
            What::Promise { invoice, .. } | What::Dispute { invoice, .. } | What::PaidClaim { invoice } => {
                Some(*invoice)
            }
            What::Reply { .. } | What::AutoReply | What::Bounce { .. } => None,
        }
    }
}

/// An event for one customer (by place in the books).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub day: Date,
    pub customer: u32,
    pub what: What,
    /// Drawn by `--replies` rather than listed in `events.json`.
    pub drawn: bool,
}

/// An event as it happened: the customer's how-manieth it was (which makes its provisional
/// message number), and what came of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Happened {
    pub event: Event,
    pub sequence: u32,
    /// The addresses a bounce set aside (for good) for the customer.
    pub set_aside: Vec<String>,
    /// For a temporary bounce: how many of the address's within the window, this one included.
    pub transients: usize,
}

impl Happened {
    /// The message number a reply's pause names until the report numbers every event: negative,
    /// so that it cannot be taken for a stored inbox message.
    pub fn provisional(&self) -> i64 {
        provisional(self.event.customer, self.sequence)
    }
}

fn provisional(customer: u32, sequence: u32) -> i64 {
    -((i64::from(customer) + 1) << 32 | i64::from(sequence))
}

/// Human replies drawn at random after emails sent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DrawnReplies {
    /// The chance, per email sent, that the customer replies the next day.
    pub rate: f64,
    pub seed: u64,
    /// Business days after the reply on which someone marks it handled.
    pub handled_after: u32,
}

/// What customers do back over a simulation.
#[derive(Clone, Debug, Default)]
pub struct Events {
    /// By customer (place in the books), in the order they happen (by day, then as listed).
    listed: HashMap<u32, Vec<Event>>,
    pub replies: Option<DrawnReplies>,
}

impl Events {
    pub fn new(listed: Vec<Event>, replies: Option<DrawnReplies>) -> Events {
        let mut by_customer: HashMap<u32, Vec<Event>> = HashMap::new();
        for event in listed {
            by_customer.entry(event.customer).or_default().push(event);
        }
        for events in by_customer.values_mut() {
            // Stable: events of one day stay as listed.
            events.sort_by_key(|e| e.day);
        }
        Events { listed: by_customer, replies }
    }

    pub fn is_empty(&self) -> bool {
        self.listed.is_empty() && self.replies.is_none()
    }
}

/// Reads `events.json` from a data folder, if there is one.
pub fn read(folder: &Path) -> Result<Vec<Entry>, DataError> {
    let file = folder.join(FILE);
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(DataError { file, problem: error.to_string() }),
    };
    let listed: File = serde_json::from_str(&text).map_err(|error| DataError {
        file: file.clone(),
        problem: format!("it is not a list of events, {{\"events\": [...]}} ({error})"),
    })?;
    listed
        .events
        .into_iter()
        .enumerate()
        .map(|(n, value)| {
            serde_json::from_value::<Entry>(value)
                .map_err(|error| DataError { file: file.clone(), problem: format!("event {}: {error}", n + 1) })
        })
        .collect()
}

/// The addresses a customer has, trimmed (the contact's and each contact person's).
fn addresses(customer: &Customer) -> impl Iterator<Item = &str> {
    let persons = customer.contact.persons.iter().filter_map(|p| p.email.as_deref());
    customer.contact.email.as_deref().into_iter().chain(persons).map(str::trim).filter(|a| !a.is_empty())
}

/// The entries as events for the books' customers; an entry that names no customer of theirs,
/// or says something that cannot be, is an error naming it.
pub fn resolve(entries: &[Entry], books: &Books, folder: &Path) -> Result<Vec<Event>, DataError> {
    let file = folder.join(FILE);
    let mut events = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let wrong = |problem: String| DataError { file: file.clone(), problem: format!("event {}: {problem}", n + 1) };
        if let Some(problem) = misplaced_field(entry) {
            return Err(wrong(problem));
        }
        let what = match entry.kind {
            EntryKind::Reply => {
                if entry.permanent.is_some() {
                    return Err(wrong("\"permanent\" is for bounces, not replies".into()));
                }
                if let Some(handled) = entry.handled_on.filter(|h| *h < entry.day) {
                    return Err(wrong(format!("it is handled on {handled}, before it came on {}", entry.day)));
                }
                What::Reply { handled_on: entry.handled_on }
            }
            EntryKind::AutoReply | EntryKind::Bounce if entry.handled_on.is_some() => {
                return Err(wrong("only a human reply is handled (\"handled_on\")".into()));
            }
            EntryKind::AutoReply if entry.permanent.is_some() => {
                return Err(wrong("\"permanent\" is for bounces, not auto-replies".into()));
            }
            EntryKind::AutoReply => What::AutoReply,
            EntryKind::Bounce => What::Bounce {
                address: entry.address.as_ref().map(|a| a.trim().to_lowercase()),
                permanent: entry.permanent.unwrap_or(true),
            },
            EntryKind::Promise => {
                let invoice = page_invoice(entry, books).map_err(wrong)?;
                match entry.promised_on {
                    None => {
                        return Err(wrong("a promise says the day it promises to pay on (\"promised_on\")".into()));
                    }
                    Some(promised_on) if promised_on < entry.day => {
                        return Err(wrong(format!(
                            "it promises to pay on {promised_on}, before the promise was made on {}",
                            entry.day
                        )));
                    }
                    Some(promised_on) => What::Promise { invoice, promised_on },
                }
            }
            EntryKind::Dispute => {
                let invoice = page_invoice(entry, books).map_err(wrong)?;
                if let Some(resolved) = entry.resolved_on.filter(|r| *r < entry.day) {
                    return Err(wrong(format!("it is resolved on {resolved}, before it was raised on {}", entry.day)));
                }
                What::Dispute { invoice, resolved_on: entry.resolved_on }
            }
            EntryKind::PaidClaim => What::PaidClaim { invoice: page_invoice(entry, books).map_err(wrong)? },
        };
        let places: Vec<usize> = match (&entry.customer, &entry.address) {
            (None, None) => return Err(wrong("it names neither a customer nor an address".into())),
            (Some(named), address) => {
                let place = customer_named(books, named).map_err(wrong)?;
                if let Some(address) = address
                    && !addresses(&books.customers[place]).any(|a| a.eq_ignore_ascii_case(address.trim()))
                {
                    return Err(wrong(format!("{named} has no address {address}")));
                }
                vec![place]
            }
            (None, Some(address)) => {
                let having: Vec<usize> = (0..books.customers.len())
                    .filter(|&at| addresses(&books.customers[at]).any(|a| a.eq_ignore_ascii_case(address.trim())))
                    .collect();
                if having.is_empty() {
                    return Err(wrong(format!("no customer has the address {address}")));
                }
                having
            }
        };
        for place in places {
            events.push(Event { day: entry.day, customer: place as u32, what: what.clone(), drawn: false });
        }
    }
    Ok(events)
}

/// A field written for another kind of event, said as the refusal says it.
fn misplaced_field(entry: &Entry) -> Option<String> {
    let kind = match entry.kind {
        EntryKind::Reply => "replies",
        EntryKind::AutoReply => "auto-replies",
        EntryKind::Bounce => "bounces",
        EntryKind::Promise => "promises",
        EntryKind::Dispute => "disputes",
        EntryKind::PaidClaim => "claims of payment",
    };
    let from_the_page = matches!(entry.kind, EntryKind::Promise | EntryKind::Dispute | EntryKind::PaidClaim);
    let misplaced = [
        ("invoice", entry.invoice.is_some() && !from_the_page, "events from the customer page"),
        ("address", entry.address.is_some() && from_the_page, "replies and bounces"),
        ("permanent", entry.permanent.is_some() && from_the_page, "bounces"),
        ("handled_on", entry.handled_on.is_some() && from_the_page, "replies"),
        ("promised_on", entry.promised_on.is_some() && entry.kind != EntryKind::Promise, "promises"),
        ("resolved_on", entry.resolved_on.is_some() && entry.kind != EntryKind::Dispute, "disputes"),
    ];
    let (field, _, for_whom) = misplaced.into_iter().find(|(_, wrong, _)| *wrong)?;
    Some(format!("\"{field}\" is for {for_whom}, not {kind}"))
}

/// The invoice an event from the customer page names: one of its customer's open invoices at
/// the start, by number.
fn page_invoice(entry: &Entry, books: &Books) -> Result<Uuid, String> {
    let (Some(named), Some(number)) = (&entry.customer, &entry.invoice) else {
        return Err("an event from the customer page names its customer and its invoice".into());
    };
    let customer = &books.customers[customer_named(books, named)?];
    customer
        .open
        .iter()
        .find(|i| i.number.trim().eq_ignore_ascii_case(number.trim()))
        .map(|i| i.invoice_id)
        .ok_or_else(|| format!("{named} has no open invoice {number}"))
}

fn customer_named(books: &Books, named: &str) -> Result<usize, String> {
    if let Ok(id) = Uuid::parse_str(named.trim()) {
        return books.position(id).ok_or_else(|| format!("no customer has the contact id {id}"));
    }
    let matching: Vec<usize> = (0..books.customers.len())
        .filter(|&at| books.customers[at].contact.name.trim().eq_ignore_ascii_case(named.trim()))
        .collect();
    match matching.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("no customer is called \"{named}\"")),
        _ => Err(format!("{} customers are called \"{named}\": name one by its contact id", matching.len())),
    }
}

/// What is remembered of an invoice that the customer page changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PageMemory {
    promise: Option<Date>,
    disputed: bool,
    paid_claim: Option<Timestamp>,
}

impl PageMemory {
    fn of(memory: &Memory, invoice: Uuid) -> PageMemory {
        PageMemory {
            promise: memory.promises.get(&invoice).copied(),
            disputed: memory.disputes.contains(&invoice),
            paid_claim: memory.paid_claims.get(&invoice).copied(),
        }
    }

    fn put_back(self, memory: &mut Memory, invoice: Uuid) {
        match self.promise {
            Some(on) => memory.promises.insert(invoice, on),
            None => memory.promises.remove(&invoice),
        };
        if self.disputed {
            memory.disputes.insert(invoice);
        } else {
            memory.disputes.remove(&invoice);
        }
        match self.paid_claim {
            Some(at) => memory.paid_claims.insert(invoice, at),
            None => memory.paid_claims.remove(&invoice),
        };
    }
}

/// One customer's events over a simulation: applied, day by day, to the customer's books and to
/// what is remembered of them before each run; and the replies drawn after their emails. The
/// event-driven simulation and the reference that steps every day both go through it.
pub struct Listener<'s> {
    calendar: &'s Calendar,
    replies: Option<DrawnReplies>,
    customer: u32,
    contact: Uuid,
    /// What was remembered of the customer's replies before the simulation.
    before: Option<Replies>,
    /// What was remembered before the simulation of each invoice the customer page changes.
    before_page: Vec<(Uuid, PageMemory)>,
    /// Each invoice's latest dispute so far, with the day (by number) it is resolved, if ever: a
    /// dispute raised again replaces the one before, as the customer page records it.
    disputes: Vec<(Uuid, Option<i64>)>,
    /// To come, latest first: (day, drawn, how-manieth of its origin) orders them.
    pending: Vec<((i64, bool, u32), Event)>,
    drawn: u32,
    rng: Option<fastrand::Rng>,
    /// Replies heard, each with the day (by number) it is handled, if any.
    heard: Vec<(Heard, Option<i64>)>,
    transients: Vec<(String, i64)>,
    pub happened: Vec<Happened>,
}

impl<'s> Listener<'s> {
    /// For the customer at `place` of the scenario's books (whose contact is `contact`: the
    /// simulation takes the customers out of the books while it runs), on the scenario's
    /// calendar; none when nothing can happen to them.
    pub fn new(
        events: &Events,
        calendar: &'s Calendar,
        place: usize,
        contact: Uuid,
        memory: &Memory,
    ) -> Option<Listener<'s>> {
        let customer = place as u32;
        let listed = events.listed.get(&customer);
        let replies = events.replies.filter(|r| r.rate > 0.0);
        if listed.is_none() && replies.is_none() {
            return None;
        }
        let mut pending: Vec<((i64, bool, u32), Event)> = listed
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(n, e)| ((day_number(e.day), false, n as u32), e.clone()))
            .collect();
        pending.reverse();
        let mut before_page: Vec<(Uuid, PageMemory)> = Vec::new();
        for invoice in pending.iter().filter_map(|(_, e)| e.what.invoice()) {
            if !before_page.iter().any(|(known, _)| *known == invoice) {
                before_page.push((invoice, PageMemory::of(memory, invoice)));
            }
        }
        let rng = replies.map(|r| {
            let (high, low) = contact.as_u64_pair();
            fastrand::Rng::with_seed(r.seed ^ high.rotate_left(29) ^ low.rotate_right(7) ^ 0x9e37_79b9_7f4a_7c15)
        });
        Some(Listener {
            calendar,
            replies,
            customer,
            contact,
            before: memory.replies.get(&contact).copied(),
            before_page,
            disputes: Vec::new(),
            pending,
            drawn: 0,
            rng,
            heard: Vec::new(),
            transients: Vec::new(),
            happened: Vec::new(),
        })
    }

    /// Everything due by the run of `day` (by number) happens to the customer, and what is
    /// remembered of their replies and disputes is as it stands that day.
    pub fn until(&mut self, day: i64, customer: &mut Customer, memory: &mut Memory) {
        while self.pending.last().is_some_and(|(key, _)| key.0 <= day) {
            let Some((_, event)) = self.pending.pop() else { break };
            self.happen(event, customer, memory);
        }
        for (invoice, resolved) in &self.disputes {
            if resolved.is_some_and(|resolved| resolved <= day) {
                memory.disputes.remove(invoice);
            } else {
                memory.disputes.insert(*invoice);
            }
        }
        if self.heard.is_empty() {
            return;
        }
        let mut replies = self.before;
        for (heard, handled) in &self.heard {
            let open = handled.is_none_or(|handled| day < handled);
            replies = Some(Replies::hear(replies, *heard, open));
        }
        if let Some(replies) = replies {
            memory.replies.insert(self.contact, replies);
        }
    }

    fn happen(&mut self, event: Event, customer: &mut Customer, memory: &mut Memory) {
        let sequence = self.happened.len() as u32 + 1;
        let mut happened = Happened { event, sequence, set_aside: Vec::new(), transients: 0 };
        let day = day_number(happened.event.day);
        match &happened.event.what {
            What::Reply { handled_on } => {
                let heard = Heard {
                    message: provisional(self.customer, sequence),
                    // Before the day's run, which is when sending opens: `Scenario::run_at`.
                    at: self.calendar.opens(happened.event.day),
                };
                self.heard.push((heard, handled_on.map(day_number)));
            }
            What::AutoReply => {}
            What::Promise { invoice, promised_on } => {
                memory.promises.insert(*invoice, *promised_on);
            }
            What::Dispute { invoice, resolved_on } => {
                let resolved = resolved_on.map(day_number);
                match self.disputes.iter_mut().find(|(known, _)| known == invoice) {
                    Some(latest) => latest.1 = resolved,
                    None => self.disputes.push((*invoice, resolved)),
                }
            }
            What::PaidClaim { invoice } => {
                // Made before the day's run, as a reply is: the pause counts from that day.
                memory.paid_claims.insert(*invoice, self.calendar.opens(happened.event.day));
            }
            What::Bounce { address, permanent } => {
                let bounced: Vec<String> = match address {
                    Some(address) => vec![address.clone()],
                    None => addresses(customer).map(str::to_lowercase).collect(),
                };
                for address in bounced {
                    let counts = *permanent || {
                        self.transients.push((address.clone(), day));
                        let within = self
                            .transients
                            .iter()
                            .filter(|(a, d)| *a == address && *d >= day - TRANSIENT_WINDOW_DAYS)
                            .count();
                        happened.transients = within;
                        within >= TRANSIENTS_THAT_COUNT
                    };
                    if counts && !customer.bounced.contains(&address) {
                        customer.bounced.push(address.clone());
                        happened.set_aside.push(address);
                    }
                }
            }
        }
        self.happened.push(happened);
    }

    /// The days (by number) of the events still to come.
    pub fn days_to_come(&self) -> impl Iterator<Item = i64> + '_ {
        self.pending.iter().map(|(key, _)| key.0)
    }

    /// The promises still to come from the customer page: each invoice and the day it is
    /// promised to be paid on.
    pub fn promises_to_come(&self) -> impl Iterator<Item = (Uuid, Date)> + '_ {
        self.pending.iter().filter_map(|(_, event)| match event.what {
            What::Promise { invoice, promised_on } => Some((invoice, promised_on)),
            _ => None,
        })
    }

    /// After a decision taken on `date`: an email sent may draw a reply, the next day (which it
    /// gives, by number).
    pub fn after(&mut self, decision: &Decision, date: Date) -> Option<i64> {
        let (rng, replies) = (self.rng.as_mut()?, self.replies?);
        if decision.outcome != Outcome::Act || !matches!(decision.action, Action::Email { .. }) {
            return None;
        }
        if rng.f64() >= replies.rate {
            return None;
        }
        let day = date.checked_add(1.day()).ok()?;
        let handled = Period { count: replies.handled_after, unit: PeriodUnit::BusinessDays };
        let handled_on = self.calendar.after(day, handled);
        self.drawn += 1;
        let event =
            Event { day, customer: self.customer, what: What::Reply { handled_on: Some(handled_on) }, drawn: true };
        let key = (day_number(day), true, self.drawn);
        // Latest first: it goes before everything that comes after it.
        let at = self.pending.partition_point(|(k, _)| *k > key);
        self.pending.insert(at, (key, event));
        Some(key.0)
    }

    /// The simulation of the customer is over at `last` (by number): what else comes by then
    /// happens (to be reported), and what is remembered of their replies and invoices is put
    /// back. Bounced addresses stay on the customer: the caller puts their books back.
    pub fn finish(mut self, last: i64, customer: &mut Customer, memory: &mut Memory) -> Vec<Happened> {
        self.until(last, customer, memory);
        match self.before {
            Some(replies) => memory.replies.insert(self.contact, replies),
            None => memory.replies.remove(&self.contact),
        };
        for (invoice, before) in &self.before_page {
            before.put_back(memory, *invoice);
        }
        self.happened
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::decide::books::History;
    use crate::ledger::records::Contact;

    fn tui() -> Customer {
        Customer {
            contact: Contact {
                tenant_id: Uuid::nil(),
                contact_id: Uuid::from_u128(1),
                name: "Tui Cafe".into(),
                first_name: None,
                last_name: None,
                email: Some("AP@tui.example".into()),
                status: "ACTIVE".into(),
                currency: None,
                persons: Vec::new(),
                updated: Timestamp::UNIX_EPOCH,
            },
            groups: Vec::new(),
            open: Vec::new(),
            history: History::default(),
            bounced: Vec::new(),
        }
    }

    fn first() -> Date {
        "2027-03-01".parse().unwrap()
    }

    fn calendar() -> Calendar {
        Calendar::new(&crate::decide::testing::settings(), Some("UTC")).unwrap()
    }

    fn on(day: i64, what: What) -> Event {
        Event { day: first().checked_add(day.days()).unwrap(), customer: 0, what, drawn: false }
    }

    /// Temporary bounces of Tui Cafe's address on these days after the first: what happened, and
    /// the addresses set aside at the end.
    fn temporary_bounces(days: &[i64]) -> (Vec<Happened>, Vec<String>) {
        let bounce = What::Bounce { address: Some("ap@tui.example".into()), permanent: false };
        let events = Events::new(days.iter().map(|d| on(*d, bounce.clone())).collect(), None);
        let (calendar, mut customer, mut memory) = (calendar(), tui(), Memory::default());
        let listener = Listener::new(&events, &calendar, 0, customer.contact.contact_id, &memory).unwrap();
        let happened = listener.finish(day_number(first()) + 60, &mut customer, &mut memory);
        (happened, customer.bounced)
    }

    #[test]
    fn three_temporary_bounces_within_seven_days_count_as_permanent_as_the_inbox_counts_them() {
        let (happened, bounced) = temporary_bounces(&[0, 3, 7]);
        assert_eq!(bounced, ["ap@tui.example"]);
        assert_eq!(happened.iter().map(|h| h.transients).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(happened[2].set_aside, ["ap@tui.example"]);
        let (happened, bounced) = temporary_bounces(&[0, 4, 8]);
        assert!(bounced.is_empty(), "the first is more than 7 days before the third");
        assert_eq!(happened.iter().map(|h| h.transients).collect::<Vec<_>>(), [1, 2, 2]);
    }

    #[test]
    fn a_reply_is_open_until_the_day_it_is_handled_and_forgotten_when_the_customer_is_done() {
        let reply = on(2, What::Reply { handled_on: first().checked_add(5.days()).ok() });
        let events = Events::new(vec![reply], None);
        let (calendar, mut customer, mut memory) = (calendar(), tui(), Memory::default());
        let contact = customer.contact.contact_id;
        let mut listener = Listener::new(&events, &calendar, 0, contact, &memory).unwrap();
        let day = |n: i64| day_number(first()) + n;
        listener.until(day(1), &mut customer, &mut memory);
        assert!(!memory.replies.contains_key(&contact), "not yet");
        listener.until(day(4), &mut customer, &mut memory);
        let open = memory.replies[&contact].first_open.expect("open until handled");
        assert_eq!(
            (open.message, calendar.today(open.at)),
            (provisional(0, 1), first().checked_add(2.days()).unwrap())
        );
        listener.until(day(5), &mut customer, &mut memory);
        assert_eq!(memory.replies[&contact].first_open, None, "handled before the run of the 5th");
        let happened = listener.finish(day(30), &mut customer, &mut memory);
        assert_eq!(happened.len(), 1);
        assert!(memory.replies.is_empty(), "what was remembered before is put back");
    }

    #[test]
    fn the_customer_page_changes_what_is_remembered_of_an_invoice_and_it_is_put_back_after() {
        let (disputed, claimed) = (Uuid::from_u128(10), Uuid::from_u128(11));
        let events = Events::new(
            vec![
                on(1, What::Promise { invoice: claimed, promised_on: first().checked_add(9.days()).unwrap() }),
                on(2, What::Dispute { invoice: disputed, resolved_on: first().checked_add(6.days()).ok() }),
                on(3, What::PaidClaim { invoice: claimed }),
                on(8, What::Dispute { invoice: disputed, resolved_on: None }),
            ],
            None,
        );
        let (calendar, mut customer) = (calendar(), tui());
        let mut memory = Memory::default();
        let remembered: Timestamp = "2027-02-20T09:00:00Z".parse().unwrap();
        memory.paid_claims.insert(claimed, remembered);
        let mut listener = Listener::new(&events, &calendar, 0, customer.contact.contact_id, &memory).unwrap();
        let promised: Vec<(Uuid, Date)> = listener.promises_to_come().collect();
        assert_eq!(promised, [(claimed, first().checked_add(9.days()).unwrap())]);
        let day = |n: i64| day_number(first()) + n;
        listener.until(day(2), &mut customer, &mut memory);
        assert!(memory.disputes.contains(&disputed));
        assert_eq!(memory.promises[&claimed], first().checked_add(9.days()).unwrap());
        assert_eq!(memory.paid_claims[&claimed], remembered, "not claimed again yet");
        listener.until(day(5), &mut customer, &mut memory);
        assert_eq!(memory.paid_claims[&claimed], calendar.opens(first().checked_add(3.days()).unwrap()));
        listener.until(day(6), &mut customer, &mut memory);
        assert!(!memory.disputes.contains(&disputed), "resolved before the run of the 7th");
        listener.until(day(8), &mut customer, &mut memory);
        assert!(memory.disputes.contains(&disputed), "raised again, never resolved");
        let happened = listener.finish(day(30), &mut customer, &mut memory);
        assert_eq!(happened.len(), 4);
        assert!(memory.promises.is_empty() && memory.disputes.is_empty());
        assert_eq!(memory.paid_claims.len(), 1);
        assert_eq!(memory.paid_claims[&claimed], remembered, "what was remembered before is put back");
    }

    #[test]
    fn nothing_listens_to_a_customer_nothing_can_happen_to() {
        let events = Events::new(vec![on(1, What::AutoReply)], None);
        let calendar = calendar();
        assert!(Listener::new(&events, &calendar, 1, Uuid::from_u128(2), &Memory::default()).is_none());
        let none = DrawnReplies { rate: 0.0, seed: 1, handled_after: 2 };
        assert!(
            Listener::new(&Events::new(Vec::new(), Some(none)), &calendar, 0, Uuid::nil(), &Memory::default())
                .is_none()
        );
    }
}
