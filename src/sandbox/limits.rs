//! Xero's rate limits: per organisation 60 calls a minute, 5,000 a day and 5 at once; per app
//! 10,000 a minute. Windows roll in real time; the minute's length can be set (`window_ms`). Every answer says what is left; a refusal says
//! which limit was hit and when to come back.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::config::Limits;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Which limit a refused call ran into, as `X-Rate-Limit-Problem` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    Minute,
    Day,
    Concurrent,
    AppMinute,
}

impl Problem {
    pub fn header_value(self) -> &'static str {
        match self {
            Problem::Minute => "minute",
            Problem::Day => "day",
            Problem::Concurrent => "concurrent",
            Problem::AppMinute => "appminute",
        }
    }
}

/// What is left, for the `X-…-Remaining` headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Remaining {
    pub minute: u32,
    pub day: u32,
    pub app_minute: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    pub problem: Problem,
    pub retry_after: Duration,
    pub remaining: Remaining,
}

#[derive(Default)]
struct Usage {
    minute: VecDeque<Instant>,
    day: VecDeque<Instant>,
    in_flight: u32,
}

#[derive(Default)]
struct Counters {
    tenants: HashMap<Uuid, Usage>,
    app_minute: VecDeque<Instant>,
}

#[derive(Clone)]
pub struct Limiter {
    limits: Arc<Mutex<Limits>>,
    counters: Arc<Mutex<Counters>>,
}

/// A call in progress; dropping it frees its place among the concurrent ones.
pub struct Permit {
    counters: Arc<Mutex<Counters>>,
    tenant: Uuid,
    pub remaining: Remaining,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(usage) = counters.tenants.get_mut(&self.tenant) {
            usage.in_flight = usage.in_flight.saturating_sub(1);
        }
    }
}

fn forget_before(window: &mut VecDeque<Instant>, now: Instant, length: Duration) {
    while window.front().is_some_and(|&t| now.duration_since(t) >= length) {
        window.pop_front();
    }
}

/// How long until the oldest call in a full window leaves it.
fn wait(window: &VecDeque<Instant>, now: Instant, length: Duration) -> Duration {
    window.front().map_or(Duration::ZERO, |&oldest| length.saturating_sub(now.duration_since(oldest)))
}

impl Limiter {
    pub fn new(limits: Limits) -> Limiter {
        Limiter { limits: Arc::new(Mutex::new(limits)), counters: Arc::new(Mutex::new(Counters::default())) }
    }

    pub fn set(&self, limits: Limits) {
        *self.limits.lock().unwrap_or_else(|p| p.into_inner()) = limits;
    }

    pub fn limits(&self) -> Limits {
        *self.limits.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lets a call to `tenant` through, or says which limit stops it. Refused calls do not
    /// count against the limits.
    pub fn admit(&self, tenant: Uuid) -> Result<Permit, Refused> {
        let limits = self.limits();
        let minute = limits.window();
        let now = Instant::now();
        let mut guard = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let counters = &mut *guard;
        forget_before(&mut counters.app_minute, now, minute);
        let usage = counters.tenants.entry(tenant).or_default();
        forget_before(&mut usage.minute, now, minute);
        forget_before(&mut usage.day, now, DAY);
        let remaining = |usage: &Usage, app: &VecDeque<Instant>| Remaining {
            minute: limits.per_minute.saturating_sub(usage.minute.len() as u32),
            day: limits.per_day.saturating_sub(usage.day.len() as u32),
            app_minute: limits.app_per_minute.saturating_sub(app.len() as u32),
        };
        let refusal = if usage.day.len() as u32 >= limits.per_day {
            Some((Problem::Day, wait(&usage.day, now, DAY)))
        } else if usage.minute.len() as u32 >= limits.per_minute {
            Some((Problem::Minute, wait(&usage.minute, now, minute)))
        } else if counters.app_minute.len() as u32 >= limits.app_per_minute {
            Some((Problem::AppMinute, wait(&counters.app_minute, now, minute)))
        } else if usage.in_flight >= limits.concurrent {
            Some((Problem::Concurrent, Duration::from_secs(1)))
        } else {
            None
        };
        if let Some((problem, retry_after)) = refusal {
            return Err(Refused { problem, retry_after, remaining: remaining(usage, &counters.app_minute) });
        }
        usage.minute.push_back(now);
        usage.day.push_back(now);
        usage.in_flight += 1;
        counters.app_minute.push_back(now);
        let remaining = remaining(usage, &counters.app_minute);
        Ok(Permit { counters: self.counters.clone(), tenant, remaining })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minute_limit_refuses_and_says_when_to_come_back() {
        let limiter = Limiter::new(Limits {
            per_minute: 3,
            per_day: 100,
            concurrent: 10,
            app_per_minute: 100,
            ..Limits::default()
        });
        let tenant = Uuid::nil();
        let permits: Vec<Permit> = (0..3).map(|_| limiter.admit(tenant).unwrap()).collect();
        assert_eq!(permits[2].remaining.minute, 0);
        let refused = limiter.admit(tenant).err().unwrap();
        assert_eq!(refused.problem, Problem::Minute);
        assert!(refused.retry_after > Duration::from_secs(58));
        assert!(limiter.admit(Uuid::from_u128(1)).is_ok(), "limits are per organisation");
    }

    #[test]
    fn concurrent_calls_are_limited_until_one_finishes() {
        let limiter = Limiter::new(Limits {
            per_minute: 100,
            per_day: 100,
            concurrent: 2,
            app_per_minute: 100,
            ..Limits::default()
        });
        let first = limiter.admit(Uuid::nil()).unwrap();
        let _second = limiter.admit(Uuid::nil()).unwrap();
        assert_eq!(limiter.admit(Uuid::nil()).err().unwrap().problem, Problem::Concurrent);
        drop(first);
        assert!(limiter.admit(Uuid::nil()).is_ok());
    }

    #[test]
    fn the_day_and_app_limits_hold() {
        let limiter = Limiter::new(Limits {
            per_minute: 100,
            per_day: 2,
            concurrent: 10,
            app_per_minute: 100,
            ..Limits::default()
        });
        let _kept: Vec<Permit> = (0..2).map(|_| limiter.admit(Uuid::nil()).unwrap()).collect();
        assert_eq!(limiter.admit(Uuid::nil()).err().unwrap().problem, Problem::Day);
        let app = Limiter::new(Limits {
            per_minute: 100,
            per_day: 100,
            concurrent: 10,
            app_per_minute: 2,
            ..Limits::default()
        });
        let _a = app.admit(Uuid::from_u128(1)).unwrap();
        let _b = app.admit(Uuid::from_u128(2)).unwrap();
        assert_eq!(app.admit(Uuid::from_u128(3)).err().unwrap().problem, Problem::AppMinute);
    }
}
