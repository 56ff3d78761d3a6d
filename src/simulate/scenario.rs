//! What a simulation runs over: a plan, one organisation's books and what CollectIQ already
//! remembers for it, a span of days, and when (if ever) each open invoice gets paid.

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use uuid::Uuid;

use super::events::Events;
use crate::decide::books::{Books, Customer};
use crate::decide::calendar::Calendar;
use crate::decide::days::day_number;
use crate::decide::memory::Memory;
use crate::ledger::records::Invoice;
use crate::plan::Plan;

/// How customers pay during a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payments {
    /// Nobody pays: the worst case, every rule runs its course.
    None,
    /// Each customer pays as many days after the due date as they have on average; customers
    /// with no paid invoices to go by do not pay.
    History,
    /// Most invoices are paid at a random moment around their due date, some never; the same
    /// seed gives the same payments.
    Random { seed: u64 },
}

pub struct Scenario<'a> {
    pub plan: &'a Plan,
    pub calendar: &'a Calendar,
    pub books: Books,
    pub state: Memory,
    /// The first simulated day, in the strategy's time zone.
    pub from: Date,
    pub days: u32,
    /// The day each invoice is paid, after that day's run; unpaid invoices are absent.
    pub paid_on: foldhash::HashMap<Uuid, Date>,
    /// The same, by customer and place among their open invoices at the start, as day numbers:
    /// the event-driven simulation reads a customer's at once rather than look each up in a map
    /// of every invoice. Worked out by `new` from `books` and `paid_on`: change neither after.
    pub paid_by_place: Vec<Vec<Option<i64>>>,
    /// What customers do back: replies, auto-replies and bounces (none unless set).
    pub events: Events,
    /// The rates, payments, credits and disputes late-payment claims are reckoned from, when
    /// simulating from a store (the shipped rates and no dated records otherwise).
    pub claim_inputs: Option<&'a super::claims::ClaimInputs>,
}

impl<'a> Scenario<'a> {
    pub fn new(
        plan: &'a Plan,
        calendar: &'a Calendar,
        books: Books,
        state: Memory,
        from: Date,
        days: u32,
        payments: Payments,
    ) -> Scenario<'a> {
        let paid_on = payment_days(&books, from, payments);
        let paid_by_place = books
            .customers
            .iter()
            .map(|c| c.open.iter().map(|i| paid_on.get(&i.invoice_id).map(|day| day_number(*day))).collect())
            .collect();
        Scenario {
            plan,
            calendar,
            books,
            state,
            from,
            days,
            paid_on,
            paid_by_place,
            events: Events::default(),
            claim_inputs: None,
        }
    }

    /// The simulated days, first to last.
    pub fn dates(&self) -> impl Iterator<Item = Date> + '_ {
        (0..i64::from(self.days)).filter_map(|n| self.from.checked_add(n.days()).ok())
    }

    pub fn last(&self) -> Date {
        self.from.checked_add(i64::from(self.days.max(1) - 1).days()).unwrap_or(self.from)
    }

    /// The moment of a simulated day's run: when sending opens, in the strategy's time zone.
    pub fn run_at(&self, date: Date) -> Timestamp {
        self.calendar.opens(date)
    }
}

/// Takes out of a customer's open invoices those paid before `today` (each invoice is paid after
/// its day's run), counting each payment in the customer's history as a real one would. `paid_on`
/// gives the day (by number) an open invoice, by its place, is paid. Gives back the invoices taken
/// out, with their places, last first.
pub fn settle(
    customer: &mut Customer,
    today: i64,
    paid_on: impl Fn(usize, &Invoice) -> Option<i64>,
) -> Vec<(usize, Invoice)> {
    let mut gone = Vec::new();
    for at in (0..customer.open.len()).rev() {
        let invoice = &customer.open[at];
        if let Some(paid) = paid_on(at, invoice)
            && paid < today
        {
            customer.history.days_late.push(paid - day_number(invoice.due_date));
            gone.push((at, customer.open.remove(at)));
        }
    }
    gone
}

fn payment_days(books: &Books, from: Date, payments: Payments) -> foldhash::HashMap<Uuid, Date> {
    let mut paid_on = foldhash::HashMap::default();
    for customer in &books.customers {
        for invoice in &customer.open {
            let day = match payments {
                Payments::None => None,
                Payments::History => customer.history.average_days_late().map(|late| late.clamp(-60, 365)),
                Payments::Random { seed } => random_lateness(seed, invoice.invoice_id),
            };
            if let Some(late) = day.and_then(|late| invoice.due_date.checked_add(late.days()).ok()) {
                paid_on.insert(invoice.invoice_id, late.max(from));
            }
        }
    }
    paid_on
}

/// One in six invoices is never paid; the others between ten days early and seventy-five late.
fn random_lateness(seed: u64, invoice: Uuid) -> Option<i64> {
    let (high, low) = invoice.as_u64_pair();
    let mut rng = fastrand::Rng::with_seed(seed ^ high.rotate_left(17) ^ low);
    (rng.u8(0..6) != 0).then(|| rng.i64(-10..=75))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_payments_are_the_same_for_the_same_seed_and_differ_between_seeds() {
        let ids: Vec<Uuid> = (0..200u128).map(Uuid::from_u128).collect();
        let draw = |seed| ids.iter().map(|id| random_lateness(seed, *id)).collect::<Vec<_>>();
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        let never = draw(7).iter().filter(|d| d.is_none()).count();
        assert!((10..=60).contains(&never), "about one in six never pays, got {never} of 200");
    }
}
