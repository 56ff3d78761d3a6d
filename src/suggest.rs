//! "Did you mean …?": the nearest valid phrase by edit distance.

/// The candidate closest to `written`, if it is close enough to be a likely slip of the keyboard.
/// Case is ignored; a candidate equal to `written` is never suggested.
pub fn nearest<'a>(written: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Counting edits takes time in the square of the length: a name of a megabyte, compared
    // with another as long, would never finish. Nobody mistypes a name that long.
    const LONGEST: usize = 200;
    if written.len() > 4 * LONGEST || written.chars().count() > LONGEST {
        return None;
    }
    let written_lower = written.to_lowercase();
    let length = written_lower.chars().count();
    candidates
        .into_iter()
        .filter(|candidate| !candidate.eq_ignore_ascii_case(written))
        // Each edit changes the length by at most one, so a candidate of a length too far off is
        // never near: skip it before counting edits (by its bytes first, which costs nothing).
        .filter(|candidate| {
            candidate.len() <= 4 * (length + tolerance(length))
                && candidate.chars().count().abs_diff(length) <= tolerance(length)
        })
        .map(|candidate| (strsim::damerau_levenshtein(&written_lower, &candidate.to_lowercase()), candidate))
        .filter(|(distance, _)| *distance <= tolerance(length))
        // At a tie, the candidate closest in length reads most like what was meant ("dayz": "days").
        .min_by_key(|(distance, candidate)| (*distance, candidate.chars().count().abs_diff(length)))
        .map(|(_, candidate)| candidate)
}

/// How many edits still read as a typo: none for tiny words, more for longer ones.
fn tolerance(length: usize) -> usize {
    match length {
        0..=2 => 0,
        3..=5 => 1,
        6..=9 => 2,
        _ => 3,
    }
}

/// `did you mean "days"?`, or nothing when no candidate is near.
/// Keywords are suggested in the case the user wrote in (`Munday`: `"Monday"`).
pub fn did_you_mean<'a>(written: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let candidate = nearest(written, candidates)?;
    let shouted = written.chars().filter(|c| c.is_alphabetic()).count() > 1 && !written.chars().any(char::is_lowercase);
    let capitalised = written.starts_with(char::is_uppercase);
    let shown = match (shouted, capitalised) {
        (true, _) => candidate.to_uppercase(),
        (false, true) => capitalise(candidate),
        (false, false) => candidate.to_string(),
    };
    Some(format!("did you mean \"{shown}\"?"))
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_close_candidate() {
        assert_eq!(nearest("dayz", ["days", "weeks", "months"]), Some("days"));
        assert_eq!(nearest("Enterprize", ["SMB", "Enterprise"]), Some("Enterprise"));
        assert_eq!(nearest("wekes", ["days", "weeks"]), Some("weeks"));
        assert_eq!(nearest("dayz", ["day", "days"]), Some("days"));
    }

    #[test]
    fn suggestions_follow_the_writers_capitals() {
        assert_eq!(did_you_mean("Munday", ["monday"]), Some("did you mean \"Monday\"?".into()));
        assert_eq!(did_you_mean("munday", ["monday"]), Some("did you mean \"monday\"?".into()));
        assert_eq!(did_you_mean("MONDAYY", ["monday"]), Some("did you mean \"MONDAY\"?".into()));
    }

    #[test]
    fn long_words_and_candidates_of_another_length_are_not_compared() {
        let long = "a".repeat(100_000);
        assert_eq!(nearest(&long, [long.as_str(), "a"]), None);
        assert_eq!(nearest("dayz", ["days", &"d".repeat(100_000)]), Some("days"));
    }

    #[test]
    fn stays_quiet_when_nothing_is_close() {
        assert_eq!(nearest("banana", ["days", "weeks"]), None);
        assert_eq!(nearest("at", ["to"]), None);
        assert_eq!(nearest("days", ["Days"]), None);
    }
}
