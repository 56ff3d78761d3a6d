//! Staying inside Xero's rate limits instead of running into them: per organisation at most
//! `per_minute` calls in any minute, `per_day` in any day and `concurrent` at once; per app
//! 10,000 a minute. What Xero's headers say is left counts too: when `X-MinLimit-Remaining`
//! reaches 0 (counting calls still in flight), the next call waits for the minute to roll on; when
//! `X-DayLimit-Remaining` reaches 0, calls stop for an hour before one asks again; a 429's
//! `Retry-After` holds every call to that organisation back. The budgets belong to one process:
//! a `sync` and a `webhooks serve` running at once each keep their own.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

const MINUTE: Duration = Duration::from_secs(60);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);
/// After Xero says the day's calls are spent, how long before one call asks again.
const DAY_SPENT_PAUSE: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exhausted {
    /// No calls are left today for this organisation.
    Day,
}

/// What the limit headers of one answer said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Announced {
    pub minute: Option<u32>,
    pub day: Option<u32>,
    pub app_minute: Option<u32>,
}

impl Announced {
    pub fn from_headers(headers: &reqwest::header::HeaderMap) -> Announced {
        let read = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
        Announced {
            minute: read("x-minlimit-remaining"),
            day: read("x-daylimit-remaining"),
            app_minute: read("x-appminlimit-remaining"),
        }
    }
}

#[derive(Debug, Default)]
struct Window {
    /// When recent calls were sent, oldest first: the last minute's, and the last day's.
    minute: VecDeque<Instant>,
    day: VecDeque<Instant>,
    /// Calls sent and not yet answered.
    in_flight: usize,
    /// What Xero last said was left this minute, how many calls were sent (or in flight) since,
    /// and when it said so (after a minute its window has rolled on and the count means nothing).
    announced_left: Option<(u32, usize, Instant)>,
    /// When Xero said the day's calls were spent.
    day_spent_at: Option<Instant>,
    hold_until: Option<Instant>,
}

pub struct Budget {
    per_minute: u32,
    per_day: Option<u32>,
    window: Mutex<Window>,
    at_once: Option<Semaphore>,
}

/// A call in flight; dropping it frees its concurrency slot.
pub struct Slot<'a> {
    budget: &'a Budget,
    _permit: Option<SemaphorePermit<'a>>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut window = self.budget.window();
        window.in_flight = window.in_flight.saturating_sub(1);
    }
}

impl Budget {
    /// `concurrent` and `per_day` of `None`: no such limit (the app-wide budget).
    pub fn new(per_minute: u32, per_day: Option<u32>, concurrent: Option<u32>) -> Budget {
        Budget {
            per_minute: per_minute.max(1),
            per_day: per_day.map(|n| n.max(1)),
            window: Mutex::new(Window::default()),
            at_once: concurrent.map(|n| Semaphore::new(n.max(1) as usize)),
        }
    }

    fn window(&self) -> std::sync::MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until a call may be sent, then counts it as sent.
    pub async fn admit(&self) -> Result<Slot<'_>, Exhausted> {
        let permit = match &self.at_once {
            Some(semaphore) => Some(semaphore.acquire().await.expect("the semaphore is never closed")),
            None => None,
        };
        loop {
            let wait = {
                let mut window = self.window();
                let now = Instant::now();
                forget_older(&mut window.minute, now, MINUTE);
                forget_older(&mut window.day, now, DAY);
                if window.day_spent_at.is_some_and(|at| now.duration_since(at) < DAY_SPENT_PAUSE) {
                    return Err(Exhausted::Day);
                }
                if self.per_day.is_some_and(|limit| window.day.len() >= limit as usize) {
                    return Err(Exhausted::Day);
                }
                match self.must_wait(&window, now) {
                    None => {
                        window.minute.push_back(now);
                        if self.per_day.is_some() {
                            window.day.push_back(now);
                        }
                        window.in_flight += 1;
                        if let Some((_, since, _)) = &mut window.announced_left {
                            *since += 1;
                        }
                        return Ok(Slot { budget: self, _permit: permit });
                    }
                    Some(wait) => wait,
                }
            };
            tokio::time::sleep(wait.max(Duration::from_millis(5))).await;
        }
    }

    fn must_wait(&self, window: &Window, now: Instant) -> Option<Duration> {
        if let Some(until) = window.hold_until.filter(|&until| until > now) {
            return Some(until - now);
        }
        if window.minute.len() >= self.per_minute as usize {
            return window.minute.front().map(|&at| (at + MINUTE).saturating_duration_since(now));
        }
        match window.announced_left {
            // Xero's own count says this minute is used up.
            Some((left, since, said)) if since >= left as usize && now.duration_since(said) < MINUTE => {
                Some((said + MINUTE).saturating_duration_since(now))
            }
            _ => None,
        }
    }

    /// Takes note of what an answer's headers said was left. Calls still in flight (other than
    /// the one answered) count against what is left.
    pub fn observe(&self, left_this_minute: Option<u32>, left_today: Option<u32>) {
        let mut window = self.window();
        if let Some(left) = left_this_minute {
            let others = window.in_flight.saturating_sub(1);
            window.announced_left = Some((left, others, Instant::now()));
        }
        match left_today {
            Some(0) => window.day_spent_at = Some(Instant::now()),
            Some(_) => window.day_spent_at = None,
            None => {}
        }
    }

    /// Holds every call back for a while (a 429's `Retry-After`).
    pub fn hold(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut window = self.window();
        if window.hold_until.is_none_or(|current| current < until) {
            window.hold_until = Some(until);
        }
    }
}

fn forget_older(sent: &mut VecDeque<Instant>, now: Instant, span: Duration) {
    while sent.front().is_some_and(|&at| now.duration_since(at) >= span) {
        sent.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn at_most_the_limit_in_any_minute() {
        let budget = Budget::new(3, None, Some(5));
        let start = Instant::now();
        for _ in 0..3 {
            drop(budget.admit().await.unwrap());
        }
        assert_eq!(Instant::now(), start, "the first three go at once");
        drop(budget.admit().await.unwrap());
        assert!(Instant::now() - start >= MINUTE, "the fourth waits for the minute to roll on");
    }

    #[tokio::test(start_paused = true)]
    async fn the_headers_can_only_make_it_stricter() {
        let budget = Budget::new(60, None, Some(5));
        let start = Instant::now();
        let slot = budget.admit().await.unwrap();
        budget.observe(Some(1), Some(100));
        drop(slot);
        drop(budget.admit().await.unwrap());
        assert_eq!(Instant::now(), start);
        drop(budget.admit().await.unwrap());
        assert!(Instant::now() - start >= MINUTE, "Xero said one was left, and it was used");
    }

    #[tokio::test(start_paused = true)]
    async fn calls_in_flight_count_against_what_is_left() {
        let budget = Budget::new(60, None, Some(5));
        let start = Instant::now();
        let first = budget.admit().await.unwrap();
        let _second = budget.admit().await.unwrap();
        // The first comes back saying one call is left; the second is already using it.
        budget.observe(Some(1), None);
        drop(first);
        drop(budget.admit().await.unwrap());
        assert!(Instant::now() - start >= MINUTE);
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_day_stops_calls_for_an_hour_then_asks_again() {
        let budget = Budget::new(60, None, Some(5));
        budget.observe(None, Some(0));
        assert_eq!(budget.admit().await.err(), Some(Exhausted::Day));
        tokio::time::advance(DAY_SPENT_PAUSE).await;
        assert!(budget.admit().await.is_ok(), "an hour later, one call may ask");
    }

    #[tokio::test(start_paused = true)]
    async fn the_day_limit_is_kept_locally() {
        let budget = Budget::new(1_000, Some(3), Some(5));
        for _ in 0..3 {
            drop(budget.admit().await.unwrap());
        }
        assert_eq!(budget.admit().await.err(), Some(Exhausted::Day));
        tokio::time::advance(DAY).await;
        assert!(budget.admit().await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_holds_calls_back() {
        let budget = Budget::new(60, None, None);
        let start = Instant::now();
        budget.hold(Duration::from_secs(7));
        drop(budget.admit().await.unwrap());
        assert!(Instant::now() - start >= Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn calls_at_once_are_bounded() {
        let budget = Budget::new(60, None, Some(2));
        let first = budget.admit().await.unwrap();
        let _second = budget.admit().await.unwrap();
        let third = tokio::time::timeout(Duration::from_secs(1), budget.admit()).await;
        assert!(third.is_err(), "a third waits while two are in flight");
        drop(first);
        assert!(tokio::time::timeout(Duration::from_secs(1), budget.admit()).await.is_ok());
    }
}
