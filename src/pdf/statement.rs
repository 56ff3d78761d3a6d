//! A statement of account, which CollectIQ renders itself: the customer's open invoices and
//! credits on the statement's date, what is due by age, and (when the strategy claims them under
//! late-payment law) the interest and compensation claimed per invoice and in total.
//!
//! Every total printed is the sum of the lines printed above it, per currency: an invoice in
//! another currency gets its own section, never a converted figure the customer cannot check.

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::ledger::aging::Bucket;

use super::PdfError;
use super::layout::{Align, Column, Ink, MARGIN, RIGHT, Sheet, Style, Table};
use crate::ledger::locale::{DateLength, Locale};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementDocument {
    pub organisation: String,
    pub customer: String,
    /// The day the statement speaks of; days overdue are counted to it.
    pub date: Date,
    pub invoices: Vec<StatementInvoice>,
    pub credits: Vec<StatementCredit>,
    /// How its money and dates are written: the organisation's locale, as in its emails.
    pub locale: Locale,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementInvoice {
    pub number: String,
    pub reference: Option<String>,
    pub date: Date,
    pub due_date: Date,
    pub currency: String,
    pub total: Decimal,
    pub due: Decimal,
    /// Interest claimed under late-payment law, when the strategy claims it (None: no claim,
    /// and no claim column is printed).
    pub interest: Option<Decimal>,
    /// Fixed compensation claimed for this invoice, likewise.
    pub compensation: Option<Decimal>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementCredit {
    /// "Credit note", "Overpayment" or "Prepayment".
    pub kind: String,
    pub number: Option<String>,
    pub date: Option<Date>,
    pub currency: String,
    /// What is left to allocate.
    pub remaining: Decimal,
}

/// The statement's PDF.
pub fn statement_pdf(statement: &StatementDocument) -> Result<Vec<u8>, PdfError> {
    let mut sheet = Sheet::new()?;
    heading(&mut sheet, statement);
    let currencies = currencies(statement);
    if currencies.is_empty() {
        sheet.skip(12.0);
        sheet.line(Style::BODY, "Nothing is outstanding on this account. Thank you.");
    }
    for currency in &currencies {
        section(&mut sheet, statement, currency, currencies.len() > 1);
    }
    let footer = format!(
        "{} · statement for {} · {}",
        statement.organisation,
        statement.customer,
        day(&statement.locale, statement.date)
    );
    let footer = sheet.fit(&footer, 380.0, Style::LABEL);
    sheet.finish(&format!("Statement for {}", statement.customer), &footer)
}

/// Currencies in the order they first appear, invoices before credits.
fn currencies(statement: &StatementDocument) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let all = statement.invoices.iter().map(|i| &i.currency).chain(statement.credits.iter().map(|c| &c.currency));
    for currency in all {
        if !seen.contains(currency) {
            seen.push(currency.clone());
        }
    }
    seen
}

fn heading(sheet: &mut Sheet, statement: &StatementDocument) {
    let top = sheet.y();
    sheet.text(MARGIN, top + Style::TITLE.size, Style::TITLE, "STATEMENT");
    let name = sheet.fit(&statement.organisation, 220.0, Style::HEADING);
    sheet.text_right(RIGHT, top + Style::HEADING.size + 4.0, Style::HEADING, &name);
    sheet.set_y(top + 56.0);
    let block = sheet.y();
    sheet.text(MARGIN, block + 8.0, Style::LABEL, "To");
    let lines = sheet.wrap(&statement.customer, 220.0, Style::STRONG, 3);
    for (n, line) in lines.iter().enumerate() {
        sheet.text(MARGIN, block + 22.0 + n as f32 * 13.0, Style::STRONG, line);
    }
    sheet.text(300.0, block + 8.0, Style::LABEL, "Statement Date");
    sheet.text(300.0, block + 20.0, Style::BODY, &day(&statement.locale, statement.date));
    sheet.set_y(block + 22.0 + 13.0 * lines.len() as f32 + 14.0);
}

/// One currency's open invoices, credits, totals, claims and ageing.
fn section(sheet: &mut Sheet, statement: &StatementDocument, currency: &str, say_currency: bool) {
    let invoices: Vec<&StatementInvoice> = statement.invoices.iter().filter(|i| i.currency == currency).collect();
    let credits: Vec<&StatementCredit> = statement.credits.iter().filter(|c| c.currency == currency).collect();
    let suffix = if say_currency { format!(" ({currency})") } else { String::new() };
    let locale = &statement.locale;
    let amount = |value: Decimal| locale.amount(value);

    let due: Decimal = invoices.iter().map(|i| i.due).sum();
    if !invoices.is_empty() {
        subheading(sheet, &format!("Open invoices{suffix}"));
        let table = Table::new(vec![
            column("Invoice", 66.0, Align::Left),
            column("Reference", 72.0, Align::Left),
            column("Date", 72.0, Align::Left),
            column("Due Date", 72.0, Align::Left),
            column("Overdue", 52.0, Align::Right),
            column(&format!("Total {currency}"), 76.0, Align::Right),
            column(&format!("Due {currency}"), RIGHT - MARGIN - 410.0, Align::Right),
        ]);
        sheet.begin_table(&table);
        for invoice in &invoices {
            let overdue = days_overdue(statement.date, invoice);
            let cells = [
                invoice.number.clone(),
                invoice.reference.clone().unwrap_or_default(),
                day(locale, invoice.date),
                day(locale, invoice.due_date),
                match overdue {
                    ..=0 => String::new(),
                    1 => "1 day".to_owned(),
                    days => format!("{days} days"),
                },
                amount(invoice.total),
                amount(invoice.due),
            ];
            sheet.row(&table, &cells, Style::BODY);
        }
        sheet.end_table();
    }

    let available: Decimal = credits.iter().map(|c| c.remaining).sum();
    if !credits.is_empty() {
        subheading(sheet, &format!("Credits available{suffix}"));
        let table = Table::new(vec![
            column("Credit", 183.0, Align::Left),
            column("Number", 124.0, Align::Left),
            column("Date", 70.0, Align::Left),
            column(&format!("Available {currency}"), RIGHT - MARGIN - 377.0, Align::Right),
        ]);
        sheet.begin_table(&table);
        for credit in &credits {
            let cells = [
                credit.kind.clone(),
                credit.number.clone().unwrap_or_default(),
                credit.date.map(|date| day(locale, date)).unwrap_or_default(),
                amount(credit.remaining),
            ];
            sheet.row(&table, &cells, Style::BODY);
        }
        sheet.end_table();
    }

    let claims = claims(sheet, &invoices, currency, &suffix, locale);
    summary(sheet, currency, due, available, claims, locale);
    ageing(sheet, statement.date, &invoices, currency, &suffix, locale);
}

/// A day as a finance document writes it in the locale: `7 Dec 2026`, `07.12.2026`.
fn day(locale: &Locale, date: Date) -> String {
    locale.date(date, DateLength::Medium)
}

fn column(title: &str, width: f32, align: Align) -> Column {
    Column { title: title.to_owned(), width, align }
}

fn subheading(sheet: &mut Sheet, text: &str) {
    sheet.ensure(60.0);
    sheet.skip(14.0);
    sheet.line(Style::HEADING, text);
    sheet.skip(2.0);
}

/// Days past the due date on the statement's day (zero or less: not yet due).
fn days_overdue(on: Date, invoice: &StatementInvoice) -> i64 {
    i64::from((on - invoice.due_date).get_days())
}

/// The claims table, when any invoice carries a claim: (interest, compensation) in total.
fn claims(
    sheet: &mut Sheet,
    invoices: &[&StatementInvoice],
    currency: &str,
    suffix: &str,
    locale: &Locale,
) -> Option<(Decimal, Decimal)> {
    let amount = |value: Decimal| locale.amount(value);
    let claimed: Vec<&&StatementInvoice> =
        invoices.iter().filter(|i| i.interest.is_some() || i.compensation.is_some()).collect();
    if claimed.is_empty() {
        return None;
    }
    subheading(sheet, &format!("Late payment interest and compensation claimed{suffix}"));
    let table = Table::new(vec![
        column("Invoice", 160.0, Align::Left),
        column(&format!("Due {currency}"), 85.0, Align::Right),
        column(&format!("Interest {currency}"), 85.0, Align::Right),
        column(&format!("Compensation {currency}"), 95.0, Align::Right),
        column(&format!("Claim {currency}"), RIGHT - MARGIN - 425.0, Align::Right),
    ]);
    sheet.begin_table(&table);
    let (mut interest, mut compensation) = (Decimal::ZERO, Decimal::ZERO);
    for invoice in claimed {
        let (i, c) = (invoice.interest.unwrap_or_default(), invoice.compensation.unwrap_or_default());
        interest += i;
        compensation += c;
        let cells = [invoice.number.clone(), amount(invoice.due), amount(i), amount(c), amount(i + c)];
        sheet.row(&table, &cells, Style::BODY);
    }
    sheet.end_table();
    Some((interest, compensation))
}

/// The totals, right-aligned: what the invoices add up to, the credits, the balance, and the
/// claims on top of it when there are any.
fn summary(
    sheet: &mut Sheet,
    currency: &str,
    due: Decimal,
    available: Decimal,
    claims: Option<(Decimal, Decimal)>,
    locale: &Locale,
) {
    let mut rows: Vec<(String, Decimal, Style)> = vec![("Total due on invoices".into(), due, Style::BODY)];
    if !available.is_zero() {
        rows.push(("Less credits available".into(), -available, Style::BODY));
    }
    let balance = due - available;
    rows.push((format!("BALANCE DUE {currency}"), balance, Style::STRONG));
    if let Some((interest, compensation)) = claims {
        rows.push(("Interest claimed".into(), interest, Style::BODY));
        rows.push(("Compensation claimed".into(), compensation, Style::BODY));
        rows.push((format!("TOTAL WITH CLAIMS {currency}"), balance + interest + compensation, Style::STRONG));
    }
    sheet.ensure(16.0 * rows.len() as f32 + 16.0);
    sheet.skip(10.0);
    let label_x = RIGHT - 260.0;
    for (label, value, style) in rows {
        if style == Style::STRONG {
            sheet.rule(label_x, RIGHT, Ink::Muted, 0.8);
        }
        sheet.skip(13.0);
        sheet.text(label_x + 4.0, sheet.y(), style, &label);
        sheet.text_right(RIGHT - 4.0, sheet.y(), style, &locale.amount(value));
        sheet.skip(4.0);
    }
}

/// What is due by age: five boxes and the total, as an aged-receivables report buckets it.
fn ageing(sheet: &mut Sheet, on: Date, invoices: &[&StatementInvoice], currency: &str, suffix: &str, locale: &Locale) {
    if invoices.is_empty() {
        return;
    }
    let mut buckets = crate::ledger::aging::Buckets::default();
    for invoice in invoices {
        buckets.add(Bucket::for_days_past_due(days_overdue(on, invoice)), invoice.due);
    }
    subheading(sheet, &format!("Amounts due by days overdue{suffix}"));
    let width = (RIGHT - MARGIN) / 6.0;
    let top = sheet.y();
    sheet.band(MARGIN, top, RIGHT - MARGIN, 38.0, Ink::Band);
    let cells = Bucket::ALL
        .iter()
        .map(|bucket| (bucket.words().to_owned(), buckets.get(*bucket), Style::BODY))
        .chain([(format!("Total Due {currency}"), buckets.total(), Style::STRONG)]);
    for (n, (label, value, style)) in cells.enumerate() {
        let right = MARGIN + width * (n as f32 + 1.0) - 6.0;
        let label = sheet.fit(&label, width - 8.0, Style::LABEL);
        sheet.text_right(right, top + 13.0, Style::LABEL, &label);
        sheet.text_right(right, top + 29.0, style, &locale.amount(value));
    }
    sheet.set_y(top + 38.0);
}
