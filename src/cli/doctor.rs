//! `collectiq doctor`: whether the mail CollectIQ sends will be taken as the sender's own. It
//! says where mail goes, which domain signs it and the DNS record to publish for the DKIM key,
//! and (when DNS can be reached) what the sending domains publish: SPF, the DKIM record of our
//! selector (and whether it is this key's), and DMARC. Exit 0 when nothing is missing, 1 when
//! something is, 2 when the configuration cannot be read.

use std::collections::BTreeSet;

use serde::Serialize;

use super::Outcome;
use super::context::{Global, config};
use super::error::block_on;
use super::output::fail;
use crate::runtime::RunError;
use crate::runtime::dkim::DkimKey;
use crate::runtime::mail_dns::{self, DomainRecords, Lookup};
use crate::runtime::run::load_strategies;

#[derive(clap::Args, Debug)]
pub struct DoctorArgs {
    #[arg(long, value_enum, default_value_t = super::Format::Human)]
    format: super::Format,
}

#[derive(Serialize)]
struct Report {
    senders: Vec<String>,
    mail_goes_to: String,
    dkim: Option<DkimReport>,
    domains: Vec<DomainRecords>,
    problems: Vec<String>,
}

#[derive(Serialize)]
struct DkimReport {
    domain: String,
    selector: String,
    algorithm: &'static str,
    record_name: String,
    record: String,
}

pub fn doctor_command(global: &Global, args: DoctorArgs) -> Outcome {
    let result = config(global).and_then(|config| {
        block_on(async {
            let mut problems = Vec::new();
            let mut senders: BTreeSet<String> = config.email.from.iter().cloned().collect();
            if !config.runtime.strategies.is_empty() {
                for strategy in load_strategies(&config.runtime.strategies)? {
                    senders.extend(strategy.plan.settings.sender.as_ref().map(|s| s.address.clone()));
                }
            }
            if senders.is_empty() {
                problems.push("no sender: set [email] from, or name one in the strategy".to_string());
            }
            let mail_goes_to = match (&config.email.capture, &config.email.smtp_url) {
                (Some(folder), _) => format!("kept as .eml files in {}", folder.display()),
                (None, Some(url)) => match url::Url::parse(url) {
                    Ok(url) => format!("{}://{}", url.scheme(), url.host_str().unwrap_or("?")),
                    Err(_) => "an SMTP URL that cannot be read".to_string(),
                },
                (None, None) => {
                    problems.push("nowhere to send: set [email] smtp_url (or COLLECTIQ_SMTP_URL)".to_string());
                    "nowhere".to_string()
                }
            };
            let key = match &config.email.dkim {
                Some(settings) => Some((settings, DkimKey::read(&settings.key_file).map_err(RunError::from)?)),
                None => {
                    problems.push("mail is not DKIM-signed: set [email.dkim] (docs/email.md)".to_string());
                    None
                }
            };
            let dkim = key.as_ref().map(|(settings, key)| DkimReport {
                domain: settings.domain.clone(),
                selector: settings.selector.clone(),
                algorithm: key.algorithm(),
                record_name: settings.record_name(),
                record: key.dns_record(),
            });
            let mut domains: BTreeSet<String> =
                senders.iter().filter_map(|s| s.rsplit_once('@')).map(|(_, d)| d.to_ascii_lowercase()).collect();
            if let Some(dkim) = &dkim {
                for domain in &domains {
                    // DMARC passes on DKIM when the signing domain is the From domain or a parent of it.
                    if domain != &dkim.domain && !domain.ends_with(&format!(".{}", dkim.domain)) {
                        problems.push(format!(
                            "mail from {domain} is signed for {}: DMARC will not count the signature",
                            dkim.domain
                        ));
                    }
                }
                domains.insert(dkim.domain.clone());
            }
            let server = std::env::var("COLLECTIQ_DNS_SERVER").ok().and_then(|s| s.parse().ok());
            let resolver = mail_dns::resolver(server);
            let mut checked = Vec::new();
            if let Ok(resolver) = &resolver {
                for domain in &domains {
                    let selector = dkim.as_ref().filter(|d| &d.domain == domain).map(|d| d.selector.as_str());
                    checked.push(mail_dns::records(resolver, domain, selector).await);
                }
            }
            for records in &checked {
                problems.extend(dns_problems(records, dkim.as_ref()));
            }
            let report =
                Report { senders: senders.into_iter().collect(), mail_goes_to, dkim, domains: checked, problems };
            let human = human(&report, resolver.as_ref().err().map(|e| e.to_string()));
            Ok((report, human))
        })
    });
    match result {
        Ok((report, human)) => {
            match args.format {
                super::Format::Human => println!("{human}"),
                super::Format::Json => println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default()),
            }
            if report.problems.is_empty() { Outcome::Clean } else { Outcome::Problems }
        }
        Err(error) => fail(error),
    }
}

/// What the DNS says is missing or wrong; nothing when it could not be asked.
fn dns_problems(records: &DomainRecords, dkim: Option<&DkimReport>) -> Vec<String> {
    let domain = &records.domain;
    let mut problems = Vec::new();
    if records.spf == Lookup::No {
        problems.push(format!("{domain} publishes no SPF record: add one that includes your mail server"));
    }
    if records.dmarc == Lookup::No {
        problems.push(format!("{domain} publishes no DMARC policy (a TXT record at _dmarc.{domain})"));
    }
    if let (Some((selector, lookup)), Some(dkim)) = (&records.dkim, dkim) {
        let ours = mail_dns::dkim_public_key(&dkim.record);
        match lookup {
            Lookup::No => {
                problems.push(format!("no DKIM record at {selector}._domainkey.{domain}: publish the one above"))
            }
            Lookup::Yes { records } if !records.iter().any(|r| mail_dns::dkim_public_key(r) == ours) => problems.push(
                format!("the DKIM record at {selector}._domainkey.{domain} is another key's: publish the one above"),
            ),
            _ => {}
        }
    }
    problems
}

fn human(report: &Report, no_resolver: Option<String>) -> String {
    let mut out = Vec::new();
    out.push(format!("Senders: {}", if report.senders.is_empty() { "none".into() } else { report.senders.join(", ") }));
    out.push(format!("Mail goes to: {}", report.mail_goes_to));
    match &report.dkim {
        Some(dkim) => {
            out.push(format!("DKIM: signed for {} with selector {} ({}).", dkim.domain, dkim.selector, dkim.algorithm));
            out.push(format!("  Publish this TXT record at {}:", dkim.record_name));
            out.push(format!("    {}", dkim.record));
        }
        None => out.push("DKIM: not signed.".into()),
    }
    if let Some(why) = no_resolver {
        out.push(format!("DNS: not checked, no resolver could be set up ({why})."));
    }
    for records in &report.domains {
        out.push(format!("DNS for {}:", records.domain));
        let show = |name: &str, lookup: &Lookup| match lookup {
            Lookup::Yes { records } => format!("  {name}: {}", records.join(" | ")),
            Lookup::No => format!("  {name}: none published"),
            Lookup::Unknown { why } => format!("  {name}: not checked, DNS could not be reached ({why})"),
        };
        out.push(show("SPF", &records.spf));
        if let Some((selector, lookup)) = &records.dkim {
            out.push(show(&format!("DKIM ({selector})"), lookup));
        }
        out.push(show("DMARC", &records.dmarc));
    }
    if report.problems.is_empty() {
        out.push("Nothing missing.".into());
    } else {
        out.push("To do:".into());
        out.extend(report.problems.iter().map(|p| format!("  - {p}")));
    }
    out.join("\n")
}
