//! Every total an email shows is the sum of the lines it shows, or the email says what else is
//! outstanding. Each example template is rendered over generated accounts (several invoices,
//! some listed, some not, overdue or not) and every money figure in its text part and in its
//! HTML part is traced back to the lines, their sums, or the sentence about the rest.

use std::collections::BTreeSet;

use collectiq::template::{self, EmailContext, Locale, Source, Style};
use rust_decimal::Decimal;

use crate::samples::{account, source_of, templates};

/// Every `NZD 1,234.56` in a text, as an amount; in German, every `1.234,56 NZD`.
fn figures(text: &str, german: bool) -> Vec<Decimal> {
    let number = |c: char| c.is_ascii_digit() || c == ',' || c == '.' || c == '-';
    let mut found = Vec::new();
    if german {
        for (at, _) in text.match_indices(" NZD") {
            let before: String = text[..at].chars().rev().take_while(|c| number(*c)).collect();
            let digits: String = before.chars().rev().collect();
            if let Ok(amount) = digits.replace('.', "").replace(',', ".").parse::<Decimal>() {
                found.push(amount.abs());
            }
        }
        return found;
    }
    let mut rest = text;
    while let Some(at) = rest.find("NZD ") {
        let after = &rest[at + 4..];
        let digits: String = after.chars().take_while(|c| number(*c)).collect();
        let digits = digits.trim_end_matches(['.', ',']);
        if let Ok(amount) = digits.replace(',', "").parse::<Decimal>() {
            found.push(amount.abs());
        }
        rest = &after[digits.len()..];
    }
    found
}

/// Every web address in a text.
fn links(text: &str) -> BTreeSet<String> {
    text.match_indices("https://")
        .map(|(at, _)| {
            text[at..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, '>' | '"' | '<' | ';'))
                .collect::<String>()
        })
        .map(|link| link.trim_end_matches(['.', ',', ')']).to_string())
        .collect()
}

/// The HTML's text as a reader sees it: tags gone, entities read.
fn visible(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
}

/// What a figure in this email may be: a line's amount, a sum of lines, or, when the email says
/// what else is outstanding, that figure and the account's totals it completes.
fn allowed(context: &EmailContext, says_the_rest: bool, shows_statement: bool) -> BTreeSet<Decimal> {
    let mut allowed = BTreeSet::new();
    for invoice in &context.invoices {
        allowed.extend([invoice.total, invoice.amount_paid, invoice.amount_due]);
        allowed.extend([invoice.interest, invoice.compensation, invoice.claim_total]);
    }
    let claimed: Decimal = context.invoices.iter().map(|i| i.claim_total).sum();
    let due: Decimal = context.invoices.iter().map(|i| i.amount_due).sum();
    allowed.extend([claimed, due + claimed, context.total_claim]);
    let listed: Decimal = context.invoices.iter().map(|i| i.amount_due).sum();
    let listed_overdue: Decimal = context.invoices.iter().filter(|i| i.days_overdue > 0).map(|i| i.amount_due).sum();
    allowed.insert(listed);
    allowed.insert(listed_overdue);
    // The customer's statement, where the email shows it: every open invoice less credits.
    if shows_statement {
        allowed.extend(statement_figures(context));
    }
    if context.others.count == 0 || says_the_rest {
        allowed.insert(context.others.total);
        allowed.insert(context.total_outstanding);
        if context.others.count == 0 {
            allowed.insert(context.total_overdue);
        }
    }
    allowed.iter().map(|a| a.abs().round_dp(2)).collect()
}

/// What a customer's statement shows: each open invoice and credit, and their totals.
fn statement_figures(context: &EmailContext) -> Vec<Decimal> {
    let every: Decimal = context.customer.invoices.iter().map(|i| i.amount_due).sum();
    let every_claim: Decimal = context.customer.invoices.iter().map(|i| i.claim_total).sum();
    let credits: Decimal = context.customer.credits.iter().map(|c| c.remaining).sum();
    let mut figures: Vec<Decimal> = context.customer.credits.iter().map(|c| c.remaining).collect();
    for invoice in &context.customer.invoices {
        figures.extend([invoice.amount_due, invoice.claim_total]);
    }
    figures.extend([every, credits, every - credits, every_claim, every - credits + every_claim]);
    figures
}

#[test]
fn every_figure_adds_up_in_both_parts_of_every_example_template() {
    let style = Style::default();
    let mut rng = fastrand::Rng::with_seed(22);
    let mut rendered_any = 0;
    let mut german_figures = 0;
    for (name, parsed) in templates() {
        let source = source_of(&parsed);
        // The example strategies send statements from the templates named so, and reminders
        // (about some of the open invoices) from the others.
        let statement = name.contains("statement");
        for round in 0..60 {
            {
                let mut context = account(&mut rng, statement);
                // Every fourth email is written as a German organisation writes money.
                let german = round % 4 == 3;
                if german {
                    context.locale = Locale::parse("de-DE").unwrap();
                }
                let email = template::render(source, &context, &style).unwrap_or_else(|e| panic!("{name}: {e}"));
                rendered_any += 1;
                let shown = visible(&email.html);
                let says_the_rest = email.text.contains("not listed here") && shown.contains("not listed here");
                let allowed = allowed(&context, says_the_rest, source.text.contains("statement(customer)"));
                for (part, text) in [("subject", &email.subject), ("text", &email.text), ("HTML", &shown)] {
                    for figure in figures(text, german) {
                        assert!(
                            allowed.contains(&figure),
                            "{name} ({part}, statement: {statement}): NZD {figure} is neither a line, a sum of lines, nor explained\n{}",
                            email.text
                        );
                    }
                }
                let text_links = links(&email.text);
                let html_links = links(&email.html.replace("&#x2f;", "/").replace("&amp;", "&"));
                // The layout's footer links to the customer's page whatever the template says.
                let footer: BTreeSet<String> = [context.links.page.clone()].into_iter().collect();
                assert!(text_links.is_subset(&html_links), "{name}: a link only in the text part\n{}", email.text);
                assert!(
                    html_links.difference(&text_links).all(|link| footer.contains(link)),
                    "{name}: a link only in the HTML part: {:?}\n{}",
                    html_links.difference(&text_links).collect::<Vec<_>>(),
                    email.text
                );
                let in_text: BTreeSet<Decimal> = figures(&email.text, german).into_iter().collect();
                if german {
                    german_figures += in_text.len();
                }
                let in_html: BTreeSet<Decimal> = figures(&shown, german).into_iter().collect();
                assert_eq!(in_text, in_html, "{name}: both parts show the same figures\n{}\n{shown}", email.text);
            }
        }
    }
    assert!(rendered_any >= 1800, "{rendered_any} emails rendered");
    assert!(german_figures > 500, "German figures were read and checked too: {german_figures}");
}

#[test]
fn a_total_that_leaves_invoices_out_is_caught() {
    // The check above is only worth having if it fails on the email this issue started from:
    // "Your account has NZD 562.92 overdue:" above two invoices that add up to NZD 133.52.
    let mut rng = fastrand::Rng::with_seed(7);
    let mut context = account(&mut rng, false);
    while context.others.count == 0 {
        context = account(&mut rng, false);
    }
    let source = Source {
        subject: "Overdue",
        text: "Your account has {{ total_outstanding | money(total_currency) }} overdue:\n{% for item in invoices %}\n  {{ item.number }}  {{ item.amount_due | money(item.currency) }}{% endfor %}\n",
        html: None,
        markdown: false,
    };
    let email = template::render(source, &context, &Style::default()).unwrap();
    let allowed = allowed(&context, email.text.contains("not listed here"), false);
    assert!(figures(&email.text, false).iter().any(|figure| !allowed.contains(figure)), "{}", email.text);
}
