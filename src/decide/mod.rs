//! The pure core: given a plan, an organisation's books, what CollectIQ remembers and an
//! instant, what to do now. No I/O, no clock, no store, no Xero, no tokio: the runtime calls it
//! with the store's data and the real time, the simulator with a generated ledger on a virtual
//! clock, and a test with values it builds by hand.

pub mod books;
pub mod calendar;
pub mod conditions;
pub mod days;
pub mod decision;
pub mod evaluate;
mod handled;
pub mod late_payment;
pub mod memory;
pub mod occurrences;

#[cfg(test)]
pub(crate) mod testing {
    use crate::plan::Settings;

    /// The language's defaults (business days 9am–5pm, in UTC) without catch-up.
    pub fn settings() -> Settings {
        Settings { catch_up: None, ..Settings::default() }
    }
}
