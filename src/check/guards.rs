//! Guards that contradict one another. For the same customers a reply can do only one thing, a
//! claim of payment can pause for only one length of time and a bounce can create only one task,
//! so two different sentences about any of them leave the plan unable to say which was meant.
//! (The same sentence twice is only a repeat: `duplicate-rule`.)

use std::collections::HashMap;

use super::Problem;
use super::rules::audience_key;
use crate::ast::{Guard, GuardKind, ReplyPause, RuleItem, Strategy};
use crate::format::text;

/// What two guards for the same customers disagree about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardConflict {
    /// `Keep chasing when a customer replies.` beside a sentence that pauses chasing.
    KeepAndPause,
    /// Two sentences that pause chasing differently after a reply.
    TwoPauses,
    /// Two sentences naming the task to create after a bounce.
    TwoBounceTasks,
    /// Two sentences pausing for different lengths of time after a claim of payment.
    TwoPaidClaimPauses,
}

/// The one thing each audience may say once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Subject {
    Reply,
    PaidClaim,
    Bounce,
}

pub fn check(strategy: &Strategy) -> Vec<Problem> {
    let mut first_said: HashMap<(String, Subject), (&Guard, String)> = HashMap::new();
    let mut problems = Vec::new();
    for section in strategy.rule_sections() {
        let audience = audience_key(&section.audience);
        for item in &section.items {
            let RuleItem::Guard(guard) = item else { continue };
            let Some(subject) = subject(&guard.kind) else { continue };
            let said = text::guard_text(guard);
            match first_said.get(&(audience.clone(), subject)) {
                Some((first, first_text)) if *first_text != said => {
                    problems.push(Problem::ConflictingGuards {
                        conflict: conflict(&first.kind, &guard.kind),
                        span: guard.span,
                        first: first.span,
                    });
                }
                Some(_) => {}
                None => {
                    first_said.insert((audience.clone(), subject), (guard, said));
                }
            }
        }
    }
    problems
}

fn subject(kind: &GuardKind) -> Option<Subject> {
    match kind {
        GuardKind::OnReply { .. } => Some(Subject::Reply),
        GuardKind::OnPaidClaim { .. } => Some(Subject::PaidClaim),
        GuardKind::OnBounce { .. } => Some(Subject::Bounce),
        _ => None,
    }
}

fn conflict(first: &GuardKind, then: &GuardKind) -> GuardConflict {
    let keeps_chasing = |kind: &GuardKind| matches!(kind, GuardKind::OnReply { pause: ReplyPause::KeepChasing });
    match then {
        GuardKind::OnBounce { .. } => GuardConflict::TwoBounceTasks,
        GuardKind::OnPaidClaim { .. } => GuardConflict::TwoPaidClaimPauses,
        _ if keeps_chasing(first) || keeps_chasing(then) => GuardConflict::KeepAndPause,
        _ => GuardConflict::TwoPauses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    /// Each conflict found in `body` (under headings of its own), with the lines of the sentence
    /// and of the earlier one it contradicts.
    fn conflicts(body: &str) -> Vec<(GuardConflict, usize, usize)> {
        let text = format!(
            "Strategy \"s\".\nSettings:\n  Reach \"Sam\" at \"sam@acme.example\".\nSegments:\n  \"A\" customers are customers in the contact group \"A\".\n  \"B\" customers are all other customers.\n{body}"
        );
        let parsed = crate::syntax::parse(&text);
        assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
        let line = |span: Span| text[..span.start].matches('\n').count() + 1;
        check(&parsed.strategy.unwrap())
            .into_iter()
            .map(|problem| match problem {
                Problem::ConflictingGuards { conflict, span, first } => (conflict, line(span), line(first)),
                other => panic!("not a guard conflict: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn keeping_on_and_pausing_for_the_same_customers_contradict() {
        let body = "For every customer:\n  Keep chasing when a customer replies.\n  When a customer replies, pause chasing for 3 business days.\n";
        assert_eq!(conflicts(body), [(GuardConflict::KeepAndPause, 9, 8)]);
    }

    #[test]
    fn two_different_pauses_conflict_even_in_two_sections_of_one_segment() {
        let body = "For \"A\" customers:\n  When a customer replies, pause chasing until the reply is handled.\nFor \"A\" customers:\n  When a customer replies, pause chasing for 2 weeks.\n";
        assert_eq!(conflicts(body), [(GuardConflict::TwoPauses, 10, 8)]);
    }

    #[test]
    fn two_bounce_tasks_conflict_but_one_said_twice_is_only_a_repeat() {
        let body = "For every customer:\n  When an email bounces, create a call task for \"Sam\".\n  When an email bounces, ask \"Sam\" to call the customer.\n  When an email bounces, assign the call to \"Dana\".\n";
        assert_eq!(conflicts(body), [(GuardConflict::TwoBounceTasks, 10, 8)]);
    }

    #[test]
    fn two_paid_claim_pauses_of_different_lengths_conflict_but_the_same_length_is_only_a_repeat() {
        let body = "For every customer:\n  When a customer says they have paid, pause chasing for 3 business days.\n  When customers say they have paid pause chasing for 3 business days.\n  When a customer says they have paid, pause chasing for a week.\n";
        assert_eq!(conflicts(body), [(GuardConflict::TwoPaidClaimPauses, 10, 8)]);
    }

    #[test]
    fn a_paid_claim_pause_is_about_something_else_than_a_reply_pause() {
        let body = "For every customer:\n  When a customer replies, pause chasing for 3 business days.\n  When a customer says they have paid, pause chasing for 5 days.\n";
        assert_eq!(conflicts(body), []);
    }

    #[test]
    fn a_segment_may_say_otherwise_than_every_customer() {
        let body = "For every customer:\n  Keep chasing when a customer replies.\n  When an email bounces, create a call task for \"Sam\".\n  When a customer says they have paid, pause chasing for 3 business days.\nFor \"A\" customers:\n  When a customer replies, pause chasing for a week.\n  When an email bounces, create a call task for \"Dana\".\n  When a customer says they have paid, pause chasing for 2 weeks.\nFor \"B\" customers:\n  When a customer replies, pause chasing until the reply is handled.\n";
        assert_eq!(conflicts(body), []);
    }
}
