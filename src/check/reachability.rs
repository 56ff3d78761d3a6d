//! Segments no customer can reach: those whose every customer is already taken by an earlier
//! segment (segments are tried in order and the first match wins). Earlier segments are found
//! by the tests they share with a segment, not by comparing every pair.

use std::collections::HashMap;
use std::mem::{Discriminant, discriminant};
use std::rc::Rc;

use super::Problem;
use crate::ast::{
    Comparison, Condition, CustomerCondition, CustomerTest, CustomerTestKind, Duration, SegmentCondition, Strategy,
    TextMatch,
};
use crate::format::text;

/// A test that holds (or does not), with its canonical text to compare tests by.
#[derive(Clone)]
struct Literal<'a> {
    test: &'a CustomerTest,
    holds: bool,
    text: Rc<str>,
}

/// A condition as a disjunction of clauses, each a conjunction of literals.
type Clause<'a> = Vec<Literal<'a>>;

/// Conditions whose normal form would grow past this many clauses are not analysed.
const MOST_CLAUSES: usize = 64;

pub fn check(strategy: &Strategy) -> Vec<Problem> {
    let segments: Vec<_> = strategy.segments().collect();
    let mut earlier = EarlierClauses::default();
    let mut problems = Vec::new();
    for (index, segment) in segments.iter().enumerate() {
        let Some(clauses) = segment_form(&segment.condition) else {
            continue;
        };
        let covering: Vec<Option<usize>> = clauses.iter().map(|clause| earlier.first_implied_by(clause)).collect();
        if covering.iter().all(Option::is_some) {
            let first = covering[0];
            let shadowed_by = covering
                .iter()
                .all(|c| *c == first)
                .then(|| first.map(|e| (segments[e].name.text.clone(), segments[e].name.span)))
                .flatten();
            problems.push(Problem::UnreachableSegment {
                name: segment.name.text.clone(),
                span: segment.name.span,
                shadowed_by,
            });
        }
        earlier.add(index, clauses);
    }
    problems
}

/// The clauses of the segments read so far, each filed under the test of its first literal. A
/// clause is implied only by clauses whose every test implies one of its own, and a test implies
/// only tests filed under the same key; so only the lists under its own tests' keys are looked
/// through, not every earlier segment (which took time in the square of the number of segments).
#[derive(Default)]
struct EarlierClauses<'a> {
    by_test: HashMap<TestKey, Vec<(usize, Clause<'a>)>>,
    /// The first segment with an empty clause (all other customers): it takes everyone.
    everyone: Option<usize>,
}

/// Which tests a test can imply: those of its kind, for kinds compared by value (more than
/// $5,000 implies more than $1,000); otherwise only the very same test.
#[derive(Clone, PartialEq, Eq, Hash)]
enum TestKey {
    Kind(bool, Discriminant<CustomerTestKind>),
    Text(bool, Rc<str>),
}

impl TestKey {
    fn of(literal: &Literal) -> TestKey {
        use CustomerTestKind::*;
        match literal.test.kind {
            Balance { .. }
            | Billed { .. }
            | FirstInvoice { .. }
            | PaysLate { .. }
            | OverdueInvoices { .. }
            | EmailAddress { .. }
            | Name { .. } => TestKey::Kind(literal.holds, discriminant(&literal.test.kind)),
            _ => TestKey::Text(literal.holds, literal.text.clone()),
        }
    }
}

impl<'a> EarlierClauses<'a> {
    fn add(&mut self, segment: usize, clauses: Vec<Clause<'a>>) {
        for clause in clauses {
            match clause.first() {
                None => {
                    self.everyone.get_or_insert(segment);
                }
                Some(literal) => self.by_test.entry(TestKey::of(literal)).or_default().push((segment, clause)),
            }
        }
    }

    /// The first segment with a clause that `clause` implies.
    fn first_implied_by(&self, clause: &Clause) -> Option<usize> {
        let mut first = self.everyone;
        let mut keys: Vec<TestKey> = clause.iter().map(TestKey::of).collect();
        keys.dedup();
        for key in keys {
            let Some(filed) = self.by_test.get(&key) else {
                continue;
            };
            let found = filed
                .iter()
                .take_while(|(segment, _)| first.is_none_or(|first| *segment < first))
                .find(|(_, other)| clause_implies(clause, other));
            if let Some((segment, _)) = found {
                first = Some(*segment);
            }
        }
        first
    }
}

fn segment_form(condition: &SegmentCondition) -> Option<Vec<Clause<'_>>> {
    match condition {
        SegmentCondition::Others(_) => Some(vec![Vec::new()]),
        SegmentCondition::Matching(condition) => normal_form(condition, true),
    }
}

/// The condition (or its negation) in disjunctive normal form.
fn normal_form(condition: &CustomerCondition, holds: bool) -> Option<Vec<Clause<'_>>> {
    let form = match (condition, holds) {
        (Condition::Test(test), _) => vec![vec![Literal { test, holds, text: text::customer_test(&test.kind).into() }]],
        (Condition::Not(inner, _), _) => normal_form(inner, !holds)?,
        (Condition::Any(parts, _), true) | (Condition::All(parts, _), false) => {
            let mut clauses = Vec::new();
            for part in parts {
                clauses.extend(normal_form(part, holds)?);
            }
            clauses
        }
        (Condition::All(parts, _), true) | (Condition::Any(parts, _), false) => {
            let mut clauses: Vec<Clause> = vec![Vec::new()];
            for part in parts {
                let part_form = normal_form(part, holds)?;
                clauses = clauses
                    .iter()
                    .flat_map(|clause| part_form.iter().map(move |more| clause.iter().chain(more).cloned().collect()))
                    .collect();
                if clauses.len() > MOST_CLAUSES {
                    return None;
                }
            }
            clauses
        }
    };
    (form.len() <= MOST_CLAUSES).then_some(form)
}

/// Whether every customer matching `clause` also matches `other`.
fn clause_implies(clause: &Clause, other: &Clause) -> bool {
    other.iter().all(|wanted| clause.iter().any(|have| literal_implies(have, wanted)))
}

fn literal_implies(have: &Literal, wanted: &Literal) -> bool {
    match (have.holds, wanted.holds) {
        (true, true) => have.text == wanted.text || test_implies(&have.test.kind, &wanted.test.kind),
        (false, false) => have.text == wanted.text || test_implies(&wanted.test.kind, &have.test.kind),
        _ => false,
    }
}

/// Whether every customer passing `a` passes `b`, for tests of one kind with different values
/// (tests that read the same are compared by their text first).
fn test_implies(a: &CustomerTestKind, b: &CustomerTestKind) -> bool {
    use CustomerTestKind::*;
    match (a, b) {
        (Balance { comparison: ca, amount: xa, measure: ma }, Balance { comparison: cb, amount: xb, measure: mb }) => {
            ma == mb && xa.currency == xb.currency && threshold_implies((*ca, xa.amount), (*cb, xb.amount))
        }
        (Billed { comparison: ca, amount: xa, period: pa }, Billed { comparison: cb, amount: xb, period: pb }) => {
            same_length(pa, pb) && xa.currency == xb.currency && threshold_implies((*ca, xa.amount), (*cb, xb.amount))
        }
        (FirstInvoice { comparison: ca, age: xa }, FirstInvoice { comparison: cb, age: xb })
        | (PaysLate { comparison: ca, lateness: xa }, PaysLate { comparison: cb, lateness: xb }) => {
            comparable_lengths(xa, xb).is_some_and(|(da, db)| threshold_implies((*ca, da), (*cb, db)))
        }
        (OverdueInvoices { comparison: ca, count: xa }, OverdueInvoices { comparison: cb, count: xb }) => {
            threshold_implies((*ca, xa.value), (*cb, xb.value))
        }
        (Name { text_match: ma, text: xa }, Name { text_match: mb, text: xb })
        | (EmailAddress { text_match: ma, text: xa }, EmailAddress { text_match: mb, text: xb }) => {
            text_implies((*ma, &xa.text.to_lowercase()), (*mb, &xb.text.to_lowercase()))
        }
        _ => false,
    }
}

/// Whether `value <a> x` guarantees `value <b> y`.
fn threshold_implies<T: PartialOrd>((a, x): (Comparison, T), (b, y): (Comparison, T)) -> bool {
    use Comparison::*;
    match (a, b) {
        (MoreThan, MoreThan) | (MoreThan, AtLeast) | (AtLeast, AtLeast) => x >= y,
        (AtLeast, MoreThan) => x > y,
        (LessThan, LessThan) | (LessThan, AtMost) | (AtMost, AtMost) => x <= y,
        (AtMost, LessThan) => x < y,
        _ => false,
    }
}

/// Whether a text matching `a` (in lower case) always matches `b`.
fn text_implies((a, x): (TextMatch, &str), (b, y): (TextMatch, &str)) -> bool {
    use TextMatch::*;
    match (a, b) {
        (Is, Is) => x == y,
        (Is | StartsWith | EndsWith | Contains, Contains) => x.contains(y),
        (Is | StartsWith, StartsWith) => x.starts_with(y),
        (Is | EndsWith, EndsWith) => x.ends_with(y),
        _ => false,
    }
}

fn same_length(a: &Duration, b: &Duration) -> bool {
    comparable_lengths(a, b).is_some_and(|(x, y)| x == y)
}

/// Two lengths in one unit, when they have one: both in days, both in business days, or both
/// in months (a year being 12).
fn comparable_lengths(a: &Duration, b: &Duration) -> Option<(u32, u32)> {
    if a.unit == b.unit {
        return Some((a.count, b.count));
    }
    a.months().zip(b.months()).or_else(|| a.fixed_days().zip(b.fixed_days()))
}
