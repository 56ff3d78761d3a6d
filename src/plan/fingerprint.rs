//! A plan's fingerprint: which revision of a strategy decided something. The plan version names
//! only the plan's format; the fingerprint changes whenever what the plan means changes, and not
//! when the strategy file is merely moved or renamed.

use sha2::{Digest, Sha256};

use super::Plan;

impl Plan {
    /// The first 12 hex digits of SHA-256 over the plan's JSON, leaving out where it was read from.
    pub fn fingerprint(&self) -> String {
        let mut meaning = self.clone();
        meaning.source.clear();
        let json = serde_json::to_vec(&meaning).unwrap_or_default();
        Sha256::digest(&json).iter().take(6).map(|byte| format!("{byte:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::files::InMemory;
    use crate::plan::compile_bytes;

    fn plan(name: &str, text: &str) -> crate::plan::Plan {
        let files = InMemory::default().with("templates/reminder.email", "Subject: Hi\n\nHello {{ customer.name }}\n");
        compile_bytes(name, text.as_bytes().to_vec(), &files).unwrap().plan
    }

    #[test]
    fn the_same_meaning_gives_the_same_fingerprint() {
        let one = "Strategy \"S\".\n\nFor every customer:\n  1 day after the due date, send the \"reminder\" email.\n";
        let moved = plan("elsewhere/s.strategy", one);
        assert_eq!(plan("s.strategy", one).fingerprint(), moved.fingerprint());
        assert_eq!(moved.fingerprint().len(), 12);
        let changed = one.replace("1 day", "2 days");
        assert_ne!(plan("s.strategy", &changed).fingerprint(), moved.fingerprint());
    }
}
