//! Connecting to and syncing from the sandbox over real HTTP: the store ends equal to the
//! sandbox's data, under faults too; tokens expire, rotate and lapse; organisations stay apart;
//! webhooks are checked and worked off; nothing but history is ever written; tokens are
//! stored sealed, opened only with their key file; and each invoice's PDF can be fetched.

mod at_rest;
mod command;
mod equal;
mod faults;
mod invoice_pdf;
mod online_links;
mod support;
mod syncing;
mod tokens;
mod webhooks;
