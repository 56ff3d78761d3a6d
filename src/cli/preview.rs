//! `collectiq preview TEMPLATE --invoice INV-0042 [--org NAME]`: the email a template makes for
//! one invoice, from the configured database, exactly as a run would compose it (and sign it,
//! with `[email.dkim]`), written as an `.eml` file that opens in a mail client and an `.html`
//! file that opens in a browser. Nothing is stored or sent, and no page link is made.

use std::path::PathBuf;

use jiff::Timestamp;

use super::Outcome;
use super::context::{Global, config};
use super::error::{CommandError, block_on};
use super::output::fail;
use crate::plan::Action;
use crate::runtime::RunError;
use crate::runtime::compose::{Composed, Composer, DefaultSender, EmailAbout};
use crate::runtime::dkim::Signer;
use crate::runtime::email::message;
use crate::runtime::run::{load_strategies, strategy_for};
use crate::store::Store;

#[derive(clap::Args, Debug)]
pub struct PreviewArgs {
    /// The template's name, as the strategy names it ("friendly-reminder").
    #[arg(value_name = "TEMPLATE")]
    template: String,
    /// The invoice the email is about: its number (INV-0042) or id.
    #[arg(long, value_name = "INVOICE")]
    invoice: String,
    /// The organisation, when several have an invoice with that number.
    #[arg(long, value_name = "NAME")]
    org: Option<String>,
    /// As a statement: every open invoice of the customer listed.
    #[arg(long)]
    statement: bool,
    #[arg(long = "strategy", value_name = "PATH")]
    strategies: Vec<PathBuf>,
    /// The instant the email is composed at ("today" in it); now by default.
    #[arg(long, value_name = "INSTANT")]
    at: Option<Timestamp>,
    /// The folder the .eml and .html files are written to.
    #[arg(long, default_value = "preview", value_name = "DIR")]
    out: PathBuf,
}

pub fn preview_command(global: &Global, args: PreviewArgs) -> Outcome {
    let result = config(global).and_then(|config| {
        block_on(async {
            let store = Store::open(&config.database).await?;
            let mut found = store.find_invoices(&args.invoice).await?;
            if let Some(wanted) = &args.org {
                let mut kept = Vec::new();
                for invoice in found {
                    let org = store.organisation(invoice.tenant_id).await?;
                    if org.is_some_and(|o| o.organisation.name.eq_ignore_ascii_case(wanted)) {
                        kept.push(invoice);
                    }
                }
                found = kept;
            }
            let invoice = match found.len() {
                1 => found.remove(0),
                0 => return Err(CommandError::NoSuchInvoice { number: args.invoice.clone() }),
                count => return Err(CommandError::AmbiguousInvoice { number: args.invoice.clone(), count }),
            };
            let org = store.organisation(invoice.tenant_id).await?.ok_or(CommandError::NothingConnected)?;
            let paths = if args.strategies.is_empty() { &config.runtime.strategies } else { &args.strategies };
            let strategies = load_strategies(paths)?;
            let organisation = org.organisation.name.clone();
            let strategy = strategy_for(&strategies, &organisation)
                .ok_or_else(|| CommandError::NoStrategyFor { organisation: organisation.clone() })?;
            if !strategy.plan.templates.contains_key(&args.template) {
                let available: Vec<&str> = strategy.plan.templates.keys().map(String::as_str).collect();
                return Err(CommandError::NoSuchTemplate {
                    name: args.template.clone(),
                    organisation,
                    available: if available.is_empty() { "none".into() } else { available.join(", ") },
                });
            }
            let books = store.books(invoice.tenant_id).await?;
            let sender = DefaultSender::from_config(&config)?;
            let now = args.at.unwrap_or_else(Timestamp::now);
            let composer = Composer::new(&sender, None, &store, None, now);
            let action = Action::Email { template: args.template.clone(), copy: Vec::new(), attach: Vec::new() };
            let key = format!("preview/{}/{}/{}", invoice.tenant_id, invoice.invoice_id, args.template);
            let about = EmailAbout {
                key: &key,
                action: &action,
                contact_id: invoice.contact_id,
                invoices: &[invoice.invoice_id],
                statement: args.statement,
                rule_text: "collectiq preview",
            };
            let nothing = |why: String| CommandError::NothingToPreview {
                name: args.template.clone(),
                invoice: invoice.number.to_string(),
                why,
            };
            let email = match composer.compose(&strategy.plan, &books, about).await {
                Ok(Composed::Email(email, _)) => email,
                Ok(Composed::Nothing(why)) => return Err(nothing(why)),
                Err(error) => return Err(nothing(error.why)),
            };
            let mut built = message(&email, &[])?;
            if let Some(settings) = &config.email.dkim {
                Signer::new(settings).map_err(RunError::from)?.sign(&mut built);
            }
            let io = |doing: String| move |cause| CommandError::Io { doing, cause };
            std::fs::create_dir_all(&args.out).map_err(io(format!("create {}", args.out.display())))?;
            let stem: String = format!("{}-{}", args.template, invoice.number)
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
                .collect();
            let eml = args.out.join(format!("{stem}.eml"));
            let html = args.out.join(format!("{stem}.html"));
            std::fs::write(&eml, built.formatted()).map_err(io(format!("write {}", eml.display())))?;
            std::fs::write(&html, email.html.as_deref().unwrap_or_default())
                .map_err(io(format!("write {}", html.display())))?;
            println!("Subject: {}", email.subject);
            println!("To: {}", email.to.join(", "));
            println!(
                "Wrote {} (open it in a mail client) and {} (open it in a browser).",
                eml.display(),
                html.display()
            );
            Ok(())
        })
    });
    result.map_or_else(fail, |_| Outcome::Clean)
}
