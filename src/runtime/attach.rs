//! The PDFs an email carries (`with the invoice PDF`, `with a statement PDF`), had when the email
//! is decided and stored with it: each invoice's PDF as Xero renders it, fetched through the
//! client (its budgets and retries), and the customer's statement of account, rendered here from
//! the books the decision was made on. Delivery attaches what was stored and fetches nothing.
//!
//! All or nothing: an email whose PDFs cannot all be had (Xero refuses or keeps failing, the
//! statement cannot be rendered, or they come to more than [`BUDGET`]) is recorded as failed
//! with the reason, and not sent without them: a customer told "your invoice is attached" must
//! find it attached.

use std::collections::HashMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::compose::invoices_shown;
use crate::decide::books::{Books, Customer};
use crate::ledger::locale::Locale;
use crate::ledger::records::Invoice;
use crate::pdf::{PdfError, StatementCredit, StatementDocument, StatementInvoice, statement_pdf};
use crate::plan::{Action, Attachment};
use crate::store::Store;
use crate::store::attachments::EmailAttachment;
use crate::xero::client::{ApiError, XeroClient};

/// The most an email's files may weigh together. Mail servers commonly refuse messages over
/// 10–25 MB, and base64 makes a file a third larger on the wire.
pub const BUDGET: usize = 10 * 1024 * 1024;

const PDF: &str = "application/pdf";

/// Why an email's PDFs could not be had; the email is recorded as failed with this.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error(
        "the PDF of invoice {number} could not be fetched from Xero: {cause}. The email was not sent without it \
         ({help})"
    )]
    Fetch { number: String, cause: ApiError, help: String },
    #[error(
        "the PDF of invoice {number} could not be fetched: this run has no connection to Xero. The email was not \
         sent without it; run with a connected organisation (`collectiq connect`)"
    )]
    NoXero { number: String },
    #[error(
        "the statement PDF could not be rendered: {cause}. The email was not sent without it; update CollectIQ, \
         and report it if it persists"
    )]
    Render { cause: PdfError },
    #[error(
        "the email's PDFs come to more than {} MB, over the {} MB an email may carry. It was not sent; attach a \
         statement PDF instead of each invoice's PDF, or email about fewer invoices at once",
        bytes / (1024 * 1024),
        BUDGET / (1024 * 1024)
    )]
    OverBudget { bytes: usize },
}

/// What an email is about, for its attachments.
pub struct AttachFor<'a> {
    pub books: &'a Books,
    pub contact_id: Uuid,
    pub invoices: &'a [Uuid],
    /// A statement email is about every open invoice of the customer.
    pub statement: bool,
    /// The day the decision speaks of (the statement's date).
    pub today: Date,
    /// What the strategy claims under late-payment law on each of the customer's open
    /// invoices (interest, compensation), shown on the statement; empty without a claim.
    pub claims: HashMap<Uuid, (Decimal, Decimal)>,
    /// The organisation's locale, which the statement writes money and dates in.
    pub locale: Locale,
}

/// The attachments an action asks for (none for anything but an email).
pub fn asked(action: &Action) -> &[Attachment] {
    match action {
        Action::Email { attach, .. } => attach,
        _ => &[],
    }
}

/// The files for an email that asks for `attach`, in the order asked: invoices' PDFs first (in
/// the order the email lists them), then the statement.
pub async fn attachments(
    client: Option<&XeroClient>,
    store: &Store,
    attach: &[Attachment],
    about: &AttachFor<'_>,
) -> Result<Vec<EmailAttachment>, AttachError> {
    let mut files = Vec::new();
    let mut bytes = 0;
    let Some(customer) = about.books.customer(about.contact_id) else { return Ok(files) };
    let tenant = about.books.organisation.tenant_id;
    for kind in attach {
        match kind {
            Attachment::InvoicePdf => {
                let shown = invoices_shown(about.books, about.contact_id, about.invoices, about.statement);
                let grant = store.organisation(tenant).await.ok().flatten().and_then(|o| o.grant_id);
                for invoice in shown.iter().filter_map(|id| customer.open.iter().find(|i| i.invoice_id == *id)) {
                    let number = invoice.number.to_string();
                    let (Some(client), Some(grant)) = (client, grant) else {
                        return Err(AttachError::NoXero { number });
                    };
                    let pdf = client.invoice_pdf(tenant, grant, invoice.invoice_id).await.map_err(|cause| {
                        let help = cause.help().unwrap_or_else(|| "try again later".into());
                        AttachError::Fetch { number: number.clone(), cause, help }
                    })?;
                    bytes += pdf.len();
                    if bytes > BUDGET {
                        return Err(AttachError::OverBudget { bytes });
                    }
                    files.push(EmailAttachment {
                        filename: filename(&format!("Invoice {number}")),
                        content_type: PDF.into(),
                        bytes: pdf,
                    });
                }
            }
            Attachment::StatementPdf => {
                let credits = store.credits(tenant).await.unwrap_or_else(|error| {
                    // The statement still lists what is owed; credits show again once readable.
                    tracing::warn!(%error, "credits could not be read for a statement");
                    Vec::new()
                });
                let document = statement(about.books, customer, &credits, about.today, &about.claims, &about.locale);
                let pdf = statement_pdf(&document).map_err(|cause| AttachError::Render { cause })?;
                bytes += pdf.len();
                if bytes > BUDGET {
                    return Err(AttachError::OverBudget { bytes });
                }
                let name = filename(&format!("Statement {} {}", customer.contact.name, about.today));
                files.push(EmailAttachment { filename: name, content_type: PDF.into(), bytes: pdf });
            }
        }
    }
    Ok(files)
}

/// The customer's statement on `today`: their open invoices, with what is claimed on each under
/// late-payment law, and the credits left to allocate.
fn statement(
    books: &Books,
    customer: &Customer,
    credits: &[crate::ledger::records::Credit],
    today: Date,
    claims: &HashMap<Uuid, (Decimal, Decimal)>,
    locale: &Locale,
) -> StatementDocument {
    let claimed = |invoice: &Invoice, pick: fn(&(Decimal, Decimal)) -> Decimal| {
        claims.get(&invoice.invoice_id).map(pick).filter(|amount| *amount > Decimal::ZERO)
    };
    let invoice = |invoice: &Invoice| StatementInvoice {
        number: invoice.number.to_string(),
        reference: invoice.reference.as_ref().map(|r| r.to_string()),
        date: invoice.date,
        due_date: invoice.due_date,
        currency: invoice.currency.to_string(),
        total: invoice.total,
        due: invoice.amount_due,
        interest: claimed(invoice, |claim| claim.0),
        compensation: claimed(invoice, |claim| claim.1),
    };
    let credits = credits
        .iter()
        .filter(|c| c.available_to(customer.contact.contact_id))
        .map(|c| StatementCredit {
            kind: c.kind.words().into(),
            number: c.number.clone(),
            date: c.date,
            currency: c.currency.clone().unwrap_or_else(|| books.organisation.base_currency.clone()),
            remaining: c.remaining,
        })
        .collect();
    StatementDocument {
        organisation: books.organisation.name.clone(),
        customer: customer.contact.name.clone(),
        date: today,
        invoices: customer.open.iter().map(invoice).collect(),
        credits,
        locale: locale.clone(),
    }
}

/// A file name any mail client and file system takes: `Invoice INV-0042.pdf`.
fn filename(stem: &str) -> String {
    let safe: String =
        stem.chars().map(|c| if c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.') { c } else { '-' }).collect();
    format!("{}.pdf", safe.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_to_safe_characters() {
        assert_eq!(filename("Invoice INV/0042"), "Invoice INV-0042.pdf");
        assert_eq!(filename("Statement Kōwhai & Co 2026-12-07"), "Statement Kōwhai - Co 2026-12-07.pdf");
    }

    #[test]
    fn the_budget_error_says_the_sizes() {
        let error = AttachError::OverBudget { bytes: 12 * 1024 * 1024 };
        assert!(error.to_string().contains("more than 12 MB, over the 10 MB"), "{error}");
    }
}
