//! The reference the simulator is checked against: step through every day, evaluate every
//! customer with the runtime's `evaluate`, remember what was decided. Slow and obviously right.

use collectiq::decide::conditions::Judge;
use collectiq::decide::days::day_number;
use collectiq::decide::evaluate::{Context, evaluate, segment_of};
use collectiq::ledger::records::Invoice;
use collectiq::simulate::Scenario;
use collectiq::simulate::report::Happening;
use collectiq::simulate::scenario::settle;

pub fn simulate_naively<'p>(scenario: &Scenario<'p>) -> Vec<Happening<'p>> {
    let mut books = scenario.books.clone();
    let mut state = scenario.state.clone();
    let mut happenings = Vec::new();
    for date in scenario.dates() {
        for customer in &mut books.customers {
            let paid_on = |_, invoice: &Invoice| scenario.paid_on.get(&invoice.invoice_id).map(|day| day_number(*day));
            settle(customer, day_number(date), paid_on);
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
            happenings.push(Happening { date, customer: customer as u32, segment, decision });
        }
    }
    happenings
}
