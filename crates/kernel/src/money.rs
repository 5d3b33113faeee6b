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
