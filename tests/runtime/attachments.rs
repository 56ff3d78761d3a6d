//! Emails that carry PDFs (`with the invoice PDF and a statement PDF`): each decided email gets
//! its invoice's PDF from Xero (the sandbox's) and a statement rendered by CollectIQ, stored with
//! it when it is decided; emails without the option carry nothing.

use std::collections::BTreeMap;
use std::process::Command;

use crate::support::*;

const WITH_PDFS: &str = r#"Strategy "With PDFs".

Settings:
  Send emails from "accounts@collectiq.example" as "Accounts".
  Use the "UTC" time zone.
  Send on weekdays between 6am and 8pm.
  Catch up on missed reminders for up to 20 days.

For every customer:
  1 day after the due date, send the "friendly-reminder" email with the invoice PDF and a statement PDF.
  Every 7 days from 8 to 50 days overdue, send the "firm-reminder" email.
"#;

fn text_of(pdf: &[u8], folder: &std::path::Path) -> Option<String> {
    let path = folder.join("attachment.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().ok()?;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    Some(String::from_utf8(output.stdout).unwrap())
}

#[test]
fn each_email_that_asks_carries_its_invoice_and_a_statement() {
    let world = World::start("attachments", sandbox_config(67, 1, 20, 300));
    let strategy = strategy_file(&world.folder, "pdfs.strategy", WITH_PDFS);
    world.run(&strategy, "2026-11-25T10:00:00Z", &[]);
    let db = world.db();
    // Each email decided, with the number of its invoice and the files stored with it.
    let mut statement = db
        .prepare(
            "SELECT a.id, a.rule_text, a.status, i.number, e.filename, e.content_type, e.bytes
             FROM actions a JOIN invoices i ON i.invoice_id = a.subject_id
             LEFT JOIN email_attachments e ON e.action_id = a.id
             WHERE a.action_kind = 'email' AND a.outcome = 'act' ORDER BY a.id, e.position",
        )
        .unwrap();
    type Row = (i64, String, String, String, Option<String>, Option<String>, Option<Vec<u8>>);
    let rows: Vec<Row> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut by_email: BTreeMap<i64, Vec<&Row>> = BTreeMap::new();
    for row in &rows {
        by_email.entry(row.0).or_default().push(row);
    }
    let asking: Vec<&Vec<&Row>> = by_email.values().filter(|rows| rows[0].1.contains("PDF")).collect();
    assert!(!asking.is_empty(), "some email asks for PDFs");
    for files in &asking {
        let (_, _, status, number, ..) = files[0];
        assert_ne!(status, "failed", "an email's PDFs were not had: {files:?}");
        let names: Vec<&str> = files.iter().filter_map(|f| f.4.as_deref()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert_eq!(names[0], format!("Invoice {number}.pdf"));
        assert!(names[1].starts_with("Statement ") && names[1].ends_with(" 2026-11-25.pdf"), "{names:?}");
        for file in files.iter() {
            let bytes = file.6.as_deref().unwrap();
            assert_eq!(file.5.as_deref(), Some("application/pdf"));
            assert!(bytes.starts_with(b"%PDF-") && bytes.len() < 200 * 1024, "{} bytes", bytes.len());
            if let Some(text) = text_of(bytes, &world.folder) {
                assert!(text.contains(number.as_str()), "{number} is not in {:?}:\n{text}", file.4);
            }
        }
    }
    let others = by_email.values().filter(|rows| !rows[0].1.contains("PDF"));
    for rows in others {
        assert!(rows.iter().all(|r| r.4.is_none()), "an email that asks for nothing carries nothing: {rows:?}");
    }
}
