//! Calendar days as numbers: how evaluation counts days for every invoice of a ledger without
//! going through a date library each time.

use jiff::civil::Date;

/// A calendar day as a number, for numbering calendar occurrences.
/// Days since 1970-01-01, by the proleptic Gregorian calendar. Worked out directly (Howard
/// Hinnant's `days_from_civil`) because the runtime counts days for every invoice of a ledger.
pub fn day_number(date: Date) -> i64 {
    let (year, month, day) = (i64::from(date.year()), i64::from(date.month()), i64::from(date.day()));
    let year = if month <= 2 { year - 1 } else { year };
    let era = if year >= 0 { year } else { year - 399 } / 400;
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The day a number stands for (see [`day_number`]): Hinnant's `civil_from_days`, for the same
/// reason.
pub fn day_from_number(number: i64) -> Option<Date> {
    let shifted = number.checked_add(719_468)?;
    let era = if shifted >= 0 { shifted } else { shifted - 146_096 } / 146_097;
    let day_of_era = shifted - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Date::new(i16::try_from(year).ok()?, month as i8, day as i8).ok()
}

/// `date` moved by a number of days (none if that leaves the calendar).
pub fn add_days(date: Date, days: i64) -> Option<Date> {
    day_from_number(day_number(date).checked_add(days)?)
}
