//! Running a strategy: the calendar it counts days in, the books it reads, the conditions it
//! judges, when its triggers come round, and the evaluation that decides what to do — all free
//! of I/O, so that the simulator runs the very same code.

pub mod books;
pub mod calendar;
pub mod conditions;
pub mod decision;
pub mod deliver;
pub mod email;
pub mod evaluate;
pub mod explain;
pub mod mailer;
pub mod occurrences;
pub mod prepare;
pub mod run;
pub mod state;

#[cfg(test)]
pub(crate) mod testing {
    use crate::plan::{ClockTime, SendingDays, SendingWindow, Settings};

    /// Business days 9am–5pm UTC, nothing else set.
    pub fn settings() -> Settings {
        Settings {
            sender: None,
            reply_to: None,
            sending_window: SendingWindow {
                days: SendingDays::BusinessDays,
                start: ClockTime { hour: 9, minute: 0 },
                end: ClockTime { hour: 17, minute: 0 },
            },
            time_zone: None,
            holidays: Vec::new(),
            frequency_cap: None,
            minimum_amount: None,
            consolidate: false,
            catch_up: None,
            write_back: true,
            people: Default::default(),
        }
    }
}
