//! The example templates, and accounts generated to render them over.

use std::path::Path;

use collectiq::template::{
    CreditView, EmailContext, EmailTemplate, InvoiceView, LinksView, OthersView, Source, sample_context,
};
use rust_decimal::Decimal;

const CURRENCY: &str = "NZD";

pub fn templates() -> Vec<(String, EmailTemplate)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("strategies/templates");
    let mut found: Vec<(String, EmailTemplate)> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "email"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let parsed = EmailTemplate::parse(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            (name, parsed)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(found.len() >= 30, "the example templates are all here");
    found
}

/// An account of `listed + others` open invoices; the email lists the first `listed`.
pub fn account(rng: &mut fastrand::Rng, statement: bool) -> EmailContext {
    let mut context = sample_context(!statement);
    let listed = rng.usize(1..=6);
    let others = if statement { 0 } else { rng.usize(0..=4) };
    let invoice = |rng: &mut fastrand::Rng, index: usize| {
        let total = Decimal::new(rng.i64(500..=2_500_000), 2);
        let paid = if rng.bool() { Decimal::ZERO } else { (total * Decimal::new(rng.i64(0..=90), 2)).round_dp(2) };
        let days_overdue = rng.i64(-20..=120);
        let claimed = days_overdue > 0 && rng.u8(0..3) == 0;
        let interest = if claimed { Decimal::new(rng.i64(1..=50_000), 2) } else { Decimal::ZERO };
        let compensation =
            if claimed { Decimal::new([4_000, 7_000, 10_000][rng.usize(0..3)], 2) } else { Decimal::ZERO };
        let due_date = jiff::civil::date(2026, 12, 6).checked_sub(jiff::Span::new().days(days_overdue)).unwrap();
        InvoiceView {
            number: format!("INV-{:04}", 100 + index),
            reference: if rng.bool() { format!("PO {}", rng.u32(1000..9999)) } else { String::new() },
            date: due_date.checked_sub(jiff::Span::new().days(30)).unwrap(),
            due_date,
            days_overdue,
            currency: CURRENCY.into(),
            total,
            amount_paid: paid,
            amount_due: total - paid,
            url: if rng.bool() { format!("https://in.xero.com/{index}x") } else { String::new() },
            links: LinksView {
                page: if rng.bool() { format!("https://pay.example/p/{index}") } else { String::new() },
            },
            // Some late invoices carry a late-payment claim, as under a Claim sentence.
            interest,
            compensation,
            claim_total: interest + compensation,
            interest_rate: if interest > Decimal::ZERO { Decimal::new(1_175, 2) } else { Decimal::ZERO },
            interest_days: if interest > Decimal::ZERO { days_overdue } else { 0 },
        }
    };
    let all: Vec<InvoiceView> = (0..listed + others).map(|index| invoice(rng, index)).collect();
    let (shown, rest) = all.split_at(listed);
    context.invoices = shown.to_vec();
    context.invoice = (!statement).then(|| shown[0].clone());
    context.invoices_total = shown.iter().map(|i| i.amount_due).sum();
    context.total_claim = shown.iter().map(|i| i.claim_total).sum();
    context.others = OthersView { count: rest.len() as u32, total: rest.iter().map(|i| i.amount_due).sum() };
    context.total_outstanding = all.iter().map(|i| i.amount_due).sum();
    context.total_overdue = all.iter().filter(|i| i.days_overdue > 0).map(|i| i.amount_due).sum();
    context.total_currency = CURRENCY.into();
    context.links.page = if rng.bool() { "https://pay.example/p/account".into() } else { String::new() };
    // The customer's statement: every open invoice, and now and then a credit or two.
    context.customer.invoices = all.clone();
    context.customer.credits = (0..rng.usize(0..=2))
        .map(|index| CreditView {
            kind: ["Credit note", "Overpayment"][index % 2].into(),
            number: format!("CN-{:04}", 10 + index),
            date: Some(jiff::civil::date(2026, 11, 2)),
            currency: CURRENCY.into(),
            remaining: Decimal::new(rng.i64(100..=50_000), 2),
        })
        .collect();
    context
}

/// A parsed template's parts, to render.
pub fn source_of(parsed: &EmailTemplate) -> Source<'_> {
    Source {
        subject: &parsed.subject.source,
        text: &parsed.text.source,
        html: parsed.html.as_ref().map(|part| part.source.as_str()),
        markdown: parsed.markdown,
    }
}
