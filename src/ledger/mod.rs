//! Domain types shared by every phase: currencies, money, the receivables kept for each
//! organisation, and their aging.

pub mod aging;
pub mod currency;
pub mod email;
pub mod money;
pub mod records;

pub use currency::CurrencyCode;
pub use email::is_email_address;
