//! `collectiq links`: the signed links to customers' pages. A leaked link is revoked here, alone
//! (the email it was sent in) or with every other link of the customer.

use jiff::Timestamp;

use super::Outcome;
use super::context::{Global, config};
use super::error::{CommandError, block_on};
use super::output::fail;
use super::runtime::one_customer;
use crate::store::Store;
use crate::store::page_links::Revoke;

#[derive(clap::Subcommand, Debug)]
pub enum LinksCommand {
    /// Revoke the links sent in one email (its outbox id), or every link of a customer.
    Revoke {
        /// The email: its id in `collectiq outbox list`.
        #[arg(long, value_name = "ID", conflicts_with = "customer", required_unless_present = "customer")]
        email: Option<i64>,
        /// The customer: a name, part of one, or a contact id.
        #[arg(long, value_name = "NAME")]
        customer: Option<String>,
    },
}

pub fn run(global: &Global, command: LinksCommand) -> Outcome {
    let result = config(global).and_then(|config| {
        block_on(async {
            let store = Store::open(&config.database).await?;
            let LinksCommand::Revoke { email, customer } = command;
            let (which, whose) = match (email, customer) {
                (Some(action), _) => (Revoke::Email(action), format!("email #{action}")),
                (None, Some(name)) => {
                    let contact = one_customer(&store, &name).await?;
                    let which = Revoke::Customer { tenant_id: contact.tenant_id, contact_id: contact.contact_id };
                    (which, contact.name)
                }
                (None, None) => {
                    return Err(CommandError::Missing {
                        what: "which links",
                        help: "give --email ID or --customer NAME",
                    });
                }
            };
            let revoked = store.revoke_page_links(which, Timestamp::now()).await?;
            println!(
                "{revoked} link{} of {whose} revoked: {}.",
                if revoked == 1 { "" } else { "s" },
                if revoked == 1 { "it no longer opens" } else { "they no longer open" }
            );
            Ok(())
        })
    });
    match result {
        Ok(()) => Outcome::Clean,
        Err(error) => fail(error),
    }
}
