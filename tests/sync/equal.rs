//! What the store should hold, computed from the sandbox's own world (not through its HTTP API),
//! and a comparison that names the first record that differs.
#![allow(dead_code)]

use collectiq::ledger::records::CreditKind;
use collectiq::sandbox::Sandbox;
use collectiq::sandbox::world::{CreditKind as WorldCredit, render};
use collectiq::store::Store;
use collectiq::xero::convert::{self, CreditRecord};
use serde_json::Value;
use uuid::Uuid;

/// An organisation's receivables as comparable JSON: invoices, contacts, payments, credits, groups.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub invoices: Vec<Value>,
    pub contacts: Vec<Value>,
    pub payments: Vec<Value>,
    pub credits: Vec<Value>,
    pub groups: Vec<Value>,
}

fn sorted<T: serde::Serialize>(items: Vec<T>, key: &str) -> Vec<Value> {
    let mut values: Vec<Value> = items.into_iter().map(|item| serde_json::to_value(item).unwrap()).collect();
    values.sort_by(|a, b| a[key].as_str().cmp(&b[key].as_str()));
    values
}

pub async fn from_store(store: &Store, tenant: Uuid) -> Snapshot {
    let all_members = store.group_members(tenant).await.unwrap();
    let mut groups: Vec<Value> = store
        .contact_groups(tenant)
        .await
        .unwrap()
        .into_iter()
        .map(|g| {
            let mut members: Vec<String> = all_members
                .iter()
                .copied()
                .filter(|(group, _)| *group == g.group_id)
                .map(|(_, contact)| contact.to_string())
                .collect();
            members.sort();
            serde_json::json!({ "group_id": g.group_id, "name": g.name, "members": members })
        })
        .collect();
    groups.sort_by(|a, b| a["group_id"].as_str().cmp(&b["group_id"].as_str()));
    Snapshot {
        invoices: sorted(store.invoices(tenant).await.unwrap(), "invoice_id"),
        contacts: sorted(store.contacts(tenant).await.unwrap(), "contact_id"),
        payments: sorted(store.payments(tenant).await.unwrap(), "payment_id"),
        credits: sorted(store.credits(tenant).await.unwrap(), "credit_id"),
        groups,
    }
}

/// Checks what matters most in the store against the sandbox's own records, without going through
/// the wire format or the conversion the sync uses: which sales invoices exist, and what each owes.
pub async fn assert_balances_match_world(store: &Store, sandbox: &Sandbox, tenant: Uuid) {
    use collectiq::sandbox::world::InvoiceState;
    let mut stored: Vec<(String, String, rust_decimal::Decimal)> = store
        .invoices(tenant)
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.invoice_id.to_string(), i.status.to_string(), i.amount_due))
        .collect();
    sandbox.state().catch_up();
    let world = collectiq::sandbox::state::lock(&sandbox.state().world);
    let org = world.iter().find(|o| o.tenant_id == tenant).unwrap();
    let mut expected: Vec<(String, String, rust_decimal::Decimal)> = org
        .invoices
        .iter()
        .filter(|i| i.visible && i.kind == collectiq::sandbox::world::InvoiceKind::Receivable)
        .map(|i| {
            let owed = match i.state {
                InvoiceState::Voided | InvoiceState::Deleted => 0,
                _ => i.total - i.paid - i.credited,
            };
            (i.id.to_string(), i.state.as_xero().to_string(), rust_decimal::Decimal::new(owed, 2))
        })
        .collect();
    expected.sort();
    stored.sort();
    assert_eq!(stored.len(), expected.len(), "as many sales invoices as the sandbox has");
    for (got, want) in stored.iter().zip(&expected) {
        assert_eq!(got, want);
    }
}

pub fn from_sandbox(sandbox: &Sandbox, tenant: Uuid) -> Snapshot {
    sandbox.state().catch_up();
    let world = collectiq::sandbox::state::lock(&sandbox.state().world);
    let org = world.iter().find(|o| o.tenant_id == tenant).expect("the organisation is in the sandbox");
    let invoices = (0..org.invoices.len() as u32)
        .filter(|&i| org.invoices[i as usize].visible && render::invoice_kind(&org.invoices[i as usize]) == "ACCREC")
        .map(|i| convert::invoice(tenant, &render::invoice(org, i, true)).unwrap())
        .collect();
    let contacts =
        (0..org.contacts.len() as u32).map(|c| convert::contact(tenant, &render::contact(org, c)).unwrap()).collect();
    // Payments of bills are not a customer's, and CollectIQ does not keep them.
    let payments = (0..org.payments.len() as u32)
        .filter(|&p| org.payments[p as usize].visible)
        .filter(|&p| {
            let invoice = &org.invoices[org.payments[p as usize].invoice as usize];
            invoice.kind == collectiq::sandbox::world::InvoiceKind::Receivable
        })
        .map(|p| convert::payment(tenant, &render::payment(org, p)).unwrap())
        .collect();
    let mut credits = Vec::new();
    for c in (0..org.credits.len() as u32).filter(|&c| org.credits[c as usize].visible) {
        let record = match org.credits[c as usize].kind {
            WorldCredit::CreditNote => convert::credit(tenant, CreditKind::CreditNote, render::credit(org, c).fields()),
            WorldCredit::Overpayment => {
                convert::credit(tenant, CreditKind::Overpayment, render::overpayment(org, c).fields())
            }
            WorldCredit::Prepayment => {
                convert::credit(tenant, CreditKind::Prepayment, render::prepayment(org, c).fields())
            }
        };
        credits.push(record.unwrap());
    }
    let mut groups: Vec<Value> = (0..org.groups.len())
        .map(|g| {
            let group = &org.groups[g];
            let mut members: Vec<String> =
                group.members.iter().map(|&m| org.contacts[m as usize].id.to_string()).collect();
            members.sort();
            serde_json::json!({ "group_id": group.id, "name": group.name, "members": members })
        })
        .collect();
    groups.sort_by(|a, b| a["group_id"].as_str().cmp(&b["group_id"].as_str()));
    Snapshot {
        invoices: sorted(invoices, "invoice_id"),
        contacts: sorted(contacts, "contact_id"),
        payments: sorted(payments, "payment_id"),
        credits: sorted(credits, "credit_id"),
        groups,
    }
}

#[allow(clippy::too_many_arguments)]
/// Asserts two snapshots are equal, naming the first record that is not.
pub fn assert_same(label: &str, got: &Snapshot, want: &Snapshot) {
    for (what, got, want, key) in [
        ("invoices", &got.invoices, &want.invoices, "invoice_id"),
        ("contacts", &got.contacts, &want.contacts, "contact_id"),
        ("payments", &got.payments, &want.payments, "payment_id"),
        ("credits", &got.credits, &want.credits, "credit_id"),
        ("groups", &got.groups, &want.groups, "group_id"),
    ] {
        if got == want {
            continue;
        }
        let missing: Vec<&Value> = want.iter().filter(|w| !got.iter().any(|g| g[key] == w[key])).collect();
        let extra: Vec<&Value> = got.iter().filter(|g| !want.iter().any(|w| g[key] == w[key])).collect();
        let differing = got
            .iter()
            .find_map(|g| want.iter().find(|w| w[key] == g[key] && *w != g).map(|w| format!("store: {g}\nwant:  {w}")));
        panic!(
            "{label}: {what} differ ({} in the store, {} wanted)\nmissing: {}\nextra: {}\nfirst difference:\n{}",
            got.len(),
            want.len(),
            missing.len(),
            extra.len(),
            differing.unwrap_or_else(|| "none".into())
        );
    }
}
