//! Faults injected into API answers at configured rates, drawn from the seed so that a test can
//! replay the same run: 429s, 500s with an HTML page, slow answers, connections dropped
//! mid-answer, and bodies cut short.

use super::config::Faults;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    TooManyRequests,
    ServerError,
    Slow,
    /// The connection drops after the headers and part of the body.
    Reset,
    /// A complete HTTP answer whose JSON stops halfway.
    Truncate,
}

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Fault::TooManyRequests => "429",
            Fault::ServerError => "500",
            Fault::Slow => "slow",
            Fault::Reset => "reset",
            Fault::Truncate => "truncate",
        }
    }
}

#[derive(Debug)]
pub struct FaultInjector {
    /// The faults of every organisation that has none of its own.
    pub faults: Faults,
    /// One organisation's own faults, until a moment or for good: an outage of one organisation
    /// must not slow the others.
    pub per_organisation: std::collections::HashMap<uuid::Uuid, (Faults, Option<std::time::Instant>)>,
    rng: fastrand::Rng,
}

impl FaultInjector {
    pub fn new(faults: Faults, seed: u64) -> FaultInjector {
        FaultInjector {
            faults,
            per_organisation: std::collections::HashMap::new(),
            rng: fastrand::Rng::with_seed(seed ^ 0xFA17_5EED),
        }
    }

    /// The fault for the next API call to `tenant`, if any: its own faults while they last, else
    /// everyone's.
    pub fn draw_for(&mut self, tenant: uuid::Uuid) -> Option<Fault> {
        let own = match self.per_organisation.get(&tenant) {
            Some((faults, until)) if until.is_none_or(|until| std::time::Instant::now() < until) => Some(*faults),
            Some(_) => {
                self.per_organisation.remove(&tenant);
                None
            }
            None => None,
        };
        match own {
            Some(faults) => {
                let everyone = std::mem::replace(&mut self.faults, faults);
                let fault = self.draw();
                self.faults = everyone;
                fault
            }
            None => self.draw(),
        }
    }

    /// A fair coin from the same seeded sequence (whether a 500 on a write comes before or after
    /// the write is stored).
    pub fn coin(&mut self) -> bool {
        self.rng.bool()
    }

    /// The fault for the next API call, if any. One draw per call, so the sequence of faults
    /// depends only on the seed and the order of calls.
    pub fn draw(&mut self) -> Option<Fault> {
        let draw = self.rng.f64();
        let f = &self.faults;
        let mut bound = 0.0;
        for (rate, fault) in [
            (f.too_many_requests, Fault::TooManyRequests),
            (f.server_error, Fault::ServerError),
            (f.slow, Fault::Slow),
            (f.reset, Fault::Reset),
            (f.truncate, Fault::Truncate),
        ] {
            bound += rate;
            if draw < bound {
                return Some(fault);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_come_at_their_rates_and_repeat_with_the_seed() {
        let faults: Faults = "429:0.1,500:0.05,slow:0.05,reset:0.02,truncate:0.02".parse().unwrap();
        let draws = |seed| {
            let mut injector = FaultInjector::new(faults, seed);
            (0..20_000).map(|_| injector.draw()).collect::<Vec<_>>()
        };
        let first = draws(9);
        assert_eq!(first, draws(9));
        assert_ne!(first, draws(10));
        let share = |fault| first.iter().filter(|f| **f == Some(fault)).count() as f64 / 20_000.0;
        assert!((share(Fault::TooManyRequests) - 0.1).abs() < 0.01);
        assert!((share(Fault::ServerError) - 0.05).abs() < 0.01);
        assert!((share(Fault::Truncate) - 0.02).abs() < 0.005);
        assert!((first.iter().filter(|f| f.is_none()).count() as f64 / 20_000.0 - 0.76).abs() < 0.02);
    }
}
