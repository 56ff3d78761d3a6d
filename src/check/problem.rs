//! Everything the checker can find, each with its message, its code and its help in one place.

use super::guards::GuardConflict;
use crate::diagnostics::{Diagnostic, FileId, thousands};
use crate::source::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    NotUtf8 { byte: usize, span: Span },
    DuplicateSegment { name: String, span: Span, first: Span },
    UnknownSegment { name: String, span: Span, suggestion: Option<String>, any_defined: bool },
    UnknownTimeZone { zone: String, span: Span, suggestion: Option<String> },
    SettingRepeated { what: &'static str, span: Span, first: Span },
    ClaimExceptionsDiffer { span: Span, first: Span },
    ZeroInterestRate { span: Span },
    InvalidAddress { address: String, span: Span },
    WindowBackwards { span: Span },
    HolidayFileUnreadable { path: String, span: Span, reason: String },
    HolidayFileLine { path: String, line: usize, text: String, span: Span },
    ZeroInterval { span: Span },
    ZeroCap { span: Span },
    RangeBackwards { span: Span },
    CalendarAction { action: &'static str, span: Span },
    TemplateMissing { name: String, span: Span, expected: String, suggestion: Option<String> },
    TemplateName { name: String, span: Span },
    TemplateUnreadable { name: String, span: Span, reason: String },
    TemplateShape { file: FileId, span: Span, message: &'static str, help: &'static str },
    TemplateSyntax { file: FileId, span: Span, detail: String },
    TemplateVariable { file: FileId, span: Span, variable: String, suggestion: Option<String>, statement: bool },
    TemplateRender { file: FileId, span: Span, detail: String },
    UnreachableSegment { name: String, span: Span, shadowed_by: Option<(String, Span)> },
    NoDefaultSegment { span: Span },
    SegmentWithoutRules { name: String, span: Span, shared_rules: bool },
    SameDayEmails { span: Span, other: Span, when: String },
    CloserThanCap { span: Span, other: Span, gap: String, cap: String },
    RepeatsFasterThanCap { span: Span, cap: String },
    BeforeDueMayNotFire { span: Span, offset: String },
    SingleInvoiceTemplate { file: FileId, name: String, span: Span },
    DuplicateRule { span: Span, first: Span },
    LookAlikeSegments { name: String, other: String, span: Span, first: Span },
    ConflictingRules { span: Span, first: Span },
    ConflictingGuards { conflict: GuardConflict, span: Span, first: Span },
}

impl Problem {
    pub fn to_diagnostic(&self) -> Diagnostic {
        use Problem::*;
        match self {
            NotUtf8 { byte, span } => Diagnostic::error("not-utf8", format!("this file is not UTF-8 text: byte {} cannot be read", thousands(byte + 1)), *span)
                .with_label("not UTF-8")
                .with_help("save the strategy as UTF-8 (plain text)"),
            DuplicateSegment { name, span, first } => Diagnostic::error("duplicate-segment", format!("the segment \"{name}\" is defined twice"), *span)
                .with_label("defined again here")
                .with_secondary(*first, "first defined here")
                .with_help("give each segment its own name"),
            UnknownSegment { name, span, suggestion, any_defined } => {
                let help = match (suggestion, any_defined) {
                    (Some(suggestion), _) => format!("did you mean \"{suggestion}\"?"),
                    (None, true) => format!("define \"{name}\" under \"Segments:\", or use the name of a segment defined there"),
                    (None, false) => format!("add a \"Segments:\" section that defines \"{name}\""),
                };
                Diagnostic::error("unknown-segment", format!("there is no segment called \"{name}\""), *span).with_help(help)
            }
            UnknownTimeZone { zone, span, suggestion } => Diagnostic::error("unknown-time-zone", format!("\"{zone}\" is not a time zone I know"), *span)
                .with_help(suggestion.as_ref().map_or_else(
                    || "use an IANA time zone name such as \"Pacific/Auckland\" or \"Europe/London\"".to_string(),
                    |s| format!("did you mean \"{s}\"?"),
                )),
            SettingRepeated { what, span, first } => Diagnostic::error("repeated-setting", format!("the {what} is set twice"), *span)
                .with_label("set again here")
                .with_secondary(*first, "first set here")
                .with_help("keep one of the two sentences"),
            ClaimExceptionsDiffer { span, first } => Diagnostic::error("claim-exceptions-differ", "the two claim sentences spare different contact groups", *span)
                .with_label("this group")
                .with_secondary(*first, "and this one")
                .with_help("one claim spares one contact group: write the same group on both sentences, or on one of them only"),
            ZeroInterestRate { span } => Diagnostic::error("zero-interest-rate", "a contractual rate of 0% claims nothing", *span)
                .with_help("give the rate the contract sets, such as \"2% a month\", or leave the sentence out"),
            InvalidAddress { address, span } => Diagnostic::error("invalid-address", format!("\"{address}\" is not an e-mail address"), *span)
                .with_help("write a whole address, such as \"accounts@acme.example\""),
            WindowBackwards { span } => Diagnostic::error("window-backwards", "the sending window ends before it starts", *span)
                .with_help("put the earlier time first, as in \"between 9am and 5pm\""),
            HolidayFileUnreadable { path, span, reason } => Diagnostic::error("holiday-file", format!("I can't read the holiday file \"{path}\": {reason}"), *span)
                .with_help("the file is read from beside the strategy; list one date per line, such as 2026-12-25"),
            HolidayFileLine { path, line, text, span } => Diagnostic::error("holiday-file", format!("line {line} of \"{path}\" is not a date: \"{text}\""), *span)
                .with_help("list one date per line, such as 2026-12-25 or 25 December; lines starting with # are comments"),
            ZeroInterval { span } => Diagnostic::error("zero-interval", "a reminder cannot repeat every 0 days", *span)
                .with_help("repeat every 1 day or more, such as \"every 7 days\""),
            ZeroCap { span } => Diagnostic::error("zero-interval", "the frequency cap cannot be 0 days", *span)
                .with_help("give the shortest time between two emails to one customer, such as \"once every 3 days\", or leave the cap out"),
            RangeBackwards { span } => Diagnostic::error("range-backwards", "this range ends before it starts", *span)
                .with_help("put the smaller number first, as in \"from 8 to 29 days overdue\""),
            CalendarAction { action, span } => Diagnostic::error("calendar-action", format!("a calendar rule cannot {action}"), *span)
                .with_help("calendar rules (every Monday, on the 1st of every month) act on a customer's whole account; send an email or create a call task instead, or use an invoice trigger such as \"at 90 days overdue\""),
            TemplateMissing { name, span, expected, suggestion } => Diagnostic::error("unknown-template", format!("there is no template called \"{name}\""), *span)
                .with_label(format!("expected the file {expected}"))
                .with_help(suggestion.as_ref().map_or_else(
                    || format!("create {expected}: a \"Subject:\" line, a blank line, then the body"),
                    |s| format!("did you mean \"{s}\"?"),
                )),
            TemplateName { name, span } => Diagnostic::error("invalid-template-name", format!("\"{name}\" cannot name a template"), *span)
                .with_help("a template is named by its file in templates/, without folders: \"friendly-reminder\" for templates/friendly-reminder.email"),
            TemplateUnreadable { name, span, reason } => Diagnostic::error("unreadable-template", format!("I can't read the template \"{name}\": {reason}"), *span),
            TemplateShape { file, span, message, help } => Diagnostic::error("template-format", *message, *span).with_help(*help).in_file(*file),
            TemplateSyntax { file, span, detail } => Diagnostic::error("template-syntax", format!("this template does not parse: {detail}"), *span)
                .with_help("templates use minijinja: {{ variable }}, {% if … %}…{% endif %}, {% for … %}…{% endfor %}")
                .in_file(*file),
            TemplateVariable { file, span, variable, suggestion, statement } => {
                let help = match (suggestion, statement) {
                    (Some(s), _) => format!("did you mean \"{s}\"?"),
                    (None, true) => "statements are about the whole account: use invoices (a list) and the totals instead of invoice".to_string(),
                    (None, false) => fields_of(variable),
                };
                let message = if *statement && variable.starts_with("invoice") && !variable.starts_with("invoices") {
                    format!("\"{variable}\" is not available in a statement email")
                } else {
                    format!("CollectIQ does not provide the variable \"{variable}\"")
                };
                Diagnostic::error("unknown-template-variable", message, *span).with_help(help).in_file(*file)
            }
            TemplateRender { file, span, detail } => Diagnostic::error("template-render", format!("this template fails on a sample invoice: {detail}"), *span)
                .with_help("check the variable names and filters (money, date) used on this line")
                .in_file(*file),
            UnreachableSegment { name, span, shadowed_by } => {
                let diagnostic = Diagnostic::warning("unreachable-segment", format!("no customer can ever be in the segment \"{name}\""), *span);
                match shadowed_by {
                    Some((earlier, earlier_span)) => diagnostic
                        .with_label(format!("every customer it describes is already in \"{earlier}\""))
                        .with_secondary(*earlier_span, "this segment comes first and takes them")
                        .with_help("segments are tried in order and the first match wins: move this one up, or narrow the earlier one"),
                    None => diagnostic
                        .with_label("every customer it describes is already in an earlier segment")
                        .with_help("segments are tried in order and the first match wins: move this one up"),
                }
            }
            NoDefaultSegment { span } => Diagnostic::warning("no-default-segment", "no segment catches the customers that match none of the others", *span)
                .with_help("add a last segment such as: \"Standard\" customers are all other customers."),
            SegmentWithoutRules { name, span, shared_rules } => Diagnostic::warning("segment-without-rules", format!("the segment \"{name}\" has no rules"), *span)
                .with_help(if *shared_rules {
                    format!("its customers get only the rules under \"For every customer:\"; add a \"For \"{name}\" customers:\" section if they need more")
                } else {
                    format!("its customers are never chased; add a \"For \"{name}\" customers:\" section")
                }),
            SameDayEmails { span, other, when } => Diagnostic::warning("same-day-emails", format!("two emails for the same invoice on the same day ({when})"), *span)
                .with_label("and this rule another")
                .with_secondary(*other, "this rule sends one email")
                .with_help("move one of the rules to another day, or combine them"),
            CloserThanCap { span, other, gap, cap } => Diagnostic::warning("closer-than-cap", format!("this email comes {gap} after another, but customers get at most one email every {cap}"), *span)
                .with_secondary(*other, "the earlier email")
                .with_help("it will wait for the frequency cap, and is skipped if a later reminder comes due meanwhile; space the rules further apart"),
            RepeatsFasterThanCap { span, cap } => Diagnostic::warning("closer-than-cap", format!("this reminder repeats more often than the frequency cap allows (one email every {cap})"), *span)
                .with_help("repeat at least as far apart as the cap"),
            BeforeDueMayNotFire { span, offset } => Diagnostic::warning("before-due-may-not-fire", format!("invoices due less than {offset} after they are issued never get this email"), *span)
                .with_help("invoices on short payment terms (such as 7 days) are issued after this reminder's day; remind them nearer the due date too"),
            DuplicateRule { span, first } => Diagnostic::warning("duplicate-rule", "this says the same as an earlier sentence", *span)
                .with_label("repeated here")
                .with_secondary(*first, "first said here")
                .with_help("a rule or guard counts once however often it is written; remove the repeat"),
            LookAlikeSegments { name, other, span, first } => Diagnostic::error(
                "look-alike-segments",
                format!("the segments \"{other}\" and \"{name}\" differ only in spaces or punctuation"),
                *span,
            )
            .with_secondary(*first, "the other one")
            .with_help("CollectIQ names rules after their segment; give the segments names that differ in letters or digits"),
            ConflictingRules { span, first } => Diagnostic::error("conflicting-rules", "this does the same thing at the same moment as an earlier rule, in a slightly different way", *span)
                .with_secondary(*first, "the earlier rule")
                .with_help("keep one of the two (for an email, list every copy address in one rule)"),
            ConflictingGuards { conflict, span, first } => {
                let (about, help) = match conflict {
                    GuardConflict::KeepAndPause => ("what a customer's reply does", "\"Keep chasing\" and \"pause chasing\" cannot both hold: keep the sentence you mean"),
                    GuardConflict::TwoPauses => ("what a customer's reply does", "a reply pauses chasing in one way: keep one of the two sentences"),
                    GuardConflict::TwoBounceTasks => ("the task a bounced email creates", "a bounce creates one task: keep one of the two sentences"),
                    GuardConflict::TwoPaidClaimPauses => ("how long chasing pauses when a customer says they have paid", "a claim of payment pauses an invoice for one length of time: keep one of the two sentences"),
                };
                Diagnostic::error("conflicting-guards", format!("an earlier sentence for these customers says otherwise about {about}"), *span)
                    .with_label("says otherwise here")
                    .with_secondary(*first, "the earlier sentence")
                    .with_help(help)
            }
            SingleInvoiceTemplate { file, name, span } => Diagnostic::warning("single-invoice-template", format!("reminders are combined, but the template \"{name}\" only shows one invoice"), *span)
                .with_help("when several invoices of a customer are due at once they go in one email: list them with {% for invoice in invoices %}…{% endfor %}")
                .in_file(*file),
        }
    }
}

/// `invoice has: number, reference, …`, to show what a misspelt field could have been.
fn fields_of(variable: &str) -> String {
    let object = variable.split('.').next().unwrap_or_default();
    let fields: Vec<&str> =
        crate::template::PROVIDED.iter().filter_map(|(name, _)| name.strip_prefix(object)?.strip_prefix('.')).collect();
    if fields.is_empty() {
        let names: Vec<&str> =
            crate::template::PROVIDED.iter().map(|(name, _)| name.split('.').next().unwrap_or(name)).collect();
        let mut names = names;
        names.dedup();
        format!("templates can use: {}", names.join(", "))
    } else {
        format!("{object} has: {}", fields.join(", "))
    }
}
