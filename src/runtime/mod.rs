//! Running a strategy: the calendar it counts days in, the books it reads, the conditions it
//! judges, when its triggers come round, and the evaluation that decides what to do — all free
//! of I/O, so that the simulator runs the very same code.

pub mod books;
pub mod calendar;
pub mod compose;
pub mod conditions;
pub mod decision;
pub mod deliver;
pub mod email;
pub mod evaluate;
pub mod explain;
mod handled;
pub mod mailer;
pub mod occurrences;
pub mod prepare;
pub mod run;
pub mod state;

#[cfg(test)]
pub(crate) mod testing {
    use crate::plan::Settings;

    /// The language's defaults (business days 9am–5pm, in UTC) without catch-up.
    pub fn settings() -> Settings {
        Settings { catch_up: None, ..Settings::default() }
    }
}
