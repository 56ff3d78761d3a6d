//! What a customer's page shows, as values for its template: their open invoices with what they
//! have said about each, credits they can use, the totals, invoices paid since their email, and
//! the result of what they just did.

use std::collections::HashMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use crate::ledger::money::group_thousands;
use crate::ledger::records::Invoice;
use crate::store::page_actions::{Answer, PageAction};
use crate::store::records::Account;

#[derive(Clone, Debug, Serialize)]
pub struct PageView {
    pub organisation: String,
    pub customer: String,
    pub logo: bool,
    pub today: String,
    pub today_words: String,
    pub latest_promise: String,
    pub latest_promise_words: String,
    pub expires_words: String,
    pub notice: Option<Notice>,
    pub thanks: Vec<String>,
    pub invoices: Vec<InvoiceRow>,
    pub credits: Vec<CreditRow>,
    pub totals: Vec<TotalRow>,
    /// The link's token, for the forms' addresses.
    pub token: String,
    /// The way from the request's path back to the pages' root (`../` per level below a page).
    pub base: String,
    /// The forms' token against cross-site requests.
    pub form: String,
    pub contact: Option<String>,
}

/// The outcome of what the customer just did, or what was wrong with it.
#[derive(Clone, Debug, Serialize)]
pub struct Notice {
    pub error: bool,
    pub text: String,
    pub more: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InvoiceRow {
    pub id: Uuid,
    pub number: String,
    pub reference: String,
    pub date: String,
    pub due_date: String,
    pub days_overdue: i64,
    pub currency: String,
    pub total: String,
    pub amount_due: String,
    pub pay_url: Option<String>,
    pub focused: bool,
    /// What the customer has said about it, in their words' order, newest first.
    pub status: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CreditRow {
    pub number: String,
    pub date: String,
    pub currency: String,
    pub remaining: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TotalRow {
    pub currency: String,
    pub amount_due: String,
}

/// A day as the page writes it: 12 March 2027.
pub fn words(day: Date) -> String {
    day.strftime("%-d %B %Y").to_string()
}

/// An amount as the page writes it: 1,234.50.
pub fn money(amount: Decimal) -> String {
    let text = group_thousands(amount);
    if amount.is_sign_negative() { format!("-{text}") } else { text }
}

/// The open invoices as rows: the focused one first, then oldest due first.
pub fn invoice_rows(
    account: &Account,
    focus: Option<Uuid>,
    today: Date,
    pay_links: &HashMap<Uuid, String>,
    answers: &[PageAction],
) -> Vec<InvoiceRow> {
    let mut open: Vec<&Invoice> = account.open.iter().collect();
    open.sort_by_key(|invoice| (Some(invoice.invoice_id) != focus, invoice.due_date, invoice.number.clone()));
    open.into_iter()
        .map(|invoice| InvoiceRow {
            id: invoice.invoice_id,
            number: invoice.number.to_string(),
            reference: invoice.reference.as_deref().unwrap_or_default().to_string(),
            date: words(invoice.date),
            due_date: words(invoice.due_date),
            days_overdue: (today - invoice.due_date).get_days().into(),
            currency: invoice.currency.to_string(),
            total: money(invoice.total),
            amount_due: money(invoice.amount_due),
            pay_url: pay_links.get(&invoice.invoice_id).filter(|url| is_web_address(url)).cloned(),
            focused: Some(invoice.invoice_id) == focus,
            status: status_of(invoice.invoice_id, answers),
        })
        .collect()
}

/// Whether a link from Xero is a web address (never `javascript:` or the like, whatever is kept).
fn is_web_address(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|url| matches!(url.scheme(), "https" | "http"))
}

/// What the customer has said about an invoice and is still in force, newest first.
fn status_of(invoice: Uuid, answers: &[PageAction]) -> Vec<String> {
    answers
        .iter()
        .filter(|answer| answer.state != "replaced" && answer.invoices.contains(&invoice))
        .map(|answer| {
            let said = match &answer.answer {
                Answer::Promise { on } => format!("You said you will pay on {}", words(*on)),
                Answer::Dispute { .. } => "You disputed this invoice".to_string(),
                Answer::PaidClaim { paid_on, .. } => format!("You told us you paid on {}", words(*paid_on)),
            };
            let when = if answer.changeable() {
                "; you can change this until our team acts on it."
            } else {
                "; our team has seen this."
            };
            format!("{said}{when}")
        })
        .collect()
}

/// Each currency's total still due, in the order the currencies first appear.
pub fn totals(account: &Account) -> Vec<TotalRow> {
    let mut totals: Vec<(String, Decimal)> = Vec::new();
    for invoice in &account.open {
        match totals.iter_mut().find(|(currency, _)| currency.as_str() == invoice.currency.as_str()) {
            Some((_, total)) => *total += invoice.amount_due,
            None => totals.push((invoice.currency.to_string(), invoice.amount_due)),
        }
    }
    totals.into_iter().map(|(currency, total)| TotalRow { currency, amount_due: money(total) }).collect()
}

pub fn credit_rows(account: &Account, base_currency: &str) -> Vec<CreditRow> {
    account
        .credits
        .iter()
        .map(|credit| CreditRow {
            number: credit.number.clone().unwrap_or_else(|| "Credit".into()),
            date: credit.date.map(words).unwrap_or_default(),
            currency: credit.currency.clone().unwrap_or_else(|| base_currency.to_string()),
            remaining: money(credit.remaining),
        })
        .collect()
}

/// What the page says after the customer's answer was stored.
pub fn confirmation(answer: &PageAction, numbers: &HashMap<Uuid, String>) -> Notice {
    let named: Vec<&str> = answer.invoices.iter().filter_map(|id| numbers.get(id).map(String::as_str)).collect();
    let invoices = named.join(", ");
    let text = match &answer.answer {
        Answer::Promise { on } => {
            format!("Thank you. We have noted that you will pay {invoices} on {}.", words(*on))
        }
        Answer::Dispute { .. } => {
            format!("Thank you. We have noted that you dispute {invoices}; someone will be in touch.")
        }
        Answer::PaidClaim { paid_on, .. } => format!(
            "Thank you. We have noted that you paid {invoices} on {}; we will check our bank and be in touch if we cannot find it.",
            words(*paid_on)
        ),
    };
    let more = answer.changeable().then(|| {
        "You can change this on this page until our team acts on it: answer again and it replaces this one.".into()
    });
    Notice { error: false, text, more }
}
