//! Connections: OAuth grants (one token may reach many organisations) and the organisations
//! they reach, with each organisation's settings and sync state.
//!
//! Refreshing a token is guarded by a lease in the database, so that two processes refreshing at
//! once never both spend the same refresh token: one refreshes, the other waits and then uses
//! what the first stored.
//!
//! The tokens themselves are stored sealed (`sealed.rs`): they are sealed here on the way in and
//! opened on the way out, so nothing outside the store sees a sealed value.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use uuid::Uuid;

use super::codec::{format_time, id, instant, optional_id, optional_instant};
use super::sealed::{Column, Keys};
use super::{Database, Doing, Result};
use crate::ledger::records::Organisation;
use crate::store::connections::{Connected, Grant, GrantStatus, Lease, OrganisationRecord, TokenHealth, Tokens};
use crate::store::sealed::LockedTokens;

/// A grant as stored: its tokens still sealed.
struct StoredGrant {
    id: i64,
    client_id: String,
    scopes: String,
    access_token: String,
    access_expires_at: Timestamp,
    refresh_token: Option<String>,
    refreshed_at: Timestamp,
    status: GrantStatus,
}

impl StoredGrant {
    fn open(self, keys: &Keys) -> std::result::Result<Grant, LockedTokens> {
        Ok(Grant {
            access_token: keys.open(self.id, Column::Access, &self.access_token)?,
            refresh_token: self.refresh_token.map(|r| keys.open(self.id, Column::Refresh, &r)).transpose()?,
            id: self.id,
            client_id: self.client_id,
            scopes: self.scopes,
            access_expires_at: self.access_expires_at,
            refreshed_at: self.refreshed_at,
            status: self.status,
        })
    }
}

fn grant_from(row: &Row<'_>) -> rusqlite::Result<StoredGrant> {
    let status: String = row.get("status")?;
    let reason: Option<String> = row.get("status_reason")?;
    Ok(StoredGrant {
        id: row.get("id")?,
        client_id: row.get("client_id")?,
        scopes: row.get("scopes")?,
        access_token: row.get("access_token")?,
        access_expires_at: instant(row, "access_expires_at")?,
        refresh_token: row.get("refresh_token")?,
        refreshed_at: instant(row, "refreshed_at")?,
        status: if status == "active" {
            GrantStatus::Active
        } else {
            GrantStatus::NeedsReconnect(reason.unwrap_or_default())
        },
    })
}

fn organisation_from(row: &Row<'_>) -> rusqlite::Result<OrganisationRecord> {
    let reminders: Option<i64> = row.get("reminders_enabled")?;
    Ok(OrganisationRecord {
        organisation: Organisation {
            tenant_id: id(row, "tenant_id")?,
            name: row.get("name")?,
            base_currency: row.get::<_, Option<String>>("base_currency")?.unwrap_or_default(),
            timezone: row.get("timezone")?,
            zone: row.get("zone")?,
            short_code: row.get("short_code")?,
            reminders_enabled: reminders.map(|r| r != 0),
            country_code: row.get("country_code")?,
        },
        grant_id: row.get("grant_id")?,
        connection_id: optional_id(row, "connection_id")?,
        connected_at: instant(row, "connected_at")?,
        last_sync_at: optional_instant(row, "last_sync_at")?,
        last_full_sync_at: optional_instant(row, "last_full_sync_at")?,
        last_sync_error: row.get("last_sync_error")?,
        groups_refreshed_at: optional_instant(row, "groups_refreshed_at")?,
    })
}

/// A grant's access and refresh tokens, sealed for their columns of its row.
fn sealed_tokens(keys: &Keys, grant: i64, tokens: &Tokens) -> Result<(String, Option<String>)> {
    let access = keys.seal(grant, Column::Access, &tokens.access_token).doing("save the Xero tokens")?;
    let refresh = tokens
        .refresh_token
        .as_ref()
        .map(|token| keys.seal(grant, Column::Refresh, token))
        .transpose()
        .doing("save the Xero tokens")?;
    Ok((access, refresh))
}

impl Database {
    pub fn add_grant(&mut self, client_id: &str, tokens: &Tokens, orgs: &[Connected], now: Timestamp) -> Result<i64> {
        let tx = self.conn.transaction().doing("start saving a connection")?;
        // The tokens are sealed for their row, whose id the insert gives: the row is made with
        // none, then given them sealed, in the same transaction.
        tx.execute(
            "INSERT INTO grants (client_id, scopes, access_token, access_expires_at, refresh_token, refreshed_at)
             VALUES (?1, ?2, '', ?3, NULL, ?4)",
            params![client_id, tokens.scopes, format_time(tokens.expires_at), format_time(now)],
        )
        .doing("save a connection")?;
        let grant = tx.last_insert_rowid();
        let (access, refresh) = sealed_tokens(&self.keys, grant, tokens)?;
        tx.execute(
            "UPDATE grants SET access_token = ?1, refresh_token = ?2 WHERE id = ?3",
            params![access, refresh, grant],
        )
        .doing("save the Xero tokens")?;
        for org in orgs {
            tx.execute(
                "INSERT INTO organisations (tenant_id, grant_id, connection_id, name, connected_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (tenant_id) DO UPDATE SET grant_id = excluded.grant_id,
                     connection_id = excluded.connection_id, name = excluded.name",
                params![
                    org.tenant_id.to_string(),
                    grant,
                    org.connection_id.map(|c| c.to_string()),
                    org.name,
                    format_time(now)
                ],
            )
            .doing("save a connected organisation")?;
        }
        // Grants no organisation uses any more are dead weight holding live tokens.
        tx.execute(
            "DELETE FROM grants WHERE id NOT IN (SELECT grant_id FROM organisations WHERE grant_id IS NOT NULL)",
            [],
        )
        .doing("forget unused grants")?;
        tx.commit().doing("save a connection")?;
        Ok(grant)
    }

    pub fn grant(&self, grant: i64) -> Result<Option<Grant>> {
        self.stored_grant(grant)?.map(|stored| stored.open(&self.keys)).transpose().doing("read the Xero tokens")
    }

    fn stored_grant(&self, grant: i64) -> Result<Option<StoredGrant>> {
        self.conn()
            .query_row("SELECT * FROM grants WHERE id = ?1", [grant], grant_from)
            .optional()
            .doing("read a grant")
    }

    pub fn take_refresh_lease(
        &mut self,
        grant: i64,
        owner: &str,
        now: Timestamp,
        good_until: Timestamp,
        hold: SignedDuration,
    ) -> Result<Lease> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing("lock a grant")?;
        let row: Option<(StoredGrant, Option<String>, Option<String>)> = tx
            .query_row("SELECT * FROM grants WHERE id = ?1", [grant], |row| {
                Ok((grant_from(row)?, row.get("lease_owner")?, row.get("lease_until")?))
            })
            .optional()
            .doing("read a grant")?;
        let Some((record, lease_owner, lease_until)) = row else {
            return Ok(Lease::NeedsReconnect("this organisation is not connected".into()));
        };
        if let GrantStatus::NeedsReconnect(reason) = &record.status {
            return Ok(Lease::NeedsReconnect(reason.clone()));
        }
        let record = record.open(&self.keys).doing("read the Xero tokens")?;
        if record.access_expires_at > good_until {
            return Ok(Lease::Fresh(record));
        }
        let held_by_other = lease_owner.as_deref().is_some_and(|o| o != owner)
            && lease_until.as_deref().and_then(super::codec::parse_time).is_some_and(|until| until > now);
        if held_by_other {
            return Ok(Lease::Busy);
        }
        let until = now.checked_add(hold).unwrap_or(now);
        tx.execute(
            "UPDATE grants SET lease_owner = ?1, lease_until = ?2 WHERE id = ?3",
            params![owner, format_time(until), grant],
        )
        .doing("take the refresh lease")?;
        tx.commit().doing("take the refresh lease")?;
        Ok(Lease::Taken(record))
    }

    pub fn save_tokens(&mut self, grant: i64, tokens: &Tokens, now: Timestamp) -> Result<()> {
        let (access, refresh) = sealed_tokens(&self.keys, grant, tokens)?;
        self.conn()
            .execute(
                "UPDATE grants SET access_token = ?1, access_expires_at = ?2,
                     refresh_token = COALESCE(?3, refresh_token), scopes = ?4, refreshed_at = ?5,
                     status = 'active', status_reason = NULL, lease_owner = NULL, lease_until = NULL
                 WHERE id = ?6",
                params![access, format_time(tokens.expires_at), refresh, tokens.scopes, format_time(now), grant],
            )
            .doing("save refreshed tokens")?;
        Ok(())
    }

    pub fn release_lease(&mut self, grant: i64, owner: &str) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE grants SET lease_owner = NULL, lease_until = NULL WHERE id = ?1 AND lease_owner = ?2",
                params![grant, owner],
            )
            .doing("release the refresh lease")?;
        Ok(())
    }

    pub fn mark_needs_reconnect(&mut self, grant: i64, reason: &str) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE grants SET status = 'needs_reconnect', status_reason = ?1, lease_owner = NULL,
                     lease_until = NULL WHERE id = ?2",
                params![reason, grant],
            )
            .doing("mark a grant as needing reconnection")?;
        Ok(())
    }

    pub fn organisations(&self) -> Result<Vec<OrganisationRecord>> {
        let mut statement =
            self.conn().prepare("SELECT * FROM organisations ORDER BY name, tenant_id").doing("list organisations")?;
        let rows = statement.query_map([], organisation_from).doing("list organisations")?;
        rows.collect::<rusqlite::Result<_>>().doing("read organisations")
    }

    pub fn organisation(&self, tenant: Uuid) -> Result<Option<OrganisationRecord>> {
        self.conn()
            .query_row("SELECT * FROM organisations WHERE tenant_id = ?1", [tenant.to_string()], organisation_from)
            .optional()
            .doing("read an organisation")
    }

    pub fn save_organisation_settings(&mut self, org: &Organisation) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE organisations SET name = ?1, base_currency = ?2, timezone = ?3, zone = ?4,
                     short_code = ?5, reminders_enabled = COALESCE(?6, reminders_enabled),
                     country_code = COALESCE(?8, country_code)
                 WHERE tenant_id = ?7",
                params![
                    org.name,
                    org.base_currency,
                    org.timezone,
                    org.zone,
                    org.short_code,
                    org.reminders_enabled.map(i64::from),
                    org.tenant_id.to_string(),
                    org.country_code
                ],
            )
            .doing("save organisation settings")?;
        Ok(())
    }

    pub fn record_sync(&mut self, tenant: Uuid, at: Timestamp, full: bool, error: Option<&str>) -> Result<()> {
        let when = format_time(at);
        let sql = match (error, full) {
            (Some(_), _) => "UPDATE organisations SET last_sync_error = ?1 WHERE tenant_id = ?3",
            (None, true) => {
                "UPDATE organisations SET last_sync_at = ?2, last_full_sync_at = ?2, last_sync_error = ?1 WHERE tenant_id = ?3"
            }
            (None, false) => "UPDATE organisations SET last_sync_at = ?2, last_sync_error = ?1 WHERE tenant_id = ?3",
        };
        self.conn().execute(sql, params![error, when, tenant.to_string()]).doing("record a sync")?;
        Ok(())
    }

    pub fn record_groups_refreshed(&mut self, tenant: Uuid, at: Timestamp) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE organisations SET groups_refreshed_at = ?1 WHERE tenant_id = ?2",
                params![format_time(at), tenant.to_string()],
            )
            .doing("record a group refresh")?;
        Ok(())
    }

    pub fn remove_organisation(&mut self, tenant: Uuid) -> Result<()> {
        let tx = self.conn_mut().transaction().doing("start removing an organisation")?;
        for table in [
            "contacts",
            "contact_persons",
            "contact_groups",
            "contact_group_members",
            "invoices",
            "payments",
            "credits",
            "allocations",
            "sync_cursors",
            "webhook_events",
            "organisations",
        ] {
            tx.execute(&format!("DELETE FROM {table} WHERE tenant_id = ?1"), [tenant.to_string()])
                .doing(&format!("remove the organisation's {table}"))?;
        }
        tx.execute(
            "DELETE FROM grants WHERE id NOT IN (SELECT grant_id FROM organisations WHERE grant_id IS NOT NULL)",
            [],
        )
        .doing("forget unused grants")?;
        tx.commit().doing("remove an organisation")
    }
}

impl Database {
    pub fn token_health(&self, org: &OrganisationRecord, now: Timestamp) -> Result<TokenHealth> {
        Ok(match org.grant_id.map(|g| self.stored_grant(g)).transpose()?.flatten() {
            None => TokenHealth::NotConnected,
            Some(StoredGrant { status: GrantStatus::NeedsReconnect(reason), .. }) => {
                TokenHealth::NeedsReconnect(reason)
            }
            Some(grant) => match grant.open(&self.keys) {
                Err(locked) => TokenHealth::Unreadable(locked.to_string()),
                Ok(grant) if grant.access_expires_at > now => TokenHealth::Connected,
                Ok(_) => TokenHealth::ToRefresh,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn tokens(access: &str, refresh: &str, expires: &str) -> Tokens {
        Tokens {
            access_token: Secret::new(access),
            expires_at: at(expires),
            refresh_token: Some(Secret::new(refresh)),
            scopes: "offline_access".into(),
        }
    }

    fn store() -> Database {
        let mut store = Database::open_in_memory().unwrap();
        store.use_key(crate::secret::key_file::TokenKey::ephemeral(std::path::Path::new("/test/token.key"))).unwrap();
        store
    }

    #[test]
    fn the_refresh_lease_goes_to_one_process_at_a_time() {
        let mut store = store();
        let now = at("2026-11-25T12:00:00Z");
        let tenant = Connected { tenant_id: Uuid::from_u128(1), name: "Harbour".into(), connection_id: None };
        let grant = store.add_grant("client", &tokens("a1", "r1", "2026-11-25T12:30:00Z"), &[tenant], now).unwrap();
        let hold = SignedDuration::from_secs(30);
        let soon = at("2026-11-25T12:10:00Z");
        assert!(matches!(store.take_refresh_lease(grant, "p1", now, soon, hold).unwrap(), Lease::Fresh(_)));

        let late = at("2026-11-25T12:29:00Z");
        let later = at("2026-11-25T12:31:00Z");
        assert!(matches!(store.take_refresh_lease(grant, "p1", late, later, hold).unwrap(), Lease::Taken(_)));
        assert!(matches!(store.take_refresh_lease(grant, "p2", late, later, hold).unwrap(), Lease::Busy));
        store.save_tokens(grant, &tokens("a2", "r2", "2026-11-25T12:59:00Z"), late).unwrap();
        match store.take_refresh_lease(grant, "p2", late, later, hold).unwrap() {
            Lease::Fresh(g) => assert_eq!(g.refresh_token.unwrap().expose(), "r2"),
            other => panic!("{other:?}"),
        }
        // A lease left behind by a crashed process lapses.
        let much_later = at("2026-11-25T13:30:00Z");
        let after = at("2026-11-25T13:31:00Z");
        assert!(matches!(store.take_refresh_lease(grant, "p1", much_later, after, hold).unwrap(), Lease::Taken(_)));
        let lapse = at("2026-11-25T13:31:00Z");
        assert!(matches!(store.take_refresh_lease(grant, "p2", lapse, after, hold).unwrap(), Lease::Taken(_)));

        store.mark_needs_reconnect(grant, "the refresh token was refused").unwrap();
        assert!(matches!(store.take_refresh_lease(grant, "p2", lapse, after, hold).unwrap(), Lease::NeedsReconnect(_)));
    }

    #[test]
    fn tokens_are_stored_sealed_and_another_key_shows_in_token_health() {
        let mut store = store();
        let now = at("2026-11-25T12:00:00Z");
        let org = Connected { tenant_id: Uuid::from_u128(1), name: "Harbour".into(), connection_id: None };
        let grant =
            store.add_grant("c", &tokens("access-1", "refresh-1", "2026-11-25T12:30:00Z"), &[org], now).unwrap();
        let (access, refresh): (String, String) = store
            .conn()
            .query_row("SELECT access_token, refresh_token FROM grants WHERE id = ?1", [grant], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert!(access.starts_with("ciq1:") && refresh.starts_with("ciq1:"), "{access} {refresh}");
        assert!(!access.contains("access-1") && !refresh.contains("refresh-1"));
        store.save_tokens(grant, &tokens("access-2", "refresh-2", "2026-11-25T13:00:00Z"), now).unwrap();
        let saved = store.grant(grant).unwrap().unwrap();
        assert_eq!((saved.access_token.expose(), saved.refresh_token.unwrap().expose()), ("access-2", "refresh-2"));
        let record = store.organisations().unwrap().remove(0);
        assert_eq!(store.token_health(&record, now).unwrap(), TokenHealth::Connected);

        store.use_key(crate::secret::key_file::TokenKey::ephemeral(std::path::Path::new("/other/token.key"))).unwrap();
        let health = store.token_health(&record, now).unwrap();
        assert!(!health.usable());
        let said = health.to_string();
        assert!(said.contains("/other/token.key") && said.contains("collectiq connect"), "{said}");
        assert!(store.grant(grant).is_err(), "never the plain text, never a panic");
        let hold = SignedDuration::from_secs(30);
        assert!(store.take_refresh_lease(grant, "p", now, at("2026-11-25T14:00:00Z"), hold).is_err());
    }

    #[test]
    fn reconnecting_moves_organisations_to_the_new_grant_and_forgets_the_old() {
        let mut store = store();
        let now = at("2026-11-25T12:00:00Z");
        let org = |n: u128| Connected { tenant_id: Uuid::from_u128(n), name: format!("Org {n}"), connection_id: None };
        let first = store.add_grant("c", &tokens("a", "r", "2026-11-25T12:30:00Z"), &[org(1), org(2)], now).unwrap();
        let second = store.add_grant("c", &tokens("b", "s", "2026-11-25T12:30:00Z"), &[org(1), org(2)], now).unwrap();
        assert!(store.grant(first).unwrap().is_none());
        let orgs = store.organisations().unwrap();
        assert_eq!(orgs.len(), 2);
        assert!(orgs.iter().all(|o| o.grant_id == Some(second)));
        store.remove_organisation(Uuid::from_u128(1)).unwrap();
        assert_eq!(store.organisations().unwrap().len(), 1);
        assert!(store.grant(second).unwrap().is_some());
    }
}
