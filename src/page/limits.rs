//! Rate limits for the customers' pages, per link and per address: a token bucket for each, in
//! a map that never holds more than a fixed number of them, so that a flood of addresses or
//! made-up links costs bounded memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many requests one key may make at once, and how fast that refills.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub burst: u32,
    /// One request's worth comes back after this long.
    pub refill: Duration,
}

pub struct Limiter {
    budget: Budget,
    most_keys: usize,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Requests it may still make, in thousandths (so that refills add up without rounding).
    left: u64,
    at: Instant,
}

impl Limiter {
    pub fn new(budget: Budget, most_keys: usize) -> Limiter {
        Limiter { budget, most_keys: most_keys.max(2), buckets: Mutex::new(HashMap::new()) }
    }

    /// Whether `key` may make one more request at `now`; when it may, that request is counted.
    pub fn allow(&self, key: &str, now: Instant) -> bool {
        let full = u64::from(self.budget.burst) * 1000;
        let refill = self.budget.refill.as_nanos().max(1);
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !buckets.contains_key(key) && buckets.len() >= self.most_keys {
            make_room(&mut buckets, self.most_keys, full, refill, now);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket { left: full, at: now });
        let earned = now.saturating_duration_since(bucket.at).as_nanos() * 1000 / refill;
        bucket.left = (bucket.left + u64::try_from(earned).unwrap_or(u64::MAX)).min(full);
        bucket.at = now;
        if bucket.left >= 1000 {
            bucket.left -= 1000;
            true
        } else {
            false
        }
    }

    pub fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Forgets buckets that have filled up again (their keys lose nothing), then, if that is not
/// enough, the half least recently used: the map stays within `most_keys`.
fn make_room(buckets: &mut HashMap<String, Bucket>, most_keys: usize, full: u64, refill: u128, now: Instant) {
    buckets.retain(|_, bucket| {
        let earned = now.saturating_duration_since(bucket.at).as_nanos() * 1000 / refill;
        u128::from(bucket.left) + earned < u128::from(full)
    });
    if buckets.len() < most_keys {
        return;
    }
    let mut ages: Vec<Instant> = buckets.values().map(|bucket| bucket.at).collect();
    ages.sort_unstable();
    let cut = ages[ages.len() / 2];
    buckets.retain(|_, bucket| bucket.at > cut);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_burst_then_waits_for_the_refill() {
        let limiter = Limiter::new(Budget { burst: 3, refill: Duration::from_secs(10) }, 100);
        let start = Instant::now();
        assert!((0..3).all(|_| limiter.allow("a", start)));
        assert!(!limiter.allow("a", start));
        assert!(limiter.allow("b", start), "another key has its own budget");
        assert!(!limiter.allow("a", start + Duration::from_secs(9)));
        assert!(limiter.allow("a", start + Duration::from_secs(10)));
        assert!(!limiter.allow("a", start + Duration::from_secs(10)));
    }

    #[test]
    fn memory_stays_bounded_whatever_the_number_of_keys() {
        let limiter = Limiter::new(Budget { burst: 2, refill: Duration::from_secs(60) }, 1000);
        let start = Instant::now();
        for n in 0..50_000u32 {
            limiter.allow(&format!("key {n}"), start + Duration::from_millis(u64::from(n)));
            assert!(limiter.len() <= 1000);
        }
        // A key being limited right now is not forgotten by a flood of others.
        let busy = Limiter::new(Budget { burst: 1, refill: Duration::from_secs(3600) }, 10);
        assert!(busy.allow("attacker", start));
        for n in 0..9 {
            busy.allow(&format!("other {n}"), start);
        }
        assert!(!busy.allow("attacker", start + Duration::from_secs(1)));
    }
}
