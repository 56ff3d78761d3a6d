//! An invoice's PDF as Xero renders it, fetched through the client (budgets, retries) from the
//! sandbox, which serves a real PDF for each invoice: its number and amounts are in the text,
//! under faults too (a PDF cut short is asked for again, never kept).

use std::process::Command;

use collectiq::ledger::money::group_thousands;

use super::support::{connected, sandbox_config};

/// The PDF's text, read by poppler's `pdftotext` (scripts/test installs it), or None without it.
fn text_of(pdf: &[u8], folder: &std::path::Path) -> Option<String> {
    let path = folder.join("invoice.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().ok()?;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    Some(String::from_utf8(output.stdout).unwrap())
}

async fn fetch_and_read(name: &str, faults: Option<&str>) {
    let mut config = sandbox_config(21, 1, 40);
    if let Some(faults) = faults {
        config.faults = faults.parse().unwrap();
    }
    let connected = connected(name, config).await;
    connected.sync(true).await;
    let organisation = connected.store().organisations().await.unwrap().remove(0);
    let tenant = organisation.organisation.tenant_id;
    let grant = organisation.grant_id.unwrap();
    let invoices = connected.store().open_invoices(tenant).await.unwrap();
    let partly_paid = invoices.iter().find(|i| !i.amount_paid.is_zero()).unwrap_or(&invoices[0]);
    for invoice in [&invoices[0], partly_paid] {
        let pdf = connected.session.client.invoice_pdf(tenant, grant, invoice.invoice_id).await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{} is not a PDF", invoice.number);
        assert!(pdf.len() < 200 * 1024, "{} bytes", pdf.len());
        let Some(text) = text_of(&pdf, &connected.folder) else { continue };
        for figure in [invoice.number.to_string(), group_thousands(invoice.total), group_thousands(invoice.amount_due)]
        {
            assert!(text.contains(&figure), "{figure} is not in the PDF of {}:\n{text}", invoice.number);
        }
        assert!(text.contains(&organisation.organisation.name), "{text}");
    }
}

#[tokio::test]
async fn every_invoice_has_its_pdf_with_its_number_and_amounts() {
    fetch_and_read("invoice-pdf", None).await;
}

#[tokio::test]
async fn a_pdf_cut_short_or_refused_is_asked_for_again() {
    fetch_and_read("invoice-pdf-faults", Some("429:0.1,500:0.1,reset:0.1,truncate:0.2")).await;
}

#[tokio::test]
async fn an_invoice_xero_does_not_have_is_not_found() {
    let connected = connected("invoice-pdf-missing", sandbox_config(21, 1, 10)).await;
    let organisation = connected.store().organisations().await.unwrap().remove(0);
    let missing = uuid::Uuid::from_u128(0xabcd);
    let error = connected
        .session
        .client
        .invoice_pdf(organisation.organisation.tenant_id, organisation.grant_id.unwrap(), missing)
        .await
        .unwrap_err();
    assert!(matches!(error, collectiq::xero::client::ApiError::NotFound(_)), "{error}");
}
