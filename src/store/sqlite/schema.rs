//! The store's schema, as numbered migrations. `PRAGMA user_version` records how far a database
//! has come; each migration runs once, in its own transaction.

/// Receivables tables are ordinary rowid tables (rows are appended; the primary key is a separate
/// index), except invoices, which since migration 5 are kept in customer order. Each row records
/// the last sync pass that saw it, so that a full pass can remove what it did not see without
/// keeping a list of what it did.
pub const MIGRATIONS: &[&str] = &[
    // 1: connections, receivables, sync cursors and webhook events.
    r#"
    CREATE TABLE grants (
        id                INTEGER PRIMARY KEY,
        client_id         TEXT NOT NULL,
        scopes            TEXT NOT NULL,
        access_token      TEXT NOT NULL,
        access_expires_at TEXT NOT NULL,
        refresh_token     TEXT,
        refreshed_at      TEXT NOT NULL,
        status            TEXT NOT NULL DEFAULT 'active',
        status_reason     TEXT,
        lease_owner       TEXT,
        lease_until       TEXT
    );
    CREATE TABLE organisations (
        tenant_id           TEXT PRIMARY KEY,
        grant_id            INTEGER REFERENCES grants(id) ON DELETE SET NULL,
        connection_id       TEXT,
        name                TEXT NOT NULL,
        base_currency       TEXT,
        timezone            TEXT,
        zone                TEXT,
        short_code          TEXT,
        reminders_enabled   INTEGER,
        connected_at        TEXT NOT NULL,
        last_sync_at        TEXT,
        last_full_sync_at   TEXT,
        last_sync_error     TEXT,
        groups_refreshed_at TEXT
    );
    CREATE TABLE contacts (
        tenant_id  TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        name       TEXT NOT NULL,
        first_name TEXT,
        last_name  TEXT,
        email      TEXT,
        status     TEXT NOT NULL,
        currency   TEXT,
        updated    TEXT NOT NULL,
        pass       INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, contact_id)
    );
    CREATE TABLE contact_persons (
        tenant_id         TEXT NOT NULL,
        contact_id        TEXT NOT NULL,
        position          INTEGER NOT NULL,
        first_name        TEXT,
        last_name         TEXT,
        email             TEXT,
        include_in_emails INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, contact_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE contact_groups (
        tenant_id TEXT NOT NULL,
        group_id  TEXT NOT NULL,
        name      TEXT NOT NULL,
        status    TEXT NOT NULL,
        PRIMARY KEY (tenant_id, group_id)
    ) WITHOUT ROWID;
    CREATE TABLE contact_group_members (
        tenant_id  TEXT NOT NULL,
        group_id   TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        PRIMARY KEY (tenant_id, group_id, contact_id)
    ) WITHOUT ROWID;
    CREATE TABLE invoices (
        tenant_id             TEXT NOT NULL,
        invoice_id            TEXT NOT NULL,
        number                TEXT NOT NULL,
        reference             TEXT,
        contact_id            TEXT NOT NULL,
        status                TEXT NOT NULL,
        date                  TEXT NOT NULL,
        due_date              TEXT NOT NULL,
        currency              TEXT NOT NULL,
        currency_rate         TEXT NOT NULL,
        total                 TEXT NOT NULL,
        amount_due            TEXT NOT NULL,
        amount_paid           TEXT NOT NULL,
        amount_credited       TEXT NOT NULL,
        expected_payment_date TEXT,
        fully_paid_on         TEXT,
        repeating_invoice_id  TEXT,
        updated               TEXT NOT NULL,
        pass       INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, invoice_id)
    );
    CREATE INDEX invoices_by_status ON invoices (tenant_id, status);
    CREATE INDEX invoices_by_contact ON invoices (tenant_id, contact_id);
    CREATE TABLE payments (
        tenant_id  TEXT NOT NULL,
        payment_id TEXT NOT NULL,
        invoice_id TEXT,
        date       TEXT NOT NULL,
        amount     TEXT NOT NULL,
        status     TEXT NOT NULL,
        updated    TEXT NOT NULL,
        pass       INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, payment_id)
    );
    CREATE TABLE credits (
        tenant_id  TEXT NOT NULL,
        credit_id  TEXT NOT NULL,
        kind       TEXT NOT NULL,
        number     TEXT,
        contact_id TEXT,
        date       TEXT,
        status     TEXT NOT NULL,
        currency   TEXT,
        total      TEXT NOT NULL,
        remaining  TEXT NOT NULL,
        updated    TEXT NOT NULL,
        pass       INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, credit_id)
    );
    CREATE TABLE allocations (
        tenant_id  TEXT NOT NULL,
        credit_id  TEXT NOT NULL,
        position   INTEGER NOT NULL,
        invoice_id TEXT NOT NULL,
        amount     TEXT NOT NULL,
        date       TEXT,
        PRIMARY KEY (tenant_id, credit_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE sync_cursors (
        tenant_id      TEXT NOT NULL,
        entity         TEXT NOT NULL,
        modified_since TEXT,
        pass_since     TEXT,
        pass_started   TEXT,
        next_page      INTEGER,
        pass_full      INTEGER NOT NULL DEFAULT 0,
        pass_number    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, entity)
    ) WITHOUT ROWID;
    CREATE TABLE webhook_events (
        id           INTEGER PRIMARY KEY,
        tenant_id    TEXT NOT NULL,
        category     TEXT NOT NULL,
        event_type   TEXT NOT NULL,
        resource_id  TEXT NOT NULL,
        event_date   TEXT NOT NULL,
        received_at  TEXT NOT NULL,
        processed_at TEXT,
        attempts     INTEGER NOT NULL DEFAULT 0,
        last_error   TEXT,
        UNIQUE (tenant_id, category, event_type, resource_id, event_date)
    );
    CREATE INDEX webhook_events_waiting ON webhook_events (processed_at, tenant_id);
    "#,
    // 2: the runtime: decided actions (the outbox), tasks, history notes to write, and what
    // people entered by hand (promises, disputes, pauses).
    r#"
    CREATE TABLE actions (
        id              INTEGER PRIMARY KEY,
        key             TEXT NOT NULL UNIQUE,
        tenant_id       TEXT NOT NULL,
        subject_kind    TEXT NOT NULL,
        subject_id      TEXT NOT NULL,
        rule_id         TEXT NOT NULL,
        occurrence      INTEGER NOT NULL,
        occurrence_date TEXT NOT NULL,
        contact_id      TEXT NOT NULL,
        invoices        TEXT NOT NULL,
        action_kind     TEXT NOT NULL,
        action          TEXT NOT NULL,
        rule_text       TEXT NOT NULL,
        outcome         TEXT NOT NULL,
        reason          TEXT,
        status          TEXT NOT NULL,
        email           TEXT,
        strategy        TEXT NOT NULL,
        plan_version    INTEGER NOT NULL,
        decided_at      TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        done_at         TEXT,
        last_error      TEXT
    );
    CREATE INDEX actions_by_subject ON actions (tenant_id, subject_id, rule_id);
    CREATE INDEX actions_waiting ON actions (status, next_attempt_at);
    CREATE INDEX actions_by_contact ON actions (tenant_id, contact_id);
    CREATE TABLE tasks (
        id          INTEGER PRIMARY KEY,
        action_key  TEXT NOT NULL UNIQUE,
        tenant_id   TEXT NOT NULL,
        contact_id  TEXT NOT NULL,
        kind        TEXT NOT NULL,
        assignee    TEXT NOT NULL,
        invoices    TEXT NOT NULL,
        summary     TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        status      TEXT NOT NULL DEFAULT 'open',
        done_at     TEXT
    );
    CREATE TABLE notes (
        id              INTEGER PRIMARY KEY,
        action_key      TEXT NOT NULL,
        tenant_id       TEXT NOT NULL,
        subject_kind    TEXT NOT NULL,
        subject_id      TEXT NOT NULL,
        details         TEXT NOT NULL,
        status          TEXT NOT NULL DEFAULT 'pending',
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_error      TEXT,
        done_at         TEXT,
        UNIQUE (action_key, subject_kind, subject_id)
    );
    CREATE TABLE promises (
        tenant_id   TEXT NOT NULL,
        invoice_id  TEXT NOT NULL,
        promised_on TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, invoice_id)
    );
    CREATE TABLE disputes (
        tenant_id   TEXT NOT NULL,
        invoice_id  TEXT NOT NULL,
        opened_at   TEXT NOT NULL,
        resolved_at TEXT,
        PRIMARY KEY (tenant_id, invoice_id)
    );
    CREATE TABLE pauses (
        tenant_id   TEXT NOT NULL,
        contact_id  TEXT NOT NULL,
        until       TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, contact_id)
    );
    "#,
    // 3: which exact plan decided each action (the plan version says only its format); indexes
    // that let a run read what it already handled without visiting a million rows.
    r#"
    ALTER TABLE actions ADD COLUMN plan_fingerprint TEXT;
    DROP INDEX actions_by_subject;
    CREATE INDEX actions_by_subject ON actions (tenant_id, subject_id, rule_id, occurrence);
    CREATE INDEX actions_acted ON actions (tenant_id, action_kind, contact_id) WHERE outcome = 'act';
    "#,
    // 4: the last handled occurrence of each rule for each invoice or customer, kept compact
    // beside the outbox (ids as 16 bytes, rules by number) so that a run reads it quickly; the
    // outbox stays the record of what was decided.
    r#"
    CREATE TABLE handled_rules (
        tenant_id TEXT NOT NULL,
        rule_id   TEXT NOT NULL,
        number    INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, rule_id)
    ) WITHOUT ROWID;
    CREATE TABLE handled (
        tenant_id  TEXT NOT NULL,
        subject    BLOB NOT NULL,
        rule       INTEGER NOT NULL,
        occurrence INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, subject, rule)
    ) WITHOUT ROWID;
    INSERT INTO handled_rules (tenant_id, rule_id, number)
        SELECT tenant_id, rule_id, row_number() OVER (PARTITION BY tenant_id ORDER BY rule_id)
          FROM (SELECT DISTINCT tenant_id, rule_id FROM actions);
    INSERT INTO handled (tenant_id, subject, rule, occurrence)
        SELECT a.tenant_id, unhex(replace(a.subject_id, '-', '')), r.number, MAX(a.occurrence)
          FROM actions a JOIN handled_rules r ON r.tenant_id = a.tenant_id AND r.rule_id = a.rule_id
         GROUP BY a.tenant_id, a.subject_id, r.number;
    "#,
    // 5: invoices kept customer by customer (clustered on the contact), so that a run reads each
    // customer's invoices together, in one ordered scan, instead of gathering a million of them
    // from all over the table. Lookups by id go through their own unique index. There is no index
    // by status any more: its keys would now land anywhere, and every sync pays for each index;
    // the few readers that want only open invoices (`aging`, the counts) scan the organisation.
    r#"
    CREATE TABLE invoices_by_customer (
        tenant_id             TEXT NOT NULL,
        invoice_id            TEXT NOT NULL,
        number                TEXT NOT NULL,
        reference             TEXT,
        contact_id            TEXT NOT NULL,
        status                TEXT NOT NULL,
        date                  TEXT NOT NULL,
        due_date              TEXT NOT NULL,
        currency              TEXT NOT NULL,
        currency_rate         TEXT NOT NULL,
        total                 TEXT NOT NULL,
        amount_due            TEXT NOT NULL,
        amount_paid           TEXT NOT NULL,
        amount_credited       TEXT NOT NULL,
        expected_payment_date TEXT,
        fully_paid_on         TEXT,
        repeating_invoice_id  TEXT,
        updated               TEXT NOT NULL,
        pass                  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, contact_id, invoice_id)
    ) WITHOUT ROWID;
    INSERT INTO invoices_by_customer SELECT * FROM invoices ORDER BY tenant_id, contact_id, invoice_id;
    DROP TABLE invoices;
    ALTER TABLE invoices_by_customer RENAME TO invoices;
    CREATE UNIQUE INDEX invoices_by_id ON invoices (tenant_id, invoice_id);
    "#,
    // 6: exactly once under faults. An action's states are those of the outbox's state machine
    // (waiting, claimed, handed, sent or done, cancelled, failed); a claim names the process that
    // holds it (`workers`), so a run can tell an abandoned claim from a live one. The Message-ID
    // and the rendered email are kept from the moment an action is decided, with the plan that
    // decided it. Notes carry a short reference that recognises them in Xero's History, and
    // remember a write whose answer never came (`maybe_written`).
    r#"
    UPDATE actions SET status = CASE status
        WHEN 'pending' THEN 'waiting'
        WHEN 'sending' THEN CASE WHEN email IS NOT NULL THEN 'handed' ELSE 'claimed' END
        WHEN 'dropped' THEN 'cancelled'
        WHEN 'done' THEN CASE WHEN email IS NOT NULL THEN 'sent' ELSE 'done' END
        ELSE status END;
    ALTER TABLE actions ADD COLUMN message_id TEXT;
    ALTER TABLE actions ADD COLUMN claimed_by TEXT;
    ALTER TABLE actions ADD COLUMN claimed_at TEXT;
    ALTER TABLE actions ADD COLUMN handed_at TEXT;
    UPDATE actions SET message_id = json_extract(email, '$.message_id') WHERE email IS NOT NULL;
    -- An email being sent when an older CollectIQ stopped may have reached the mail server.
    UPDATE actions SET handed_at = decided_at WHERE status = 'handed';
    ALTER TABLE notes ADD COLUMN reference TEXT;
    ALTER TABLE notes ADD COLUMN claimed_by TEXT;
    ALTER TABLE notes ADD COLUMN maybe_written INTEGER NOT NULL DEFAULT 0;
    -- A note tried before may have been stored by Xero even though its answer was lost.
    UPDATE notes SET maybe_written = 1 WHERE status = 'pending' AND attempts > 0;
    CREATE TABLE workers (
        id           TEXT PRIMARY KEY,
        host         TEXT NOT NULL,
        pid          INTEGER NOT NULL,
        started      TEXT NOT NULL,
        seen_at      TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX notes_waiting ON notes (status, next_attempt_at);
    "#,
    // 7: each invoice's online-invoice link, fetched from Xero once: it never changes.
    r#"
    CREATE TABLE online_links (
        tenant_id  TEXT NOT NULL,
        invoice_id TEXT NOT NULL,
        url        TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, invoice_id)
    ) WITHOUT ROWID;
    "#,
    // 8: the Xero calls spent per organisation, by the hour, so that every process (a run from
    // cron, autopilot, a sync) counts against one day's budget.
    r#"
    CREATE TABLE xero_calls (
        tenant_id TEXT NOT NULL,
        hour      TEXT NOT NULL,
        calls     INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, hour)
    ) WITHOUT ROWID;
    "#,
    // 9: the inbox. Each message once (by Message-ID, else by its bytes), with what was concluded;
    // the customers it concerns; addresses that bounced for good; how far each mailbox was read.
    // Addresses are kept lower-case, and looked up so: contacts get an index on theirs.
    r#"
    CREATE TABLE inbound (
        id             INTEGER PRIMARY KEY,
        message_id     TEXT UNIQUE,
        digest         TEXT NOT NULL UNIQUE,
        source         TEXT NOT NULL,
        received_at    TEXT NOT NULL,
        sent_at        TEXT,
        from_address   TEXT,
        from_name      TEXT,
        subject        TEXT,
        kind           TEXT NOT NULL,
        bounce_address TEXT,
        permanence     TEXT,
        bounce_status  TEXT,
        reason         TEXT NOT NULL,
        state          TEXT NOT NULL DEFAULT 'open',
        assignee       TEXT,
        handled_at     TEXT,
        excerpt        TEXT,
        size           INTEGER NOT NULL,
        history        INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX inbound_bounces ON inbound (bounce_address, received_at) WHERE kind = 'bounce';
    CREATE TABLE inbound_concerns (
        inbound_id INTEGER NOT NULL REFERENCES inbound(id),
        tenant_id  TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        name       TEXT NOT NULL,
        invoices   TEXT NOT NULL,
        task       TEXT,
        note       TEXT,
        PRIMARY KEY (inbound_id, tenant_id, contact_id)
    ) WITHOUT ROWID;
    CREATE INDEX inbound_concerns_by_contact ON inbound_concerns (tenant_id, contact_id);
    CREATE TABLE suppressed_addresses (
        address    TEXT PRIMARY KEY,
        since      TEXT NOT NULL,
        reason     TEXT NOT NULL,
        inbound_id INTEGER
    ) WITHOUT ROWID;
    CREATE TABLE mailbox_cursors (
        mailbox      TEXT PRIMARY KEY,
        uid_validity INTEGER NOT NULL,
        last_uid     INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX actions_by_message_id ON actions (message_id) WHERE message_id IS NOT NULL;
    CREATE INDEX contacts_by_email ON contacts (lower(trim(email))) WHERE email IS NOT NULL;
    CREATE INDEX contact_persons_by_email ON contact_persons (lower(trim(email))) WHERE email IS NOT NULL;
    CREATE INDEX invoices_by_number ON invoices (number);
    "#,
    // 10: links to customers' pages. A link is a random id (signed outside the database, so a
    // copy of it signs nothing); what it grants lives here: one customer of one organisation,
    // perhaps one invoice, until when, and for which email, so that a leaked link can be revoked.
    r#"
    CREATE TABLE page_links (
        id          TEXT PRIMARY KEY,
        tenant_id   TEXT NOT NULL,
        contact_id  TEXT NOT NULL,
        invoice_id  TEXT,
        action_id   INTEGER,
        created_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        revoked_at  TEXT
    ) WITHOUT ROWID;
    CREATE INDEX page_links_by_customer ON page_links (tenant_id, contact_id);
    CREATE INDEX page_links_by_action ON page_links (action_id) WHERE action_id IS NOT NULL;
    "#,
    // 11: what customers do on their page: each answer (a promise, a dispute, a claim to have
    // paid) is a customer event in the inbox (message_id NULL) with its details here. An answer
    // changed before anyone acted on it is replaced (kept, and shown as replaced). Promises say
    // where they came from.
    r#"
    CREATE TABLE page_actions (
        inbound_id  INTEGER PRIMARY KEY REFERENCES inbound(id),
        link_id     TEXT,
        tenant_id   TEXT NOT NULL,
        contact_id  TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('promise', 'dispute', 'paid_claim')),
        invoices    TEXT NOT NULL,
        promised_on TEXT,
        reason      TEXT,
        paid_on     TEXT,
        amount      TEXT,
        reference   TEXT,
        upload      TEXT,
        upload_type TEXT,
        upload_size INTEGER,
        replaced_by INTEGER
    );
    CREATE INDEX page_actions_by_customer ON page_actions (tenant_id, contact_id);
    ALTER TABLE promises ADD COLUMN source TEXT;
    "#,
    // 12: the files an email carries (its invoice or statement PDFs), stored with it when it is
    // decided. A rowid table: its rows are large (tens of kilobytes), and SQLite keeps large rows
    // best in a rowid table, found by the index on their action.
    r#"
    CREATE TABLE email_attachments (
        action_id    INTEGER NOT NULL REFERENCES actions(id),
        position     INTEGER NOT NULL,
        filename     TEXT NOT NULL,
        content_type TEXT NOT NULL,
        bytes        BLOB NOT NULL
    );
    CREATE UNIQUE INDEX email_attachments_by_action ON email_attachments (action_id, position);
    "#,
    // 13: every period an invoice was disputed, not only its latest: late-payment interest
    // accrues on none of their days. `disputes` stays the invoice's current state; this keeps its
    // history, begun from what `disputes` holds.
    r#"
    CREATE TABLE dispute_history (
        tenant_id   TEXT NOT NULL,
        invoice_id  TEXT NOT NULL,
        opened_at   TEXT NOT NULL,
        resolved_at TEXT,
        PRIMARY KEY (tenant_id, invoice_id, opened_at)
    );
    INSERT INTO dispute_history (tenant_id, invoice_id, opened_at, resolved_at)
        SELECT tenant_id, invoice_id, opened_at, resolved_at FROM disputes;
    "#,
    // 14: the organisation's country (Xero's CountryCode), from which emails take the locale
    // their money and dates are written in.
    r#"
    ALTER TABLE organisations ADD COLUMN country_code TEXT;
    "#,
];
