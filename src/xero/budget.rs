//! Staying inside Xero's rate limits instead of running into them: per organisation at most
//! `per_minute` calls in any minute, `concurrent` at once, and none once the day's budget is
//! spent; per app 10,000 a minute. What Xero's headers say is left counts too: when
//! `X-MinLimit-Remaining` reaches 0, the next call waits for the minute to roll on, and a 429's
//! `Retry-After` holds every call to that organisation back.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

const MINUTE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exhausted {
    /// Xero says no calls are left today for this organisation.
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
    /// When recent calls were sent, oldest first.
    sent: VecDeque<Instant>,
    /// What Xero last said was left this minute, how many calls were sent since, and when it
    /// said so (after a minute its window has rolled on and the count means nothing).
    announced_left: Option<(u32, usize, Instant)>,
    day_left: Option<u32>,
    hold_until: Option<Instant>,
}

pub struct Budget {
    per_minute: u32,
    window: Mutex<Window>,
    at_once: Option<Semaphore>,
}

/// A call in flight; dropping it frees its concurrency slot.
pub struct Slot<'a> {
    _permit: Option<SemaphorePermit<'a>>,
}

impl Budget {
    /// `concurrent` of `None`: no limit on calls at once (the app-wide budget).
    pub fn new(per_minute: u32, concurrent: Option<u32>) -> Budget {
        Budget {
            per_minute: per_minute.max(1),
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
                while window.sent.front().is_some_and(|&at| now.duration_since(at) >= MINUTE) {
                    window.sent.pop_front();
                }
                if window.day_left == Some(0) {
                    return Err(Exhausted::Day);
                }
                match self.must_wait(&window, now) {
                    None => {
                        window.sent.push_back(now);
                        if let Some((_, since, _)) = &mut window.announced_left {
                            *since += 1;
                        }
                        return Ok(Slot { _permit: permit });
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
        let oldest_expires = window.sent.front().map(|&at| (at + MINUTE).saturating_duration_since(now));
        if window.sent.len() >= self.per_minute as usize {
            return oldest_expires;
        }
        match window.announced_left {
            // Xero's own count says this minute is used up.
            Some((left, since, said)) if since >= left as usize && now.duration_since(said) < MINUTE => {
                Some((said + MINUTE).saturating_duration_since(now))
            }
            _ => None,
        }
    }

    /// Takes note of what an answer's headers said was left.
    pub fn observe(&self, left_this_minute: Option<u32>, left_today: Option<u32>) {
        let mut window = self.window();
        if let Some(left) = left_this_minute {
            window.announced_left = Some((left, 0, Instant::now()));
        }
        if left_today.is_some() {
            window.day_left = left_today;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn at_most_the_limit_in_any_minute() {
        let budget = Budget::new(3, Some(5));
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
        let budget = Budget::new(60, Some(5));
        let start = Instant::now();
        drop(budget.admit().await.unwrap());
        budget.observe(Some(1), Some(100));
        drop(budget.admit().await.unwrap());
        assert_eq!(Instant::now(), start);
        drop(budget.admit().await.unwrap());
        assert!(Instant::now() - start >= MINUTE, "Xero said one was left, and it was used");
        budget.observe(None, Some(0));
        assert_eq!(budget.admit().await.err(), Some(Exhausted::Day));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_holds_calls_back() {
        let budget = Budget::new(60, None);
        let start = Instant::now();
        budget.hold(Duration::from_secs(7));
        drop(budget.admit().await.unwrap());
        assert!(Instant::now() - start >= Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn calls_at_once_are_bounded() {
        let budget = Budget::new(60, Some(2));
        let first = budget.admit().await.unwrap();
        let _second = budget.admit().await.unwrap();
        let third = tokio::time::timeout(Duration::from_secs(1), budget.admit()).await;
        assert!(third.is_err(), "a third waits while two are in flight");
        drop(first);
        assert!(tokio::time::timeout(Duration::from_secs(1), budget.admit()).await.is_ok());
    }
}
