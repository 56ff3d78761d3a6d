//! Both documents rendered from plain values: a PDF within its size budget, whose text (read
//! back with poppler's `pdftotext` where it is installed; scripts/test installs it) carries the
//! numbers and amounts, and long names and long tables that still lay out.

use std::process::Command;

use jiff::civil::date;
use rust_decimal::Decimal;

use super::*;
use crate::ledger::locale::Locale;

/// A statement with a handful of invoices is ≈ 30 KB (the subset fonts are most of it).
const BUDGET: usize = 200 * 1024;

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

pub(super) fn invoice() -> InvoiceDocument {
    InvoiceDocument {
        organisation: "Harbour Tiles Ltd".into(),
        contact: "Kōwhai Builders & Sons Construction Partnership Limited".into(),
        number: "INV-0042".into(),
        reference: Some("PO 7781".into()),
        date: date(2026, 10, 1),
        due_date: date(2026, 10, 31),
        currency: "NZD".into(),
        lines: vec![
            InvoiceLine { description: "Porcelain floor tiles, 600×600 matt grey, laid over prepared screed in the ground-floor kitchen and hallway".into(), quantity: dec("42"), unit_amount: dec("38.50"), amount: dec("1617.00") },
            InvoiceLine { description: "Delivery".into(), quantity: dec("1"), unit_amount: dec("85.00"), amount: dec("85.00") },
        ],
        subtotal: dec("1702.00"),
        tax: dec("255.30"),
        total: dec("1957.30"),
        amount_paid: dec("500.00"),
        amount_credited: Decimal::ZERO,
        amount_due: dec("1457.30"),
    }
}

fn open_invoice(number: &str, due: jiff::civil::Date, amount: &str) -> StatementInvoice {
    StatementInvoice {
        number: number.into(),
        reference: Some(format!("Order {number}")),
        date: due - jiff::Span::new().days(30),
        due_date: due,
        currency: "NZD".into(),
        total: dec(amount),
        due: dec(amount),
        interest: None,
        compensation: None,
    }
}

pub(super) fn statement() -> StatementDocument {
    StatementDocument {
        organisation: "Harbour Tiles Ltd".into(),
        customer: "Kōwhai Builders Ltd".into(),
        date: date(2026, 12, 7),
        invoices: vec![
            open_invoice("INV-0042", date(2026, 10, 31), "1457.30"),
            open_invoice("INV-0051", date(2026, 11, 30), "120.00"),
            open_invoice("INV-0060", date(2026, 12, 31), "88.15"),
            open_invoice("INV-0013", date(2026, 8, 15), "2300.00"),
        ],
        credits: vec![StatementCredit {
            kind: "Credit note".into(),
            number: Some("CN-0007".into()),
            date: Some(date(2026, 11, 2)),
            currency: "NZD".into(),
            remaining: dec("45.00"),
        }],
        locale: Locale::default(),
    }
}

/// The PDF's text as poppler reads it, or None where poppler is not installed.
fn text_of(pdf: &[u8]) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("collectiq-pdf-{}", fastrand::u64(..)));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("doc.pdf");
    std::fs::write(&path, pdf).ok()?;
    let output = Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output();
    let _ = std::fs::remove_dir_all(&dir);
    let output = output.ok()?;
    assert!(output.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&output.stderr));
    Some(String::from_utf8(output.stdout).expect("pdftotext writes UTF-8"))
}

fn assert_pdf(pdf: &[u8]) {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    assert!(pdf.len() < BUDGET, "{} bytes, over the {BUDGET}-byte budget", pdf.len());
}

#[test]
fn an_invoice_carries_its_number_and_amounts() {
    let pdf = invoice_pdf(&invoice()).unwrap();
    assert_pdf(&pdf);
    let Some(text) = text_of(&pdf) else { return };
    for expected in [
        "TAX INVOICE",
        "INV-0042",
        "PO 7781",
        "1,957.30",
        "255.30",
        "500.00",
        "AMOUNT DUE NZD",
        "1,457.30",
        "31 Oct 2026",
        "Harbour Tiles Ltd",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in the invoice:\n{text}");
    }
}

#[test]
fn an_invoice_without_lines_shows_one_line_for_the_whole() {
    let pdf = invoice_pdf(&InvoiceDocument { lines: vec![], ..invoice() }).unwrap();
    assert_pdf(&pdf);
    let Some(text) = text_of(&pdf) else { return };
    assert!(text.contains("Invoice INV-0042"), "{text}");
    assert!(text.contains("1,702.00"), "{text}");
}

#[test]
fn a_statement_adds_up_and_ages_what_is_due() {
    let pdf = statement_pdf(&statement()).unwrap();
    assert_pdf(&pdf);
    let Some(text) = text_of(&pdf) else { return };
    // 1457.30 + 120.00 + 88.15 + 2300.00 = 3965.45; less the 45.00 credit: 3920.45.
    for expected in
        ["STATEMENT", "Kōwhai Builders Ltd", "INV-0013", "CN-0007", "3,965.45", "-45.00", "3,920.45", "7/12/2026"]
    {
        assert!(text.contains(expected), "{expected:?} is not in the statement:\n{text}");
    }
    // By age on 7 December: 88.15 current, 120.00 at 7 days, 1457.30 at 37, 2300.00 at 114.
    let ages = text.lines().skip_while(|l| !l.contains("Amounts due by days overdue")).collect::<Vec<_>>().join("\n");
    for expected in ["88.15", "120.00", "1,457.30", "0.00", "2,300.00", "3,965.45"] {
        assert!(ages.contains(expected), "{expected:?} is not among the ages:\n{ages}");
    }
    assert!(!text.contains("claimed"), "no claim was made:\n{text}");
}

#[test]
fn a_statement_writes_money_and_dates_in_its_locale() {
    let german = StatementDocument { locale: Locale::parse("de-DE").unwrap(), ..statement() };
    let pdf = statement_pdf(&german).unwrap();
    assert_pdf(&pdf);
    let Some(text) = text_of(&pdf) else { return };
    for expected in ["3.965,45", "-45,00", "3.920,45", "07.12.2026", "31.10.2026", "1.457,30"] {
        assert!(text.contains(expected), "{expected:?} is not in the German statement:\n{text}");
    }
    assert!(!text.contains("3,965.45"), "{text}");
}

#[test]
fn a_statement_shows_claims_when_they_are_made() {
    let mut claimed = statement();
    claimed.invoices[3].interest = Some(dec("57.48"));
    claimed.invoices[3].compensation = Some(dec("70.00"));
    let pdf = statement_pdf(&claimed).unwrap();
    assert_pdf(&pdf);
    let Some(text) = text_of(&pdf) else { return };
    // 3920.45 + 57.48 + 70.00 = 4047.93.
    for expected in ["Late payment interest and compensation claimed", "57.48", "70.00", "127.48", "4,047.93"] {
        assert!(text.contains(expected), "{expected:?} is not in the statement:\n{text}");
    }
}

#[test]
fn a_long_statement_runs_onto_pages_that_repeat_the_header() {
    let mut long = statement();
    long.invoices = (0..120).map(|n| open_invoice(&format!("INV-{n:04}"), date(2026, 11, 1), "10.00")).collect();
    let pdf = statement_pdf(&long).unwrap();
    assert_pdf(&pdf);
    let Some(text) = text_of(&pdf) else { return };
    let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert!(pages.len() >= 3, "{} pages", pages.len());
    for page in &pages[..pages.len() - 1] {
        assert!(page.contains("Overdue"), "a page without the table's header:\n{page}");
    }
    assert!(text.contains("INV-0119") && text.contains("1,200.00"), "{text}");
    assert!(text.contains(&format!("Page {} of {}", pages.len(), pages.len())), "{text}");
}

#[test]
fn a_statement_with_nothing_open_says_so() {
    let empty = StatementDocument { invoices: vec![], credits: vec![], ..statement() };
    let pdf = statement_pdf(&empty).unwrap();
    assert_pdf(&pdf);
    let Some(text) = text_of(&pdf) else { return };
    assert!(text.contains("Nothing is outstanding"), "{text}");
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    assert_eq!(statement_pdf(&statement()).unwrap(), statement_pdf(&statement()).unwrap());
}

/// Both documents, a statement with claims among them, kept in $TMPDIR/collectiq-pdf-samples
/// for a person to look at (`pdftoppm -png`).
#[test]
fn samples_render_including_a_statement_with_claims() {
    let dir = std::env::temp_dir().join("collectiq-pdf-samples");
    std::fs::create_dir_all(&dir).unwrap();
    let invoice = invoice_pdf(&invoice()).unwrap();
    let mut claimed = statement();
    claimed.invoices[3].interest = Some(dec("57.48"));
    claimed.invoices[3].compensation = Some(dec("70.00"));
    let statement = statement_pdf(&claimed).unwrap();
    for bytes in [&invoice, &statement] {
        assert!(bytes.starts_with(b"%PDF-") && bytes.len() < 200_000);
    }
    assert_ne!(statement, statement_pdf(&super::tests::statement()).unwrap(), "the claims are in it");
    std::fs::write(dir.join("invoice.pdf"), invoice).unwrap();
    std::fs::write(dir.join("statement.pdf"), statement).unwrap();
}
