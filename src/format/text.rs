//! The canonical phrasing of every node: the first form in each row of LANGUAGE.md's tables.
//! Phrasings the language calls equivalent parse to the same tree, so they print the same.

use crate::ast::*;
use crate::syntax::lexer::month_name;
use crate::syntax::token::ordinal_suffix;

pub fn header(strategy: &Strategy) -> String {
    format!("Strategy {}.", quoted(&strategy.name))
}

pub fn organisations(names: &[Name]) -> String {
    let noun = if names.len() == 1 { "organisation" } else { "organisations" };
    format!("For {noun} {}.", name_list(names))
}

pub fn heading(section: &Section) -> String {
    match section {
        Section::Settings(_) => "Settings:".to_string(),
        Section::Segments(_) => "Segments:".to_string(),
        Section::Rules(rules) => match &rules.audience {
            Audience::Everyone(_) => "For every customer:".to_string(),
            Audience::Segment(name) => format!("For {} customers:", quoted(name)),
        },
    }
}

pub fn setting(setting: &Setting) -> String {
    let text = match &setting.kind {
        SettingKind::Sender { address, display_name: Some(display) } => {
            format!("Send emails from {} as {}", quoted(address), quoted(display))
        }
        SettingKind::Sender { address, display_name: None } => format!("Send emails from {}", quoted(address)),
        SettingKind::ReplyTo { address } => format!("Replies go to {}", quoted(address)),
        SettingKind::SendingWindow { days, start, end } => {
            let days = match days {
                SendingDays::BusinessDays => "only on business days",
                SendingDays::Weekdays => "only on weekdays",
                SendingDays::EveryDay => "on any day",
            };
            format!("Send {days} between {} and {}", time(start), time(end))
        }
        SettingKind::TimeZone { zone } => format!("Use the {} time zone", quoted(zone)),
        SettingKind::Holidays { dates } => {
            let noun = if dates.len() == 1 { "a holiday" } else { "holidays" };
            let dates: Vec<String> = dates.iter().map(date).collect();
            format!("Treat {} as {noun}", and_list(&dates))
        }
        SettingKind::HolidayFile { path } => format!("Holidays are listed in {}", quoted(path)),
        SettingKind::FrequencyCap { interval } => {
            format!("Never email a customer more than once {}", every(interval))
        }
        SettingKind::MinimumAmount { amount } => minimum_amount(amount),
        SettingKind::Consolidation { enabled: true } => {
            "Combine reminders for the same customer into one email".to_string()
        }
        SettingKind::Consolidation { enabled: false } => "Don't combine reminders".to_string(),
        SettingKind::CatchUp { window: Some(window) } => {
            format!("Catch up on missed reminders for up to {}", duration(window))
        }
        SettingKind::CatchUp { window: None } => "Don't catch up on missed reminders".to_string(),
        SettingKind::WriteBack { enabled: true } => "Log every email and call to Xero".to_string(),
        SettingKind::WriteBack { enabled: false } => "Don't log to Xero".to_string(),
        SettingKind::PersonAddress { person, address } => {
            format!("Reach {} at {}", quoted(person), quoted(address))
        }
        SettingKind::ClaimStatutory { law, except } => {
            format!("Claim interest and compensation under the {}{}", law_title(*law), claim_exception(except))
        }
        SettingKind::ClaimInterest { rate, except } => {
            let per = match rate.per {
                RatePer::Month => "month",
                RatePer::Year => "year",
            };
            format!("Claim interest at {}% a {per}{}", rate.percent.normalize(), claim_exception(except))
        }
    };
    sentence(text)
}

fn law_title(law: Law) -> &'static str {
    match law {
        Law::UkLatePaymentAct => "UK Late Payment Act",
        Law::EuLatePaymentDirective => "EU Late Payment Directive",
        Law::EuLatePaymentDirectiveGermany => "EU Late Payment Directive as applied in Germany",
    }
}

fn claim_exception(except: &Option<Name>) -> String {
    except
        .as_ref()
        .map(|group| format!(", except for customers in the contact group {}", quoted(group)))
        .unwrap_or_default()
}

fn minimum_amount(amount: &MoneyAmount) -> String {
    format!("Ignore invoices with less than {} outstanding", money(amount))
}

pub fn segment_definition(segment: &SegmentDefinition) -> String {
    let condition = match &segment.condition {
        SegmentCondition::Others(_) => "all other customers".to_string(),
        SegmentCondition::Matching(condition) => customer_condition(condition),
    };
    sentence(format!("{} customers are {condition}", quoted(&segment.name)))
}

pub fn rule_item(item: &RuleItem) -> String {
    match item {
        RuleItem::Rule(rule) => sentence(rule_text(rule)),
        RuleItem::Guard(guard) => sentence(guard_text(guard)),
    }
}

pub fn rule_text(rule: &Rule) -> String {
    let condition = rule.condition.as_ref().map(|c| format!("{}, ", rule_condition(c))).unwrap_or_default();
    format!("{}, {condition}{}", trigger(&rule.trigger.kind), action(&rule.action.kind))
}

fn rule_condition(condition: &RuleCondition) -> String {
    let keyword = if condition.unless { "unless" } else { "if" };
    format!("{keyword} {}", invoice_condition(&condition.condition))
}

pub fn guard_text(guard: &Guard) -> String {
    match &guard.kind {
        GuardKind::DoNotContact { condition } => {
            format!("Don't contact {}", customer_condition(condition))
        }
        GuardKind::StopDisputed => "Stop chasing disputed invoices".to_string(),
        GuardKind::PauseOnPromise { grace } if grace.count == 0 => {
            "When a customer promises to pay, pause chasing until the promised date".to_string()
        }
        GuardKind::PauseOnPromise { grace } => {
            format!("When a customer promises to pay, pause chasing until {} after the promised date", duration(grace))
        }
        GuardKind::BrokenPromise { action: a } => {
            format!("If a promise is broken, {}", action(&a.kind))
        }
        GuardKind::MinimumAmount { amount } => minimum_amount(amount),
        GuardKind::OnReply { pause: ReplyPause::UntilHandled } => {
            "When a customer replies, pause chasing until the reply is handled".to_string()
        }
        GuardKind::OnReply { pause: ReplyPause::For(period) } => {
            format!("When a customer replies, pause chasing for {}", duration(period))
        }
        GuardKind::OnReply { pause: ReplyPause::KeepChasing } => "Keep chasing when a customer replies".to_string(),
        GuardKind::OnPaidClaim { pause } => {
            format!("When a customer says they have paid, pause chasing for {}", duration(pause))
        }
        GuardKind::OnBounce { action: a } => format!("When an email bounces, {}", action(&a.kind)),
    }
}

pub fn trigger(trigger: &TriggerKind) -> String {
    match trigger {
        TriggerKind::BeforeDue { offset } => format!("{} before the due date", duration(offset)),
        TriggerKind::OnDue => "on the due date".to_string(),
        TriggerKind::Overdue { offset } => format!("{} after the due date", duration(offset)),
        TriggerKind::Repeating { interval, from, until: Some(until) } => {
            let start =
                if from.unit == until.unit { from.count.to_string() } else { format!("{} overdue", duration(from)) };
            format!("{} from {start} to {} overdue", every(interval), duration(until))
        }
        TriggerKind::Repeating { interval, from, until: None } => {
            format!("{} after {} overdue", every(interval), duration(from))
        }
        TriggerKind::AfterIssue { offset } => {
            format!("{} after the invoice date", duration(offset))
        }
        TriggerKind::Weekly { day } => format!("every {}", weekday(*day)),
        TriggerKind::Monthly { day: DayOfMonth::Day(day) } => {
            format!("on the {day}{} of every month", ordinal_suffix(*day))
        }
        TriggerKind::Monthly { day: DayOfMonth::Last } => "on the last day of every month".to_string(),
    }
}

pub fn action(action: &ActionKind) -> String {
    match action {
        ActionKind::Email { template, copy, attach } => {
            let mut text = format!("send the {} email", quoted(template));
            if !attach.is_empty() {
                let each: Vec<&str> = attach.iter().map(|a| attachment(*a)).collect();
                text.push_str(&format!(" with {}", each.join(" and ")));
            }
            if !copy.is_empty() {
                text.push_str(&format!(" and copy {}", name_list(copy)));
            }
            text
        }
        ActionKind::CallTask { assignee } => format!("create a call task for {}", quoted(assignee)),
        ActionKind::Escalate { to } => format!("escalate to {}", quoted(to)),
        ActionKind::StopChasing => "stop chasing".to_string(),
    }
}

/// As `with …` names it: `the invoice PDF`, `a statement PDF`.
pub fn attachment(attachment: Attachment) -> &'static str {
    match attachment {
        Attachment::InvoicePdf => "the invoice PDF",
        Attachment::StatementPdf => "a statement PDF",
    }
}

pub fn customer_condition(condition: &CustomerCondition) -> String {
    boolean(condition, &|test: &CustomerTest| format!("customers {}", customer_test(&test.kind)))
}

pub fn invoice_condition(condition: &InvoiceCondition) -> String {
    boolean(condition, &|test: &InvoiceTest| invoice_test(&test.kind))
}

/// `and` binds tighter than `or`; brackets go only where they change the meaning.
fn boolean<T>(condition: &Condition<T>, test: &dyn Fn(&T) -> String) -> String {
    match condition {
        Condition::Test(t) => test(t),
        Condition::Not(inner, _) => match **inner {
            Condition::All(..) | Condition::Any(..) => format!("not ({})", boolean(inner, test)),
            _ => format!("not {}", boolean(inner, test)),
        },
        Condition::All(parts, _) => parts
            .iter()
            .map(|part| match part {
                Condition::Any(..) => format!("({})", boolean(part, test)),
                _ => boolean(part, test),
            })
            .collect::<Vec<_>>()
            .join(" and "),
        Condition::Any(parts, _) => parts.iter().map(|part| boolean(part, test)).collect::<Vec<_>>().join(" or "),
    }
}

/// A customer test without its leading "customers".
pub fn customer_test(test: &CustomerTestKind) -> String {
    match test {
        CustomerTestKind::InContactGroup { group } => {
            format!("in the contact group {}", quoted(group))
        }
        CustomerTestKind::Balance { comparison: c, amount, measure } => {
            let measure = match measure {
                Balance::Outstanding => "outstanding",
                Balance::Overdue => "overdue",
            };
            format!("with {} {} {measure}", comparison(*c), money(amount))
        }
        CustomerTestKind::Billed { comparison: c, amount, period } => {
            format!("billed {} {} in the last {}", comparison(*c), money(amount), duration(period))
        }
        CustomerTestKind::BilledIn { currency } => format!("billed in {}", currency.code),
        CustomerTestKind::FirstInvoice { comparison: c, age } => {
            format!("whose first invoice was {} {} ago", comparison(*c), duration(age))
        }
        CustomerTestKind::PaysLate { comparison: c, lateness } => {
            format!("who pay {} {} late on average", comparison(*c), duration(lateness))
        }
        CustomerTestKind::OverdueInvoices { comparison: Comparison::AtLeast, count } => {
            format!("with {} or more overdue {}", count.value, plural(count.value, "invoice", "invoices"))
        }
        CustomerTestKind::OverdueInvoices { comparison: c, count } => {
            format!("with {} {} overdue {}", comparison(*c), count.value, plural(count.value, "invoice", "invoices"))
        }
        CustomerTestKind::EmailAddress { text_match: m, text } => {
            format!("whose email address {} {}", text_match(*m), quoted(text))
        }
        CustomerTestKind::Name { text_match: m, text } => format!("whose name {} {}", text_match(*m), quoted(text)),
    }
}

pub fn invoice_test(test: &InvoiceTestKind) -> String {
    match test {
        InvoiceTestKind::AmountDue { comparison: c, amount } => {
            format!("{} {} is outstanding", comparison(*c), money(amount))
        }
        InvoiceTestKind::Total { comparison: c, amount } => {
            format!("the invoice total is {} {}", comparison(*c), money(amount))
        }
        InvoiceTestKind::PartlyPaid => "the invoice is partly paid".to_string(),
        InvoiceTestKind::InCurrency { currency } => format!("the invoice is in {}", currency.code),
        InvoiceTestKind::Reference { text_match: m, text } => {
            format!("the reference {} {}", text_match(*m), quoted(text))
        }
        InvoiceTestKind::Promised => "the customer has promised to pay".to_string(),
    }
}

pub fn comparison(comparison: Comparison) -> &'static str {
    match comparison {
        Comparison::MoreThan => "more than",
        Comparison::AtLeast => "at least",
        Comparison::LessThan => "less than",
        Comparison::AtMost => "at most",
    }
}

fn text_match(text_match: TextMatch) -> &'static str {
    match text_match {
        TextMatch::Contains => "contains",
        TextMatch::StartsWith => "starts with",
        TextMatch::EndsWith => "ends with",
        TextMatch::Is => "is",
    }
}

/// `3 days`, `1 business day`, `2 weeks`.
pub fn duration(duration: &Duration) -> String {
    format!("{} {}", duration.count, unit_name(duration.unit, duration.count))
}

/// After `every`, one of a unit is the bare unit: `every week`, `every 7 days`.
fn every(interval: &Duration) -> String {
    if interval.count == 1 {
        format!("every {}", unit_name(interval.unit, 1))
    } else {
        format!("every {}", duration(interval))
    }
}

fn unit_name(unit: Unit, count: u32) -> &'static str {
    let (one, many) = match unit {
        Unit::Day => ("day", "days"),
        Unit::BusinessDay => ("business day", "business days"),
        Unit::Month => ("month", "months"),
        Unit::Year => ("year", "years"),
    };
    plural(count, one, many)
}

fn plural(count: u32, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

/// `$5,000`, `€500`, `£200.50`, `5,000 NZD`.
pub fn money(amount: &MoneyAmount) -> String {
    crate::ledger::money::Money { amount: amount.amount, currency: amount.currency }.to_string()
}

/// `9am`, `9:30am`, `12pm`, `5:15pm`.
pub fn time(time: &TimeOfDay) -> String {
    let (hour, minute) = (time.time.hour(), time.time.minute());
    let suffix = if hour < 12 { "am" } else { "pm" };
    let hour = match hour % 12 {
        0 => 12,
        hour => hour,
    };
    if minute == 0 { format!("{hour}{suffix}") } else { format!("{hour}:{minute:02}{suffix}") }
}

/// `2026-12-25`, or `25 December` for a date that comes round every year.
pub fn date(date: &DateLiteral) -> String {
    match date.date {
        CalendarDate::On(date) => date.to_string(),
        CalendarDate::EveryYear { month, day } => format!("{day} {}", month_name(month as usize)),
    }
}

pub fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

pub fn quoted(name: &Name) -> String {
    format!("\"{}\"", name.text)
}

fn name_list(names: &[Name]) -> String {
    let quoted: Vec<String> = names.iter().map(quoted).collect();
    and_list(&quoted)
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Capitalises the first letter and ends with a full stop.
fn sentence(text: String) -> String {
    let mut chars = text.chars();
    let capitalised: String = chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default();
    format!("{capitalised}.")
}
