//! Sync progress: a bar per organisation on a terminal, a line per organisation otherwise.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::xero::sync::{OrgReport, Progress};

pub fn for_stderr() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() { Box::new(Bars::default()) } else { Box::new(Lines) }
}

/// Plain lines, for logs.
pub struct Lines;

impl Progress for Lines {
    fn page(&self, _: &str, _: &str, _: u64, _: u64) {}

    fn done(&self, org: &str, report: &OrgReport) {
        eprintln!("{}", summary(org, report));
    }
}

pub fn summary(org: &str, report: &OrgReport) -> String {
    if let Some(error) = &report.error {
        return format!("{org}: sync failed: {error}");
    }
    let counts: Vec<String> = report
        .entities
        .iter()
        .filter(|e| e.fetched > 0 || e.removed > 0)
        .map(|e| {
            let removed = if e.removed > 0 { format!(" ({} removed)", e.removed) } else { String::new() };
            format!("{} {}{removed}", e.fetched, e.entity.replace('_', " "))
        })
        .collect();
    let changes = if counts.is_empty() { "nothing changed".to_string() } else { counts.join(", ") };
    let retries = if report.retries > 0 { format!(", {} retried", report.retries) } else { String::new() };
    format!("{org}: {changes} ({} calls{retries})", report.calls)
}

#[derive(Default)]
pub struct Bars {
    all: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    fn bar(&self, org: &str) -> ProgressBar {
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        bars.entry(org.to_string())
            .or_insert_with(|| {
                self.all.set_draw_target(ProgressDrawTarget::stderr());
                let bar = self.all.add(ProgressBar::new(0));
                if let Ok(style) = ProgressStyle::with_template("{prefix:30} {bar:30} {pos}/{len} {msg}") {
                    bar.set_style(style);
                }
                bar.set_prefix(org.to_string());
                bar
            })
            .clone()
    }
}

impl Progress for Bars {
    fn page(&self, org: &str, entity: &str, fetched: u64, total: u64) {
        let bar = self.bar(org);
        bar.set_length(total.max(fetched));
        bar.set_position(fetched);
        bar.set_message(entity.replace('_', " "));
    }

    fn done(&self, org: &str, report: &OrgReport) {
        self.bar(org).finish_and_clear();
        let _ = self.all.println(summary(org, report));
    }
}
