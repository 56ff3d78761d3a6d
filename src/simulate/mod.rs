//! The dry-run simulator: what a plan would do, day by day, over an organisation's books, with
//! payments coming in as the scenario says. It runs the very evaluation the runtime runs
//! (`decide`) on a virtual clock and touches nothing: no store, no email, no Xero.

pub mod action;
pub mod aging;
pub mod budget;
pub mod claims;
pub mod data;
pub mod engine;
pub mod events;
pub mod html;
pub mod impact;
pub mod report;
pub mod scenario;
pub mod text;

pub use action::SimulatedAction;
pub use report::{Happening, Report};
pub use scenario::{Payments, Scenario};

/// Simulates the scenario and reports what happened.
pub fn simulate(scenario: &mut Scenario<'_>) -> Report {
    let mut happenings = engine::simulate(scenario);
    let events = std::mem::take(&mut happenings.events);
    Report::build_with(scenario, happenings, events)
}
