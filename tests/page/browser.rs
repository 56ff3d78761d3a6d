//! The customer's journey in real headless Chromium (through its DevTools protocol): the link
//! from a reminder the SMTP server received opens the page; the customer promises a date for one
//! invoice, disputes another, says a third is paid with a PDF remittance, and follows Pay now.
//! Then the store, the tasks, the history notes in the sandbox and the next run's decisions all
//! show it. Screenshots at phone and desktop widths are kept in `target/page-screenshots/`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::{Browser, BrowserConfig, Page};
use futures_util::StreamExt;
use serde_json::Value;

use crate::support::*;
use crate::{FIRST_RUN, PageWorld};

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Debian's Chromium binary (not `/usr/bin/chromium`, a shell wrapper), or `COLLECTIQ_TEST_CHROMIUM`.
fn chromium() -> String {
    std::env::var("COLLECTIQ_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/lib/chromium/chromium".into())
}

async fn launch(profile: &Path) -> Result<(Browser, tokio::task::JoinHandle<()>), Failure> {
    let config = BrowserConfig::builder()
        .chrome_executable(chromium())
        .new_headless_mode()
        .no_sandbox()
        .user_data_dir(profile)
        .viewport(None)
        .build()?;
    let (browser, mut handler) = Browser::launch(config).await?;
    let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
    Ok((browser, events))
}

/// Waits until a script says true (`wait_for_navigation` races a click that posts a form).
async fn wait_for(page: &Page, script: &str) -> Result<(), Failure> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        // Evaluating fails while the old document is torn down: that means "not yet".
        if let Ok(value) = page.evaluate(script).await
            && value.into_value::<bool>().unwrap_or(false)
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {script}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text_of(page: &Page) -> Result<String, Failure> {
    Ok(page.evaluate("document.body.innerText").await?.into_value()?)
}

/// Submits the form holding `button` and waits for the page the 303 leads to.
async fn submit(page: &Page, button: &str) -> Result<String, Failure> {
    page.evaluate("window.__before = true").await?;
    page.find_element(button).await?.click().await?;
    wait_for(
        page,
        "window.__before === undefined && location.search.startsWith('?answer=') && document.readyState === 'complete'",
    )
    .await?;
    text_of(page).await
}

fn screenshots() -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("page-screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// A PNG's width and height, from its header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

async fn journey(world: &PageWorld, link: &str, profile: &Path, pdf: &Path) -> Result<Value, Failure> {
    let (mut browser, events) = launch(profile).await?;
    let page = browser.new_page(link).await?;
    wait_for(&page, "document.readyState === 'complete'").await?;
    let opened = text_of(&page).await?;
    assert!(opened.contains("Open invoices") && opened.contains("Pay"), "{opened}");

    // Phone and desktop: the whole page, at exact viewport widths.
    for (name, width, height, mobile) in [("phone", 390, 844, true), ("desktop", 1280, 800, false)] {
        page.execute(SetDeviceMetricsOverrideParams::new(width, height, 1.0, mobile)).await?;
        // Nothing is wider than the screen (checked before the full-page screenshot, which
        // resizes the viewport to the page).
        let wider: Vec<String> = page
            .evaluate(
                "Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)\
                 .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))",
            )
            .await?
            .into_value()?;
        assert!(wider.is_empty(), "{name}: the page scrolls sideways: {wider:?}");
        let path = screenshots().join(format!("customer-page-{name}.png"));
        page.save_screenshot(
            ScreenshotParams::builder().format(CaptureScreenshotFormat::Png).full_page(true).build(),
            &path,
        )
        .await?;
        let (shot_width, shot_height) = png_size(&std::fs::read(&path)?);
        assert_eq!(shot_width, width as u32, "{name}");
        assert!(shot_height >= height as u32, "{name}: the whole page");
    }

    let rows: usize = page.evaluate("document.querySelectorAll('details > summary').length").await?.into_value()?;
    assert!(rows >= 3, "three invoices to answer about: {rows}");
    let today: String =
        page.evaluate("document.querySelector('input[name=on]').getAttribute('min')").await?.into_value()?;
    let promised = today.parse::<jiff::civil::Date>()?.checked_add(jiff::Span::new().days(7))?;

    // "I'll pay on …" for the first invoice, from its own row.
    page.evaluate("document.querySelectorAll('details')[0].open = true").await?;
    page.evaluate(format!("document.getElementById('promise-1').value = '{promised}'")).await?;
    let after_promise = submit(&page, "#invoice-1 + tr form:nth-of-type(1) button").await?;
    assert!(after_promise.contains("We have noted that you will pay"), "{after_promise}");

    // "I dispute this invoice" for the second.
    page.evaluate("document.querySelectorAll('details')[1].open = true").await?;
    page.find_element("#dispute-2").await?.click().await?.type_str("We never received these goods.").await?;
    let after_dispute = submit(&page, "#invoice-2 + tr form:nth-of-type(2) button").await?;
    assert!(after_dispute.contains("We have noted that you dispute"), "{after_dispute}");

    // "I've already paid" for the third, with a PDF remittance.
    page.evaluate("document.querySelectorAll('details')[2].open = true").await?;
    page.evaluate(format!("document.getElementById('paid-on-3').value = '{today}'")).await?;
    page.find_element("#paid-reference-3").await?.click().await?.type_str("BANK-REF-77").await?;
    let file = page.find_element("#paid-file-3").await?;
    page.execute(
        SetFileInputFilesParams::builder()
            .files(vec![pdf.display().to_string()])
            .backend_node_id(file.backend_node_id)
            .build()?,
    )
    .await?;
    let after_paid = submit(&page, "#invoice-3 + tr form:nth-of-type(3) button").await?;
    assert!(after_paid.contains("We have noted that you paid"), "{after_paid}");
    assert!(after_paid.contains("You said you will pay on") && after_paid.contains("You disputed this invoice"));

    // Pay now leads to Xero's online invoice (the sandbox's), with no Referer to carry the token.
    let pay: Value = page
        .evaluate("(() => { const a = document.querySelector('a.pay'); return a ? [a.href, a.rel] : null })()")
        .await?
        .into_value()?;
    let href = pay[0].as_str().ok_or("a Pay now link")?.to_string();
    assert!(href.starts_with(&world.world.url()), "{href}");
    assert!(pay[1].as_str().unwrap_or_default().contains("noreferrer"));
    page.find_element("a.pay").await?.click().await?;
    let sandbox_host = world.world.url().trim_end_matches('/').to_string();
    wait_for(&page, &format!("location.href.startsWith('{sandbox_host}') && document.readyState === 'complete'"))
        .await?;
    let referrer: String = page.evaluate("document.referrer").await?.into_value()?;
    assert_eq!(referrer, "", "the page's address never reaches the pay page");

    browser.close().await?;
    browser.wait().await?;
    events.await?;
    Ok(serde_json::json!({ "promised": promised.to_string(), "today": today }))
}

#[test]
fn a_customer_promises_disputes_and_says_paid_from_the_link_in_a_reminder() {
    let world = PageWorld::start("page-browser", "");
    let (link, _) = world.some_email_links();
    let profile = world.world.folder.join("chromium-profile");
    let pdf = world.world.folder.join("remittance.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").unwrap();
    let outcome =
        world.world.runtime.block_on(journey(&world, &link, &profile, &pdf)).unwrap_or_else(|e| panic!("{e}"));

    // The store: three answers, each with its effect.
    let db = world.world.db();
    let kinds: Vec<String> = db
        .prepare("SELECT kind FROM page_actions ORDER BY inbound_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(kinds, ["promise", "dispute", "paid_claim"]);
    let promised: (String, String) =
        db.query_row("SELECT promised_on, source FROM promises", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(promised, (outcome["promised"].as_str().unwrap().to_string(), "page".to_string()));
    assert_eq!(world.world.count("SELECT COUNT(*) FROM disputes WHERE resolved_at IS NULL"), 1);
    let (file, media_type): (String, String) = db
        .query_row("SELECT upload, upload_type FROM page_actions WHERE kind = 'paid_claim'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(media_type, "application/pdf");
    assert!(std::fs::read(world.world.folder.join("uploads").join(&file)).unwrap().starts_with(b"%PDF-"));

    // The inbox lists them as customer events; the tasks are a person's to do.
    let inbox = world.world.collectiq(&["inbox", "list", "--format", "json"]);
    let inbox: Value = serde_json::from_slice(&inbox.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&inbox)));
    let events: Vec<&Value> = inbox.as_array().unwrap().iter().collect();
    for kind in ["promise", "dispute", "paid_claim"] {
        let event = events.iter().find(|e| e["kind"] == kind).unwrap_or_else(|| panic!("{kind} in {inbox}"));
        assert!(event["message_id"].is_null());
    }
    let claim_id = events.iter().find(|e| e["kind"] == "paid_claim").unwrap()["id"].to_string();
    let shown = text(&world.world.collectiq(&["inbox", "show", &claim_id]));
    assert!(shown.contains("BANK-REF-77") && shown.contains(&file) && shown.contains("application/pdf"), "{shown}");
    let tasks = world.world.collectiq(&["tasks", "list", "--format", "json"]);
    let tasks: Value = serde_json::from_slice(&tasks.stdout).unwrap();
    let kinds: Vec<&str> = tasks.as_array().unwrap().iter().filter_map(|t| t["kind"].as_str()).collect();
    assert!(kinds.contains(&"dispute") && kinds.contains(&"paid_claim"), "{kinds:?}");

    // The next run writes the notes to Xero and holds the three invoices back, each for its reason.
    let later = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(24)).unwrap().to_string();
    synced_at(&world.world, &later);
    let report = world.world.run(&world.strategy, &later, &[]);
    let notes: Vec<String> = world.world.notes_in_xero().into_iter().map(|(_, text)| text).collect();
    for said in ["promised on their page to pay", "disputed this on their page", "says on their page this was paid"] {
        assert!(notes.iter().any(|note| note.contains(said)), "{said} in {notes:?}");
    }
    let answered: Vec<(String, String)> = db
        .prepare("SELECT kind, invoices FROM page_actions ORDER BY inbound_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let first_day = &FIRST_RUN[..10];
    for (kind, invoices) in &answered {
        let invoice = serde_json::from_str::<Vec<String>>(invoices).unwrap().remove(0);
        // Every decision of the next run about the invoice holds back; one says why. (Others may
        // be reminders missed in the days the clock moved on, which defer to it.)
        let decided: Vec<(String, String)> = db
            .prepare("SELECT outcome, reason FROM actions WHERE subject_id = ?1 AND substr(decided_at, 1, 10) > ?2")
            .unwrap()
            .query_map([&invoice, &first_day.to_string()], |r| {
                Ok((r.get(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default().to_lowercase()))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(!decided.is_empty(), "{kind}: no decision in the next run for {invoice}; {report}");
        let expected = match kind.as_str() {
            "promise" => "promised to pay",
            "dispute" => "disputed",
            _ => "that they have paid",
        };
        assert!(decided.iter().all(|(outcome, _)| outcome == "skipped"), "{kind}: {decided:?}");
        assert!(decided.iter().any(|(_, reason)| reason.contains(expected)), "{kind}: {decided:?}");
        let number: String =
            db.query_row("SELECT number FROM invoices WHERE invoice_id = ?1", [&invoice], |r| r.get(0)).unwrap();
        let strategy = world.strategy.to_str().unwrap();
        let explained = text(&world.world.collectiq(&["explain", &number, "--strategy", strategy, "--at", &later]));
        assert!(explained.to_lowercase().contains(expected), "{kind} {number}: {explained}");
    }
}
