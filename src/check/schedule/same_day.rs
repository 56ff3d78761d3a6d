//! Two emails about one invoice on the same day. Each email is reported once, against the
//! earliest written email it shares a day with; earlier emails are found by the days they send
//! on, not by comparing every pair, so thousands of rules are checked in time that grows with
//! their number.

use std::collections::HashSet;

use super::{Anchor, Email, EmailGroups, describe_day, shared_day};
use crate::ast::Unit;
use crate::check::Problem;
use crate::source::Span;

/// How many earlier emails of one day are looked at for each later one. Past the first few, what
/// is left on a day are repeats of one sentence and `if`/`unless` twins, which are not reported,
/// in all but contrived files; the bound keeps those from taking time in the square of their
/// number.
const LOOK_AT: usize = 8;

pub(super) fn problems(groups: &EmailGroups, reported: &mut HashSet<(Span, Span)>) -> Vec<Problem> {
    let shared = DayIndex::of(&groups.shared);
    let mut clashes = Clashes { reported, later_reported: HashSet::new(), problems: Vec::new() };
    for later in &groups.shared {
        if let Some(earlier) = shared.first_before(later) {
            clashes.report(earlier, later);
        }
    }
    for own in &groups.own {
        let own_index = DayIndex::of(own);
        for later in own {
            let earliest = [own_index.first_before(later), shared.first_before(later)]
                .into_iter()
                .flatten()
                .min_by_key(|earlier| earlier.position());
            if let Some(earlier) = earliest {
                clashes.report(earlier, later);
            }
        }
        // Shared emails written after one of the segment's own.
        for earlier in own {
            for later in shared.after(earlier) {
                clashes.report(earlier, later);
            }
        }
    }
    clashes.problems
}

struct Clashes<'r> {
    reported: &'r mut HashSet<(Span, Span)>,
    later_reported: HashSet<Span>,
    problems: Vec<Problem>,
}

impl Clashes<'_> {
    fn report(&mut self, earlier: &Email, later: &Email) {
        let (a, b) = (&earlier.timeline, &later.timeline);
        let Some(day) = shared_day(a, b) else {
            return;
        };
        if self.later_reported.contains(&later.rule.span) || !self.reported.insert((earlier.rule.span, later.rule.span))
        {
            return;
        }
        self.later_reported.insert(later.rule.span);
        let family = a.family.or(b.family).unwrap_or(Unit::Day);
        self.problems.push(Problem::SameDayEmails {
            span: later.rule.span,
            other: earlier.rule.span,
            when: describe_day(a.anchor, family, day),
        });
    }
}

/// A day an email can go out on, counted in a family of units from an anchor.
type Day = (Anchor, Option<Unit>, i64);

/// Every family a timeline can count in: `None` is the due date itself.
const FAMILIES: [Option<Unit>; 5] =
    [None, Some(Unit::Day), Some(Unit::BusinessDay), Some(Unit::Month), Some(Unit::Year)];

/// Whether day `day` counted in `a` is the same day counted in `b`: in one family, or the due
/// date (day 0), which is day 0 in every unit.
fn same_day_in(a: Option<Unit>, b: Option<Unit>, day: i64) -> bool {
    a == b || day == 0 && (a.is_none() || b.is_none())
}

/// The emails of one list by the days they go out on, each day's in the order they are written.
struct DayIndex<'e, 'a> {
    emails: &'e [Email<'a>],
    /// Hashed with foldhash: every day of every email is looked up here.
    by_day: foldhash::HashMap<Day, Vec<usize>>,
}

impl<'e, 'a> DayIndex<'e, 'a> {
    fn of(emails: &'e [Email<'a>]) -> Self {
        let mut by_day: foldhash::HashMap<Day, Vec<usize>> = foldhash::HashMap::default();
        for (index, email) in emails.iter().enumerate() {
            for &day in &email.timeline.days {
                let list = by_day.entry((email.timeline.anchor, email.timeline.family, day)).or_default();
                // A repeating rule lists each day once, but keep the lists free of doubles anyway.
                if list.last() != Some(&index) {
                    list.push(index);
                }
            }
        }
        DayIndex { emails, by_day }
    }

    /// The emails of each day `email` goes out on, in the order they are written.
    fn same_days<'s>(&'s self, email: &'s Email) -> impl Iterator<Item = &'s [usize]> + 's {
        let timeline = &email.timeline;
        timeline.days.iter().flat_map(move |&day| {
            FAMILIES
                .into_iter()
                .filter(move |&family| same_day_in(timeline.family, family, day))
                .filter_map(move |family| self.by_day.get(&(timeline.anchor, family, day)))
                .map(Vec::as_slice)
        })
    }

    /// The earliest email written before `later` that goes out on one of its days.
    fn first_before(&self, later: &Email) -> Option<&'e Email<'a>> {
        self.same_days(later)
            .filter_map(|list| {
                list.iter()
                    .map(|&index| &self.emails[index])
                    .take_while(|earlier| earlier.position() < later.position())
                    .take(LOOK_AT)
                    .find(|earlier| earlier.can_clash(later))
            })
            .min_by_key(|earlier| earlier.position())
    }

    /// Emails written after `earlier` that go out on one of its days.
    fn after<'s>(&'s self, earlier: &'s Email) -> impl Iterator<Item = &'e Email<'a>> + 's {
        self.same_days(earlier).flat_map(move |list| {
            let from = list.partition_point(|&index| self.emails[index].position() <= earlier.position());
            list[from..]
                .iter()
                .take(LOOK_AT)
                .map(|&index| &self.emails[index])
                .filter(move |later| earlier.can_clash(later))
        })
    }
}
