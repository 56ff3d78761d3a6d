//! What the inbox changes in the chase: a reply pauses the customer's automatic emails until it
//! is handled (or as the strategy says), an auto-reply changes nothing, a bounce stops mail to
//! the dead address, and nothing reaches another organisation's customer.

use std::path::Path;

use collectiq::decide::calendar::Calendar;
use collectiq::decide::decision::{Outcome, Skip};
use collectiq::decide::evaluate::{Context, evaluate};
use collectiq::files::InMemory;
use collectiq::inbox::{Imported, Importer, Policies};
use collectiq::plan::{Action, Plan, compile_bytes};
use collectiq::store::Store;
use jiff::Timestamp;
use uuid::Uuid;

use super::support::now;
use super::world::{self, A, B, contact_id};

fn plan(guards: &str) -> Plan {
    let files = InMemory::default()
        .with("templates/reminder.email", "Subject: Invoice {{ invoice.number }}\n\nHello {{ customer.name }}.\n");
    let text = format!(
        "Strategy \"Replies\".\n\nFor every customer:\n  Every 1 day after 1 day overdue, send the \"reminder\" email.\n{guards}"
    );
    compile_bytes("replies.strategy", text.into_bytes(), &files).unwrap_or_else(|e| panic!("{e:?}")).plan
}

async fn world() -> (Store, Importer) {
    let store = Store::open_in_memory().await.unwrap();
    world::build(&store).await;
    let importer = Importer::new(store.clone(), Policies::default());
    (store, importer)
}

async fn import(importer: &Importer, file: &str) -> i64 {
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inbox/corpus").join(file)).unwrap();
    match importer.import(&bytes, file, None, now()).await.unwrap() {
        Imported::New { id, .. } => id,
        other => panic!("{file}: {other:?}"),
    }
}

/// What each customer of an organisation gets at `at`: the reminder's outcome, or a call.
async fn outcomes(store: &Store, tenant: Uuid, plan: &Plan, at: &str) -> Vec<(Uuid, String)> {
    let (books, memory) = store.books_and_memory(tenant).await.unwrap();
    let calendar = Calendar::new(&plan.settings, Some("UTC")).unwrap();
    let at: Timestamp = at.parse().unwrap();
    let evaluation = evaluate(&Context { plan, calendar: &calendar, books: &books, memory: &memory, now: at });
    let mut found: Vec<(Uuid, String)> = evaluation
        .decisions
        .iter()
        .map(|d| {
            let what = match (&d.outcome, d.action) {
                (Outcome::Act, Action::CallTask { assignee }) => format!("call for {assignee:?}"),
                (Outcome::Act, _) => "email".to_string(),
                (Outcome::Skipped(skip @ Skip::Replied { .. }), _) => format!("replied: {skip}"),
                (Outcome::Skipped(Skip::NoAddress), _) => "no address".to_string(),
                (outcome, _) => format!("{outcome:?}"),
            };
            (d.contact_id, what)
        })
        .collect();
    found.extend(evaluation.waiting.iter().map(|w| (w.contact_id, "waiting".to_string())));
    found.sort();
    found
}

fn of(outcomes: &[(Uuid, String)], customer: u128) -> Vec<&str> {
    // Earlier occurrences of the daily reminder are recorded as overtaken on a first run.
    outcomes
        .iter()
        .filter(|(c, what)| *c == contact_id(customer) && !what.starts_with("Skipped(Overtaken"))
        .map(|(_, what)| what.as_str())
        .collect()
}

const AT: &str = "2026-11-26T10:00:00Z";

#[tokio::test]
async fn a_reply_pauses_every_email_to_the_customer_until_it_is_handled() {
    let (store, importer) = world().await;
    let plan = plan("");
    let before = outcomes(&store, A, &plan, AT).await;
    assert_eq!(of(&before, 1), ["email"], "Ridgeway is chased before it replies");
    let reply = import(&importer, "outlook-reply.eml").await;
    let paused = outcomes(&store, A, &plan, AT).await;
    let said = of(&paused, 1);
    assert_eq!(said.len(), 1);
    assert!(
        said[0].starts_with("replied: paused: the customer replied on")
            && said[0].contains(&format!("message {reply}, not yet handled")),
        "{said:?}"
    );
    assert_eq!(of(&paused, 2), ["email"], "another customer is not paused");
    // A later run, even one dated before the reply, still sees it: it counts from when it was stored.
    let earlier = outcomes(&store, A, &plan, "2026-11-20T10:00:00Z").await;
    assert!(!of(&earlier, 1).is_empty() && of(&earlier, 1).iter().all(|w| w.starts_with("replied")), "{earlier:?}");
    store.handle_inbound(reply, now()).await.unwrap();
    assert_eq!(of(&outcomes(&store, A, &plan, AT).await, 1), ["email"], "handled: the chase resumes");
    let tasks = store.tasks(true).await.unwrap();
    assert!(
        tasks.iter().any(|t| t.kind == "reply" && t.status == "done"),
        "handling closes the reply's task: {tasks:?}"
    );
}

#[tokio::test]
async fn the_strategy_can_pause_for_a_time_or_keep_chasing() {
    let (store, importer) = world().await;
    import(&importer, "outlook-reply.eml").await;
    let for_days = plan("  When a customer replies, pause chasing for 3 days.\n");
    assert!(of(&outcomes(&store, A, &for_days, AT).await, 1)[0].contains("paused until 28 November 2026"));
    assert_eq!(
        of(&outcomes(&store, A, &for_days, "2026-11-30T10:00:00Z").await, 1),
        ["email"],
        "the pause ended by itself"
    );
    let keep = plan("  Keep chasing when a customer replies.\n");
    assert_eq!(of(&outcomes(&store, A, &keep, AT).await, 1), ["email"]);
    assert_eq!(
        store.tasks(false).await.unwrap().iter().filter(|t| t.kind == "reply").count(),
        1,
        "the reply is still a task"
    );
}

#[tokio::test]
async fn an_auto_reply_changes_nothing() {
    let (store, importer) = world().await;
    let plan = plan("");
    for file in ["outlook-automatic-reply.eml", "ooo-subject-only.eml", "gmail-vacation.eml", "mailing-list-post.eml"] {
        import(&importer, file).await;
    }
    let after = outcomes(&store, A, &plan, AT).await;
    assert_eq!(of(&after, 1), ["email"]);
    assert_eq!(of(&after, 2), ["email"]);
    assert!(store.tasks(true).await.unwrap().is_empty(), "no task for an automatic answer");
}

#[tokio::test]
async fn a_reply_by_address_alone_pauses_the_customer_in_each_organisation() {
    let (store, importer) = world().await;
    let plan = plan("");
    let id = import(&importer, "address-only-shared-reply.eml").await;
    assert!(of(&outcomes(&store, A, &plan, AT).await, 1)[0].starts_with("replied"));
    assert!(of(&outcomes(&store, B, &plan, AT).await, 11)[0].starts_with("replied"));
    // One organisation's task done is not the reply handled while the other's is open.
    let tasks = store.tasks(false).await.unwrap();
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    store.set_task_done(tasks[0].id, true, now()).await.unwrap();
    assert_eq!(store.inbound_message(id).await.unwrap().unwrap().state, "open");
    store.set_task_done(tasks[1].id, true, now()).await.unwrap();
    assert_eq!(store.inbound_message(id).await.unwrap().unwrap().state, "handled");
    assert_eq!(of(&outcomes(&store, B, &plan, AT).await, 11), ["email"]);
}

#[tokio::test]
async fn a_mailbox_of_one_organisation_pauses_only_its_customers() {
    let (store, importer) = world().await;
    let plan = plan("");
    import(&importer.scoped(B), "address-only-shared-reply.eml").await;
    assert_eq!(of(&outcomes(&store, A, &plan, AT).await, 1), ["email"], "Demo Company's Ridgeway is not paused");
    assert!(of(&outcomes(&store, B, &plan, AT).await, 11)[0].starts_with("replied"), "Kiwi Supplies' is");
}

#[tokio::test]
async fn a_message_id_of_one_organisation_never_pauses_anothers_customer() {
    let (store, importer) = world().await;
    let plan = plan("");
    // Threads to Kiwi Supplies' email to Harbour Cafe, but comes from Boom FM's address.
    let id = import(&importer, "cross-org-thread.eml").await;
    assert_eq!(of(&outcomes(&store, B, &plan, AT).await, 12), ["email"], "Harbour Cafe is not paused");
    assert!(of(&outcomes(&store, A, &plan, AT).await, 2)[0].starts_with("replied"), "Boom FM is");
    let message = store.inbound_message(id).await.unwrap().unwrap();
    assert!(message.reason.contains("matched by the sender's address"), "{}", message.reason);
}

#[tokio::test]
async fn a_hard_bounce_stops_mail_to_that_address_and_opens_a_task() {
    let (store, _) = world().await;
    let plan = plan("  When an email bounces, create a call task for \"Sam\".\n");
    let importer = Importer::new(
        store.clone(),
        Policies { by_tenant: [(A, collectiq::inbox::policies::policy(&plan))].into_iter().collect(), scope: None },
    );
    // Amy Lee's address bounced: Ridgeway's own address still gets mail.
    import(&importer, "bounce-postfix-expired-4.4.1.eml").await;
    let (books, _) = store.books_and_memory(A).await.unwrap();
    assert_eq!(books.customer(contact_id(1)).unwrap().recipients(), ["accounts@ridgeway.example"]);
    assert_eq!(of(&outcomes(&store, A, &plan, AT).await, 1), ["email"]);
    // Boom FM's only address bounced: no more email, a call for Sam instead.
    import(&importer, "bounce-office365-ndr.eml").await;
    let after = outcomes(&store, A, &plan, AT).await;
    assert!(of(&after, 2).contains(&"no address") && of(&after, 2).contains(&"call for \"Sam\""), "{after:?}");
    let tasks = store.tasks(false).await.unwrap();
    let boom: Vec<_> = tasks.iter().filter(|t| t.contact_id == contact_id(2)).collect();
    assert_eq!(boom.len(), 1, "{tasks:?}");
    assert_eq!(boom[0].assignee, "Sam");
    assert!(boom[0].summary.contains("ap@boomfm.example"), "{}", boom[0].summary);
    let suppressed = store.suppressed_addresses().await.unwrap();
    assert!(suppressed.iter().any(|s| s.address == "ap@boomfm.example"));
    // Lifted: mailed again.
    assert!(store.unsuppress("AP@BoomFM.example".into()).await.unwrap(), "addresses compare case-insensitively");
    assert_eq!(of(&outcomes(&store, A, &plan, AT).await, 2), ["email"]);
}

#[tokio::test]
async fn three_temporary_failures_within_a_week_count_as_permanent_and_delays_count_for_nothing() {
    let (store, importer) = world().await;
    let bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inbox/corpus/bounce-exim-old-temporary.eml"))
            .unwrap();
    let text = String::from_utf8_lossy(&bytes).to_string();
    for attempt in 0..3 {
        // The same failure three times, as three messages.
        let again = text.replacen("Message-Id: <E1tXe7K", &format!("Message-Id: <{attempt}.E1tXe7K"), 1);
        importer.import(again.as_bytes(), "exim", None, now()).await.unwrap();
        let suppressed = store.suppressed_addresses().await.unwrap();
        assert_eq!(suppressed.is_empty(), attempt < 2, "after {} temporary failures", attempt + 1);
    }
    let (store, importer) = world().await;
    import(&importer, "bounce-postfix-delayed.eml").await;
    assert!(store.suppressed_addresses().await.unwrap().is_empty(), "a delay is not a failure");
}
