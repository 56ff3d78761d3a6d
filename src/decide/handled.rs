//! The last handled occurrence of each rule for each invoice or customer.
//!
//! A run starts from what the store remembers: a million entries or more. Inserting them one by
//! one into a hash map costs a cache miss for each, and was most of the time it took to read
//! them. So they are taken all at once and laid out as a fixed table, grouped by the top bits
//! of their subject's hash: counting the groups and then placing each entry are writes the
//! processor does not wait for. Looking a key up reads its group's bounds and a few entries, and
//! an invoice's rules, looked up one after another, are all in the same group. What is handled
//! after that (a simulation's decisions) goes into a small map beside the table.

use std::hash::BuildHasher;

use uuid::Uuid;

/// A subject (invoice or customer) and a rule, by number.
type Key = (Uuid, u32);

#[derive(Clone, Debug, Default)]
pub struct Handled {
    remembered: Table,
    /// What has been handled since the store was read.
    since: foldhash::HashMap<Key, i64>,
}

/// Entries grouped by their subject's hash: group `g`'s are `entries[starts[g]..starts[g + 1]]`.
#[derive(Clone, Debug, Default)]
struct Table {
    entries: Vec<(Key, i64)>,
    starts: Vec<u32>,
    /// How many top bits of a hash name its group.
    bits: u32,
}

/// How many entries a group holds on average, at most.
const PER_GROUP: usize = 4;

/// The group of a subject's keys, with `bits` bits of group number.
fn group(subject: Uuid, bits: u32) -> usize {
    if bits == 0 { 0 } else { (foldhash::fast::FixedState::default().hash_one(subject) >> (64 - bits)) as usize }
}

impl Table {
    /// Groups the entries (at most `u32::MAX` of them).
    fn new(remembered: Vec<(Key, i64)>) -> Table {
        let bits = remembered.len().div_ceil(PER_GROUP).next_power_of_two().trailing_zeros();
        let groups: Vec<u32> = remembered.iter().map(|((subject, _), _)| group(*subject, bits) as u32).collect();
        let mut starts = vec![0u32; (1 << bits) + 1];
        for &g in &groups {
            starts[g as usize + 1] += 1;
        }
        for g in 1..starts.len() {
            starts[g] += starts[g - 1];
        }
        let mut next = starts.clone();
        let mut entries = vec![((Uuid::nil(), 0), 0); remembered.len()];
        for (entry, g) in remembered.into_iter().zip(groups) {
            entries[next[g as usize] as usize] = entry;
            next[g as usize] += 1;
        }
        Table { entries, starts, bits }
    }

    /// The latest occurrence kept for a key (the store keeps each key once, but a table is
    /// whatever it was given).
    fn get(&self, key: &Key) -> Option<i64> {
        let g = group(key.0, self.bits);
        let (&from, &to) = (self.starts.get(g)?, self.starts.get(g + 1)?);
        self.entries[from as usize..to as usize]
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, occurrence)| *occurrence)
            .max()
    }
}

impl Handled {
    /// What the store remembered, in any order, in place of anything remembered before.
    pub fn remembered(remembered: Vec<(Key, i64)>) -> Handled {
        if u32::try_from(remembered.len()).is_ok() {
            return Handled { remembered: Table::new(remembered), since: Default::default() };
        }
        // More than a table counts: slower, but nothing is left out.
        let mut handled = Handled::default();
        for ((subject, rule), occurrence) in remembered {
            handled.record(subject, rule, occurrence);
        }
        handled
    }

    /// Brings the groups of these subjects into cache, all at once: looked up one by one, each
    /// would wait for memory in turn; touched together, the waits overlap.
    pub fn warm(&self, subjects: impl Iterator<Item = Uuid>) {
        let table = &self.remembered;
        if table.entries.is_empty() {
            return;
        }
        let mut touched = 0u32;
        for subject in subjects {
            let g = group(subject, table.bits);
            let from = table.starts[g];
            touched ^= from;
            if let Some(((_, rule), _)) = table.entries.get(from as usize) {
                touched ^= rule;
            }
        }
        std::hint::black_box(touched);
    }

    pub fn get(&self, subject: Uuid, rule: u32) -> Option<i64> {
        let key = (subject, rule);
        match (self.remembered.get(&key), self.since.get(&key)) {
            (Some(a), Some(&b)) => Some(a.max(b)),
            (a, b) => a.or(b.copied()),
        }
    }

    /// Records an occurrence as handled; an earlier one never replaces a later.
    pub fn record(&mut self, subject: Uuid, rule: u32, occurrence: i64) {
        let last = self.since.entry((subject, rule)).or_insert(occurrence);
        *last = (*last).max(occurrence);
    }

    /// Lets go of what was handled for this subject and rule since the store was read.
    pub fn forget(&mut self, subject: Uuid, rule: u32) {
        self.since.remove(&(subject, rule));
    }

    pub fn is_empty(&self) -> bool {
        self.remembered.entries.is_empty() && self.since.is_empty()
    }

    pub fn clear(&mut self) {
        self.remembered = Table::default();
        self.since.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn what_is_handled_later_goes_with_what_was_remembered() {
        let subject = Uuid::from_u128(5);
        let mut handled = Handled::remembered(vec![((subject, 1), 3), ((subject, 2), 7)]);
        handled.record(subject, 1, 4);
        handled.record(subject, 1, 2);
        handled.record(subject, 2, 5);
        assert_eq!(handled.get(subject, 1), Some(4), "the later occurrence stays");
        assert_eq!(handled.get(subject, 2), Some(7), "an earlier one never replaces a remembered one");
        handled.forget(subject, 1);
        assert_eq!(handled.get(subject, 1), Some(3));
        assert_eq!(handled.get(subject, 3), None);
        handled.clear();
        assert!(handled.is_empty() && handled.get(subject, 2).is_none());
    }

    /// Subjects counted up, random, and bunched together.
    fn entries() -> impl Strategy<Value = Vec<(u128, u32, i64)>> {
        let counted = (0u128..5_000, 0u32..4, 0i64..9);
        let random = (any::<u128>(), 0u32..4, 0i64..9);
        let bunched = (0u128..3, 0u32..4, 0i64..9).prop_map(|(s, r, o)| ((s << 120) | s, r, o));
        prop::collection::vec(prop_oneof![counted, random, bunched], 0..600)
    }

    proptest! {
        #[test]
        fn every_key_is_found_as_a_map_finds_it(remembered in entries(), probes in entries()) {
            let mut map = std::collections::HashMap::new();
            for &(subject, rule, occurrence) in &remembered {
                let last = map.entry((subject, rule)).or_insert(occurrence);
                *last = (*last).max(occurrence);
            }
            let table = remembered.iter().map(|&(s, r, o)| ((Uuid::from_u128(s), r), o)).collect();
            let handled = Handled::remembered(table);
            // Warming is a hint: whatever it touches, lookups answer the same.
            handled.warm(remembered.iter().chain(&probes).map(|(subject, _, _)| Uuid::from_u128(*subject)));
            for (subject, rule, _) in remembered.iter().chain(&probes) {
                prop_assert_eq!(handled.get(Uuid::from_u128(*subject), *rule), map.get(&(*subject, *rule)).copied());
            }
        }
    }
}
