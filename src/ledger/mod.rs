//! Domain types shared by every phase: currencies and money.

pub mod currency;

pub use currency::CurrencyCode;
