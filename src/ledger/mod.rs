//! Domain types shared by every phase: currencies and money.

pub mod currency;
pub mod email;
pub mod money;

pub use currency::CurrencyCode;
pub use email::is_email_address;
