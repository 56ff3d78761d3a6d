//! Reading Xero's paged entities: which endpoint each comes from, one page fetched and read into
//! records (the next fetched while this one is stored), and records fetched by id after a
//! webhook.

use std::sync::Arc;

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::client::{ApiError, Get, XeroClient};
use super::convert::{self, CreditRecord, Skipped};
use super::wire::{self, Envelope, Pagination};
use crate::ledger::records::CreditKind;
use crate::store::records::Records;

/// Records a page asks for: a page of fewer is the last.
pub const PAGE_SIZE: u32 = 1000;

/// The paged entities, in the order they are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    Contacts,
    Invoices,
    Payments,
    Credits(CreditKind),
}

impl Entity {
    pub const ALL: [Entity; 6] = [
        Entity::Contacts,
        Entity::Invoices,
        Entity::Payments,
        Entity::Credits(CreditKind::CreditNote),
        Entity::Credits(CreditKind::Overpayment),
        Entity::Credits(CreditKind::Prepayment),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Entity::Contacts => "contacts",
            Entity::Invoices => "invoices",
            Entity::Payments => "payments",
            Entity::Credits(CreditKind::CreditNote) => "credit_notes",
            Entity::Credits(CreditKind::Overpayment) => "overpayments",
            Entity::Credits(CreditKind::Prepayment) => "prepayments",
        }
    }

    pub(super) fn request(self, page: u32, since: Option<Timestamp>) -> Get {
        let path = match self {
            Entity::Contacts => "Contacts",
            Entity::Invoices => "Invoices",
            Entity::Payments => "Payments",
            Entity::Credits(CreditKind::CreditNote) => "CreditNotes",
            Entity::Credits(CreditKind::Overpayment) => "Overpayments",
            Entity::Credits(CreditKind::Prepayment) => "Prepayments",
        };
        let mut get =
            Get::new(path).param("page", page).param("pageSize", PAGE_SIZE).param("order", "UpdatedDateUTC ASC");
        if self == Entity::Contacts {
            // Archived customers may still owe; Xero leaves them out unless asked.
            get = get.param("includeArchived", "true");
        }
        if self == Entity::Invoices {
            // Only sales invoices are chased; bills never are.
            get = get.param("where", "Type==\"ACCREC\"").param("summaryOnly", "true");
        }
        get.since(since)
    }
}

/// One page as fetched.
pub(super) struct Fetched {
    pub(super) records: Records,
    pub(super) skipped: Vec<Skipped>,
    /// Records deliberately not kept: supplier payments and credit.
    pub(super) ignored: usize,
    /// Every record on the page, read or not: a page of fewer than 1,000 is the last.
    pub(super) items: usize,
    pub(super) pagination: Option<Pagination>,
    pub(super) server_time: Option<Timestamp>,
}

impl Fetched {
    /// Records on the page that were not stored, for or against a reason.
    pub(super) fn not_kept(&self) -> u64 {
        (self.skipped.len() + self.ignored) as u64
    }
}

/// A page being fetched in a task of its own, so that fetching one page and storing the one
/// before it overlap. Dropped unfinished (the sync failed), the fetch is abandoned.
pub(super) struct Prefetch(Option<tokio::task::JoinHandle<Result<Fetched, ApiError>>>);

impl Prefetch {
    pub(super) fn start(
        client: &Arc<XeroClient>,
        (tenant, grant): (Uuid, i64),
        entity: Entity,
        page: u32,
        since: Option<Timestamp>,
    ) -> Prefetch {
        let client = client.clone();
        Prefetch(Some(tokio::spawn(
            async move { fetch(&client, tenant, grant, entity, entity.request(page, since)).await },
        )))
    }

    pub(super) fn none() -> Prefetch {
        Prefetch(None)
    }

    pub(super) async fn finish(&mut self) -> Result<Fetched, ApiError> {
        let task = self.0.take().expect("a page is being fetched");
        task.await.unwrap_or_else(|error| {
            Err(ApiError::Unexpected { path: "a page".into(), why: format!("the fetch stopped: {error}") })
        })
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// One page of an entity, converted.
pub(super) async fn fetch(
    client: &XeroClient,
    tenant: Uuid,
    grant: i64,
    entity: Entity,
    get: Get,
) -> Result<Fetched, ApiError> {
    match entity {
        Entity::Contacts => {
            let answer: Envelope<wire::Contacts> = client.get(tenant, grant, &get).await?;
            let (kept, skipped) = convert::all(&answer.items.items, |c| convert::contact(tenant, c));
            Ok(fetched(&answer, "contact", Records::Contacts(kept), skipped, 0))
        }
        Entity::Invoices => {
            let answer: Envelope<wire::Invoices> = client.get(tenant, grant, &get).await?;
            let (kept, skipped) = convert::all(&answer.items.items, |i| convert::invoice(tenant, i));
            Ok(fetched(&answer, "invoice", Records::Invoices(kept), skipped, 0))
        }
        Entity::Payments => {
            let answer: Envelope<wire::Payments> = client.get(tenant, grant, &get).await?;
            // Payments of bills are not a customer's.
            let sales: Vec<&wire::Payment> = answer
                .items
                .items
                .iter()
                .filter(|p| p.payment_type.as_deref().is_none_or(|t| t == "ACCRECPAYMENT"))
                .collect();
            let ignored = answer.items.items.len() - sales.len();
            let (kept, skipped) = convert::all(&sales, |p| convert::payment(tenant, p));
            Ok(fetched(&answer, "payment", Records::Payments(kept), skipped, ignored))
        }
        Entity::Credits(kind) => fetch_credits(client, tenant, grant, kind, get).await,
    }
}

async fn fetch_credits(
    client: &XeroClient,
    tenant: Uuid,
    grant: i64,
    kind: CreditKind,
    get: Get,
) -> Result<Fetched, ApiError> {
    match kind {
        CreditKind::CreditNote => {
            let answer: Envelope<wire::CreditNotes> = client.get(tenant, grant, &get).await?;
            Ok(credits(&answer, &answer.items.items, tenant, kind))
        }
        CreditKind::Overpayment => {
            let answer: Envelope<wire::Overpayments> = client.get(tenant, grant, &get).await?;
            Ok(credits(&answer, &answer.items.items, tenant, kind))
        }
        CreditKind::Prepayment => {
            let answer: Envelope<wire::Prepayments> = client.get(tenant, grant, &get).await?;
            Ok(credits(&answer, &answer.items.items, tenant, kind))
        }
    }
}

fn fetched<T>(
    answer: &Envelope<T>,
    kind: &'static str,
    records: Records,
    skipped: Vec<Skipped>,
    ignored: usize,
) -> Fetched {
    let unreadable = answer.unreadable.iter().map(|why| Skipped { kind, id: None, why: why.clone() });
    let skipped: Vec<Skipped> = skipped.into_iter().chain(unreadable).collect();
    Fetched {
        items: records.len() + skipped.len() + ignored,
        records,
        skipped,
        ignored,
        pagination: answer.pagination,
        server_time: answer.date_time_utc.map(|d| d.0),
    }
}

/// Xero's credit types that are a customer's, not a supplier's.
const SALES_CREDIT: [&str; 3] = ["ACCRECCREDIT", "RECEIVE-OVERPAYMENT", "RECEIVE-PREPAYMENT"];

fn credits<T, W: CreditRecord>(answer: &Envelope<T>, items: &[W], tenant: Uuid, kind: CreditKind) -> Fetched {
    let sales: Vec<&W> =
        items.iter().filter(|c| c.fields().kind.is_none_or(|k| SALES_CREDIT.contains(&k.as_str()))).collect();
    let ignored = items.len() - sales.len();
    let (kept, skipped) = convert::all(&sales, |c| convert::credit(tenant, kind, c.fields()));
    let label = match kind {
        CreditKind::CreditNote => "credit note",
        CreditKind::Overpayment => "overpayment",
        CreditKind::Prepayment => "prepayment",
    };
    fetched(answer, label, Records::Credits(kind, kept), skipped, ignored)
}

/// Fetches invoices or contacts by id (after webhooks), in batches of at most 50 ids.
pub async fn fetch_by_ids<T: DeserializeOwned>(
    client: &XeroClient,
    tenant: Uuid,
    grant: i64,
    path: &str,
    ids: Vec<Uuid>,
) -> Result<Vec<T>, ApiError> {
    // Built before the first call, so that no borrowed slice lives across an await.
    let batches: Vec<String> =
        ids.chunks(50).map(|batch| batch.iter().map(|id| id.to_string()).collect::<Vec<_>>().join(",")).collect();
    let mut answers = Vec::new();
    for joined in batches {
        answers.push(client.get::<T>(tenant, grant, &Get::new(path).param("IDs", joined)).await?);
    }
    Ok(answers)
}
