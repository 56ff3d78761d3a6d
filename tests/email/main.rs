//! The emails CollectIQ sends, as a customer reads them: every example template over generated
//! accounts, with figures that add up in both parts.

mod dkim;
#[path = "../common/dkimpy.rs"]
mod dkimpy;
mod doctor;
mod figures;
mod samples;
mod screenshots;
