//! The action plan: what a strategy means, with nothing left to interpret. The runtime and the
//! simulator read only these types, never the strategy text. Its JSON form is versioned
//! (`plan_version`) and described by `docs/plan.schema.json`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ledger::CurrencyCode;
use crate::ledger::money::Money;

/// The version of the plan format this CollectIQ writes and reads.
pub const PLAN_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Always [`PLAN_VERSION`] for plans this CollectIQ writes.
    pub plan_version: u32,
    /// The strategy's name.
    pub strategy: String,
    /// The file the plan was compiled from, as it was named.
    pub source: String,
    /// The Xero organisations the strategy applies to, by name; empty for all of them.
    pub organisations: Vec<String>,
    pub settings: Settings,
    /// Segments in order of priority: a customer belongs to the first whose condition matches.
    pub segments: Vec<Segment>,
    /// Rules and guards for every customer, whatever their segment.
    pub every_customer: Audience,
    /// The email templates the rules use, by name.
    pub templates: BTreeMap<String, Template>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Who emails come from; when absent, the sender configured for CollectIQ.
    pub sender: Option<Sender>,
    pub reply_to: Option<String>,
    pub sending_window: SendingWindow,
    /// An IANA time zone; when absent, the Xero organisation's.
    pub time_zone: Option<String>,
    /// Days without sending that are not business days, from the strategy and its holiday file.
    pub holidays: Vec<Holiday>,
    /// At most one automatic email per customer in this period; none when absent.
    pub frequency_cap: Option<Period>,
    /// Invoices with less than this outstanding are not chased; none when absent.
    pub minimum_amount: Option<Money>,
    /// Emails due to one customer at the same moment go out as one.
    pub consolidate: bool,
    /// How far back missed reminders are still sent; when absent, they never are.
    pub catch_up: Option<Period>,
    /// Whether emails, calls and escalations are logged to Xero as history notes.
    pub write_back: bool,
    /// People's e-mail addresses, for escalations and task notifications.
    pub people: BTreeMap<String, String>,
    /// Late-payment interest and compensation, shown in emails and `explain` and never written
    /// to an invoice; none when absent. Left out of the JSON when absent, so that plans without
    /// it keep their fingerprints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<super::claim::Claim>,
}

/// What a strategy without settings gets (LANGUAGE.md §3).
impl Default for Settings {
    fn default() -> Settings {
        Settings {
            sender: None,
            reply_to: None,
            sending_window: SendingWindow {
                days: SendingDays::BusinessDays,
                start: ClockTime { hour: 9, minute: 0 },
                end: ClockTime { hour: 17, minute: 0 },
            },
            time_zone: None,
            holidays: Vec::new(),
            frequency_cap: None,
            minimum_amount: None,
            consolidate: false,
            catch_up: Some(Period { count: 2, unit: PeriodUnit::BusinessDays }),
            write_back: true,
            people: BTreeMap::new(),
            claim: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sender {
    pub address: String,
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendingWindow {
    pub days: SendingDays,
    /// `HH:MM`, in the strategy's time zone.
    pub start: ClockTime,
    /// `HH:MM`; sending stops before this time.
    pub end: ClockTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SendingDays {
    /// Monday to Friday, except holidays.
    BusinessDays,
    /// Monday to Friday, holidays excepted too: no email is sent on a holiday.
    Weekdays,
    /// Any day but a holiday.
    EveryDay,
}

/// A time of day, written `HH:MM` on a 24-hour clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, JsonSchema)]
#[schemars(with = "String", description = "A time of day, HH:MM on a 24-hour clock")]
pub struct ClockTime {
    pub hour: u8,
    pub minute: u8,
}

impl std::fmt::Display for ClockTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let parsed = text.split_once(':').and_then(|(hour, minute)| {
            let (hour, minute): (u8, u8) = (hour.parse().ok()?, minute.parse().ok()?);
            (hour < 24 && minute < 60 && text.len() == 5).then_some(ClockTime { hour, minute })
        });
        parsed.ok_or_else(|| serde::de::Error::custom(format!("\"{text}\" is not a time of day like 09:30")))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Holiday {
    /// One date, `YYYY-MM-DD`.
    Date(#[schemars(with = "String")] jiff::civil::Date),
    /// A date that comes round every year.
    EveryYear { month: u8, day: u8 },
}

/// A length of time, counted in calendar days, business days or calendar months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub count: u32,
    pub unit: PeriodUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodUnit {
    Days,
    BusinessDays,
    Months,
}

/// A segment: a name, who is in it, and its own rules and guards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    pub name: String,
    /// Who is in the segment; absent for the default segment (all other customers).
    pub condition: Option<CustomerCondition>,
    /// The segment's definition in canonical phrasing.
    pub text: String,
    pub source: Location,
    #[serde(flatten)]
    pub audience: Audience,
}

/// The rules and guards of one segment, or of every customer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    /// Sorted by id, so that reordering a strategy does not change its plan.
    pub rules: Vec<Rule>,
    pub guards: Vec<Guard>,
}

/// Where something was written: 1-based line and column in the strategy file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable across reformatting and reordering: derived from the segment, trigger and action
    /// (and, when two rules share those, the condition).
    pub id: String,
    pub trigger: Trigger,
    /// The rule fires only for invoices that meet this.
    pub condition: Option<InvoiceCondition>,
    pub action: Action,
    /// The rule in canonical phrasing.
    pub text: String,
    pub source: Location,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// `offset` before the due date.
    BeforeDue {
        offset: Period,
    },
    OnDue,
    /// `offset` after the due date.
    Overdue {
        offset: Period,
    },
    /// Every `every` from `from` overdue, up to and including `until` (until paid when absent).
    Repeating {
        every: Period,
        from: Period,
        until: Option<Period>,
    },
    /// `offset` after the invoice date.
    AfterIssue {
        offset: Period,
    },
    /// Statements: every week on this day, for customers with an overdue balance.
    Weekly {
        day: Weekday,
    },
    /// Statements: every month on this day, for customers with an overdue balance.
    Monthly {
        day: DayOfMonth,
    },
}

impl Trigger {
    /// Calendar triggers act on a customer's account; the others on one invoice.
    pub fn is_calendar(&self) -> bool {
        matches!(self, Trigger::Weekly { .. } | Trigger::Monthly { .. })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayOfMonth {
    /// The day with this number; in shorter months, the month's last day.
    Day(u32),
    Last,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Email the customer (and any copies) with a template, and the PDFs it carries (left out
    /// of the JSON when there are none, so plans without them keep their fingerprint).
    Email {
        template: String,
        copy: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attach: Vec<Attachment>,
    },
    /// A task for a person to call the customer.
    CallTask { assignee: String },
    /// A task for a person, who is emailed if their address is known; automatic emails to the
    /// customer stop until the task is closed.
    Escalate { to: String },
    /// No further automatic action on the invoice.
    StopChasing,
}

/// A PDF an email carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Attachment {
    /// Each invoice the email is about, as Xero renders it (fetched when the email is decided).
    InvoicePdf,
    /// The customer's statement of account, rendered by CollectIQ when the email is decided.
    StatementPdf,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Guard {
    pub kind: GuardKind,
    /// The guard in canonical phrasing.
    pub text: String,
    pub source: Location,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum GuardKind {
    /// No automatic contact with customers who meet the condition.
    DoNotContact { condition: CustomerCondition },
    /// No automatic action on disputed invoices.
    StopDisputed,
    /// After a promise to pay, nothing until `grace` after the promised date.
    PauseOnPromise { grace: Period },
    /// When a promised date passes unpaid; `id` names this reaction like a rule id.
    BrokenPromise { id: String, action: Action },
    /// Invoices with less than this outstanding are not chased.
    MinimumAmount { amount: Money },
    /// What a human reply from the customer does to their automatic emails. Without this guard a
    /// reply pauses them until it is handled.
    OnReply { pause: ReplyPause },
    /// How long a customer's claim that an invoice is already paid (from the customer page or
    /// the CLI) holds back that invoice's reminders, counted from the day of the claim. Without
    /// this guard, 3 business days (`PAID_CLAIM_PAUSE`).
    OnPaidClaim { period: Period },
    /// The task to create when an email to the customer bounces for good (the address is never
    /// emailed again whatever this says). Without it the task is unassigned.
    OnBounce { action: Action },
}

/// How long a claim of payment pauses an invoice when no guard says: long enough for the payment
/// to reach the bank and be reconciled in Xero, short enough that a claim that was not true does
/// not stall the chase (LANGUAGE.md §11).
pub const PAID_CLAIM_PAUSE: Period = Period { count: 3, unit: PeriodUnit::BusinessDays };

/// How long a human reply holds back the customer's automatic emails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "until", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReplyPause {
    /// Until someone marks the reply handled (`collectiq inbox handle`).
    Handled,
    /// For a time counted from the day the reply arrived; it ends by itself.
    Period { period: Period },
    /// Not at all: replies are recorded and become tasks.
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    MoreThan,
    AtLeast,
    LessThan,
    AtMost,
}

impl Comparison {
    pub fn holds<T: PartialOrd>(self, left: T, right: T) -> bool {
        match self {
            Comparison::MoreThan => left > right,
            Comparison::AtLeast => left >= right,
            Comparison::LessThan => left < right,
            Comparison::AtMost => left <= right,
        }
    }
}

/// Text comparisons ignore case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextMatch {
    Contains,
    StartsWith,
    EndsWith,
    Is,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Balance {
    Outstanding,
    Overdue,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerCondition {
    All(Vec<CustomerCondition>),
    Any(Vec<CustomerCondition>),
    Not(Box<CustomerCondition>),
    InContactGroup {
        group: String,
    },
    Balance {
        comparison: Comparison,
        amount: Money,
        measure: Balance,
    },
    /// Invoiced in the last `period`.
    Billed {
        comparison: Comparison,
        amount: Money,
        period: Period,
    },
    BilledIn {
        currency: CurrencyCode,
    },
    FirstInvoice {
        comparison: Comparison,
        age: Period,
    },
    PaysLate {
        comparison: Comparison,
        lateness: Period,
    },
    OverdueInvoices {
        comparison: Comparison,
        count: u32,
    },
    EmailAddress {
        text_match: TextMatch,
        text: String,
    },
    Name {
        text_match: TextMatch,
        text: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceCondition {
    All(Vec<InvoiceCondition>),
    Any(Vec<InvoiceCondition>),
    Not(Box<InvoiceCondition>),
    AmountDue { comparison: Comparison, amount: Money },
    Total { comparison: Comparison, amount: Money },
    PartlyPaid,
    InCurrency { currency: CurrencyCode },
    Reference { text_match: TextMatch, text: String },
    Promised,
}

/// An email template, as read from `templates/NAME.email` when the plan was compiled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// `Format: markdown`: `text` is Markdown, from which both parts are made. Absent (false) in
    /// plans compiled before templates could be Markdown, which read as they did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub markdown: bool,
}

impl Template {
    /// The parts to render.
    pub fn source(&self) -> crate::template::Source<'_> {
        crate::template::Source {
            subject: &self.subject,
            text: &self.text,
            html: self.html.as_deref(),
            markdown: self.markdown,
        }
    }

    /// Whether the template may show an online-invoice link (`invoice.url`, `item.url`, or a
    /// `pay_button`). `invoice_table` shows the links already kept and asks for none: a statement
    /// lists every open invoice, and fetching each one's link would spend a minute of Xero's
    /// calls on one customer.
    pub fn shows_links(&self) -> bool {
        [Some(&self.subject), Some(&self.text), self.html.as_ref()]
            .into_iter()
            .flatten()
            .any(|part| part.contains(".url") || part.contains("pay_button("))
    }

    /// Whether its emails need Xero's online-invoice links: when it shows them, or when it shows
    /// links to the customer's page (`pages`: page links are made), whose Pay now buttons are
    /// those links. Only then are they fetched from Xero for its emails.
    pub fn needs_online_links(&self, pages: bool) -> bool {
        self.shows_links() || (pages && self.shows_page_links())
    }

    /// Whether any part shows a link to the customer's page (`links.page`, or an invoice's).
    pub fn shows_page_links(&self) -> bool {
        self.mentions("links.page")
    }

    /// Whether any part shows the customer's account (`statement(customer)`, `customer.invoices`,
    /// `customer.credits`): only then is every open invoice shown and are credits read.
    pub fn shows_account(&self) -> bool {
        ["statement(", "customer.invoices", "customer.credits"].into_iter().any(|text| self.mentions(text))
    }

    fn mentions(&self, text: &str) -> bool {
        [Some(&self.subject), Some(&self.text), self.html.as_ref()]
            .into_iter()
            .flatten()
            .any(|part| part.contains(text))
    }
}
