//! How a sandbox is set up: its organisations, clock, limits, faults, webhooks and the OAuth
//! clients it knows.

use std::fmt;
use std::time::Duration;

use super::world::generate::Size;

#[derive(Clone, Debug)]
pub struct SandboxConfig {
    pub seed: u64,
    pub size: Size,
    /// The sandbox's "today"; the real date when absent.
    pub today: Option<jiff::civil::Date>,
    pub faults: Faults,
    pub limits: Limits,
    pub webhook: Option<WebhookTarget>,
    pub clients: Vec<Client>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 1,
            size: Size { organisations: 1, contacts: 50, invoices: 1_000 },
            today: None,
            faults: Faults::default(),
            limits: Limits::default(),
            webhook: None,
            clients: Client::defaults(),
        }
    }
}

/// An OAuth client the identity service knows: a public client (PKCE, no secret) or a
/// confidential one (client id and secret in Basic authentication).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub secret: Option<String>,
}

impl Client {
    /// The public client CollectIQ uses, and a confidential one for apps with a secret.
    pub const PUBLIC_ID: &'static str = "collectiq-sandbox";
    pub const CONFIDENTIAL_ID: &'static str = "collectiq-sandbox-confidential";
    pub const CONFIDENTIAL_SECRET: &'static str = "sandbox-secret";

    pub fn defaults() -> Vec<Client> {
        vec![
            Client { id: Client::PUBLIC_ID.to_string(), secret: None },
            Client { id: Client::CONFIDENTIAL_ID.to_string(), secret: Some(Client::CONFIDENTIAL_SECRET.to_string()) },
        ]
    }
}

/// Xero's rate limits, settable so that tests run fast: `per_minute` calls in any window of
/// `window_ms` (Xero's is a minute; a test may make it 6 s, so that testing the limit does not
/// spend real minutes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    pub per_minute: u32,
    pub per_day: u32,
    pub concurrent: u32,
    pub app_per_minute: u32,
    #[serde(default = "Limits::minute_ms")]
    pub window_ms: u64,
}

impl Limits {
    fn minute_ms() -> u64 {
        60_000
    }

    /// The length of the "minute" window.
    pub fn window(&self) -> Duration {
        Duration::from_millis(self.window_ms.max(1))
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits { per_minute: 60, per_day: 5_000, concurrent: 5, app_per_minute: 10_000, window_ms: 60_000 }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct WebhookTarget {
    pub url: String,
    /// The webhook signing key; never printed.
    pub key: String,
}

/// Fault rates (0 to 1) per API request, drawn deterministically from the seed.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Faults {
    pub too_many_requests: f64,
    pub server_error: f64,
    pub slow: f64,
    pub reset: f64,
    pub truncate: f64,
    /// How long a slow response takes.
    pub slow_delay: Duration,
}

impl Faults {
    pub fn any(&self) -> bool {
        self.too_many_requests + self.server_error + self.slow + self.reset + self.truncate > 0.0
    }
}

/// Why a fault specification could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpecError(pub String);

impl fmt::Display for FaultSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FaultSpecError {}

impl std::str::FromStr for Faults {
    type Err = FaultSpecError;

    /// `"429:0.1,500:0.05,slow:0.05,reset:0.02,truncate:0.02"`; `slow` takes an optional delay
    /// in milliseconds as a third field (`slow:0.05:1500`, 2000 by default).
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut faults = Faults { slow_delay: Duration::from_millis(2000), ..Faults::default() };
        for part in spec.split(',').map(str::trim).filter(|part| !part.is_empty()) {
            let mut fields = part.split(':');
            let (kind, rate) = (fields.next().unwrap_or_default(), fields.next());
            let rate: f64 = rate
                .and_then(|rate| rate.parse().ok())
                .filter(|rate: &f64| (0.0..=1.0).contains(rate))
                .ok_or_else(|| FaultSpecError(format!("\"{part}\" needs a rate from 0 to 1, as in 500:0.05")))?;
            match kind {
                "429" => faults.too_many_requests = rate,
                "500" => faults.server_error = rate,
                "slow" => {
                    faults.slow = rate;
                    if let Some(millis) = fields.next() {
                        let millis: u64 = millis
                            .parse()
                            .map_err(|_| FaultSpecError(format!("\"{millis}\" is not a number of milliseconds")))?;
                        faults.slow_delay = Duration::from_millis(millis);
                    }
                }
                "reset" => faults.reset = rate,
                "truncate" => faults.truncate = rate,
                other => {
                    return Err(FaultSpecError(format!(
                        "\"{other}\" is not a fault; use 429, 500, slow, reset or truncate"
                    )));
                }
            }
        }
        if faults.too_many_requests + faults.server_error + faults.slow + faults.reset + faults.truncate > 1.0 {
            return Err(FaultSpecError("the fault rates add up to more than 1".to_string()));
        }
        Ok(faults)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fault_specifications() {
        let faults: Faults = "429:0.1,500:0.05,slow:0.05,reset:0.02,truncate:0.02".parse().unwrap();
        assert_eq!(
            (faults.too_many_requests, faults.server_error, faults.slow, faults.reset, faults.truncate),
            (0.1, 0.05, 0.05, 0.02, 0.02)
        );
        assert_eq!(faults.slow_delay, Duration::from_millis(2000));
        let slow: Faults = "slow:0.5:150".parse().unwrap();
        assert_eq!(slow.slow_delay, Duration::from_millis(150));
        assert!("".parse::<Faults>().is_ok_and(|f| !f.any()));
        assert!("404:0.1".parse::<Faults>().is_err());
        assert!("500:2".parse::<Faults>().is_err());
        assert!("500".parse::<Faults>().is_err());
        assert!("500:0.6,429:0.6".parse::<Faults>().is_err());
    }
}
