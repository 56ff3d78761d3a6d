//! What a message is and whom it concerns, in this order: a bounce (before anything else: bounces
//! often carry `Auto-Submitted` and thread to our email), an automatic answer, then a reply,
//! matched to a customer by threading, by the sender's address, or by an open invoice's number
//! in the subject. Every conclusion keeps its reason in words.

use std::collections::HashMap;

use jiff::{Timestamp, ToSpan};
use uuid::Uuid;

use super::auto_reply::{automatic, only_list_id};
use super::bounce::{Failure, failures};
use super::message::Inbound;
use crate::store::inbox::{BounceFacts, Concerned, InboundKind, KnownCustomer, NewInboundTask, Permanence, SentEmail};
use crate::store::{Result, Store};

/// Transient failures of one address within this many days count as a permanent one.
const TRANSIENT_WINDOW_DAYS: i64 = 7;
const TRANSIENTS_THAT_COUNT: u32 = 3;

/// What an organisation's strategy says about inbound mail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Who gets the task after a bounce (empty: unassigned).
    pub bounce_assignee: String,
    /// Whether history notes go to Xero (`Don't log to Xero.` says no).
    pub notes: bool,
    /// The strategy's sender, shown with unassigned tasks.
    pub sender: Option<String>,
}

/// Each organisation's policy, by tenant; organisations without one get unassigned tasks and notes.
#[derive(Clone, Debug, Default)]
pub struct Policies {
    pub by_tenant: HashMap<Uuid, Policy>,
    /// The one organisation whose customers a mailbox's mail is matched to, when each has its
    /// own mailbox (`[[inbox.mailboxes]] organisation`); every organisation's otherwise.
    pub scope: Option<Uuid>,
}

impl Policies {
    fn in_scope(&self, tenant: Uuid) -> bool {
        self.scope.is_none_or(|scope| scope == tenant)
    }

    pub fn of(&self, tenant: Uuid) -> Policy {
        self.by_tenant.get(&tenant).cloned().unwrap_or(Policy { notes: true, ..Policy::default() })
    }
}

/// What was concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conclusion {
    pub kind: InboundKind,
    pub reason: String,
    pub concerns: Vec<Concerned>,
    pub bounce: Option<BounceFacts>,
    pub suppress: Vec<(String, String)>,
    /// Whether it waits for a person (a reply that pauses until handled).
    pub open: bool,
}

/// Whether a message is one of CollectIQ's own (a copy, a loop): it has one of our Message-IDs.
pub async fn is_our_own(store: &Store, inbound: &Inbound) -> Result<bool> {
    match &inbound.message_id {
        Some(id) => Ok(store.sent_email(id.clone()).await?.is_some()),
        None => Ok(false),
    }
}

pub async fn conclude(store: &Store, inbound: &Inbound, policies: &Policies, now: Timestamp) -> Result<Conclusion> {
    if let Some(failed) = failures(inbound) {
        return bounce(store, inbound, failed, policies, now).await;
    }
    let threaded = threaded(store, inbound, policies).await?;
    if let Some(why) = automatic(inbound) {
        let exception =
            only_list_id(inbound) && threaded.as_ref().is_some_and(|(_, customer)| from_customer(inbound, customer));
        if !exception {
            let concerns = match &threaded {
                Some((sent, customer)) => vec![silent(customer, &sent.invoices)],
                None => by_address(store, inbound, policies).await?.iter().map(|c| silent(c, &[])).collect(),
            };
            return Ok(Conclusion {
                kind: InboundKind::AutoReply,
                reason: format!("an automatic answer: {why}; it pauses nothing"),
                concerns,
                bounce: None,
                suppress: Vec::new(),
                open: false,
            });
        }
    }
    reply(store, inbound, threaded, policies).await
}

/// The email this message answers and its customer, when it threads to one of ours.
async fn threaded(store: &Store, inbound: &Inbound, policies: &Policies) -> Result<Option<(SentEmail, KnownCustomer)>> {
    for id in &inbound.threads_to {
        if let Some(sent) = store.sent_email(id.clone()).await?
            && policies.in_scope(sent.tenant_id)
            && let Some(customer) = store.known_customer(sent.tenant_id, sent.contact_id).await?
        {
            return Ok(Some((sent, customer)));
        }
    }
    Ok(None)
}

fn from_customer(inbound: &Inbound, customer: &KnownCustomer) -> bool {
    inbound.from.as_ref().is_some_and(|from| customer.addresses.iter().any(|a| a == from))
}

async fn by_address(store: &Store, inbound: &Inbound, policies: &Policies) -> Result<Vec<KnownCustomer>> {
    let Some(from) = &inbound.from else { return Ok(Vec::new()) };
    let mut found = store.customers_with_address(from.clone()).await?;
    found.retain(|customer| policies.in_scope(customer.tenant_id));
    Ok(found)
}

/// A customer the message concerns, with nothing to do for them.
fn silent(customer: &KnownCustomer, invoices: &[Uuid]) -> Concerned {
    Concerned {
        tenant_id: customer.tenant_id,
        contact_id: customer.contact_id,
        name: customer.name.clone(),
        invoices: invoices.to_vec(),
        task: None,
        note: None,
    }
}

fn subject_of(inbound: &Inbound) -> String {
    let subject = inbound.subject.as_deref().unwrap_or("(no subject)");
    let mut short: String = subject.chars().take(200).collect();
    if subject.chars().count() > 200 {
        short.push('…');
    }
    short
}

fn named(customers: &[KnownCustomer]) -> String {
    let names: Vec<String> = customers.iter().map(|c| format!("{} ({})", c.name, c.organisation)).collect();
    names.join(", ")
}

async fn reply(
    store: &Store,
    inbound: &Inbound,
    threaded: Option<(SentEmail, KnownCustomer)>,
    policies: &Policies,
) -> Result<Conclusion> {
    let from = inbound.from.clone().unwrap_or_else(|| "an unknown sender".into());
    let senders = by_address(store, inbound, policies).await?;
    let mut matched: Vec<(KnownCustomer, Vec<Uuid>)> = Vec::new();
    let mut reason = String::new();
    if let Some((sent, customer)) = threaded {
        let someone_elses = !from_customer(inbound, &customer)
            && senders.iter().any(|s| (s.tenant_id, s.contact_id) != (customer.tenant_id, customer.contact_id));
        if someone_elses {
            // A known customer's address threading to another customer's email: the thread is
            // not theirs to claim; the sender's own account is what they are talking about.
            reason = format!(
                "it threads to an email sent to {} ({}), but comes from {from}, the address of {}; matched by the sender's address: ",
                customer.name,
                customer.organisation,
                named(&senders)
            );
        } else {
            reason = format!(
                "a reply from {from}: it threads to the email CollectIQ sent to {} ({})",
                customer.name, customer.organisation
            );
            matched.push((customer, sent.invoices));
        }
    }
    if matched.is_empty() && !senders.is_empty() {
        let several = senders.len() > 1;
        reason.push_str(&format!(
            "{}sent from {from}, the address of {}{}",
            if reason.is_empty() { "a reply: " } else { "" },
            named(&senders),
            if several { "; each is paused, to be safe" } else { "" }
        ));
        matched.extend(senders.into_iter().map(|c| (c, Vec::new())));
    }
    if matched.is_empty() {
        let numbers = invoice_numbers(inbound.subject.as_deref().unwrap_or_default());
        let mut found = if numbers.is_empty() { Vec::new() } else { store.open_invoices_numbered(numbers).await? };
        found.retain(|invoice| policies.in_scope(invoice.customer.tenant_id));
        if !found.is_empty() {
            let listed: Vec<String> = found
                .iter()
                .map(|f| format!("{} of {} ({})", f.number, f.customer.name, f.customer.organisation))
                .collect();
            reason = format!(
                "a message from {from} that names the open invoice {} in its subject{}",
                listed.join(", "),
                if found.len() > 1 { "; each customer is paused, to be safe" } else { "" }
            );
            for invoice in found {
                match matched.iter_mut().find(|(c, _)| {
                    (c.tenant_id, c.contact_id) == (invoice.customer.tenant_id, invoice.customer.contact_id)
                }) {
                    Some((_, invoices)) => invoices.push(invoice.invoice_id),
                    None => matched.push((invoice.customer, vec![invoice.invoice_id])),
                }
            }
        }
    }
    if matched.is_empty() {
        return Ok(Conclusion {
            kind: InboundKind::Unmatched,
            reason: format!(
                "from {from}: it threads to no email CollectIQ sent, the address is no customer's, and the subject names no open invoice"
            ),
            concerns: Vec::new(),
            bounce: None,
            suppress: Vec::new(),
            open: false,
        });
    }
    let subject = subject_of(inbound);
    let concerns = matched
        .into_iter()
        .map(|(customer, invoices)| {
            let policy = policies.of(customer.tenant_id);
            Concerned {
                task: Some(NewInboundTask {
                    kind: "reply".into(),
                    assignee: String::new(),
                    summary: with_sender(format!("Read and answer {}'s reply: {subject}", customer.name), &policy),
                }),
                note: policy.notes.then(|| format!("Customer replied: {subject}")),
                ..silent(&customer, &invoices)
            }
        })
        .collect();
    Ok(Conclusion { kind: InboundKind::Reply, reason, concerns, bounce: None, suppress: Vec::new(), open: true })
}

fn with_sender(summary: String, policy: &Policy) -> String {
    match &policy.sender {
        Some(sender) => format!("{summary} (emails go from {sender})"),
        None => summary,
    }
}

/// Words of a subject that could be invoice numbers: letters, digits and `-`, `/`, `_`, with a
/// digit in them (`INV-0042`, `2024/117`).
pub fn invoice_numbers(subject: &str) -> Vec<String> {
    let mut numbers: Vec<String> = subject
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')' | '[' | ']' | '#' | '"' | '\''))
        .map(|word| word.trim_end_matches(['.', '?', '!']))
        .filter(|word| (2..=40).contains(&word.len()))
        .filter(|word| word.bytes().any(|b| b.is_ascii_digit()))
        .filter(|word| word.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '/' | '_' | '.')))
        .map(str::to_string)
        .collect();
    let mut seen = std::collections::HashSet::new();
    numbers.retain(|number| seen.insert(number.clone()));
    numbers.truncate(20);
    numbers
}

async fn bounce(
    store: &Store,
    inbound: &Inbound,
    failed: Vec<Failure>,
    policies: &Policies,
    now: Timestamp,
) -> Result<Conclusion> {
    // The failure that matters most: a permanent one, else the first.
    let Some(failure) = failed.iter().find(|f| f.permanence == Permanence::Permanent).or(failed.first()).cloned()
    else {
        return Ok(Conclusion {
            kind: InboundKind::Bounce,
            reason: "a delivery report that names no failure".into(),
            concerns: Vec::new(),
            bounce: None,
            suppress: Vec::new(),
            open: false,
        });
    };
    let mut original = None;
    let quoted = super::bounce::quoted_ids(&inbound.text);
    for id in inbound.original_ids.iter().chain(&inbound.threads_to).chain(&quoted) {
        if let Some(sent) = store.sent_email(id.clone()).await?
            && policies.in_scope(sent.tenant_id)
        {
            original = Some(sent);
            break;
        }
    }
    // The address the original went to, only when it went to one: of several, which failed is
    // not known, and a working address must not be stopped by a guess.
    let only = |addresses: &[String]| match addresses {
        [one] => Some(one.trim().to_lowercase()),
        _ => None,
    };
    let sent_to = original.as_ref().and_then(|sent| only(&sent.to));
    let address = failure.address.clone().or(sent_to).or_else(|| only(&inbound.original_to));
    let Some(address) = address else {
        return Ok(Conclusion {
            kind: InboundKind::Bounce,
            reason: format!("a delivery failure ({}), but it does not say which address failed", failure.evidence),
            concerns: Vec::new(),
            bounce: None,
            suppress: Vec::new(),
            open: false,
        });
    };
    let mut customers = Vec::new();
    if let Some(sent) = &original
        && let Some(customer) = store.known_customer(sent.tenant_id, sent.contact_id).await?
    {
        customers.push((customer, sent.invoices.clone()));
    }
    if customers.is_empty() {
        customers = store
            .customers_with_address(address.clone())
            .await?
            .into_iter()
            .filter(|c| policies.in_scope(c.tenant_id))
            .map(|c| (c, Vec::new()))
            .collect();
    }
    let suppressed: Vec<String> = store.suppressed_addresses().await?.into_iter().map(|s| s.address).collect();
    let already = suppressed.contains(&address);
    let (permanence, verdict) = match failure.permanence {
        Permanence::Permanent => (Permanence::Permanent, "a permanent failure".to_string()),
        Permanence::Delayed => (Permanence::Delayed, "a delay, not a failure yet: it counts for nothing".to_string()),
        Permanence::Transient => {
            let since = now.checked_sub((TRANSIENT_WINDOW_DAYS * 24).hours()).unwrap_or(now);
            let earlier = store.transient_bounces(address.clone(), since).await?;
            if earlier + 1 >= TRANSIENTS_THAT_COUNT {
                let verdict = format!(
                    "the {} temporary failure within {TRANSIENT_WINDOW_DAYS} days: counted as permanent",
                    ordinal(earlier + 1)
                );
                (Permanence::Permanent, verdict)
            } else {
                let verdict = format!(
                    "a temporary failure ({} of {TRANSIENTS_THAT_COUNT} within {TRANSIENT_WINDOW_DAYS} days before it counts as permanent)",
                    earlier + 1
                );
                (Permanence::Transient, verdict)
            }
        }
    };
    let suppress = permanence == Permanence::Permanent;
    // Every address the report says failed for good stops, not only the one it is filed under.
    let mut stopped: Vec<(String, String)> = Vec::new();
    if suppress {
        stopped.push((address.clone(), failure.evidence.clone()));
    }
    for other in failed.iter().filter(|f| f.permanence == Permanence::Permanent) {
        if let Some(other_address) = &other.address
            && !stopped.iter().any(|(a, _)| a == other_address)
        {
            stopped.push((other_address.clone(), other.evidence.clone()));
        }
    }
    let whose = if customers.is_empty() {
        "no customer's address".to_string()
    } else {
        let known: Vec<KnownCustomer> = customers.iter().map(|(c, _)| c.clone()).collect();
        format!("the address of {}", named(&known))
    };
    let others: Vec<&str> = stopped.iter().map(|(a, _)| a.as_str()).filter(|a| *a != address).collect();
    let reason = format!(
        "a bounce for {address} ({whose}): {}; {verdict}{}{}",
        failure.evidence,
        match (suppress, already) {
            (true, true) => "; the address was already stopped",
            (true, false) => "; no email goes to this address again",
            _ => "",
        },
        if others.is_empty() { String::new() } else { format!("; also stopped: {}", others.join(", ")) }
    );
    let status = failure.status.clone().map(|s| format!(" ({s})")).unwrap_or_default();
    let dead: Vec<&str> =
        suppressed.iter().map(String::as_str).chain(stopped.iter().map(|(a, _)| a.as_str())).collect();
    let concerns = customers
        .into_iter()
        .map(|(customer, invoices)| {
            // Nothing new to do for an address already stopped, or one that may still work.
            if !suppress || already {
                return silent(&customer, &invoices);
            }
            let policy = policies.of(customer.tenant_id);
            let working = customer.addresses.iter().filter(|a| !dead.contains(&a.as_str())).count();
            let next = if working == 0 {
                "no address of theirs works now: call them, and ask for a new one"
            } else {
                "their other addresses still get email"
            };
            Concerned {
                task: Some(NewInboundTask {
                    kind: "call".into(),
                    assignee: policy.bounce_assignee.clone(),
                    summary: with_sender(
                        format!("Email to {address} bounced{status} for {}: {next}", customer.name),
                        &policy,
                    ),
                }),
                note: policy.notes.then(|| {
                    format!("Email to {address} bounced{status}; CollectIQ will not email this address again.")
                }),
                ..silent(&customer, &invoices)
            }
        })
        .collect();
    Ok(Conclusion {
        kind: InboundKind::Bounce,
        reason,
        concerns,
        bounce: Some(BounceFacts { address, permanence, status: failure.status }),
        suppress: stopped,
        open: false,
    })
}

fn ordinal(n: u32) -> String {
    match n {
        1 => "first".into(),
        2 => "second".into(),
        3 => "third".into(),
        n => format!("{n}th"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoice_numbers_are_the_words_with_digits() {
        assert_eq!(invoice_numbers("Re: INV-0042 and (INV-0043)?"), vec!["INV-0042", "INV-0043"]);
        assert_eq!(invoice_numbers("Query about invoice 2024/117."), vec!["2024/117"]);
        assert!(invoice_numbers("hello there").is_empty());
    }
}
