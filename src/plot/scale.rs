//! Axis scales: the domain an axis shows, its tick values and their labels.

/// Mapping from data values to positions along an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Linear,
    /// Base-10 logarithmic. Zero, negative and non-finite values cannot be drawn.
    Log10,
}

impl Scale {
    /// Returns whether `value` has a position on this scale.
    pub fn accepts(self, value: f64) -> bool {
        match self {
            Scale::Linear => value.is_finite(),
            Scale::Log10 => value.is_finite() && value > 0.0,
        }
    }

    /// Transforms `value` into the space where the axis is linear.
    pub fn transform(self, value: f64) -> f64 {
        match self {
            Scale::Linear => value,
            Scale::Log10 => value.log10(),
        }
    }
}

/// The domain of an axis with its tick marks.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    /// The values at the two ends of the axis, lower first.
    pub domain: (f64, f64),
    /// Tick values with a grid line, in increasing order.
    pub major: Vec<f64>,
    /// One label per major tick. An empty label leaves its tick unlabelled.
    pub labels: Vec<String>,
    /// Short tick marks without a label or grid line, such as 2 to 9 times a
    /// power of ten on a log axis that labels only the decades.
    pub minor: Vec<f64>,
}

/// Computes the domain and ticks of an axis that must show `[low, high]`.
///
/// `intervals` is the approximate number of intervals between ticks on a
/// linear axis, and log axes choose their own. Bounds that the scale cannot show
/// (non-finite, or not positive on a log axis) fall back to `[0, 1]` on a
/// linear axis and `[1, 10]` on a log axis.
pub fn ticks(scale: Scale, low: f64, high: f64, intervals: usize) -> Ticks {
    let (low, high) = if low <= high {
        (low, high)
    } else {
        (high, low)
    };
    match scale {
        Scale::Linear if low.is_finite() && high.is_finite() => linear_ticks(low, high, intervals),
        Scale::Linear => linear_ticks(0.0, 1.0, intervals),
        Scale::Log10 if scale.accepts(low) && scale.accepts(high) => log_ticks(low, high),
        Scale::Log10 => decade_ticks(0.0, 1.0),
    }
}

/// Computes ticks at 1, 2 or 5 times a power of ten and widens `[low, high]`
/// to the enclosing ticks.
///
/// The step is the one that d3-array's `tickIncrement` picks: the span divided
/// by `intervals`, rounded to 1, 2, 5 or 10 times a power of ten at the
/// thresholds √2, √10 and √50. Bounds must be finite.
pub fn linear_ticks(low: f64, high: f64, intervals: usize) -> Ticks {
    let (mut low, mut high) = (low, high);
    if high - low <= f64::EPSILON * low.abs().max(high.abs()).max(1.0) {
        // A single value: show it in the middle of a small range.
        let half_width = if low == 0.0 { 1.0 } else { low.abs() * 0.1 };
        low -= half_width;
        high += half_width;
    }

    let raw_step = (high - low) / intervals.max(1) as f64;
    let exponent = raw_step.log10().floor() as i32;
    let error = raw_step / pow10(exponent);
    let mantissa: i64 = if error >= 50f64.sqrt() {
        10
    } else if error >= 10f64.sqrt() {
        5
    } else if error >= 2f64.sqrt() {
        2
    } else {
        1
    };
    let step = mantissa as f64 * pow10(exponent);

    // Ticks are computed as integer multiples of the mantissa, scaled by a
    // single multiplication or division by a power of ten, so that 0.3 comes
    // out as the double nearest 0.3 and not as 3 * 0.1.
    let first = (low / step + 1e-9).floor() as i64;
    let last = (high / step - 1e-9).ceil() as i64;
    let major: Vec<f64> = (first..=last)
        .map(|k| scale_by_pow10((k * mantissa) as f64, exponent))
        .collect();

    let decimals = if exponent < 0 {
        (-exponent) as usize
    } else {
        0
    };
    let use_exponent = major.iter().any(|v| v.abs() >= 1e5) || exponent < -5;
    let labels = major
        .iter()
        .map(|&v| {
            if use_exponent {
                format_exponent(v)
            } else {
                // Adding 0.0 turns -0.0 into 0.0, so no label reads "-0".
                format!("{:.*}", decimals, v + 0.0)
            }
        })
        .collect();

    Ticks {
        domain: (major[0], major[major.len() - 1]),
        major,
        labels,
        minor: Vec::new(),
    }
}

/// Computes ticks for a base-10 log axis that must show `[low, high]`. Both
/// bounds must be positive and finite.
///
/// A span of at least two decades widens to whole decades. Each power of ten
/// gets a major tick, all labelled up to eight decades and every n-th one
/// beyond. Minor ticks mark 2 to 9 times each power, up to twelve decades.
///
/// A shorter span keeps its bounds, padded by 5% of the span in log space.
/// Its major ticks are at 1, 2 and 5 times a power of ten, or at 1 to 9 times
/// when that gives fewer than three ticks.
pub fn log_ticks(low: f64, high: f64) -> Ticks {
    let (mut log_low, mut log_high) = (low.log10(), high.log10());
    if log_high - log_low < 1e-9 {
        log_low -= 0.5;
        log_high += 0.5;
    }

    if log_high - log_low >= 2.0 {
        return decade_ticks(log_low, log_high);
    }

    let pad = ((log_high - log_low) * 0.05).max(0.02);
    let (log_low, log_high) = (log_low - pad, log_high + pad);
    let domain = (10f64.powf(log_low), 10f64.powf(log_high));
    let mut major = mantissa_ticks(domain, &[1, 2, 5]);
    if major.len() < 3 {
        major = mantissa_ticks(domain, &[1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    let minor = mantissa_ticks(domain, &[1, 2, 3, 4, 5, 6, 7, 8, 9])
        .into_iter()
        .filter(|v| !major.contains(v))
        .collect();
    let labels = log_labels(&major);
    Ticks {
        domain,
        major,
        labels,
        minor,
    }
}

fn decade_ticks(log_low: f64, log_high: f64) -> Ticks {
    let first = (log_low + 1e-9).floor() as i32;
    let last = (log_high - 1e-9).ceil() as i32;
    let major: Vec<f64> = (first..=last).map(pow10).collect();

    // About eight labels fit along an axis, so beyond that only every n-th
    // decade is labelled. The labelled exponents are multiples of n, so that
    // they are round numbers.
    let decades = (last - first) as usize;
    let label_every = decades.div_ceil(8).max(1) as i32;
    let all_labels = log_labels(&major);
    let labels = (first..=last)
        .zip(all_labels)
        .map(|(exponent, label)| {
            if exponent.rem_euclid(label_every) == 0 {
                label
            } else {
                String::new()
            }
        })
        .collect();

    let minor = if decades <= 12 {
        (first..last)
            .flat_map(|exponent| (2..=9).map(move |m| scale_by_pow10(m as f64, exponent)))
            .collect()
    } else {
        Vec::new()
    };

    Ticks {
        domain: (pow10(first), pow10(last)),
        major,
        labels,
        minor,
    }
}

/// Returns the values `m × 10^k` inside `domain` for each `m` in `mantissas`.
fn mantissa_ticks(domain: (f64, f64), mantissas: &[u32]) -> Vec<f64> {
    let first = domain.0.log10().floor() as i32;
    let last = domain.1.log10().ceil() as i32;
    let mut values = Vec::new();
    for exponent in first..=last {
        for &m in mantissas {
            let value = scale_by_pow10(m as f64, exponent);
            if value >= domain.0 * (1.0 - 1e-12) && value <= domain.1 * (1.0 + 1e-12) {
                values.push(value);
            }
        }
    }
    values
}

/// Formats log-axis tick labels: plain decimals when every value lies in
/// [0.01, 10000), otherwise exponent notation for all of them ("1e-4", "1e0")
/// so that one axis never mixes the two.
fn log_labels(values: &[f64]) -> Vec<String> {
    let plain = values.iter().all(|&v| (0.01..1e4).contains(&v));
    values
        .iter()
        .map(|&v| {
            if plain {
                format!("{v}")
            } else {
                format_exponent(v)
            }
        })
        .collect()
}

/// Formats `value` in exponent notation with the shortest mantissa that
/// round-trips: 1e-4, 2.5e-3, 1e0.
fn format_exponent(value: f64) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    format!("{value:e}")
}

/// Formats `value` with `significant` significant digits and no trailing
/// zeros: as a decimal when its rounded magnitude lies in [0.01, 10000),
/// otherwise in exponent notation. With 2 digits, 0.032 gives "0.032", 0.0032
/// gives "3.2e-3" and 1234.5 gives "1200".
pub fn format_significant(value: f64, significant: usize) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if value == 0.0 {
        return "0".to_string();
    }

    let significant = significant.max(1);
    // Round first, so that 9.96 with 2 digits is classified by its rounded
    // value 10, not by 9.96.
    let rounded: f64 = format!("{:.*e}", significant - 1, value)
        .parse()
        .unwrap_or(value);
    let exponent = rounded.abs().log10().floor() as i32;
    if (-2..4).contains(&exponent) {
        let decimals = (significant as i32 - 1 - exponent).max(0) as usize;
        trim_fraction(&format!("{:.*}", decimals, rounded))
    } else {
        let text = format!("{:.*e}", significant - 1, rounded);
        match text.split_once('e') {
            Some((mantissa, exponent)) => format!("{}e{}", trim_fraction(mantissa), exponent),
            None => text,
        }
    }
}

fn trim_fraction(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

/// Returns 10^exponent, correctly rounded for exponents from -22 to 22.
fn pow10(exponent: i32) -> f64 {
    scale_by_pow10(1.0, exponent)
}

/// Returns `value × 10^exponent` with a single rounding when `value` and the
/// power of ten are exact doubles (|exponent| ≤ 22).
fn scale_by_pow10(value: f64, exponent: i32) -> f64 {
    if exponent >= 0 {
        value * 10f64.powi(exponent)
    } else {
        value / 10f64.powi(-exponent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_half_steps() {
        // Span 2.3 in 5 intervals: raw step 0.46, error 4.6 >= √10, so step 0.5.
        let ticks = linear_ticks(0.0, 2.3, 5);
        assert_eq!(ticks.major, vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5]);
        assert_eq!(ticks.domain, (0.0, 2.5));
        assert_eq!(ticks.labels, vec!["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"]);
    }

    #[test]
    fn linear_ticks_integer_steps() {
        // Span 12 in 6 intervals: raw step 2, error 2 >= √2, so step 2.
        let ticks = linear_ticks(0.0, 12.0, 6);
        assert_eq!(ticks.major, vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0]);
        assert_eq!(ticks.labels, vec!["0", "2", "4", "6", "8", "10", "12"]);
    }

    #[test]
    fn linear_ticks_widen_to_step() {
        // Span 0.7 in 5 intervals: raw step 0.14, error 1.4 < √2, so step 0.1.
        let ticks = linear_ticks(0.25, 0.95, 5);
        assert_eq!(ticks.domain, (0.2, 1.0));
        assert_eq!(
            ticks.major,
            vec![0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
        );
        assert_eq!(ticks.labels[1], "0.3");
    }

    #[test]
    fn linear_ticks_negative_range() {
        // Span 3 in 5 intervals: raw step 0.6, error 6 < √50, so step 0.5.
        let ticks = linear_ticks(-1.2, 1.8, 5);
        assert_eq!(ticks.domain, (-1.5, 2.0));
        assert_eq!(ticks.labels[0], "-1.5");
        assert_eq!(ticks.labels[3], "0.0");
    }

    #[test]
    fn linear_ticks_single_value() {
        let ticks = linear_ticks(3.0, 3.0, 5);
        assert!(ticks.domain.0 < 3.0);
        assert!(ticks.domain.1 > 3.0);
        assert!(ticks.major.len() >= 2);

        let zero = linear_ticks(0.0, 0.0, 5);
        assert_eq!(zero.domain, (-1.0, 1.0));
    }

    #[test]
    fn linear_ticks_large_values_use_exponents() {
        let ticks = linear_ticks(0.0, 300000.0, 3);
        assert_eq!(ticks.major, vec![0.0, 100000.0, 200000.0, 300000.0]);
        assert_eq!(ticks.labels, vec!["0", "1e5", "2e5", "3e5"]);
    }

    #[test]
    fn log_ticks_whole_decades() {
        let ticks = log_ticks(1e-4, 10.0);
        assert_eq!(ticks.domain, (1e-4, 10.0));
        assert_eq!(ticks.major, vec![1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0]);
        assert_eq!(
            ticks.labels,
            vec!["1e-4", "1e-3", "1e-2", "1e-1", "1e0", "1e1"]
        );
        // Minor ticks at 2..9 in each of the 5 decades.
        assert_eq!(ticks.minor.len(), 40);
        assert_eq!(ticks.minor[0], 2e-4);
        assert_eq!(ticks.minor[39], 9.0);
    }

    #[test]
    fn log_ticks_widen_to_decades() {
        let ticks = log_ticks(2e-4, 3.0);
        assert_eq!(ticks.domain, (1e-4, 10.0));
        assert_eq!(ticks.major.len(), 6);
    }

    #[test]
    fn log_ticks_plain_labels_in_range() {
        let ticks = log_ticks(0.01, 100.0);
        assert_eq!(ticks.labels, vec!["0.01", "0.1", "1", "10", "100"]);
    }

    #[test]
    fn log_ticks_many_decades_thinned() {
        // 1e-10 to 1e10: 20 decades, so every third decade is labelled.
        let ticks = log_ticks(1e-10, 1e10);
        assert_eq!(ticks.major.len(), 21);
        let labelled: Vec<&str> = ticks
            .labels
            .iter()
            .filter(|l| !l.is_empty())
            .map(String::as_str)
            .collect();
        assert_eq!(
            labelled,
            vec!["1e-9", "1e-6", "1e-3", "1e0", "1e3", "1e6", "1e9"]
        );
        assert!(ticks.minor.is_empty());
    }

    #[test]
    fn log_ticks_short_span_uses_125() {
        // 0.3 to 2.3 is 0.88 decades, padded by 0.044 decades on each side:
        // about 0.271 to 2.546, which contains 0.5, 1 and 2.
        let ticks = log_ticks(0.3, 2.3);
        assert_eq!(ticks.major, vec![0.5, 1.0, 2.0]);
        assert_eq!(ticks.labels, vec!["0.5", "1", "2"]);
        assert!(ticks.domain.0 < 0.3);
        assert!(ticks.domain.1 > 2.3);
        assert!(ticks.minor.contains(&0.3));
        assert!(ticks.minor.contains(&0.4));
    }

    #[test]
    fn log_ticks_narrow_span_uses_all_mantissas() {
        // The padded domain, about 0.243 to 0.464, contains no multiple of 1,
        // 2 or 5 times a power of ten, so the ticks fall back to 0.3 and 0.4.
        let ticks = log_ticks(0.25, 0.45);
        assert_eq!(ticks.major, vec![0.3, 0.4]);
    }

    #[test]
    fn ticks_fall_back_on_invalid_bounds() {
        assert_eq!(ticks(Scale::Log10, 0.0, 10.0, 5).domain, (1.0, 10.0));
        assert_eq!(ticks(Scale::Log10, -1.0, f64::NAN, 5).domain, (1.0, 10.0));
        assert_eq!(ticks(Scale::Linear, f64::NAN, 1.0, 5).domain, (0.0, 1.0));
        assert_eq!(ticks(Scale::Linear, 2.0, 0.0, 4).domain, (0.0, 2.0));
    }

    #[test]
    fn significant_formatting() {
        let cases = [
            (0.032, 2, "0.032"),
            (3.2e-3, 2, "3.2e-3"),
            (3.2e-4, 2, "3.2e-4"),
            (1e-4, 2, "1e-4"),
            (0.0999, 2, "0.1"),
            (9.96e-3, 2, "0.01"),
            (9.96e-4, 2, "1e-3"),
            (1234.5, 2, "1200"),
            (12345.0, 3, "1.23e4"),
            (0.5, 3, "0.5"),
            (2.0, 2, "2"),
            (-0.25, 2, "-0.25"),
            (0.0, 2, "0"),
            (f64::NAN, 2, "NaN"),
            (f64::INFINITY, 2, "inf"),
        ];
        for (value, digits, expected) in cases {
            assert_eq!(format_significant(value, digits), expected, "value {value}");
        }
    }
}
