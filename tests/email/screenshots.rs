//! Each example template's HTML part in real headless Chromium (Debian's), at a phone's width and
//! a desktop's: nothing wider than the screen, every figure of the text part on the screen.
//! Screenshots are kept in `target/tmp/email-screenshots/` to look at.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::{Browser, BrowserConfig, Page};
use collectiq::template::{self, Style};
use futures_util::StreamExt;

use crate::samples::{account, source_of, templates};

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Debian's Chromium binary (not `/usr/bin/chromium`, a shell wrapper), or `COLLECTIQ_TEST_CHROMIUM`.
fn chromium() -> String {
    std::env::var("COLLECTIQ_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/lib/chromium/chromium".into())
}

fn folder(name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

async fn loaded(page: &Page) -> Result<(), Failure> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(value) = page.evaluate("document.readyState === 'complete'").await
            && value.into_value::<bool>().unwrap_or(false)
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("the email never finished loading".into());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_templates_html_reads_on_a_phone_and_a_desktop() -> Result<(), Failure> {
    let html_folder = folder("email-html");
    let shots = folder("email-screenshots");
    let profile = folder(&format!("email-chromium-{}", std::process::id()));
    let config = BrowserConfig::builder()
        .chrome_executable(chromium())
        .new_headless_mode()
        .no_sandbox()
        .user_data_dir(&profile)
        .viewport(None)
        .build()?;
    let (mut browser, mut handler) = Browser::launch(config).await?;
    let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
    let mut rng = fastrand::Rng::with_seed(2026);
    let page = browser.new_page("about:blank").await?;
    for (name, parsed) in templates() {
        let context = account(&mut rng, name.contains("statement"));
        let email = template::render(source_of(&parsed), &context, &Style::default())?;
        let file = html_folder.join(name.replace(".email", ".html"));
        std::fs::write(&file, &email.html)?;
        for (width_name, width, height, mobile) in [("phone", 390, 844, true), ("desktop", 1280, 800, false)] {
            page.execute(SetDeviceMetricsOverrideParams::new(width, height, 1.0, mobile)).await?;
            page.goto(format!("file://{}", file.display())).await?;
            loaded(&page).await?;
            let wider: Vec<String> = page
                .evaluate(
                    "Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)\
                     .map(e => e.tagName + ' ' + Math.round(e.getBoundingClientRect().right))",
                )
                .await?
                .into_value()?;
            assert!(wider.is_empty(), "{name} at {width_name} width scrolls sideways: {wider:?}");
            let shown: String = page.evaluate("document.body.innerText").await?.into_value()?;
            for line in email.text.lines().filter(|line| line.contains("NZD ")) {
                for figure in line.split("NZD ").skip(1) {
                    let figure: String =
                        figure.chars().take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.').collect();
                    let figure = figure.trim_end_matches(['.', ',']);
                    assert!(
                        shown.contains(&format!("NZD {figure}")),
                        "{name} ({width_name}): NZD {figure} is not on the screen"
                    );
                }
            }
            let path = shots.join(format!("{}-{width_name}.png", name.trim_end_matches(".email")));
            page.save_screenshot(
                ScreenshotParams::builder().format(CaptureScreenshotFormat::Png).full_page(true).build(),
                &path,
            )
            .await?;
        }
    }
    browser.close().await?;
    let _ = browser.wait().await;
    events.abort();
    Ok(())
}
