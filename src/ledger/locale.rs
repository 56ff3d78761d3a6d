//! The locale an email writes its money and dates in: the organisation's, taken from its country
//! in Xero (`DE` → German as written in Germany) unless `[email] locale` names one. Numbers and
//! dates are formatted by ICU4X from CLDR's data (`1.234,50`, `5. Dezember 2026`), so that a
//! figure reads as the customer's own bank statement would write it. The words of the
//! components stay the template's language: only figures and dates follow the locale.

use std::sync::Arc;

use icu_calendar::{Date as IcuDate, Gregorian};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_decimal::DecimalFormatter;
use icu_locale_core::Locale as IcuLocale;
use rust_decimal::{Decimal, RoundingStrategy};

/// How much of a date to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateLength {
    /// `5 December 2026`, `December 5, 2026`, `5. Dezember 2026`.
    Long,
    /// `5 Dec 2026`, `Dec 5, 2026`, `05.12.2026`.
    Medium,
    /// `5/12/26`, `12/5/26`, `05.12.26`.
    Short,
}

impl DateLength {
    pub fn named(name: &str) -> Option<DateLength> {
        match name {
            "long" => Some(DateLength::Long),
            "medium" => Some(DateLength::Medium),
            "short" => Some(DateLength::Short),
            _ => None,
        }
    }
}

/// A locale that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("\"{tag}\" is not a locale CollectIQ can write in: {why}")]
pub struct LocaleError {
    pub tag: String,
    pub why: String,
}

/// A locale with its formatters, made once and shared by every email of an organisation.
#[derive(Clone)]
pub struct Locale {
    tag: String,
    formatters: Arc<Formatters>,
}

struct Formatters {
    decimal: DecimalFormatter,
    long: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    medium: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    short: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    /// Whether a currency code follows the amount (`1.234,50 EUR`) rather than leads it.
    code_after: bool,
}

impl std::fmt::Debug for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Locale({})", self.tag)
    }
}

impl PartialEq for Locale {
    fn eq(&self, other: &Locale) -> bool {
        self.tag == other.tag
    }
}

impl Eq for Locale {}

/// What emails are written in when nothing says otherwise: New Zealand English, whose figures
/// and dates (`NZD 1,234.50`, `5 December 2026`) are also the United Kingdom's and Australia's.
pub const DEFAULT_LOCALE: &str = "en-NZ";

/// The default locale, made once: every email context starts from it, and making a locale's
/// formatters costs far more than sharing them.
static DEFAULT: std::sync::LazyLock<Locale> = std::sync::LazyLock::new(|| {
    // The default tag is a constant CLDR has data for; failing here would be a build defect.
    Locale::parse(DEFAULT_LOCALE).expect("the default locale is valid")
});

impl Default for Locale {
    fn default() -> Locale {
        DEFAULT.clone()
    }
}

impl Locale {
    /// A locale from its BCP 47 tag, such as `en-GB` or `de-DE`.
    pub fn parse(tag: &str) -> Result<Locale, LocaleError> {
        let failed = |why: String| LocaleError { tag: tag.to_string(), why };
        let locale: IcuLocale = tag.trim().parse().map_err(|error| failed(format!("{error:?}")))?;
        if locale.id.language.is_unknown() {
            return Err(failed("it names no language".into()));
        }
        Locale::made(locale).map_err(failed)
    }

    /// The locale of a country (Xero's CountryCode, such as `DE`): the language CLDR finds most
    /// likely there, else English, as written in that country.
    pub fn of_country(country: &str) -> Result<Locale, LocaleError> {
        let failed = |why: String| LocaleError { tag: country.to_string(), why };
        let mut locale: IcuLocale =
            format!("und-{}", country.trim()).parse().map_err(|_| failed("it is not a country code".into()))?;
        icu_locale::LocaleExpander::new_extended().maximize(&mut locale.id);
        if locale.id.language.is_unknown() {
            locale.id.language = icu_locale_core::subtags::language!("en");
        }
        Locale::made(locale).map_err(failed)
    }

    fn made(locale: IcuLocale) -> Result<Locale, String> {
        let date = |length: YMD| {
            FixedCalendarDateTimeFormatter::try_new((&locale).into(), length)
                .map_err(|error| format!("no date formats: {error}"))
        };
        let formatters = Formatters {
            decimal: DecimalFormatter::try_new((&locale).into(), Default::default())
                .map_err(|error| format!("no number formats: {error}"))?,
            long: date(YMD::long())?,
            medium: date(YMD::medium())?,
            short: date(YMD::short())?,
            code_after: code_after(&locale),
        };
        let tag = format!("{}{}", locale.id.language, locale.id.region.map(|r| format!("-{r}")).unwrap_or_default());
        Ok(Locale { tag, formatters: Arc::new(formatters) })
    }

    /// The locale's tag, language and country (`de-DE`).
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// An amount to the cent (half away from zero), grouped as the locale groups: `1,234.50`,
    /// `1.234,50`, `1 234,50`.
    pub fn amount(&self, amount: Decimal) -> String {
        let cents = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        match cents.to_string().parse::<fixed_decimal::Decimal>() {
            Ok(mut decimal) => {
                decimal.pad_end(-2);
                self.formatters.decimal.format(&decimal).to_string()
            }
            // Every Decimal's text is a decimal number; this keeps a figure even if it were not.
            Err(_) => cents.to_string(),
        }
    }

    /// An amount with its currency code where the locale puts it: `NZD 1,234.50`, `1.234,50 EUR`.
    pub fn money(&self, amount: Decimal, currency: &str) -> String {
        let figure = self.amount(amount);
        match self.formatters.code_after {
            true => format!("{figure} {currency}"),
            false => format!("{currency} {figure}"),
        }
    }

    /// A date as the locale writes it.
    pub fn date(&self, date: jiff::civil::Date, length: DateLength) -> String {
        let Ok(day) = IcuDate::try_new_gregorian(i32::from(date.year()), date.month() as u8, date.day() as u8) else {
            return date.to_string();
        };
        let formatter = match length {
            DateLength::Long => &self.formatters.long,
            DateLength::Medium => &self.formatters.medium,
            DateLength::Short => &self.formatters.short,
        };
        formatter.format(&day).to_string()
    }
}

/// Whether CLDR's currency format for the locale puts the currency after the amount
/// (`#,##0.00 ¤`). Summarised from CLDR 46's `currencyFormats` because ICU4X's currency formatter
/// is still experimental: most of continental Europe writes it after, English, Dutch, Chinese,
/// Japanese and Korean before, and so do German in Austria and Switzerland and Portuguese in
/// Brazil.
fn code_after(locale: &IcuLocale) -> bool {
    const AFTER: &[&str] = &[
        "de", "fr", "es", "it", "pt", "sv", "da", "nb", "nn", "no", "fi", "is", "pl", "cs", "sk", "hu", "ro", "bg",
        "hr", "sr", "sl", "bs", "lt", "lv", "et", "el", "ru", "uk", "be", "ca", "gl", "eu", "vi",
    ];
    const BEFORE_IN: &[(&str, &str)] = &[("de", "AT"), ("de", "CH"), ("de", "LI"), ("pt", "BR"), ("it", "CH")];
    let language = locale.id.language.as_str();
    let region = locale.id.region.map(|r| r.to_string()).unwrap_or_default();
    AFTER.contains(&language) && !BEFORE_IN.iter().any(|(l, r)| *l == language && *r == region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_dates_follow_the_locale() {
        let amount = Decimal::new(123_456_750, 3); // 123,456.750
        let day = jiff::civil::date(2026, 12, 5);
        let cases = [
            ("en-NZ", "NZD 123,456.75", "5 December 2026", "5/12/2026"),
            ("en-US", "NZD 123,456.75", "December 5, 2026", "Dec 5, 2026"),
            ("de-DE", "123.456,75 NZD", "5. Dezember 2026", "05.12.2026"),
            ("de-CH", "NZD 123'456.75", "5. Dezember 2026", "05.12.2026"),
            ("fr-FR", "123\u{202f}456,75 NZD", "5 décembre 2026", "5 déc. 2026"),
        ];
        for (tag, money, long, medium) in cases {
            let locale = Locale::parse(tag).unwrap();
            assert_eq!(locale.money(amount, "NZD"), money, "{tag}");
            assert_eq!(locale.date(day, DateLength::Long), long, "{tag}");
            assert_eq!(locale.date(day, DateLength::Medium), medium, "{tag}");
        }
    }

    #[test]
    fn amounts_round_half_away_from_zero_to_the_cent() {
        let locale = Locale::default();
        assert_eq!(locale.amount(Decimal::new(1_234_567_125, 3)), "1,234,567.13");
        assert_eq!(locale.amount(Decimal::new(-20, 0)), "-20.00");
        assert_eq!(locale.amount(Decimal::new(5, 1)), "0.50");
        assert_eq!(locale.money(Decimal::new(1_000_000, 2), "NZD"), "NZD 10,000.00");
    }

    #[test]
    fn a_country_gives_the_language_written_there() {
        assert_eq!(Locale::of_country("DE").unwrap().tag(), "de-DE");
        assert_eq!(Locale::of_country("NZ").unwrap().tag(), "en-NZ");
        assert_eq!(Locale::of_country("US").unwrap().tag(), "en-US");
        assert_eq!(Locale::of_country("FR").unwrap().tag(), "fr-FR");
        assert!(Locale::of_country("not a country").is_err());
    }

    #[test]
    fn a_tag_without_a_language_is_refused_in_words() {
        let error = Locale::parse("xx-yy-zz-!!").unwrap_err();
        assert!(error.to_string().starts_with("\"xx-yy-zz-!!\" is not a locale"), "{error}");
        assert!(Locale::parse("und-DE").is_err());
        assert_eq!(Locale::parse("en-GB").unwrap().tag(), "en-GB");
    }
}
