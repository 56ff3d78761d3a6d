//! Money as people read it.

use rust_decimal::Decimal;

/// `1234.5` → `1,234.50`.
pub fn group_thousands(amount: Decimal) -> String {
    let fixed = format!("{:.2}", amount.abs());
    let (whole, cents) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if amount.is_sign_negative() && !amount.is_zero() { "-" } else { "" };
    format!("{sign}{grouped}.{cents}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_with_two_decimals() {
        assert_eq!(group_thousands(Decimal::new(12345, 1)), "1,234.50");
        assert_eq!(group_thousands(Decimal::new(-100, 0)), "-100.00");
        assert_eq!(group_thousands(Decimal::new(123456789, 0)), "123,456,789.00");
    }
}
