//! `statement(customer)`: the customer's statement of account inside an email, as the statement
//! PDF lays it out: every open invoice, the credits left to allocate, the balance due (and the
//! late-payment claim on top of it, when one is made), and what is due by days overdue. One
//! section per currency, each totalling only its own lines, so every figure can be checked.

use rust_decimal::Decimal;

use super::{Part, esc, overdue_words};
use crate::ledger::aging::{Bucket, Buckets};
use crate::ledger::locale::{DateLength, Locale};
use crate::template::markdown::{FONT, INK};
use crate::template::{CreditView, CustomerView, InvoiceView};

/// One currency's part of the statement.
struct Section<'a> {
    currency: &'a str,
    invoices: Vec<&'a InvoiceView>,
    credits: Vec<&'a CreditView>,
}

impl Section<'_> {
    fn due(&self) -> Decimal {
        self.invoices.iter().map(|i| i.amount_due).sum()
    }

    fn available(&self) -> Decimal {
        self.credits.iter().map(|c| c.remaining).sum()
    }

    fn claimed(&self) -> Decimal {
        self.invoices.iter().map(|i| i.claim_total).sum()
    }

    fn ages(&self) -> Buckets {
        let mut buckets = Buckets::default();
        for invoice in &self.invoices {
            buckets.add(Bucket::for_days_past_due(invoice.days_overdue), invoice.amount_due);
        }
        buckets
    }

    /// The rows under the lines: (label, amount, bold).
    fn totals(&self, locale: &Locale) -> Vec<(&'static str, String, bool)> {
        let money = |amount: Decimal| locale.money(amount, self.currency);
        let mut rows = vec![("Total due on invoices", money(self.due()), false)];
        if !self.credits.is_empty() {
            rows.push(("Less credits available", money(-self.available()), false));
        }
        let balance = self.due() - self.available();
        rows.push(("Balance due", money(balance), true));
        if self.claimed() > Decimal::ZERO {
            rows.push(("Late-payment claim", money(self.claimed()), false));
            rows.push(("Balance with late-payment claim", money(balance + self.claimed()), true));
        }
        rows
    }
}

/// The customer's invoices and credits by currency, in the order the currencies first appear.
fn sections(customer: &CustomerView) -> Vec<Section<'_>> {
    let mut sections: Vec<Section<'_>> = Vec::new();
    let currencies = customer.invoices.iter().map(|i| i.currency.as_str());
    for currency in currencies.chain(customer.credits.iter().map(|c| c.currency.as_str())) {
        if !sections.iter().any(|s| s.currency == currency) {
            sections.push(Section {
                currency,
                invoices: customer.invoices.iter().filter(|i| i.currency == currency).collect(),
                credits: customer.credits.iter().filter(|c| c.currency == currency).collect(),
            });
        }
    }
    sections
}

/// The statement drawn for `part`.
pub fn statement(customer: &CustomerView, part: Part, locale: &Locale) -> String {
    let sections = sections(customer);
    if sections.is_empty() {
        let words = "Nothing is outstanding on your account. Thank you.";
        return match part {
            Part::Html => format!("\n\n<p style=\"margin:0 0 16px;font:15px/1.6 {FONT};color:{INK}\">{words}</p>\n\n"),
            Part::Text | Part::Plain => format!("\n{words}\n"),
        };
    }
    let several = sections.len() > 1;
    let mut out = String::from("\n\n");
    for section in &sections {
        out.push_str(&match part {
            Part::Html => section_html(section, several, locale),
            Part::Text | Part::Plain => section_text(section, several, part == Part::Text, locale),
        });
    }
    out.push('\n');
    out
}

fn section_html(section: &Section<'_>, several: bool, locale: &Locale) -> String {
    let cell = "padding:8px;border-bottom:1px solid #e4e7eb;vertical-align:top;white-space:nowrap";
    let head = "padding:8px;border-bottom:2px solid #cbd2d9;font-size:12px;font-weight:600;color:#52606d;text-transform:uppercase;letter-spacing:.04em";
    let table = format!(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;margin:0 0 16px;font:14px/1.45 {FONT};color:{INK}\">"
    );
    let mut html = String::new();
    if several {
        html.push_str(&format!(
            "<p style=\"margin:16px 0 8px;font:600 15px/1.4 {FONT};color:{INK}\">In {}</p>",
            esc(section.currency)
        ));
    }
    html.push_str(&table);
    html.push_str(&format!(
        "<tr><th align=\"left\" style=\"{head}\">Invoice</th><th align=\"left\" style=\"{head}\">Due</th><th align=\"right\" style=\"{head}\">Overdue</th><th align=\"right\" style=\"{head}\">Amount due</th></tr>"
    ));
    for invoice in &section.invoices {
        let colour = if invoice.days_overdue > 0 { "#b42318" } else { "#52606d" };
        html.push_str(&format!(
            "<tr><td style=\"{cell}\"><strong>{}</strong></td><td style=\"{cell}\">{}</td><td align=\"right\" style=\"{cell};color:{colour}\">{}</td><td align=\"right\" style=\"{cell}\">{}</td></tr>",
            esc(&invoice.number),
            esc(&locale.date(invoice.due_date, DateLength::Medium)),
            esc(&overdue_words(invoice.days_overdue)),
            esc(&locale.money(invoice.amount_due, section.currency)),
        ));
    }
    for credit in &section.credits {
        html.push_str(&format!(
            "<tr><td colspan=\"3\" style=\"{cell}\">{}</td><td align=\"right\" style=\"{cell}\">{}</td></tr>",
            esc(&credit_words(credit, locale)),
            esc(&locale.money(-credit.remaining, section.currency)),
        ));
    }
    for (label, amount, bold) in section.totals(locale) {
        let weight = if bold { "font-weight:700" } else { "font-weight:400" };
        html.push_str(&format!(
            "<tr><td colspan=\"3\" style=\"padding:8px;{weight}\">{label}</td><td align=\"right\" style=\"padding:8px;{weight};white-space:nowrap\">{}</td></tr>",
            esc(&amount)
        ));
    }
    html.push_str("</table>");
    html.push_str(&table);
    let ages = section.ages();
    let mut labels = String::new();
    let mut amounts = String::new();
    for bucket in Bucket::ALL {
        labels.push_str(&format!(
            "<td align=\"right\" style=\"padding:6px 8px 0;font-size:12px;color:#52606d\">{}</td>",
            bucket.words()
        ));
        amounts.push_str(&format!(
            "<td align=\"right\" style=\"padding:2px 8px 8px;white-space:nowrap\">{}</td>",
            esc(&locale.amount(ages.get(bucket)))
        ));
    }
    html.push_str(&format!(
        "<tr style=\"background:#f5f7fa\"><td colspan=\"5\" style=\"padding:8px 8px 0;font-size:12px;font-weight:600;color:#52606d\">Due by days overdue ({})</td></tr><tr style=\"background:#f5f7fa\">{labels}</tr><tr style=\"background:#f5f7fa\">{amounts}</tr></table>",
        esc(section.currency)
    ));
    html
}

/// "Credit note CN-0007 of 2/11/2026".
fn credit_words(credit: &CreditView, locale: &Locale) -> String {
    let mut words = credit.kind.clone();
    if !credit.number.is_empty() {
        words.push(' ');
        words.push_str(&credit.number);
    }
    if let Some(date) = credit.date {
        words.push_str(&format!(" of {}", locale.date(date, DateLength::Medium)));
    }
    words
}

fn section_text(section: &Section<'_>, several: bool, markdown: bool, locale: &Locale) -> String {
    let mut lines: Vec<[String; 4]> = vec![["Invoice".into(), "Due".into(), "Overdue".into(), "Amount due".into()]];
    for invoice in &section.invoices {
        lines.push([
            invoice.number.replace('`', "'"),
            locale.date(invoice.due_date, DateLength::Medium),
            overdue_words(invoice.days_overdue),
            locale.money(invoice.amount_due, section.currency),
        ]);
    }
    let credits: Vec<(String, String)> = section
        .credits
        .iter()
        .map(|c| (credit_words(c, locale).replace('`', "'"), locale.money(-c.remaining, section.currency)))
        .collect();
    let totals: Vec<(String, String)> =
        section.totals(locale).into_iter().map(|(label, amount, _)| (label.to_string(), amount)).collect();
    let fence = if markdown { "````\n" } else { "" };
    let mut text = String::new();
    if several {
        text.push_str(&format!("In {}:\n\n", section.currency));
    }
    text.push_str(fence);
    text.push_str(&super::text_table::aligned(&lines, &credits, &totals));
    text.push('\n');
    let ages = section.ages();
    let age_line: Vec<String> =
        Bucket::ALL.iter().map(|b| format!("{} {}", b.words(), locale.amount(ages.get(*b)))).collect();
    text.push_str(&format!("Due by days overdue ({}): {}\n", section.currency, age_line.join(" · ")));
    text.push_str(fence);
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::sample_context;

    fn customer() -> CustomerView {
        let mut customer = sample_context(true).customer;
        let mut second = customer.invoices[0].clone();
        second.number = "INV-0051".into();
        second.amount_due = Decimal::new(12_000, 2);
        second.days_overdue = 40;
        (second.interest, second.compensation, second.claim_total) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        customer.invoices.push(second);
        customer
    }

    #[test]
    fn a_statement_totals_its_lines_less_credits_and_ages_them() {
        let text = statement(&customer(), Part::Plain, &Locale::default());
        // 10,000.00 + 120.00 = 10,120.00; less the 45.00 credit: 10,075.00; claim 105.07.
        for expected in [
            "INV-0042",
            "INV-0051",
            "Credit note CN-0007 of 2/11/2026",
            "NZD -45.00",
            "NZD 10,120.00",
            "NZD 10,075.00",
            "NZD 105.07",
            "NZD 10,180.07",
            "Due by days overdue (NZD): Current 0.00 · 1–30 days 10,000.00 · 31–60 days 120.00 · 61–90 days 0.00 · Over 90 days 0.00",
        ] {
            assert!(text.contains(expected), "{expected:?} is not in:\n{text}");
        }
        let html = statement(&customer(), Part::Html, &Locale::default());
        for expected in
            [">NZD 10,120.00</td>", ">NZD 10,075.00</td>", ">Balance due</td>", ">1–30 days</td>", ">120.00</td>"]
        {
            assert!(html.contains(expected), "{expected:?} is not in:\n{html}");
        }
    }

    #[test]
    fn each_currency_is_a_section_of_its_own() {
        let mut customer = customer();
        customer.invoices[1].currency = "AUD".into();
        let text = statement(&customer, Part::Plain, &Locale::default());
        assert!(text.contains("In NZD:") && text.contains("In AUD:"), "{text}");
        assert!(text.contains("AUD 120.00") && text.contains("NZD 9,955.00"), "{text}");
    }

    #[test]
    fn an_account_with_nothing_open_says_so() {
        let mut customer = customer();
        (customer.invoices, customer.credits) = (Vec::new(), Vec::new());
        assert!(statement(&customer, Part::Text, &Locale::default()).contains("Nothing is outstanding"));
    }
}
