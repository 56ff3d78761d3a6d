//! The sandbox over real HTTP: identity, the accounting API, rate limits, faults, time travel and
//! webhooks, and every kind of answer checked against Xero's own OpenAPI specifications.

mod accounting;
mod command;
mod faults;
mod identity;
mod limits;
mod openapi;
mod schemas;
mod support;
mod webhooks;
