//! The emails CollectIQ sends, as a customer reads them: every example template over generated
//! accounts, with figures that add up in both parts.

mod figures;
mod dkim;
