//! Money is an integer count of minor units (cents); on the wire it is the `Decimal` scalar, a
//! string with exactly two decimals. Never a float.

use std::fmt;

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn minor(self) -> i64 {
        self.0
    }

    /// Parses `"12"`, `"12.5"` or `"12.50"` (at most two decimals, optional leading `-`).
    pub fn parse(text: &str) -> Option<Money> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || frac.len() > 2 || !all_digits(whole) || !all_digits(frac) {
            return None;
        }
        if digits.contains('.') && frac.is_empty() {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let frac: i64 = format!("{frac:0<2}").parse().ok()?;
        let minor = whole.checked_mul(100)?.checked_add(frac)?;
        Some(Money(if negative { -minor } else { minor }))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// A decimal amount of money, as a string with exactly two decimals (`"80.49"`).
#[Scalar(name = "Decimal")]
impl ScalarType for Money {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Money::parse(s)
                .ok_or_else(|| InputValueError::custom("expected a decimal with at most two places, like \"12.50\"")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }
}

/// Rates (multipliers and percents) are integers scaled by ten thousand, named `..._e4` where
/// stored: a multiplier of 1.25 is 12 500; a percent of 10 % is 100 000 (10 × 10⁴).
pub const RATE_ONE: i64 = 10_000;

/// A multiplier or a percent, as a decimal string with up to four places (`"1.25"`, `"10"`).
/// Percents are written in percent points (`"12.5"` is 12.5 %). One format for both, everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rate(pub i64);

#[Scalar(name = "Rate")]
impl ScalarType for Rate {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else { return Err(InputValueError::expected_type(value)) };
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || frac.len() > 4 || (!frac.is_empty() && !digits(frac)) || whole.len() > 9 {
            return Err(InputValueError::custom(
                "expected a non-negative decimal with at most four places, like \"1.25\"",
            ));
        }
        let whole: i64 = whole.parse().map_err(|_| InputValueError::custom("too large"))?;
        let frac: i64 = format!("{frac:0<4}").parse().map_err(|_| InputValueError::custom("not a number"))?;
        Ok(Rate(whole * RATE_ONE + frac))
    }

    fn to_value(&self) -> Value {
        let (whole, frac) = (self.0 / RATE_ONE, self.0 % RATE_ONE);
        let text =
            if frac == 0 { whole.to_string() } else { format!("{whole}.{frac:04}").trim_end_matches('0').to_owned() };
        Value::String(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_exactly_two_decimals() {
        assert_eq!(Money(8049).to_string(), "80.49");
        assert_eq!(Money(5).to_string(), "0.05");
        assert_eq!(Money(-1250).to_string(), "-12.50");
        assert_eq!(Money(0).to_string(), "0.00");
    }

    #[test]
    fn rates_read_and_write_up_to_four_places() {
        let parse = |s: &str| <Rate as ScalarType>::parse(Value::String(s.into())).map(|r| r.0);
        assert_eq!(parse("1.25").unwrap(), 12_500);
        assert_eq!(parse("10").unwrap(), 100_000);
        assert_eq!(parse("0.0001").unwrap(), 1);
        for bad in ["", "-1", "1.23456", "abc", "1e3", "1234567890"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Rate(12_500).to_value(), Value::String("1.25".into()));
        assert_eq!(Rate(100_000).to_value(), Value::String("10".into()));
    }

    #[test]
    fn parses_up_to_two_decimals_and_rejects_the_rest() {
        assert_eq!(Money::parse("12"), Some(Money(1200)));
        assert_eq!(Money::parse("12.5"), Some(Money(1250)));
        assert_eq!(Money::parse("0.05"), Some(Money(5)));
        assert_eq!(Money::parse("-3.10"), Some(Money(-310)));
        for bad in ["", "1.234", "1.", ".5", "abc", "1e3", "1,00", "--1", "99999999999999999999"] {
            assert_eq!(Money::parse(bad), None, "{bad}");
        }
    }
}
