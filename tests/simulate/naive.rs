//! The reference the simulator is checked against: step through every day, evaluate every
//! customer with the runtime's `evaluate`, remember what was decided. Slow and obviously right.

use collectiq::decide::conditions::Judge;
use collectiq::decide::days::day_number;
use collectiq::decide::evaluate::{Context, evaluate, segment_of};
use collectiq::ledger::records::Invoice;
use collectiq::simulate::Scenario;
use collectiq::simulate::events::{Happened, Listener};
use collectiq::simulate::report::Happening;
use collectiq::simulate::scenario::settle;

pub fn simulate_naively<'p>(scenario: &Scenario<'p>) -> Vec<Happening<'p>> {
    simulate_naively_with_events(scenario).0
}

/// As `simulate_naively`, with the replies and bounces that happened: each customer's, every
/// day, before the day's run.
pub fn simulate_naively_with_events<'p>(scenario: &Scenario<'p>) -> (Vec<Happening<'p>>, Vec<Happened>) {
    let mut books = scenario.books.clone();
    let mut state = scenario.state.clone();
    let mut happenings = Vec::new();
    let mut listeners: Vec<Option<Listener>> = books
        .customers
        .iter()
        .enumerate()
        .map(|(at, c)| Listener::new(&scenario.events, scenario.calendar, at, c.contact.contact_id, &state))
        .collect();
    for date in scenario.dates() {
        for (customer, listener) in books.customers.iter_mut().zip(&mut listeners) {
            let paid_on = |_, invoice: &Invoice| scenario.paid_on.get(&invoice.invoice_id).map(|day| day_number(*day));
            settle(customer, day_number(date), paid_on);
            if let Some(listener) = listener {
                listener.until(day_number(date), customer, &mut state);
            }
        }
        let now = scenario.run_at(date);
        let context = Context { plan: scenario.plan, calendar: scenario.calendar, books: &books, memory: &state, now };
        let evaluation = evaluate(&context);
        let judge =
            Judge { today: date, calendar: scenario.calendar, base_currency: &books.organisation.base_currency };
        for decision in evaluation.decisions {
            let customer = books.position(decision.contact_id).expect("decisions are about known customers");
            let segment = segment_of(scenario.plan, &judge, &books.customers[customer])
                .and_then(|s| scenario.plan.segments.iter().position(|c| std::ptr::eq(c, s)))
                .map(|s| s as u32);
            state.remember(&decision, now);
            if let Some(listener) = &mut listeners[customer] {
                listener.after(&decision, date);
            }
            happenings.push(Happening { date, customer: customer as u32, segment, decision });
        }
    }
    let last = day_number(scenario.last());
    let mut happened = Vec::new();
    for (customer, listener) in books.customers.iter_mut().zip(listeners) {
        if let Some(listener) = listener {
            happened.extend(listener.finish(last, customer, &mut state));
        }
    }
    (happenings, happened)
}
