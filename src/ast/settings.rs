//! Sentences under `Settings:`.

use rust_decimal::Decimal;
use serde::Serialize;

use super::{DateLiteral, Duration, MoneyAmount, Name, TimeOfDay};
use crate::source::Span;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Setting {
    pub kind: SettingKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum SettingKind {
    /// `Send emails from "ar@acme.example" as "Acme Accounts".`
    Sender { address: Name, display_name: Option<Name> },
    /// `Replies go to "ar@acme.example".`
    ReplyTo { address: Name },
    /// `Send only on business days between 9am and 5pm.`
    SendingWindow { days: SendingDays, start: TimeOfDay, end: TimeOfDay },
    /// `Use the "Pacific/Auckland" time zone.`
    TimeZone { zone: Name },
    /// `Treat 2026-12-25 and 2027-01-01 as holidays.`
    Holidays { dates: Vec<DateLiteral> },
    /// `Holidays are listed in "holidays.txt".`
    HolidayFile { path: Name },
    /// `Never email a customer more than once every 3 days.`
    FrequencyCap { interval: Duration },
    /// `Ignore invoices with less than $20 outstanding.`
    MinimumAmount { amount: MoneyAmount },
    /// `Combine reminders for the same customer into one email.` / `Don't combine reminders.`
    Consolidation { enabled: bool },
    /// `Catch up on missed reminders for up to 2 business days.`; `None` for `Don't catch up …`.
    CatchUp { window: Option<Duration> },
    /// `Log every email and call to Xero.` / `Don't log to Xero.`
    WriteBack { enabled: bool },
    /// `Reach "Dana" at "dana@acme.example".`
    PersonAddress { person: Name, address: Name },
    /// `Claim interest and compensation under the UK Late Payment Act[, except for customers in
    /// the contact group "Consumers"].`
    ClaimStatutory { law: Law, except: Option<Name> },
    /// `Claim interest at 2% a month[, except …].`: a contractual rate.
    ClaimInterest { rate: InterestRate, except: Option<Name> },
}

/// A late-payment law a `Claim` sentence names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Law {
    /// `the UK Late Payment Act`
    UkLatePaymentAct,
    /// `the EU Late Payment Directive`
    EuLatePaymentDirective,
    /// `the EU Late Payment Directive as applied in Germany`
    EuLatePaymentDirectiveGermany,
}

/// `2% a month`, `12% a year`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct InterestRate {
    /// In percent, as written.
    pub percent: Decimal,
    pub per: RatePer,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum RatePer {
    Month,
    Year,
}

/// Which days emails may go out on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SendingDays {
    /// Monday to Friday, except holidays.
    BusinessDays,
    /// Monday to Friday.
    Weekdays,
    EveryDay,
}
