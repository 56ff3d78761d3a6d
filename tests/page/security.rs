//! The page's security cases over plain HTTP, against `collectiq serve`: links that do not open
//! all look alike, a form's token is required, one customer's link never reaches another's
//! invoices, uploads are checked by content and size, what a customer types is escaped, every
//! response carries the security headers, and a flood is rate limited.

use reqwest::StatusCode;

use crate::http::*;
use crate::support::*;
use crate::{PageWorld, link_id};

fn answers_stored(world: &PageWorld) -> u64 {
    world.world.count("SELECT COUNT(*) FROM page_actions")
}

#[test]
fn links_that_do_not_open_look_alike_and_forms_reach_only_their_own_customer() {
    let world = PageWorld::start("page-security", "");
    let (customer_link, invoice_links) = world.some_email_links();
    let page = get(&world, &customer_link);
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_secure(&page, "the page");
    assert!(!invoice_links.is_empty());
    // No invoice id or number in any link.
    let db = world.world.db();
    let mut statement = db.prepare("SELECT invoice_id, number FROM invoices").unwrap();
    let invoices: Vec<(String, String)> =
        statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect();
    for (_, link) in world.links() {
        assert!(
            invoices.iter().all(|(id, number)| !link.contains(id.as_str()) && !link.contains(number.as_str())),
            "{link}"
        );
    }

    // Forged, truncated, altered, expired and revoked links: one and the same 404.
    let token = customer_link.rsplit('/').next().unwrap().to_string();
    let (head, tag) = token.split_once('.').unwrap();
    let mut flipped = tag.to_string();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    let bad = [
        format!("{}/p/{head}.{flipped}", world.base),
        format!("{}/p/{}", world.base, &token[..token.len() - 4]),
        format!("{}/p/{head}", world.base),
        format!("{}/p/not-a-token-at-all", world.base),
        format!("{}/p/{head}.{tag}/extra", world.base),
    ];
    let reference = get(&world, &bad[0]);
    assert_eq!(reference.status, StatusCode::NOT_FOUND);
    assert_secure(&reference, "a 404");
    assert!(
        reference.body.contains("This link does not open") && reference.body.contains("accounts@collectiq.example")
    );
    for url in &bad[1..] {
        let answer = get(&world, url);
        assert_eq!((answer.status, &answer.body), (StatusCode::NOT_FOUND, &reference.body), "{url}");
        assert_secure(&answer, url);
    }
    assert_secure(&get(&world, &format!("{}/healthz", world.base)), "the health check");
    assert_secure(&get(&world, &format!("{}/nothing/here", world.base)), "an unknown path");

    // An expired link: the same 404, though it is in the store.
    let expiring = invoice_links[0].clone();
    let expiring_id = link_id(&expiring);
    world
        .world
        .db()
        .execute("UPDATE page_links SET expires_at = '2026-01-01T00:00:00Z' WHERE id = ?1", [&expiring_id])
        .unwrap();
    let expired = get(&world, &expiring);
    assert_eq!((expired.status, &expired.body), (StatusCode::NOT_FOUND, &reference.body));

    // The form's token is required, and must be this link's.
    let form = value_of(&page.body, "form");
    let invoice = value_of(&page.body, "invoice");
    let today = page.body.split("min=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let promise_url = format!("{customer_link}/promise");
    let before = answers_stored(&world);
    let no_token = post_form(&world, &promise_url, &[("invoice", &invoice), ("on", &today)]);
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_secure(&no_token, "a refused form");
    let email_of = |link: &str| -> i64 {
        db.query_row("SELECT action_id FROM page_links WHERE id = ?1", [link_id(link)], |r| r.get(0)).unwrap()
    };
    let other_email = world
        .links()
        .into_iter()
        .map(|(_, link)| link)
        .find(|link| email_of(link) != email_of(&customer_link))
        .expect("a link from another email");
    let other_page = get(&world, &other_email);
    let other_form = value_of(&other_page.body, "form");
    let wrong_token = post_form(&world, &promise_url, &[("form", &other_form), ("invoice", &invoice), ("on", &today)]);
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN, "another link's form token");
    assert_eq!(answers_stored(&world), before, "a refused form records nothing");

    // Another customer's invoice, named in this customer's form: refused, nothing recorded.
    let contact: String = db
        .query_row("SELECT contact_id FROM page_links WHERE id = ?1", [link_id(&customer_link)], |r| r.get(0))
        .unwrap();
    let someone_else: String = db
        .query_row(
            "SELECT invoice_id FROM invoices WHERE contact_id != ?1 AND status = 'AUTHORISED' LIMIT 1",
            [&contact],
            |r| r.get(0),
        )
        .unwrap();
    let theirs = post_form(&world, &promise_url, &[("form", &form), ("invoice", &someone_else), ("on", &today)]);
    assert_eq!(theirs.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(theirs.body.contains("not an open invoice on this account"), "{}", theirs.body);
    assert!(!theirs.body.contains(&someone_else));
    let mixed = post_form(
        &world,
        &format!("{customer_link}/dispute"),
        &[("form", &form), ("invoice", &invoice), ("invoice", &someone_else), ("reason", "both")],
    );
    assert_eq!(mixed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answers_stored(&world), before);
    assert_eq!(world.world.count("SELECT COUNT(*) FROM disputes"), 0);

    // Uploads: checked by content and size before anything is kept.
    let paid_url = format!("{customer_link}/paid");
    let fields =
        [("form", form.as_str()), ("invoice", invoice.as_str()), ("paid_on", today.as_str()), ("amount", "10.00")];
    let html = post_multipart(&world, &paid_url, &fields, Some(("remittance.pdf", b"<html><script>alert(1)</script>")));
    assert_eq!(html.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", html.body);
    assert!(html.body.contains("not a PDF, PNG or JPEG"));
    let mut large = b"%PDF-1.4\n".to_vec();
    large.resize(5 * 1024 * 1024 + 10, b'%');
    let too_large = post_multipart(&world, &paid_url, &fields, Some(("big.pdf", &large)));
    assert!(matches!(too_large.status.as_u16(), 413 | 422), "{}", too_large.status);
    assert_eq!(answers_stored(&world), before);
    let uploads = world.world.folder.join("uploads");
    assert_eq!(std::fs::read_dir(&uploads).map(|d| d.count()).unwrap_or(0), 0, "nothing refused is kept");
    // A remittance sent twice with the same form (a double click) is one answer and one file.
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n";
    for _ in 0..2 {
        let sent = post_multipart(&world, &paid_url, &fields, Some(("remittance.pdf", pdf)));
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    }
    assert_eq!(answers_stored(&world), before + 1);
    assert_eq!(std::fs::read_dir(&uploads).unwrap().count(), 1, "one file kept");
    let before = answers_stored(&world);

    // What a customer types is escaped on the page, and one plain line in tasks and notes.
    let hostile = "<script>alert('x')</script>\r\nBcc: victim@example.com";
    let disputed = post_form(
        &world,
        &format!("{customer_link}/dispute"),
        &[("form", &form), ("invoice", &invoice), ("reason", hostile)],
    );
    assert_eq!(disputed.status, StatusCode::SEE_OTHER, "{}", disputed.body);
    let location = disputed.headers.get("location").unwrap().to_str().unwrap().to_string();
    assert!(location.starts_with("../") && location.contains("?answer="), "{location}");
    let shown = get(&world, &format!("{customer_link}?{}", location.split('?').nth(1).unwrap()));
    assert!(shown.body.contains("We have noted that you dispute"), "{}", shown.body);
    assert!(!shown.body.contains("<script>"));
    let tasks = world.world.collectiq(&["tasks", "list", "--format", "json"]);
    let tasks: serde_json::Value = serde_json::from_slice(&tasks.stdout).unwrap();
    let task = tasks.as_array().unwrap().iter().find(|t| t["kind"] == "dispute").expect("a dispute task");
    let summary = task["summary"].as_str().unwrap();
    assert!(!summary.contains('\n') && !summary.contains('\r') && summary.contains("Bcc: victim"), "{summary}");
    assert_eq!(task["assignee"], "", "unassigned unless the strategy names a person");
    let note: String = db
        .query_row("SELECT details FROM notes WHERE subject_kind = 'invoice' ORDER BY id DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(!note.contains('\n') && note.contains("disputed this on their page"), "{note}");
    // The same form sent twice (a double click) is one answer.
    let again = post_form(
        &world,
        &format!("{customer_link}/dispute"),
        &[("form", &form), ("invoice", &invoice), ("reason", hostile)],
    );
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(answers_stored(&world), before + 1);

    // A revoked email's links stop opening; the others still open.
    let action = email_of(&customer_link);
    let revoked = world.world.collectiq(&["links", "revoke", "--email", &action.to_string()]);
    assert!(revoked.status.success(), "{}", text(&revoked));
    let after = get(&world, &customer_link);
    assert_eq!((after.status, &after.body), (StatusCode::NOT_FOUND, &reference.body));
    assert_eq!(get(&world, &other_email).status, StatusCode::OK, "another email's link still opens");

    // A flood from one address is refused, with the headers, and memory stays bounded (unit test).
    let mut limited = None;
    for _ in 0..80 {
        let answer = get(&world, &bad[0]);
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(answer);
            break;
        }
    }
    let limited = limited.expect("a flood is rate limited");
    assert_secure(&limited, "a 429");
    assert_eq!(limited.headers.get("retry-after").unwrap(), "60");
}
