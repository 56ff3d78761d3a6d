//! An invoice as Xero renders one: who it is from and to, its number, reference and dates, its
//! lines, subtotal, tax and total, what has been paid and what is due, and a payment advice to
//! tear off. The sandbox serves it for `GET /Invoices/{id}` with `Accept: application/pdf`.

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::PdfError;
use super::layout::{Align, Column, Ink, MARGIN, RIGHT, Sheet, Style, Table};
use super::{amount, day, money};

/// Everything printed on an invoice. Amounts are in `currency`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceDocument {
    pub organisation: String,
    pub contact: String,
    pub number: String,
    pub reference: Option<String>,
    pub date: Date,
    pub due_date: Date,
    pub currency: String,
    /// The invoice's lines; when the books hold none (CollectIQ keeps totals only), one line for
    /// the whole.
    pub lines: Vec<InvoiceLine>,
    pub subtotal: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    pub amount_paid: Decimal,
    pub amount_credited: Decimal,
    pub amount_due: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceLine {
    pub description: String,
    pub quantity: Decimal,
    pub unit_amount: Decimal,
    pub amount: Decimal,
}

/// The invoice's PDF.
pub fn invoice_pdf(invoice: &InvoiceDocument) -> Result<Vec<u8>, PdfError> {
    let mut sheet = Sheet::new()?;
    let title = if invoice.tax.is_zero() { "INVOICE" } else { "TAX INVOICE" };
    heading(&mut sheet, invoice, title);
    lines(&mut sheet, invoice);
    totals(&mut sheet, invoice);
    payment_advice(&mut sheet, invoice);
    let footer = format!("{} · {} {}", invoice.organisation, title.to_lowercase(), invoice.number);
    let footer = sheet.fit(&footer, 380.0, Style::LABEL);
    sheet.finish(&format!("Invoice {}", invoice.number), &footer)
}

/// The title and the organisation across the top; below, the customer on the left and the
/// invoice's particulars in a column beside it, as Xero lays them out.
fn heading(sheet: &mut Sheet, invoice: &InvoiceDocument, title: &str) {
    let top = sheet.y();
    sheet.text(MARGIN, top + Style::TITLE.size, Style::TITLE, title);
    let name = sheet.fit(&invoice.organisation, 220.0, Style::HEADING);
    sheet.text_right(RIGHT, top + Style::HEADING.size + 4.0, Style::HEADING, &name);
    sheet.set_y(top + 56.0);

    let block = sheet.y();
    sheet.text(MARGIN, block + 8.0, Style::LABEL, "Bill to");
    for (n, line) in sheet.wrap(&invoice.contact, 200.0, Style::STRONG, 3).iter().enumerate() {
        sheet.text(MARGIN, block + 22.0 + n as f32 * 13.0, Style::STRONG, line);
    }
    let mut facts = vec![
        ("Invoice Date", day(invoice.date)),
        ("Invoice Number", invoice.number.clone()),
        ("Due Date", day(invoice.due_date)),
    ];
    if let Some(reference) = invoice.reference.as_deref().filter(|r| !r.is_empty()) {
        facts.push(("Reference", reference.to_owned()));
    }
    let x = 300.0;
    for (n, (label, value)) in facts.iter().enumerate() {
        let y = block + 8.0 + n as f32 * 24.0;
        sheet.text(x, y, Style::LABEL, label);
        let value = sheet.fit(value, RIGHT - x, Style::BODY);
        sheet.text(x, y + 12.0, Style::BODY, &value);
    }
    sheet.set_y(block + 24.0 * facts.len() as f32 + 16.0);
}

fn lines(sheet: &mut Sheet, invoice: &InvoiceDocument) {
    let width = RIGHT - MARGIN;
    let table = Table::new(vec![
        Column { title: "Description".into(), width: width - 250.0, align: Align::Left },
        Column { title: "Quantity".into(), width: 60.0, align: Align::Right },
        Column { title: "Unit Price".into(), width: 90.0, align: Align::Right },
        Column { title: format!("Amount {}", invoice.currency), width: 100.0, align: Align::Right },
    ]);
    sheet.begin_table(&table);
    let whole = [InvoiceLine {
        description: format!("Invoice {}", invoice.number),
        quantity: Decimal::ONE,
        unit_amount: invoice.subtotal,
        amount: invoice.subtotal,
    }];
    let shown = if invoice.lines.is_empty() { &whole[..] } else { &invoice.lines[..] };
    for line in shown {
        let cells = [
            line.description.clone(),
            line.quantity.normalize().to_string(),
            amount(line.unit_amount),
            amount(line.amount),
        ];
        sheet.row(&table, &cells, Style::BODY);
    }
    sheet.end_table();
    sheet.skip(8.0);
}

/// Subtotal to amount due, right-aligned under the amounts, as Xero stacks them.
fn totals(sheet: &mut Sheet, invoice: &InvoiceDocument) {
    let mut rows: Vec<(String, String, Style)> = vec![
        ("Subtotal".into(), amount(invoice.subtotal), Style::BODY),
        ("Total Tax".into(), amount(invoice.tax), Style::BODY),
        (format!("TOTAL {}", invoice.currency), amount(invoice.total), Style::STRONG),
    ];
    if !invoice.amount_credited.is_zero() {
        rows.push(("Less Amount Credited".into(), amount(invoice.amount_credited), Style::BODY));
    }
    if !invoice.amount_paid.is_zero() {
        rows.push(("Less Amount Paid".into(), amount(invoice.amount_paid), Style::BODY));
    }
    rows.push((format!("AMOUNT DUE {}", invoice.currency), amount(invoice.amount_due), Style::STRONG));
    let label_x = RIGHT - 250.0;
    let last = rows.len() - 1;
    for (n, (label, value, style)) in rows.iter().enumerate() {
        sheet.ensure(16.0);
        if n == 2 || n == last {
            sheet.rule(label_x, RIGHT, Ink::Muted, 0.8);
        }
        sheet.skip(13.0);
        sheet.text(label_x + 4.0, sheet.y(), *style, label);
        sheet.text_right(RIGHT - 4.0, sheet.y(), *style, value);
        sheet.skip(4.0);
    }
    sheet.skip(14.0);
    let due = format!("Due Date: {}", day(invoice.due_date));
    sheet.line(Style::STRONG, &due);
}

/// The slip a customer sends back with a payment, below a dashed cut line.
fn payment_advice(sheet: &mut Sheet, invoice: &InvoiceDocument) {
    sheet.ensure(150.0);
    sheet.skip(28.0);
    sheet.rule(MARGIN, RIGHT, Ink::Muted, 0.5);
    sheet.skip(22.0);
    sheet.text(MARGIN, sheet.y(), Style::HEADING, "PAYMENT ADVICE");
    let top = sheet.y();
    let to = sheet.wrap(&format!("To: {}", invoice.organisation), 200.0, Style::BODY, 3);
    for (n, line) in to.iter().enumerate() {
        sheet.text(MARGIN, top + 20.0 + n as f32 * 13.0, Style::BODY, line);
    }
    let facts = [
        ("Customer", invoice.contact.clone()),
        ("Invoice Number", invoice.number.clone()),
        ("Amount Due", money(&invoice.currency, invoice.amount_due)),
        ("Due Date", day(invoice.due_date)),
    ];
    let x = 300.0;
    for (n, (label, value)) in facts.iter().enumerate() {
        let y = top + n as f32 * 16.0;
        sheet.text(x, y, Style::LABEL, label);
        let value = sheet.fit(value, RIGHT - x - 80.0, Style::BODY);
        sheet.text(x + 80.0, y, Style::BODY, &value);
    }
    sheet.set_y(top + 16.0 * facts.len() as f32);
}
