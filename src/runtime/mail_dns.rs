//! What the world's DNS says about a sending domain: its SPF record, the DKIM record of our
//! selector (and whether it is our key's), and its DMARC policy. Receivers decide with these
//! whether our mail is the domain's own; `collectiq doctor` shows them. A DNS that cannot be
//! reached is said so, and nothing is concluded from it.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::{ResolveError, TokioResolver};
use serde::Serialize;

/// What one TXT lookup gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "found")]
pub enum Lookup {
    /// The records of the kind asked for (those starting `v=spf1`, `v=DKIM1`, `v=DMARC1`).
    Yes { records: Vec<String> },
    /// The name has no such record.
    No,
    /// The DNS did not answer (no network, a timeout): nothing is known.
    Unknown { why: String },
}

impl Lookup {
    pub fn records(&self) -> &[String] {
        match self {
            Lookup::Yes { records } => records,
            _ => &[],
        }
    }
}

/// The three records of a sending domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DomainRecords {
    pub domain: String,
    pub spf: Lookup,
    pub dmarc: Lookup,
    /// The selector looked up, and what is published there (with `[email.dkim]` only).
    pub dkim: Option<(String, Lookup)>,
}

/// A resolver from the system's configuration, or `server` (`COLLECTIQ_DNS_SERVER`, for tests
/// and for machines whose resolver is elsewhere); it gives up quickly, as a check should.
pub fn resolver(server: Option<SocketAddr>) -> Result<TokioResolver, ResolveError> {
    let mut builder = match server {
        Some(server) => {
            let servers = NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
            TokioResolver::builder_with_config(
                ResolverConfig::from_parts(None, Vec::new(), servers),
                TokioConnectionProvider::default(),
            )
        }
        None => TokioResolver::builder_tokio()?,
    };
    builder.options_mut().timeout = Duration::from_secs(3);
    builder.options_mut().attempts = 1;
    Ok(builder.build())
}

/// The TXT records at `name` that start with `prefix` (case aside).
pub async fn txt(resolver: &TokioResolver, name: &str, prefix: &str) -> Lookup {
    match resolver.txt_lookup(format!("{}.", name.trim_end_matches('.'))).await {
        Ok(answer) => {
            let records: Vec<String> = answer
                .iter()
                .map(|txt| txt.txt_data().iter().map(|part| String::from_utf8_lossy(part)).collect::<String>())
                .filter(|record| record.trim_start().to_ascii_lowercase().starts_with(&prefix.to_ascii_lowercase()))
                .collect();
            if records.is_empty() { Lookup::No } else { Lookup::Yes { records } }
        }
        Err(error) if error.is_no_records_found() || error.is_nx_domain() => Lookup::No,
        Err(error) => Lookup::Unknown { why: error.to_string() },
    }
}

/// SPF, DMARC and (with a selector) DKIM for `domain`.
pub async fn records(resolver: &TokioResolver, domain: &str, selector: Option<&str>) -> DomainRecords {
    let spf = txt(resolver, domain, "v=spf1").await;
    let dmarc = txt(resolver, &format!("_dmarc.{domain}"), "v=DMARC1").await;
    let dkim = match selector {
        Some(selector) => {
            Some((selector.to_string(), txt(resolver, &format!("{selector}._domainkey.{domain}"), "v=DKIM1").await))
        }
        None => None,
    };
    DomainRecords { domain: domain.to_string(), spf, dmarc, dkim }
}

/// The `p=` of a DKIM record: the public key it publishes.
pub fn dkim_public_key(record: &str) -> Option<String> {
    record.split(';').find_map(|tag| {
        let (name, value) = tag.split_once('=')?;
        (name.trim() == "p").then(|| value.chars().filter(|c| !c.is_whitespace()).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dkim_records_key_is_read_whatever_its_spacing() {
        assert_eq!(dkim_public_key("v=DKIM1; k=ed25519; p=abc DEF=").as_deref(), Some("abcDEF="));
        assert_eq!(dkim_public_key("v=DKIM1;p=xyz").as_deref(), Some("xyz"));
        assert_eq!(dkim_public_key("v=DKIM1; k=rsa"), None);
    }
}
