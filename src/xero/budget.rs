//! Staying inside Xero's rate limits instead of running into them: per organisation at most
//! `per_minute` calls in any minute, `per_day` in any day and `concurrent` at once; per app
//! 10,000 a minute. What Xero's headers say is left counts too: when `X-MinLimit-Remaining`
//! reaches 0 (counting calls still in flight), the next call waits for the minute to roll on; when
//! `X-DayLimit-Remaining` reaches 0, calls stop for an hour before one asks again; a 429's
//! `Retry-After` holds every call to that organisation back.
//!
//! Calls that can wait (history notes, links fetched ahead) are `Background`: they leave a
//! reserve of each minute and of each day to the calls that cannot (the sync that makes data
//! fresh, the links an email waits for), so a long queue of notes never starves them. The day's
//! count is kept in the store by the client, so runs started from cron share one day's budget.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);
/// After Xero says the day's calls are spent, how long before one call asks again.
const DAY_SPENT_PAUSE: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exhausted {
    /// No calls are left today for this organisation (for background calls: none beyond the
    /// reserve).
    Day,
}

/// Whether a call can wait for the calls that cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    /// A sync, a link an email waits for: may use the whole budget.
    #[default]
    Now,
    /// A history note, a link fetched ahead: leaves the reserve alone.
    Background,
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
    /// The last minute's calls, oldest first: each counted from when its answer came (Xero
    /// counts a call when it arrives, which can be later than it was sent, so counting from the
    /// answer keeps any two calls at least a window apart as Xero sees them too); calls in flight
    /// from when they were sent; and calls Xero's headers say it counted that this process did
    /// not make (another process's), from when it said so.
    minute: VecDeque<Instant>,
    day: VecDeque<Instant>,
    /// Calls sent and not yet answered.
    in_flight: usize,
    /// When Xero said the day's calls were spent.
    day_spent_at: Option<Instant>,
    hold_until: Option<Instant>,
}

pub struct Budget {
    per_minute: u32,
    per_day: Option<u32>,
    minute: Duration,
    window: Mutex<Window>,
    at_once: Option<Semaphore>,
}

/// A call in flight; dropping it (its answer came, or it failed) frees its concurrency slot and
/// counts it in the minute from now.
pub struct Slot<'a> {
    budget: &'a Budget,
    sent: Instant,
    _permit: Option<SemaphorePermit<'a>>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut window = self.budget.window();
        window.in_flight = window.in_flight.saturating_sub(1);
        let minute = &mut window.minute;
        if let Some(at) = minute.iter().rposition(|&at| at == self.sent) {
            minute.remove(at);
        }
        let now = Instant::now();
        let place = minute.partition_point(|&at| at <= now);
        minute.insert(place, now);
    }
}

impl Budget {
    /// `concurrent` and `per_day` of `None`: no such limit (the app-wide budget).
    pub fn new(per_minute: u32, per_day: Option<u32>, concurrent: Option<u32>) -> Budget {
        Budget::with_window(per_minute, per_day, concurrent, Duration::from_secs(60))
    }

    /// A budget whose "minute" is `minute` long (tests shorten it, as the sandbox can).
    pub fn with_window(per_minute: u32, per_day: Option<u32>, concurrent: Option<u32>, minute: Duration) -> Budget {
        Budget {
            per_minute: per_minute.max(1),
            per_day: per_day.map(|n| n.max(1)),
            minute,
            window: Mutex::new(Window::default()),
            at_once: concurrent.map(|n| Semaphore::new(n.max(1) as usize)),
        }
    }

    fn window(&self) -> std::sync::MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What background calls leave to the others: a sixth of each minute, a tenth of each day.
    fn reserve(&self, priority: Priority) -> (usize, usize) {
        match priority {
            Priority::Now => (0, 0),
            Priority::Background => {
                ((self.per_minute as usize).div_ceil(6), self.per_day.map_or(0, |day| (day as usize).div_ceil(10)))
            }
        }
    }

    /// Counts calls made earlier today (by this or another process, as the store remembers
    /// them), each at the moment given.
    pub fn spent_earlier(&self, calls: impl IntoIterator<Item = Instant>) {
        let mut window = self.window();
        let mut all: Vec<Instant> = window.day.drain(..).chain(calls).collect();
        all.sort();
        window.day = all.into();
    }

    /// Calls counted in the last day.
    pub fn spent_today(&self) -> usize {
        let mut window = self.window();
        forget_older(&mut window.day, Instant::now(), DAY);
        window.day.len()
    }

    /// Waits until a call may be sent, then counts it as sent.
    pub async fn admit(&self) -> Result<Slot<'_>, Exhausted> {
        self.admit_as(Priority::Now).await
    }

    /// Waits until a call of this priority may be sent, then counts it as sent.
    pub async fn admit_as(&self, priority: Priority) -> Result<Slot<'_>, Exhausted> {
        let (minute_reserve, day_reserve) = self.reserve(priority);
        let permit = match &self.at_once {
            Some(semaphore) => Some(semaphore.acquire().await.expect("the semaphore is never closed")),
            None => None,
        };
        loop {
            let wait = {
                let mut window = self.window();
                let now = Instant::now();
                forget_older(&mut window.minute, now, self.minute);
                forget_older(&mut window.day, now, DAY);
                if window.day_spent_at.is_some_and(|at| now.duration_since(at) < DAY_SPENT_PAUSE) {
                    return Err(Exhausted::Day);
                }
                if self.per_day.is_some_and(|limit| window.day.len() + day_reserve >= limit as usize) {
                    return Err(Exhausted::Day);
                }
                match self.must_wait(&window, now, minute_reserve) {
                    None => {
                        window.minute.push_back(now);
                        if self.per_day.is_some() {
                            window.day.push_back(now);
                        }
                        window.in_flight += 1;
                        return Ok(Slot { budget: self, sent: now, _permit: permit });
                    }
                    Some(wait) => wait,
                }
            };
            tokio::time::sleep(wait.max(Duration::from_millis(5))).await;
        }
    }

    fn must_wait(&self, window: &Window, now: Instant, reserve: usize) -> Option<Duration> {
        if let Some(until) = window.hold_until.filter(|&until| until > now) {
            return Some(until - now);
        }
        let allowed = (self.per_minute as usize).saturating_sub(reserve).max(1);
        if window.minute.len() >= allowed {
            // The wait until enough of the oldest calls have left the window.
            let leaving = window.minute.len() + 1 - allowed;
            return window.minute.get(leaving - 1).map(|&at| (at + self.minute).saturating_duration_since(now));
        }
        None
    }

    /// Takes note of what an answer's headers said was left. When Xero counts more calls than
    /// this process knows of (another process calls the same organisation), the difference is
    /// counted as calls made now: the limit holds, and the window still rolls on as calls age.
    pub fn observe(&self, left_this_minute: Option<u32>, left_today: Option<u32>) {
        let mut window = self.window();
        if let Some(left) = left_this_minute {
            let now = Instant::now();
            forget_older(&mut window.minute, now, self.minute);
            let counted = (self.per_minute as usize).saturating_sub(left as usize);
            let unknown = counted.saturating_sub(window.minute.len());
            window.minute.extend(std::iter::repeat_n(now, unknown));
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

    const MINUTE: Duration = Duration::from_secs(60);

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
    async fn a_minute_used_up_rolls_on_as_its_oldest_calls_age() {
        let budget = Budget::new(3, None, Some(5));
        let start = Instant::now();
        drop(budget.admit().await.unwrap());
        tokio::time::advance(Duration::from_secs(30)).await;
        drop(budget.admit().await.unwrap());
        let third = budget.admit().await.unwrap();
        // Xero says nothing is left: it counted our three calls, and no one else's.
        budget.observe(Some(0), None);
        drop(third);
        drop(budget.admit().await.unwrap());
        assert_eq!(
            Instant::now() - start,
            MINUTE,
            "the next goes when the first is a minute old, not a minute after Xero spoke"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_counts_from_its_answer() {
        let budget = Budget::new(1, None, Some(5));
        let start = Instant::now();
        let slow = budget.admit().await.unwrap();
        tokio::time::advance(Duration::from_secs(10)).await;
        drop(slow);
        drop(budget.admit().await.unwrap());
        assert_eq!(Instant::now() - start, Duration::from_secs(70), "Xero may have received it as late as its answer");
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
    async fn background_calls_leave_a_reserve_of_the_minute_and_the_day() {
        let budget = Budget::new(12, Some(100), None);
        let start = Instant::now();
        for _ in 0..10 {
            drop(budget.admit_as(Priority::Background).await.unwrap());
        }
        assert_eq!(Instant::now(), start, "ten of twelve go at once");
        let waiting = tokio::time::timeout(Duration::from_secs(1), budget.admit_as(Priority::Background)).await;
        assert!(waiting.is_err(), "the last two of the minute are kept for calls that cannot wait");
        drop(budget.admit().await.unwrap());
        drop(budget.admit().await.unwrap());
        assert_eq!(Instant::now() - start, Duration::from_secs(1), "and those take them at once");
        let day = Budget::new(1_000, Some(20), None);
        for _ in 0..18 {
            drop(day.admit_as(Priority::Background).await.unwrap());
        }
        assert_eq!(day.admit_as(Priority::Background).await.err(), Some(Exhausted::Day), "a tenth of the day is kept");
        assert!(day.admit().await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_short_window_rolls_on_sooner() {
        let budget = Budget::with_window(2, None, None, Duration::from_secs(6));
        let start = Instant::now();
        for _ in 0..3 {
            drop(budget.admit().await.unwrap());
        }
        assert_eq!(Instant::now() - start, Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn calls_spent_earlier_count_against_the_day() {
        let budget = Budget::new(1_000, Some(5), None);
        budget.spent_earlier(std::iter::repeat_n(Instant::now(), 4));
        assert_eq!(budget.spent_today(), 4);
        assert!(budget.admit().await.is_ok());
        assert_eq!(budget.admit().await.err(), Some(Exhausted::Day));
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
