//! An answer must be stored exactly once: the page server ended at the fail point just before
//! its transaction commits leaves nothing of the answer, and the customer sending the form again
//! stores it once.

use reqwest::StatusCode;

use crate::PageWorld;
use crate::http::*;

#[test]
fn a_server_ended_before_the_commit_leaves_nothing_and_the_answer_goes_in_once_after() {
    let mut world = PageWorld::start("page-crash", "");
    let (link, _) = world.some_email_links();
    let page = get(&world, &link);
    assert_eq!(page.status, StatusCode::OK);
    let (form, invoice) = (value_of(&page.body, "form"), value_of(&page.body, "invoice"));
    let fields = [("form", form.as_str()), ("invoice", invoice.as_str()), ("reason", "Wrong quantity")];
    let url = format!("{link}/dispute");

    world.restart(Some("page:before-commit"));
    let sent = world.world.runtime.block_on(async {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        client().post(&url).header("content-type", "application/x-www-form-urlencoded").body(body).send().await
    });
    assert!(sent.is_err(), "the server ended before answering");
    let ended = world.server_ended().expect("the server ended at the fail point");
    assert_eq!(ended.code(), Some(collectiq::failpoint::EXIT_STATUS));
    for table in
        ["page_actions", "inbound", "disputes", "tasks WHERE kind = 'dispute'", "notes WHERE action_key LIKE 'inbox:%'"]
    {
        assert_eq!(world.world.count(&format!("SELECT COUNT(*) FROM {table}")), 0, "{table}");
    }

    // The customer sends the same form again: it is stored, once, whatever is sent after.
    world.restart(None);
    let stored = post_form(&world, &url, &fields);
    assert_eq!(stored.status, StatusCode::SEE_OTHER, "{}", stored.body);
    let again = post_form(&world, &url, &fields);
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(world.world.count("SELECT COUNT(*) FROM page_actions"), 1);
    assert_eq!(world.world.count("SELECT COUNT(*) FROM disputes"), 1);
    assert_eq!(world.world.count("SELECT COUNT(*) FROM tasks WHERE kind = 'dispute'"), 1);
}
