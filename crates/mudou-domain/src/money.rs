use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in fen (1/100 yuan). Never floating point.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    /// Yuan with exactly two decimals, e.g. `-12.05`, as payroll files need.
    pub fn to_yuan_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{}", self.to_yuan_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn yuan_formatting() {
        assert_eq!(Fen(0).to_yuan_string(), "0.00");
        assert_eq!(Fen(4260).to_yuan_string(), "42.60");
        assert_eq!(Fen(5).to_yuan_string(), "0.05");
        assert_eq!(Fen(-1205).to_yuan_string(), "-12.05");
        assert_eq!(Fen(i64::MIN).to_yuan_string(), "-92233720368547758.08");
        assert_eq!(Fen(4260).to_string(), "¥42.60");
    }

    proptest! {
        #[test]
        fn yuan_string_round_trips(v in any::<i64>()) {
            let s = Fen(v).to_yuan_string();
            let (neg, body) = s.strip_prefix('-').map_or((false, s.as_str()), |b| (true, b));
            let (whole, frac) = body.split_once('.').unwrap();
            prop_assert_eq!(frac.len(), 2);
            let abs: u64 = whole.parse::<u64>().unwrap() * 100 + frac.parse::<u64>().unwrap();
            prop_assert_eq!(abs, v.unsigned_abs());
            prop_assert_eq!(neg, v < 0);
        }
    }
}
