//! Strategies run for real: the `collectiq` binary against the sandbox over loopback HTTP and a
//! real SMTP server (aiosmtpd): emails sent once, notes written to Xero, dry runs that change
//! nothing, paid invoices dropped at the last moment, concurrent runs, kill -9 at random moments,
//! the text of every email for a scenario organisation, and the PDFs emails carry.

mod attachments;
mod batch;
mod crash;
mod delivery;
mod emails;
mod faults;
mod replies;
mod support;

/// The exit status of a process ended at a fail point (`COLLECTIQ_FAIL_AT`).
pub const FAIL_POINT_EXIT: i32 = collectiq::failpoint::EXIT_STATUS;

/// Chases every overdue invoice, with a catch-up long enough that a fresh database has plenty to
/// send, and no escalation to hold emails back: what the crash and concurrency tests need to have
/// many emails in flight.
pub const EVERY_OVERDUE_INVOICE: &str = r#"Strategy "Every overdue invoice".

Settings:
  Send emails from "accounts@collectiq.example" as "Accounts".
  Use the "UTC" time zone.
  Send on weekdays between 6am and 8pm.
  Catch up on missed reminders for up to 60 days.
  Reach "Dana" at "dana@collectiq.example".

For every customer:
  1 day after the due date, send the "friendly-reminder" email.
  Every 7 days from 8 to 50 days overdue, send the "firm-reminder" email.
  20 days after the due date, create a call task for "Dana".
"#;
