//! The Xero sandbox: a real HTTP server that speaks Xero's API, as Xero documents it, over
//! generated organisations. It is the embedded default for the demo and the peer every sync,
//! runtime and simulator test talks to.

pub mod world;
