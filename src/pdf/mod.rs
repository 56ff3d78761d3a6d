//! The PDFs CollectIQ attaches to its emails: an invoice as Xero renders it (the sandbox serves
//! it; the real Xero renders its own) and a statement of account, which CollectIQ renders itself.
//!
//! Pure rendering: each document is a plain value in, the PDF's bytes out, no I/O and no clock
//! (the statement's date is given), so the same books give the same bytes. Below `runtime` and
//! `sandbox`, which both use it; it uses only `ledger`.

mod fonts;
mod invoice;
mod layout;
mod statement;

pub use invoice::{InvoiceDocument, InvoiceLine, invoice_pdf};
pub use statement::{StatementCredit, StatementDocument, StatementInvoice, statement_pdf};

/// What can go wrong rendering a document. None of these depends on the books: each is a fault
/// of the build (a font missing or unreadable) or of krilla.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "the PDF could not be rendered: the bundled font {name} could not be read. This is a fault of the build \
         (the `dejavu` crate's files); rebuild CollectIQ, and report it if it persists"
    )]
    Font { name: &'static str },
    #[error(
        "the PDF could not be rendered: krilla refused the A4 page size. This is a fault of CollectIQ; please report it"
    )]
    PageSize,
    #[error(
        "the PDF could not be written: {cause}. This is a fault of CollectIQ or of the PDF library (krilla); \
         the email is recorded without it: please report it with the invoice's number"
    )]
    Write { cause: krilla::error::KrillaError },
}

/// An amount as the rest of CollectIQ shows it, in a table cell: `1,234.50`.
fn amount(value: rust_decimal::Decimal) -> String {
    crate::ledger::money::group_thousands(value)
}

/// An amount with its currency, as emails show it: `NZD 1,234.50`.
fn money(currency: &str, value: rust_decimal::Decimal) -> String {
    format!("{currency} {}", amount(value))
}

/// A day as a finance document writes it: `7 Dec 2026`.
fn day(date: jiff::civil::Date) -> String {
    date.strftime("%-d %b %Y").to_string()
}

#[cfg(test)]
mod tests;
