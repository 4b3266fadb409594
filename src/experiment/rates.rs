//! Learning rates of the grid: an explicit list, or a log-spaced range written
//! as `"1e-4 to 10, 3 per decade"`.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

/// The `lr` value as written, before the rates are checked and expanded.
#[derive(Debug, Clone, PartialEq)]
pub enum RateSpec {
    List(Vec<f64>),
    Range { from: f64, to: f64, per_decade: u32 },
}

pub const ACCEPTED: &str =
    "a list of positive learning rates such as [0.01, 0.1], or a range such as \"1e-4 to 10, 3 per decade\"";

impl RateSpec {
    /// Checks the rates and expands a range, in increasing order for a range
    /// and in file order for a list.
    pub fn expand(&self) -> Result<Vec<f64>, String> {
        match self {
            RateSpec::List(rates) => {
                if rates.is_empty() {
                    return Err("the list of learning rates is empty".into());
                }
                if let Some(bad) = rates.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
                    return Err(format!(
                        "learning rate {bad} is not a finite positive number"
                    ));
                }
                for (i, rate) in rates.iter().enumerate() {
                    if rates[..i].contains(rate) {
                        return Err(format!("learning rate {rate} is listed twice"));
                    }
                }
                Ok(rates.clone())
            }
            RateSpec::Range {
                from,
                to,
                per_decade,
            } => log_range(*from, *to, *per_decade),
        }
    }
}

/// Rates `from · 10^(k / per_decade)` for k = 0, 1, … up to `to` (included
/// when it falls on the grid, up to a relative tolerance of 1e-9).
fn log_range(from: f64, to: f64, per_decade: u32) -> Result<Vec<f64>, String> {
    if !(from.is_finite() && from > 0.0 && to.is_finite() && to > 0.0) {
        return Err(format!(
            "range bounds {from} and {to} must be finite positive numbers"
        ));
    }
    if to < from {
        return Err(format!("range is reversed: {from} is above {to}"));
    }
    if per_decade == 0 {
        return Err("the number of rates per decade must be at least 1".into());
    }
    let decades = (to / from).log10();
    let steps = (decades * f64::from(per_decade) + 1e-9).floor() as u32;
    let start = from.log10();
    let rates = (0..=steps)
        .map(|k| 10f64.powf(start + f64::from(k) / f64::from(per_decade)))
        .collect();
    Ok(rates)
}

/// Parses `"A to B, N per decade"`.
fn parse_range(text: &str) -> Result<RateSpec, String> {
    let syntax = || format!("invalid range \"{text}\"; expected {ACCEPTED}");
    let (bounds, density) = text.split_once(',').ok_or_else(syntax)?;
    let (from, to) = bounds.split_once(" to ").ok_or_else(syntax)?;
    let from: f64 = from.trim().parse().map_err(|_| syntax())?;
    let to: f64 = to.trim().parse().map_err(|_| syntax())?;
    let count = density
        .trim()
        .strip_suffix("per decade")
        .ok_or_else(syntax)?;
    let per_decade: u32 = count.trim().parse().map_err(|_| syntax())?;
    Ok(RateSpec::Range {
        from,
        to,
        per_decade,
    })
}

impl<'de> Deserialize<'de> for RateSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RateVisitor;

        impl<'de> Visitor<'de> for RateVisitor {
            type Value = RateSpec;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(ACCEPTED)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<RateSpec, E> {
                parse_range(text).map_err(E::custom)
            }

            fn visit_f64<E: de::Error>(self, rate: f64) -> Result<RateSpec, E> {
                Ok(RateSpec::List(vec![rate]))
            }

            fn visit_i64<E: de::Error>(self, rate: i64) -> Result<RateSpec, E> {
                Ok(RateSpec::List(vec![rate as f64]))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RateSpec, A::Error> {
                let mut rates = Vec::new();
                while let Some(rate) = seq.next_element::<f64>()? {
                    rates.push(rate);
                }
                Ok(RateSpec::List(rates))
            }
        }

        deserializer.deserialize_any(RateVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: &[f64], expected: &[f64]) {
        assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
        for (a, e) in actual.iter().zip(expected) {
            assert!((a / e - 1.0).abs() < 1e-12, "{actual:?} vs {expected:?}");
        }
    }

    #[test]
    fn range_three_per_decade() {
        let spec = parse_range("1e-4 to 10, 3 per decade").unwrap();
        let rates = spec.expand().unwrap();
        assert_eq!(rates.len(), 16);
        assert_close(
            &rates[..4],
            &[1e-4, 2.154434690031884e-4, 4.641588833612779e-4, 1e-3],
        );
        assert_close(&rates[15..], &[10.0]);
    }

    #[test]
    fn range_end_off_grid_is_excluded() {
        let rates = parse_range("0.1 to 0.5, 1 per decade")
            .unwrap()
            .expand()
            .unwrap();
        assert_close(&rates, &[0.1]);
    }

    #[test]
    fn range_single_point() {
        let rates = parse_range("0.1 to 0.1, 2 per decade")
            .unwrap()
            .expand()
            .unwrap();
        assert_close(&rates, &[0.1]);
    }

    #[test]
    fn range_syntax_errors() {
        for text in [
            "1e-4 - 10, 3 per decade",
            "1e-4 to 10",
            "a to 10, 3 per decade",
            "1 to 10, 3 per octave",
            "1 to 10, x per decade",
        ] {
            let error = parse_range(text).unwrap_err();
            assert!(error.contains("per decade\""), "{text}: {error}");
        }
    }

    #[test]
    fn range_reversed_or_empty() {
        let reversed = parse_range("10 to 1e-4, 3 per decade")
            .unwrap()
            .expand()
            .unwrap_err();
        assert!(reversed.contains("reversed"), "{reversed}");
        let zero = parse_range("1e-4 to 10, 0 per decade")
            .unwrap()
            .expand()
            .unwrap_err();
        assert!(zero.contains("at least 1"), "{zero}");
        let negative = parse_range("-1 to 10, 3 per decade")
            .unwrap()
            .expand()
            .unwrap_err();
        assert!(negative.contains("positive"), "{negative}");
    }

    #[test]
    fn list_checks() {
        assert_eq!(
            RateSpec::List(vec![0.1, 0.01]).expand().unwrap(),
            vec![0.1, 0.01]
        );
        assert!(RateSpec::List(vec![])
            .expand()
            .unwrap_err()
            .contains("empty"));
        assert!(RateSpec::List(vec![0.1, 0.0])
            .expand()
            .unwrap_err()
            .contains("0 is not"));
        assert!(RateSpec::List(vec![f64::NAN])
            .expand()
            .unwrap_err()
            .contains("NaN"));
        assert!(RateSpec::List(vec![0.1, 0.1])
            .expand()
            .unwrap_err()
            .contains("twice"));
    }
}
