//! Keeping the store's copy of each organisation's receivables correct. Per organisation: its
//! settings, its contact groups (members refreshed on a full sync or once a day), then contacts,
//! sales invoices, payments, credit notes, overpayments and prepayments, each in passes of up to
//! 1,000 records a page.
//!
//! An incremental pass asks only for what changed since the last pass began (`If-Modified-Since`,
//! Xero's clock); a full pass (`--full`) reads everything and removes what Xero no longer lists,
//! catching the changes that do not move `UpdatedDateUTC`. Pages are stored a few at a time, each
//! time in one transaction with the cursor, so a pass cut short resumes at the page after the last
//! one stored. Pages come in
//! `UpdatedDateUTC` order; if a record changes mid-pass, later records shift back a place and
//! one could be missed, which shows as fewer records seen than Xero counted: the pass is read
//! again (twice at most), and a pass that never comes out whole neither moves its watermark nor
//! removes anything.

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::client::{ApiError, Get, XeroClient};
use super::convert::{self, Skipped};
use super::fetch::{Entity, PAGE_SIZE, Prefetch, fetch_by_ids};
use super::page_writer::Unstored;
use super::wire::{self, Envelope};
use crate::store::connections::OrganisationRecord;
use crate::store::cursors::Pass;
use crate::store::records::Records;
use crate::store::{Store, StoreError};

/// Contact group members are read again after this long (Xero has no cheap way to ask what
/// changed in them).
pub const GROUP_REFRESH: SignedDuration = SignedDuration::from_hours(24);
/// Passes run again at most this many times when a page shifted under them.
const SHIFT_RETRIES: u32 = 2;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncOptions {
    pub full: bool,
    /// Only what an email's freshness depends on: contacts (their addresses) and invoices (paid,
    /// voided, due dates moved), incrementally. Two calls when little has changed: what a batch
    /// that outlasts the freshness limit spends to stay fresh.
    pub freshness_only: bool,
}

/// What one entity's pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntityReport {
    pub entity: &'static str,
    pub fetched: u64,
    pub removed: usize,
    pub pages: u32,
}

/// What a sync of one organisation did.
#[derive(Clone, Debug, Default)]
pub struct OrgReport {
    pub tenant_id: Uuid,
    pub name: String,
    pub entities: Vec<EntityReport>,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<String>,
    /// Why it stopped (shared: a report is cloned for progress and summaries).
    pub error: Option<Arc<SyncError>>,
    pub calls: u64,
    pub retries: u64,
}

/// How a sync shows its progress: bars on a terminal, lines in a log.
pub trait Progress: Send + Sync {
    fn page(&self, org: &str, entity: &str, fetched: u64, total: u64);
    fn done(&self, org: &str, report: &OrgReport);
}

pub struct Quiet;

impl Progress for Quiet {
    fn page(&self, _: &str, _: &str, _: u64, _: u64) {}
    fn done(&self, _: &str, _: &OrgReport) {}
}

/// Why an organisation's sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// What to do about it, in plain words.
    pub fn help(&self) -> Option<String> {
        match self {
            SyncError::Api(error) => error.help(),
            SyncError::Store(error) => error.help(),
        }
    }
}

/// The organisation a sync is working on.
struct Target {
    name: String,
    tenant: Uuid,
    grant: i64,
}

/// What reading a pass's pages found.
struct PassRun {
    /// How many records Xero said match.
    counted: u64,
    /// Xero's clock when the pass began.
    started: Option<Timestamp>,
    /// Records read but not stored: skipped as unreadable, or not a customer's.
    not_kept: u64,
}

pub struct Syncer {
    client: Arc<XeroClient>,
    store: Store,
    progress: Arc<dyn Progress>,
}

impl Syncer {
    pub fn new(client: Arc<XeroClient>, store: Store, progress: Arc<dyn Progress>) -> Syncer {
        Syncer { client, store, progress }
    }

    /// Syncs every organisation given, at the same time, each within its own limits.
    pub async fn sync(&self, orgs: &[OrganisationRecord], options: SyncOptions) -> Vec<OrgReport> {
        futures_util::future::join_all(orgs.iter().map(|org| self.sync_org(org, options))).await
    }

    pub async fn sync_org(&self, org: &OrganisationRecord, options: SyncOptions) -> OrgReport {
        let tenant = org.organisation.tenant_id;
        let mut report = OrgReport { tenant_id: tenant, name: org.organisation.name.clone(), ..OrgReport::default() };
        let before = self.client.counts(tenant);
        let outcome = match org.grant_id {
            Some(grant) => self.sync_everything(org, grant, options, &mut report).await,
            None => Err(SyncError::Api(ApiError::Token(super::tokens::TokenError::NeedsReconnect(
                "the organisation is not connected".into(),
            )))),
        };
        let after = self.client.counts(tenant);
        report.calls = after.calls - before.calls;
        report.retries = after.retries - before.retries;
        // The store keeps the reason as text, for `orgs` and `/healthz`.
        let shown = outcome.as_ref().err().map(ToString::to_string);
        let recorded = self.store.record_sync(tenant, Timestamp::now(), options.full, shown.as_deref()).await;
        let error = match (outcome, recorded) {
            (Err(error), _) => Some(error),
            (Ok(()), Err(error)) => Some(SyncError::Store(error)),
            (Ok(()), Ok(())) => None,
        };
        report.error = error.map(Arc::new);
        self.progress.done(&report.name, &report);
        report
    }

    async fn sync_everything(
        &self,
        org: &OrganisationRecord,
        grant: i64,
        options: SyncOptions,
        report: &mut OrgReport,
    ) -> Result<(), SyncError> {
        let tenant = org.organisation.tenant_id;
        let entities: &[Entity] = if options.freshness_only && !options.full {
            &[Entity::Contacts, Entity::Invoices]
        } else {
            self.sync_settings(tenant, grant, report).await?;
            self.sync_groups(org, grant, options, report).await?;
            &Entity::ALL
        };
        let mut allocated = BTreeSet::new();
        let target = Target { name: report.name.clone(), tenant, grant };
        for &entity in entities {
            let entity_report = self.sync_entity(&target, entity, options, report, &mut allocated).await?;
            report.entities.push(entity_report);
        }
        if !options.full && !allocated.is_empty() {
            self.refetch_allocated(tenant, grant, allocated.into_iter().collect(), report).await?;
        }
        Ok(())
    }

    /// Xero does not always move an invoice's UpdatedDateUTC when credit is allocated to it, so
    /// an incremental pass would keep its old balance: the invoices named by allocations on credit
    /// that changed are read again, by id.
    async fn refetch_allocated(
        &self,
        tenant: Uuid,
        grant: i64,
        invoices: Vec<Uuid>,
        report: &mut OrgReport,
    ) -> Result<(), SyncError> {
        let answers =
            fetch_by_ids::<Envelope<wire::Invoices>>(&self.client, tenant, grant, "Invoices", invoices).await?;
        let mut kept = Vec::new();
        for answer in &answers {
            let sales: Vec<&wire::Invoice> =
                answer.items.items.iter().filter(|i| i.kind.as_deref() != Some("ACCPAY")).collect();
            let (converted, skipped) = convert::all(&sales, |i| convert::invoice(tenant, i));
            kept.extend(converted);
            report.skipped.extend(skipped);
        }
        self.store.save_records(tenant, Records::Invoices(kept)).await?;
        Ok(())
    }

    async fn sync_settings(&self, tenant: Uuid, grant: i64, report: &mut OrgReport) -> Result<(), SyncError> {
        let answer: Envelope<wire::Organisations> = self.client.get(tenant, grant, &Get::new("Organisation")).await?;
        let Some(found) = answer.items.items.first() else {
            return Err(SyncError::Api(ApiError::Unexpected {
                path: "Organisation".into(),
                why: "no organisation in the answer".into(),
            }));
        };
        let mut organisation = convert::organisation(tenant, found);
        let reminders: Envelope<wire::InvoiceReminders> =
            self.client.get(tenant, grant, &Get::new("InvoiceReminders/Settings")).await?;
        organisation.reminders_enabled = reminders.items.items.first().and_then(|r| r.enabled);
        if organisation.reminders_enabled == Some(true) {
            report.warnings.push(format!(
                "Xero's own invoice reminders are on for {}: customers may be chased twice. Turn them off in Xero \
                 (Invoice settings → Invoice reminders), or leave them on and keep your strategy gentle.",
                organisation.name
            ));
        }
        if organisation.zone.is_none() {
            report.warnings.push(format!(
                "{}'s time zone {:?} is not one CollectIQ knows; days are counted in UTC",
                organisation.name,
                organisation.timezone.as_deref().unwrap_or("(none)")
            ));
        }
        report.name = organisation.name.clone();
        self.store.save_organisation_settings(&organisation).await?;
        Ok(())
    }

    async fn sync_groups(
        &self,
        org: &OrganisationRecord,
        grant: i64,
        options: SyncOptions,
        report: &mut OrgReport,
    ) -> Result<(), SyncError> {
        let tenant = org.organisation.tenant_id;
        let answer: Envelope<wire::ContactGroups> = self.client.get(tenant, grant, &Get::new("ContactGroups")).await?;
        let (groups, skipped) = convert::all(&answer.items.items, |g| convert::contact_group(tenant, g));
        report.skipped.extend(skipped);
        let known: BTreeSet<Uuid> = self.store.contact_groups(tenant).await?.iter().map(|g| g.group_id).collect();
        let listed: BTreeSet<Uuid> = groups.iter().map(|g| g.group_id).collect();
        let stale = org
            .groups_refreshed_at
            .is_none_or(|at| at.checked_add(GROUP_REFRESH).is_ok_and(|due| due <= Timestamp::now()));
        if !(options.full || stale || known != listed) {
            self.store.replace_contact_groups(tenant, groups, None).await?;
            return Ok(());
        }
        let mut members = Vec::new();
        for group in groups.iter().filter(|g| g.status == "ACTIVE") {
            let path = format!("ContactGroups/{}", group.group_id);
            let answer: Envelope<wire::ContactGroups> = self.client.get(tenant, grant, &Get::new(path)).await?;
            for listed in &answer.items.items {
                for contact in listed.contacts.iter().flatten() {
                    if let Some(id) = contact.contact_id.as_deref().and_then(|c| Uuid::parse_str(c).ok()) {
                        members.push((group.group_id, id));
                    }
                }
            }
        }
        self.store.replace_contact_groups(tenant, groups, Some(members)).await?;
        self.store.record_groups_refreshed(tenant, Timestamp::now()).await?;
        Ok(())
    }

    async fn sync_entity(
        &self,
        target: &Target,
        entity: Entity,
        options: SyncOptions,
        report: &mut OrgReport,
        allocated: &mut BTreeSet<Uuid>,
    ) -> Result<EntityReport, SyncError> {
        let (tenant, name) = (target.tenant, entity.name());
        let mut result = EntityReport { entity: name, ..EntityReport::default() };
        let cursor = self.store.cursor(tenant, name).await?;
        let mut pass = match cursor.pass {
            Some(pass) if pass.full || !options.full => pass,
            _ => {
                let since = if options.full { None } else { cursor.modified_since };
                self.store.begin_pass(tenant, name, since, options.full).await?
            }
        };
        let mut shift_retries = 0;
        loop {
            let run = self.run_pass(target, entity, &pass, &mut result, report, allocated).await?;
            // Every record Xero counted must have been seen by this pass (its mark survives a
            // restart) or deliberately not kept. Fewer means a page shifted under the pass, or
            // the pass resumed after records it had read were lost: read it all again.
            let seen = self.store.seen_in_pass(tenant, name, &pass).await?;
            let whole = seen + run.not_kept >= run.counted;
            if !whole && shift_retries < SHIFT_RETRIES {
                shift_retries += 1;
                pass = self.store.begin_pass(tenant, name, pass.since, pass.full).await?;
                continue;
            }
            if !whole {
                report.warnings.push(format!(
                    "{name}: Xero counted {} but the pass saw {}; nothing was removed and the next sync will ask again",
                    run.counted,
                    seen + run.not_kept
                ));
            }
            // Only a whole pass moves the watermark on, or removes what it did not see.
            let watermark = if whole { run.started } else { None };
            let pass = Pass { full: pass.full && whole, ..pass };
            result.removed = self.store.finish_pass(tenant, name, &pass, watermark).await?;
            return Ok(result);
        }
    }

    /// Reads a pass's pages from where it stands to the last, stored with their cursor a few
    /// pages at a time. Gives how many records Xero counted and when (by Xero's clock) the pass
    /// began.
    async fn run_pass(
        &self,
        target: &Target,
        entity: Entity,
        pass: &Pass,
        result: &mut EntityReport,
        report: &mut OrgReport,
        allocated: &mut BTreeSet<Uuid>,
    ) -> Result<PassRun, SyncError> {
        let (mut started, mut page, mut counted, mut not_kept) = (pass.started, pass.next_page, 0u64, 0u64);
        let mut next = Prefetch::start(&self.client, (target.tenant, target.grant), entity, page, pass.since);
        let mut unstored = Unstored::new(&self.store, target.tenant, entity.name(), pass);
        loop {
            let fetched = match next.finish().await {
                Ok(fetched) => fetched,
                Err(error) => {
                    // What was read is kept, so that the next sync resumes after it; the failed
                    // call is what this sync reports (a store that fails too fails the next).
                    if let Err(also) = unstored.store_all(started).await {
                        report
                            .warnings
                            .push(format!("the {} read before the failure were not stored: {also}", entity.name()));
                    }
                    return Err(error.into());
                }
            };
            // Xero's page count spares the call that would find the page after the last empty.
            let full_page =
                fetched.items >= PAGE_SIZE as usize && fetched.pagination.is_none_or(|p| page < p.page_count);
            // The next page is on its way while this one is stored.
            next = if full_page {
                Prefetch::start(&self.client, (target.tenant, target.grant), entity, page + 1, pass.since)
            } else {
                Prefetch::none()
            };
            started = started.or(fetched.server_time).or_else(|| Some(Timestamp::now()));
            not_kept += fetched.not_kept();
            counted = fetched.pagination.map(|p| p.item_count).unwrap_or(counted);
            // Only changed credit: on a first or full pass, the invoices were just read anyway.
            if let (Records::Credits(_, credits), Some(_)) = (&fetched.records, pass.since) {
                allocated.extend(credits.iter().flat_map(|c| c.allocations.iter().map(|a| a.invoice_id)));
            }
            unstored.add(fetched.records, page + 1);
            if !full_page {
                unstored.store_all(started).await?;
            } else if unstored.is_full() {
                unstored.store(started).await?;
            }
            report.skipped.extend(fetched.skipped);
            result.fetched += fetched.items as u64;
            result.pages += 1;
            self.progress.page(&target.name, entity.name(), result.fetched, counted);
            if !full_page {
                return Ok(PassRun { counted, started, not_kept });
            }
            page += 1;
        }
    }
}
