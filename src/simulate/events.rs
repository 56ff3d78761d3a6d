//! What customers do back during a simulation: human replies, auto-replies and bounces, listed
//! in the data folder's `events.json` or drawn at random (`--replies RATE`) after emails sent.
//!
//! `events.json` (optional, beside the export's files):
//!
//! ```json
//! {"events": [
//!   {"day": "2027-03-05", "kind": "reply", "customer": "Ridgeway Ltd", "handled_on": "2027-03-08"},
//!   {"day": "2027-03-06", "kind": "auto_reply", "address": "accounts@ridgeway.example"},
//!   {"day": "2027-03-09", "kind": "bounce", "address": "ap@tui.example", "permanent": true}
//! ]}
//! ```
//!
//! Each event happens before that day's run. A reply pauses the customer as the strategy's reply
//! guard says, until `handled_on` (none: never handled); an auto-reply changes nothing; a bounce
//! (permanent unless `"permanent": false`) sets its address aside for good, and three temporary
//! ones of one address within 7 days count as a permanent one, as the inbox counts them.

use std::collections::HashMap;
use std::path::Path;

use jiff::ToSpan;
use jiff::civil::Date;
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
            pending,
            drawn: 0,
            rng,
            heard: Vec::new(),
            transients: Vec::new(),
            happened: Vec::new(),
        })
    }

    /// Everything due by the run of `day` (by number) happens to the customer, and what is
    /// remembered of their replies is as it stands that day.
    pub fn until(&mut self, day: i64, customer: &mut Customer, memory: &mut Memory) {
        while self.pending.last().is_some_and(|(key, _)| key.0 <= day) {
            let Some((_, event)) = self.pending.pop() else { break };
            self.happen(event, customer);
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

    fn happen(&mut self, event: Event, customer: &mut Customer) {
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
    /// happens (to be reported), and what is remembered of their replies is put back. Bounced
    /// addresses stay on the customer: the caller puts their books back.
    pub fn finish(mut self, last: i64, customer: &mut Customer, memory: &mut Memory) -> Vec<Happened> {
        self.until(last, customer, memory);
        match self.before {
            Some(replies) => memory.replies.insert(self.contact, replies),
            None => memory.replies.remove(&self.contact),
        };
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
