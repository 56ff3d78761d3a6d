//! An invoice as the PDF Xero renders for `GET /Invoices/{id}` with `Accept: application/pdf`:
//! the same figures and the same one line the JSON answer gives, through CollectIQ's own renderer
//! (Xero's layout is its own; what a test needs is a real PDF with the invoice's number and
//! amounts in it).

use super::{Org, decimal};
use crate::pdf::{InvoiceDocument, InvoiceLine, PdfError, invoice_pdf};

/// The PDF of the organisation's invoice at `index`.
pub fn render(org: &Org, index: u32) -> Result<Vec<u8>, PdfError> {
    invoice_pdf(&document(org, index))
}

fn document(org: &Org, index: u32) -> InvoiceDocument {
    let invoice = &org.invoices[index as usize];
    let contact = &org.contacts[invoice.contact as usize];
    InvoiceDocument {
        organisation: org.name.clone(),
        contact: contact.name.clone(),
        number: org.invoice_number(invoice),
        reference: Some(invoice.reference.clone()).filter(|r| !r.is_empty()),
        date: invoice.issued,
        due_date: invoice.due,
        currency: invoice.currency.to_string(),
        lines: vec![InvoiceLine {
            description: super::render::line_description(invoice).to_owned(),
            quantity: rust_decimal::Decimal::ONE,
            unit_amount: decimal(invoice.subtotal),
            amount: decimal(invoice.subtotal),
        }],
        subtotal: decimal(invoice.subtotal),
        tax: decimal(invoice.tax),
        total: decimal(invoice.total),
        amount_paid: decimal(invoice.paid),
        amount_credited: decimal(invoice.credited),
        amount_due: decimal(invoice.due_amount()),
    }
}
