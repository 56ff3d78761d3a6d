//! Named points where a test can make the process die, to check what must happen exactly once
//! at every step boundary (delivery, note writing). `COLLECTIQ_FAIL_AT=NAME` ends the process
//! the first time it passes NAME; `NAME:N` the Nth time. The process ends at once, as a kill
//! would: no destructors, no flushing, no goodbye to any server. Without the variable a point
//! costs one load of a value read once.
//!
//! The points, in the order an email and its notes pass them:
//! `deliver:claimed`, `deliver:handed`, `smtp:data-written` (the message and its final dot are
//! on the wire, the server's answer not yet read), `deliver:accepted` (the server said 250, not
//! yet recorded), `deliver:sent` (recorded), `notes:claimed`, `notes:answered` (Xero answered
//! the PUT, not yet recorded), `notes:written`.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The exit status of a process ended at a fail point.
pub const EXIT_STATUS: i32 = 86;

struct Armed {
    name: String,
    nth: u64,
    passed: AtomicU64,
}

fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let spec = std::env::var("COLLECTIQ_FAIL_AT").ok()?;
            let (name, nth) = match spec.rsplit_once(':') {
                Some((name, nth)) if nth.chars().all(|c| c.is_ascii_digit()) && !nth.is_empty() => {
                    (name.to_string(), nth.parse().unwrap_or(1))
                }
                _ => (spec.clone(), 1),
            };
            Some(Armed { name, nth: nth.max(1), passed: AtomicU64::new(0) })
        })
        .as_ref()
}

/// Passes the point `name`; ends the process here if a test asked for it.
pub fn pass(name: &str) {
    let Some(armed) = armed() else { return };
    if armed.name == name && armed.passed.fetch_add(1, Ordering::SeqCst) + 1 == armed.nth {
        eprintln!("collectiq: ended at fail point {name} (COLLECTIQ_FAIL_AT)");
        std::process::exit(EXIT_STATUS);
    }
}
