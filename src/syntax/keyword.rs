//! The words the language knows. Each keyword lists its spellings; the first is the canonical one
//! that `fmt` writes. `grammar/vocabulary.toml` mirrors this table for readers, and a test keeps
//! the two in step.

use serde::Serialize;

macro_rules! keywords {
    ($($keyword:ident => $canonical:literal $(| $spelling:literal)*,)*) => {
        /// A word of the language, whatever its case or number (`Days`, `day` and `DAYS` are
        /// all [`Keyword::Day`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum Keyword {
            $($keyword,)*
        }

        impl Keyword {
            pub const ALL: &'static [Keyword] = &[$(Keyword::$keyword,)*];

            /// The spelling `fmt` writes, in lower case.
            pub fn canonical(self) -> &'static str {
                match self {
                    $(Keyword::$keyword => $canonical,)*
                }
            }

            /// Every accepted spelling, canonical first.
            pub fn spellings(self) -> &'static [&'static str] {
                match self {
                    $(Keyword::$keyword => &[$canonical $(, $spelling)*],)*
                }
            }

            /// The keyword spelled `lower` (already in lower case).
            fn from_lowercase(lower: &str) -> Option<Keyword> {
                match lower {
                    $($canonical $(| $spelling)* => Some(Keyword::$keyword),)*
                    _ => None,
                }
            }
        }
    };
}

keywords! {
    Strategy => "strategy",
    Settings => "settings",
    Segments => "segments",
    For => "for",
    Every => "every" | "each",
    All => "all",
    Other => "other",
    Everyone => "everyone" | "everybody",
    Else => "else",
    Customer => "customers" | "customer" | "clients" | "client",
    Organisation => "organisation" | "organisations" | "organization" | "organizations",
    And => "and",
    Or => "or",
    Not => "not",
    If => "if",
    When => "when",
    Unless => "unless",
    Is => "is",
    Are => "are",
    In => "in",
    With => "with",
    Of => "of",
    To => "to",
    From => "from",
    Between => "between",
    Until => "until" | "till",
    After => "after",
    Before => "before",
    At => "at",
    On => "on",
    By => "by",
    As => "as",
    Than => "than",
    More => "more" | "greater",
    Less => "less",
    Fewer => "fewer",
    Least => "least",
    Most => "most",
    Over => "over" | "above",
    Under => "under" | "below",
    Who => "who",
    Whose => "whose",
    Was => "was",
    Ago => "ago",
    Due => "due",
    Date => "date",
    Overdue => "overdue",
    Past => "past",
    Invoice => "invoice" | "invoices",
    Issued => "issued",
    Send => "send",
    Email => "email" | "emails" | "e-mail" | "e-mails",
    Only => "only",
    Any => "any",
    Business => "business",
    Weekdays => "weekdays" | "weekday",
    Day => "day" | "days",
    Week => "week" | "weeks",
    Fortnight => "fortnight" | "fortnights",
    Month => "month" | "months",
    Year => "year" | "years",
    Replies => "replies" | "reply",
    Go => "go",
    Use => "use",
    Time => "time",
    Zone => "zone",
    Timezone => "timezone",
    Treat => "treat",
    Holiday => "holidays" | "holiday",
    Listed => "listed",
    Never => "never",
    Once => "once",
    Ignore => "ignore",
    Skip => "skip",
    Outstanding => "outstanding" | "owing",
    Combine => "combine",
    Reminder => "reminders" | "reminder",
    Same => "same",
    Into => "into",
    Catch => "catch",
    Up => "up",
    Missed => "missed",
    Dont => "don't" | "dont" | "don’t",
    Do => "do",
    Log => "log",
    Call => "call" | "calls",
    Xero => "xero",
    Reach => "reach",
    Contact => "contact",
    Group => "group",
    Billed => "billed" | "invoiced",
    Last => "last",
    First => "first",
    Pay => "pay" | "pays",
    Late => "late",
    Average => "average",
    Address => "address",
    Ends => "ends" | "end",
    Starts => "starts" | "start" | "begins",
    Contains => "contains" | "contain",
    Name => "name",
    Reference => "reference",
    Total => "total",
    Partly => "partly" | "partially",
    Paid => "paid",
    Promised => "promised",
    Promises => "promises",
    Promise => "promise",
    Has => "has",
    Have => "have",
    Says => "says" | "say",
    They => "they",
    Create => "create",
    Task => "task",
    Ask => "ask",
    Assign => "assign",
    Escalate => "escalate",
    Stop => "stop",
    Chasing => "chasing",
    Copy => "copy" | "cc",
    Pdf => "pdf" | "pdfs",
    Statement => "statement" | "statements",
    Disputed => "disputed",
    Pause => "pause",
    Broken => "broken",
    Handled => "handled",
    Keep => "keep",
    Bounces => "bounces" | "bounce",
    Claim => "claim",
    Interest => "interest",
    Compensation => "compensation",
    Except => "except",
    Am => "am",
    Pm => "pm",
    Noon => "noon" | "midday",
    Monday => "monday" | "mondays",
    Tuesday => "tuesday" | "tuesdays",
    Wednesday => "wednesday" | "wednesdays",
    Thursday => "thursday" | "thursdays",
    Friday => "friday" | "fridays",
    Saturday => "saturday" | "saturdays",
    Sunday => "sunday" | "sundays",
    January => "january" | "jan",
    February => "february" | "feb",
    March => "march" | "mar",
    April => "april" | "apr",
    May => "may",
    June => "june" | "jun",
    July => "july" | "jul",
    August => "august" | "aug",
    September => "september" | "sep" | "sept",
    October => "october" | "oct",
    November => "november" | "nov",
    December => "december" | "dec",
}

impl Keyword {
    /// The keyword spelled `word`, in any case.
    pub fn lookup(word: &str) -> Option<Keyword> {
        const LONGEST: usize = 16;
        if word.len() > LONGEST {
            return None;
        }
        let mut buffer = [0u8; LONGEST];
        let lower = &mut buffer[..word.len()];
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        // Lower-casing ASCII bytes keeps UTF-8 valid (the curly apostrophe is untouched).
        std::str::from_utf8(lower).ok().and_then(Keyword::from_lowercase)
    }

    pub const WEEKDAYS: [Keyword; 7] = [
        Keyword::Monday,
        Keyword::Tuesday,
        Keyword::Wednesday,
        Keyword::Thursday,
        Keyword::Friday,
        Keyword::Saturday,
        Keyword::Sunday,
    ];

    pub const MONTHS: [Keyword; 12] = [
        Keyword::January,
        Keyword::February,
        Keyword::March,
        Keyword::April,
        Keyword::May,
        Keyword::June,
        Keyword::July,
        Keyword::August,
        Keyword::September,
        Keyword::October,
        Keyword::November,
        Keyword::December,
    ];
}

/// `one` … `twelve`, the number words the language reads as numbers.
pub const NUMBER_WORDS: [&str; 12] =
    ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

/// The value of a number word, in any case.
pub fn number_word(word: &str) -> Option<u32> {
    NUMBER_WORDS.iter().position(|candidate| candidate.eq_ignore_ascii_case(word)).map(|index| index as u32 + 1)
}

/// The optional articles. `a` and `an` also mean "one" where a number is expected (`a week`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Article {
    The,
    A,
    An,
}

impl Article {
    pub fn lookup(word: &str) -> Option<Article> {
        [("the", Article::The), ("a", Article::A), ("an", Article::An)]
            .into_iter()
            .find(|(spelling, _)| spelling.eq_ignore_ascii_case(word))
            .map(|(_, article)| article)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_ignores_case() {
        assert_eq!(Keyword::lookup("Send"), Some(Keyword::Send));
        assert_eq!(Keyword::lookup("SEND"), Some(Keyword::Send));
        assert_eq!(Keyword::lookup("Don’t"), Some(Keyword::Dont));
        assert_eq!(Keyword::lookup("sendx"), None);
        assert_eq!(Keyword::lookup("a-very-long-word-indeed"), None);
    }

    #[test]
    fn every_spelling_is_unique() {
        let mut seen = std::collections::HashMap::new();
        for &keyword in Keyword::ALL {
            for spelling in keyword.spellings() {
                if let Some(other) = seen.insert(*spelling, keyword) {
                    panic!("\"{spelling}\" spells both {other:?} and {keyword:?}");
                }
            }
        }
    }
}
