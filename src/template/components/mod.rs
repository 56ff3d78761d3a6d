//! The pieces every template may call: `invoice_table(invoices)`, `pay_button(invoice)` and
//! `statement(customer)` (in `statement.rs`). Each
//! has an HTML form (inline-styled tables, as mail clients need) and a text form (columns aligned
//! with spaces, set in a code block so that Markdown keeps them as they are), and both show the
//! same figures. A table's total is the sum of the lines it shows; when the customer owes on
//! invoices it does not show, it says how many and how much, so every figure can be reconciled.

mod statement;
mod text_table;

use std::collections::BTreeMap;

use minijinja::value::{Serde, Value};
use minijinja::{Error, ErrorKind, State};
use rust_decimal::Decimal;

use super::markdown::{FONT, INK, Style, attribute};
use super::{CustomerView, InvoiceView, LinksView, Locale, OthersView};
use crate::ledger::locale::DateLength;

/// Which part a component is drawn for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The HTML part of a Markdown template, or a template's own HTML.
    Html,
    /// The text part of a Markdown template: text that Markdown must leave as it is.
    Text,
    /// The body of a plain-text template, used as written.
    Plain,
}

/// Adds the components, drawn for `part`, to a template environment.
pub fn register(env: &mut minijinja::Environment<'_>, part: Part, style: &Style, locale: &Locale) {
    let accent = style.accent.clone();
    let in_locale = locale.clone();
    env.add_function("invoice_table", move |state: &State, invoices: Serde<Vec<InvoiceView>>| {
        let others = lookup::<OthersView>(state, "others")?;
        let currency = lookup::<String>(state, "total_currency")?;
        let page = Some(lookup::<LinksView>(state, "links")?.page).filter(|page| !page.is_empty());
        Ok(match part {
            Part::Html => {
                Value::from_safe_string(table_html(&invoices, &others, &currency, page.as_deref(), &accent, &in_locale))
            }
            Part::Text | Part::Plain => Value::from_safe_string(table_text(
                &invoices,
                &others,
                &currency,
                page.as_deref(),
                part == Part::Text,
                &in_locale,
            )),
        })
    });
    let accent = style.accent.clone();
    env.add_function("pay_button", move |invoice: Serde<InvoiceView>| {
        Ok(Value::from_safe_string(pay_button(&invoice, part, &accent)))
    });
    let locale = locale.clone();
    env.add_function("statement", move |customer: Serde<CustomerView>| {
        Ok(Value::from_safe_string(statement::statement(&customer, part, &locale)))
    });
}

fn lookup<T: serde::de::DeserializeOwned>(state: &State, name: &str) -> Result<T, Error> {
    let value = state
        .lookup(name)
        .ok_or_else(|| Error::new(ErrorKind::UndefinedError, format!("the components need `{name}`")))?;
    T::deserialize(value).map_err(|error| Error::new(ErrorKind::InvalidOperation, format!("`{name}`: {error}")))
}

/// What the listed invoices add up to, per currency, in the order the currencies first appear:
/// (currency, amount due, late-payment claims).
fn totals(invoices: &[InvoiceView]) -> Vec<(String, Decimal, Decimal)> {
    let mut order: Vec<String> = Vec::new();
    let mut sums: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
    for invoice in invoices {
        if !sums.contains_key(&invoice.currency) {
            order.push(invoice.currency.clone());
        }
        let sum = sums.entry(invoice.currency.clone()).or_default();
        sum.0 += invoice.amount_due;
        sum.1 += invoice.claim_total;
    }
    order
        .into_iter()
        .map(|currency| {
            let (due, claimed) = sums[&currency];
            (currency, due, claimed)
        })
        .collect()
}

/// The rows under the lines: the total, and where interest or compensation is claimed, the
/// claim and the two together.
fn total_rows(invoices: &[InvoiceView], locale: &Locale) -> Vec<(String, String)> {
    let sums = totals(invoices);
    let several = sums.len() > 1;
    let mut rows = Vec::new();
    for (code, due, claimed) in &sums {
        let suffix = if several { format!(" in {code}") } else { String::new() };
        rows.push((format!("Total{suffix}"), locale.money(*due, code)));
        if *claimed > Decimal::ZERO {
            rows.push((format!("Late-payment claim{suffix}"), locale.money(*claimed, code)));
            rows.push((format!("Total with late-payment claim{suffix}"), locale.money(*due + *claimed, code)));
        }
    }
    rows
}

/// What is claimed on one invoice, in words: "interest for 12 days at 11.75% a year, GBP 35.07;
/// compensation GBP 70.00".
fn claim_words(invoice: &InvoiceView, locale: &Locale) -> Option<String> {
    if invoice.claim_total <= Decimal::ZERO {
        return None;
    }
    let mut parts = Vec::new();
    if invoice.interest > Decimal::ZERO {
        let days =
            if invoice.interest_days == 1 { "1 day".to_string() } else { format!("{} days", invoice.interest_days) };
        parts.push(format!(
            "interest for {days} at {}% a year, {}",
            invoice.interest_rate.normalize(),
            locale.money(invoice.interest, &invoice.currency)
        ));
    }
    if invoice.compensation > Decimal::ZERO {
        parts.push(format!("compensation {}", locale.money(invoice.compensation, &invoice.currency)));
    }
    Some(parts.join("; "))
}

/// The sentence about open invoices a table does not show, if there are any.
fn others_sentence(others: &OthersView, currency: &str, locale: &Locale) -> Option<String> {
    (others.count > 0).then(|| {
        let invoices = if others.count == 1 { "invoice" } else { "invoices" };
        format!(
            "You also have {} more open {invoices}, {} in all, not listed here.",
            others.count,
            locale.money(others.total, currency)
        )
    })
}

fn overdue_words(days: i64) -> String {
    match days {
        1 => "1 day".to_string(),
        days if days > 1 => format!("{days} days"),
        _ => "not yet due".to_string(),
    }
}

fn esc(text: &str) -> String {
    attribute(text)
}

fn table_html(
    invoices: &[InvoiceView],
    others: &OthersView,
    currency: &str,
    page: Option<&str>,
    accent: &str,
    locale: &Locale,
) -> String {
    let cell = "padding:10px 8px;border-bottom:1px solid #e4e7eb;vertical-align:top";
    let head = "padding:8px;border-bottom:2px solid #cbd2d9;font-size:12px;font-weight:600;color:#52606d;text-transform:uppercase;letter-spacing:.04em";
    let mut html = format!(
        "\n\n<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;margin:0 0 16px;font:14px/1.45 {FONT};color:{INK}\">\
<tr><th align=\"left\" style=\"{head}\">Invoice</th><th align=\"left\" style=\"{head}\">Due</th><th align=\"right\" style=\"{head}\">Overdue</th><th align=\"right\" style=\"{head}\">Amount due</th></tr>"
    );
    for invoice in invoices {
        let mut links = Vec::new();
        if !invoice.url.is_empty() {
            links.push(format!("<a href=\"{}\" style=\"color:{accent}\">Pay now</a>", esc(&invoice.url)));
        }
        if !invoice.links.page.is_empty() {
            links.push(format!(
                "<a href=\"{}\" style=\"color:{accent}\" title=\"Promise a date, dispute it, or tell us it is paid\">Respond</a>",
                esc(&invoice.links.page)
            ));
        }
        let reference = if invoice.reference.is_empty() {
            String::new()
        } else {
            format!("<br><span style=\"font-size:12px;color:#7b8794\">{}</span>", esc(&invoice.reference))
        };
        let claim = match claim_words(invoice, locale) {
            Some(words) => format!("<br><span style=\"font-size:12px;color:#52606d\">Claimed: {}</span>", esc(&words)),
            None => String::new(),
        };
        let links = if links.is_empty() {
            String::new()
        } else {
            format!("<br><span style=\"font-size:12px;white-space:nowrap\">{}</span>", links.join(" · "))
        };
        let overdue_colour = if invoice.days_overdue > 0 { "#b42318" } else { "#52606d" };
        html.push_str(&format!(
            "<tr><td style=\"{cell}\"><strong style=\"white-space:nowrap\">{}</strong>{reference}{claim}{links}</td><td style=\"{cell};white-space:nowrap\">{}</td><td align=\"right\" style=\"{cell};white-space:nowrap;color:{overdue_colour}\">{}</td><td align=\"right\" style=\"{cell};white-space:nowrap\">{}</td></tr>",
            esc(&invoice.number),
            esc(&locale.date(invoice.due_date, DateLength::Medium)),
            esc(&overdue_words(invoice.days_overdue)),
            esc(&locale.money(invoice.amount_due, &invoice.currency)),
        ));
    }
    for (label, amount) in total_rows(invoices, locale) {
        html.push_str(&format!(
            "<tr><td colspan=\"3\" style=\"padding:10px 8px;font-weight:600\">{}</td><td align=\"right\" style=\"padding:10px 8px;font-weight:600;white-space:nowrap\">{}</td></tr>",
            esc(&label),
            esc(&amount)
        ));
    }
    html.push_str("</table>");
    if let Some(sentence) = others_sentence(others, currency, locale) {
        let see = match page {
            Some(page) => format!(" <a href=\"{}\" style=\"color:{accent}\">See them all on your page.</a>", esc(page)),
            None => String::new(),
        };
        html.push_str(&format!(
            "<p style=\"margin:0 0 16px;font:14px/1.6 {FONT};color:#52606d\">{}{see}</p>",
            esc(&sentence)
        ));
    }
    html.push_str("\n\n");
    html
}

/// The table as aligned text; `markdown` sets it in a code block (so that Markdown keeps its
/// spacing) and escapes the sentence after it.
fn table_text(
    invoices: &[InvoiceView],
    others: &OthersView,
    currency: &str,
    page: Option<&str>,
    markdown: bool,
    locale: &Locale,
) -> String {
    let mut rows: Vec<[String; 4]> = vec![["Invoice".into(), "Due".into(), "Overdue".into(), "Amount due".into()]];
    for invoice in invoices {
        rows.push([
            invoice.number.replace('`', "'"),
            locale.date(invoice.due_date, DateLength::Medium),
            overdue_words(invoice.days_overdue),
            locale.money(invoice.amount_due, &invoice.currency),
        ]);
    }
    let fence = if markdown { "````\n" } else { "" };
    let mut text = format!("\n{fence}");
    text.push_str(&text_table::aligned(&rows, &[], &total_rows(invoices, locale)));
    text.push_str(fence);
    // The links the HTML table carries in its rows, one line per invoice that has any.
    let mut links = String::new();
    for invoice in invoices {
        let mut ways = Vec::new();
        let address = |link: &str| if markdown { format!("<{link}>") } else { link.to_string() };
        if !invoice.url.is_empty() {
            ways.push(format!("pay now {}", address(&invoice.url)));
        }
        if !invoice.links.page.is_empty() {
            ways.push(format!("promise, dispute or say it is paid {}", address(&invoice.links.page)));
        }
        if let Some(words) = claim_words(invoice, locale) {
            let words = if markdown { super::markdown::escape_value(&words, false) } else { words };
            ways.push(format!("claimed: {words}"));
        }
        if !ways.is_empty() {
            let number = invoice.number.replace('`', "'");
            let number = if markdown { super::markdown::escape_value(&number, false) } else { number };
            links.push_str(&format!("- {number}: {}\n", ways.join("; ")));
        }
    }
    if !links.is_empty() {
        text.push('\n');
        text.push_str(&links);
    }
    if let Some(sentence) = others_sentence(others, currency, locale) {
        text.push('\n');
        match markdown {
            true => text.push_str(&super::markdown::escape_value(&sentence, false)),
            false => text.push_str(&sentence),
        }
        if let Some(page) = page {
            let page = if markdown { format!("<{page}>") } else { page.to_string() };
            text.push_str(&format!(" See them all on your page: {page}"));
        }
        text.push('\n');
    }
    text
}

fn pay_button(invoice: &InvoiceView, part: Part, accent: &str) -> String {
    let (address, label) = if !invoice.url.is_empty() {
        (invoice.url.as_str(), format!("Pay {} now", invoice.number))
    } else if !invoice.links.page.is_empty() {
        (invoice.links.page.as_str(), format!("Pay or answer about {}", invoice.number))
    } else {
        return String::new();
    };
    match part {
        Part::Html => format!(
            "\n\n<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" style=\"margin:4px 0 20px\"><tr><td style=\"border-radius:6px;background:{accent}\"><a href=\"{}\" style=\"display:inline-block;padding:12px 22px;font:600 15px/1.2 {FONT};color:#ffffff;text-decoration:none;border-radius:6px\">{}</a></td></tr></table>\n\n",
            esc(address),
            esc(&label)
        ),
        Part::Text => format!("\n\n{}: <{address}>\n\n", super::markdown::escape_value(&label, false)),
        Part::Plain => format!("{label}: {address}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::markdown;

    fn render(source: &str, part: Part, others: (u32, i64)) -> String {
        let style = Style { accent: "#0b5cad".into() };
        let mut env = crate::template::environment(&Locale::default());
        register(&mut env, part, &style, &Locale::default());
        let mut context = crate::template::sample_context(true);
        let mut second = context.invoices[0].clone();
        second.number = "INV-0043".into();
        (second.interest, second.compensation, second.claim_total) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        second.amount_due = Decimal::new(5_050, 2);
        second.days_overdue = -3;
        context.invoices.push(second);
        context.others = OthersView { count: others.0, total: Decimal::new(others.1, 2) };
        let out = env.render_str(source, minijinja::value::Serde(&context)).unwrap();
        match part {
            Part::Html => markdown::to_html(&out, &style),
            Part::Text => markdown::to_text(&out),
            Part::Plain => out,
        }
    }

    #[test]
    fn a_table_totals_what_it_lists_in_both_parts() {
        let text = render("Hello\n\n{{ invoice_table(invoices) }}\nThanks", Part::Text, (0, 0));
        assert_eq!(
            text,
            "Hello\n\nInvoice   Due             Overdue     Amount due\nINV-0042  31/10/2026      12 days  NZD 10,000.00\nINV-0043  31/10/2026  not yet due      NZD 50.50\n                                   -------------\nTotal                              NZD 10,050.50\nLate-payment claim                    NZD 105.07\nTotal with late-payment claim      NZD 10,155.57\n\n- INV-0042: pay now https://in.xero.com/abc123; promise, dispute or say it is paid https://pay.acme.example/p/4JqQd2c0a9sWm1xkq8WZ7A.Xb7u3k2mR0s9Qe1vJ4n8dw; claimed: interest for 12 days at 11.75% a year, NZD 35.07; compensation NZD 70.00\n- INV-0043: pay now https://in.xero.com/abc123; promise, dispute or say it is paid https://pay.acme.example/p/4JqQd2c0a9sWm1xkq8WZ7A.Xb7u3k2mR0s9Qe1vJ4n8dw\n\nThanks\n"
        );
        let html = render("Hello\n\n{{ invoice_table(invoices) }}\nThanks", Part::Html, (0, 0));
        assert!(html.contains(">NZD 10,000.00</td>") && html.contains(">NZD 50.50</td>"), "{html}");
        assert!(html.contains(">Total</td><td align=\"right\" style=\"padding:10px 8px;font-weight:600;white-space:nowrap\">NZD 10,050.50</td>"), "{html}");
        assert!(
            html.contains("Claimed: interest for 12 days at 11.75% a year, NZD 35.07; compensation NZD 70.00"),
            "{html}"
        );
        assert!(html.contains(">Total with late-payment claim</td>") && html.contains(">NZD 10,155.57</td>"), "{html}");
        assert!(html.contains("href=\"https://in.xero.com/abc123\""), "{html}");
        assert!(!html.contains("not listed"), "{html}");
    }

    #[test]
    fn what_a_table_does_not_list_is_said() {
        let text = render("{{ invoice_table(invoices) }}", Part::Text, (3, 42_940));
        assert!(text.contains("You also have 3 more open invoices, NZD 429.40 in all, not listed here. See them all on your page: https://pay.acme.example/p/"), "{text}");
        let html = render("{{ invoice_table(invoices) }}", Part::Html, (1, 100));
        assert!(html.contains("You also have 1 more open invoice, NZD 1.00 in all, not listed here."), "{html}");
    }

    #[test]
    fn a_pay_button_goes_to_the_online_invoice() {
        let html = render("{{ pay_button(invoice) }}", Part::Html, (0, 0));
        assert!(html.contains("<a href=\"https://in.xero.com/abc123\" style=\"display:inline-block;"), "{html}");
        assert!(html.contains(">Pay INV-0042 now</a>"), "{html}");
        let text = render("{{ pay_button(invoice) }}", Part::Text, (0, 0));
        assert_eq!(text, "Pay INV-0042 now: https://in.xero.com/abc123\n");
    }
}
