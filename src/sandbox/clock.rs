//! The sandbox's clock: it starts at the configured "today" and runs in real time, and time
//! travel moves it forward for everything at once (payments, token expiry, new invoices).

use std::sync::Mutex;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};

#[derive(Debug)]
pub struct Clock {
    start: Timestamp,
    started: Instant,
    skipped: Mutex<SignedDuration>,
}

impl Clock {
    pub fn starting_at(start: Timestamp) -> Clock {
        Clock { start, started: Instant::now(), skipped: Mutex::new(SignedDuration::ZERO) }
    }

    /// The sandbox's time, to the millisecond, as precisely as Xero keeps times.
    pub fn now(&self) -> Timestamp {
        let elapsed = SignedDuration::try_from(self.started.elapsed()).unwrap_or(SignedDuration::ZERO);
        let skipped = *self.skipped.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = self.start.checked_add(elapsed).and_then(|t| t.checked_add(skipped)).unwrap_or(self.start);
        Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now)
    }

    /// Moves the clock forward (never back), giving the new time.
    pub fn advance(&self, by: SignedDuration) -> Timestamp {
        if by.is_positive() {
            let mut skipped = self.skipped.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *skipped = skipped.checked_add(by).unwrap_or(*skipped);
        }
        self.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_jumps_forward_only() {
        let start: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let clock = Clock::starting_at(start);
        assert!(clock.now() >= start);
        let later = clock.advance(SignedDuration::from_hours(48));
        assert!(later >= start.checked_add(SignedDuration::from_hours(48)).unwrap());
        let same = clock.advance(SignedDuration::from_hours(-100));
        assert!(same >= later);
    }
}
