//! Domain types shared by every phase: currencies, money, the receivables kept for each
//! organisation, their aging, and the locale money and dates are written in.

pub mod aging;
pub mod currency;
pub mod email;
pub mod locale;
pub mod money;
pub mod records;

pub use currency::CurrencyCode;
pub use email::is_email_address;
