//! Learning-rate suggestions from a recorded range-test curve.
//!
//! The fastai methods (`valley`, `slide`, `minimum`, `steep`) follow fastai
//! 2.8 `fastai.callback.schedule`, and `lightning_steep` follows
//! `_LRFinder.suggestion` of Lightning 2.6.6. Each method gets the part of the
//! curve that its library would pass to it (`fastai_window`,
//! `lightning_window`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::methods;

/// A rule that turns a range-test curve into a suggested learning rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// fastai's default: about halfway into the longest strictly decreasing
    /// subsequence of the losses.
    Valley,
    /// fastai's interval slide rule on the loss gradient.
    Slide,
    /// fastai: one tenth of the learning rate at the lowest loss.
    Minimum,
    /// fastai: the steepest fall of the loss against ln(lr).
    Steep,
    /// Lightning: the steepest fall of the loss against the learning rate.
    LightningSteep,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::Valley,
        Method::Slide,
        Method::Minimum,
        Method::Steep,
        Method::LightningSteep,
    ];

    /// Returns the snake_case name used in experiment files and reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Valley => "valley",
            Method::Slide => "slide",
            Method::Minimum => "minimum",
            Method::Steep => "steep",
            Method::LightningSteep => "lightning_steep",
        }
    }

    /// Returns the fewest usable points that the method needs.
    fn min_points(&self) -> usize {
        match self {
            // A valley needs a fall between two points.
            Method::Valley => 2,
            // fastai's slide reads the point `SLIDE_LR_DIFF` before the last.
            Method::Slide => methods::SLIDE_LR_DIFF + 1,
            Method::Minimum => 1,
            // A slope or a numerical gradient needs two points.
            Method::Steep | Method::LightningSteep => 2,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a method name that is not one of `Method::ALL`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown suggestion method {name:?}: expected one of valley, slide, minimum, steep, lightning_steep")]
pub struct UnknownMethod {
    pub name: String,
}

impl FromStr for Method {
    type Err = UnknownMethod;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Method::ALL
            .into_iter()
            .find(|method| method.as_str() == name)
            .ok_or_else(|| UnknownMethod {
                name: name.to_string(),
            })
    }
}

/// Reason that a curve gives no suggestion.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NoSuggestion {
    #[error("the curve has {lrs} learning rates but {losses} losses")]
    LengthMismatch { lrs: usize, losses: usize },

    #[error(
        "invalid learning rate {value} at point {index}: learning rates must be finite, \
         above 0 and strictly increasing"
    )]
    InvalidLearningRate { index: usize, value: f64 },

    #[error(
        "the loss is NaN or infinite from point {index} on, so no point that the suggestion \
         uses has a finite loss. A non-finite loss at the lowest learning rates points to a \
         problem in the model or the data"
    )]
    NoFiniteLoss { index: usize },

    #[error(
        "only {available} usable points remain after trimming the curve, and the method \
         needs {needed}: the test stopped too early or num_it is too small"
    )]
    TooFewPoints { available: usize, needed: usize },

    #[error(
        "the loss is the same (up to rounding) at every usable point, so the curve says \
         nothing about the learning rate. Check that the model trains at all"
    )]
    FlatCurve,

    #[error(
        "no valley to suggest from: the longest strictly decreasing subsequence of the \
         losses has {length} point(s) and starts at the first usable point"
    )]
    NoValley { length: usize },
}

/// Suggests a learning rate with `method` from a recorded range-test curve:
/// the learning rate of every batch, its smoothed loss (what fastai records),
/// and the `num_it` of the test.
///
/// The curve is trimmed as the method's library does (`fastai_window`,
/// `lightning_window`). A trimmed curve whose losses are equal up to rounding
/// (within `FLAT_RELATIVE_SPREAD` of their magnitude) gives
/// `NoSuggestion::FlatCurve`, where fastai and Lightning pick a point by
/// rounding noise.
pub fn suggest(
    method: Method,
    lrs: &[f64],
    losses: &[f64],
    num_it: usize,
) -> Result<f64, NoSuggestion> {
    check_lrs(lrs, losses)?;

    let window = match method {
        Method::LightningSteep => lightning_window(lrs, losses)?,
        _ => fastai_window(lrs, losses, num_it)?,
    };
    let needed = method.min_points();
    if window.losses.len() < needed {
        return Err(NoSuggestion::TooFewPoints {
            available: window.losses.len(),
            needed,
        });
    }
    if is_flat(&window.losses) {
        return Err(NoSuggestion::FlatCurve);
    }

    let (lrs, losses) = (&window.lrs[..], &window.losses[..]);
    match method {
        Method::Valley => methods::valley(lrs, losses),
        Method::Slide => Ok(methods::slide(lrs, losses)),
        Method::Minimum => Ok(methods::minimum(lrs, losses)),
        Method::Steep => Ok(methods::steep(lrs, losses)),
        Method::LightningSteep => Ok(methods::lightning_steep(lrs, losses)),
    }
}

fn check_lrs(lrs: &[f64], losses: &[f64]) -> Result<(), NoSuggestion> {
    if lrs.len() != losses.len() {
        return Err(NoSuggestion::LengthMismatch {
            lrs: lrs.len(),
            losses: losses.len(),
        });
    }
    for (index, &value) in lrs.iter().enumerate() {
        let increasing = index == 0 || value > lrs[index - 1];
        if !value.is_finite() || value <= 0.0 || !increasing {
            return Err(NoSuggestion::InvalidLearningRate { index, value });
        }
    }
    Ok(())
}

/// Largest spread of a flat curve's losses, relative to their magnitude. A
/// constant raw loss gives smoothed losses that differ only by the rounding of
/// the moving average, below 1e-14 relative in 1000 iterations.
const FLAT_RELATIVE_SPREAD: f64 = 1e-12;

fn is_flat(losses: &[f64]) -> bool {
    if losses.len() < 2 {
        return false;
    }
    let min = losses.iter().copied().fold(f64::INFINITY, f64::min);
    let max = losses.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let magnitude = min.abs().max(max.abs());
    max - min <= FLAT_RELATIVE_SPREAD * magnitude
}

/// The part of a curve that a suggestion method uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub lrs: Vec<f64>,
    pub losses: Vec<f64>,
}

/// Number of points that fastai's `lr_find` drops from the end of the curve.
pub const FASTAI_SKIP_END: usize = 5;

/// Returns the part of the curve that fastai's `lr_find` passes to its
/// suggestion functions: without the first `num_it / 10` points and the last
/// `FASTAI_SKIP_END`, and cut before the first non-finite loss.
///
/// fastai keeps training after a NaN or −∞ loss, because both of its stop
/// comparisons are false there, so its curve runs on to `num_it` points and
/// the last five points it drops come from that longer curve. A curve that
/// ends at its first NaN or −∞ loss (as `RangeTest` stops) is therefore trimmed
/// as if it ran on to `num_it` points, which gives fastai's window. A +∞ loss
/// stops fastai too (as divergence), so a curve ending in +∞ is trimmed as it
/// is.
///
/// An empty window of a curve that contains a non-finite loss is
/// `NoSuggestion::NoFiniteLoss`, because that loss ended the usable curve.
///
/// NOTE: fastai cuts only at NaN, so a −∞ loss reaches its methods. Here every
/// non-finite loss cuts the curve.
pub fn fastai_window(lrs: &[f64], losses: &[f64], num_it: usize) -> Result<Window, NoSuggestion> {
    let first_non_finite = losses.iter().position(|loss| !loss.is_finite());
    let ends_where_fastai_continues = losses
        .last()
        .is_some_and(|&loss| loss.is_nan() || loss == f64::NEG_INFINITY);
    let fastai_len = if ends_where_fastai_continues {
        losses.len().max(num_it)
    } else {
        losses.len()
    };

    let start = num_it / 10;
    let end = fastai_len
        .saturating_sub(FASTAI_SKIP_END)
        .min(losses.len())
        .min(first_non_finite.unwrap_or(usize::MAX));
    if start >= end {
        return match first_non_finite {
            Some(index) => Err(NoSuggestion::NoFiniteLoss { index }),
            None => Ok(Window {
                lrs: Vec::new(),
                losses: Vec::new(),
            }),
        };
    }
    Ok(Window {
        lrs: lrs[start..end].to_vec(),
        losses: losses[start..end].to_vec(),
    })
}

/// Number of points that Lightning's `suggestion` drops from the start.
pub const LIGHTNING_SKIP_BEGIN: usize = 10;
/// Number of points that Lightning's `suggestion` drops from the end.
pub const LIGHTNING_SKIP_END: usize = 1;

/// Returns the part of the curve that Lightning 2.6.6's `suggestion` uses:
/// without the first `LIGHTNING_SKIP_BEGIN` points and the last
/// `LIGHTNING_SKIP_END`, and with every non-finite loss removed (not cut at
/// the first one, unlike fastai).
///
/// An empty window of a curve that contains a non-finite loss is
/// `NoSuggestion::NoFiniteLoss`.
///
/// The window comes from the curve recorded here, with fastai's schedule and
/// smoothing. Lightning's own finder records a different curve: its default
/// range is 1e-8 to 1, and its debiasing uses `global_step + 1` as the
/// exponent.
pub fn lightning_window(lrs: &[f64], losses: &[f64]) -> Result<Window, NoSuggestion> {
    let start = LIGHTNING_SKIP_BEGIN;
    let end = losses.len().saturating_sub(LIGHTNING_SKIP_END);

    let mut window = Window {
        lrs: Vec::new(),
        losses: Vec::new(),
    };
    for index in start..end {
        if losses[index].is_finite() {
            window.lrs.push(lrs[index]);
            window.losses.push(losses[index]);
        }
    }
    if window.losses.is_empty() {
        if let Some(index) = losses.iter().position(|loss| !loss.is_finite()) {
            return Err(NoSuggestion::NoFiniteLoss { index });
        }
    }
    Ok(window)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finder::schedule::{lr_at, FinderSettings};

    fn default_lrs(count: usize) -> Vec<f64> {
        let settings = FinderSettings::default();
        (0..count).map(|i| lr_at(&settings, i)).collect()
    }

    /// Builds a hand-made U-shaped curve of 100 points in exact binary
    /// fractions. It is 8.0 up to point 30 and falls by 0.125 per point from 31
    /// to 80, with an extra drop of 0.5 between 50 and 51 (1.25 at 80). Then it
    /// rises by 0.5 per point.
    fn u_shaped() -> Vec<f64> {
        (0..100)
            .map(|i| match i {
                0..=30 => 8.0,
                31..=50 => 8.0 - 0.125 * (i - 30) as f64,
                51..=80 => 7.5 - 0.125 * (i - 30) as f64,
                _ => 1.25 + 0.5 * (i - 80) as f64,
            })
            .collect()
    }

    /// Builds a strictly decreasing and ever steeper curve, 8 − i²/1024,
    /// exact in binary.
    fn quadratic_decreasing() -> Vec<f64> {
        (0..100).map(|i| 8.0 - (i * i) as f64 / 1024.0).collect()
    }

    /// Adds deterministic noise in [−48/1024, 48/1024] to the U-shaped curve.
    fn noisy_u_shaped() -> Vec<f64> {
        u_shaped()
            .iter()
            .enumerate()
            .map(|(i, loss)| loss + (((i * 7919 + 13) % 97) as f64 - 48.0) / 1024.0)
            .collect()
    }

    /// Asserts that every method suggests the learning rate of the expected
    /// point of a 100-point default curve (a tenth of it for `minimum`).
    fn assert_suggestions(losses: &[f64], expected_points: [(Method, usize); 5]) {
        let lrs = default_lrs(losses.len());
        for (method, point) in expected_points {
            let expected = match method {
                Method::Minimum => lr_at(&FinderSettings::default(), point) / 10.0,
                _ => lr_at(&FinderSettings::default(), point),
            };
            let actual = suggest(method, &lrs, losses, 100)
                .unwrap_or_else(|error| panic!("{method}: {error}"));
            let error = (actual - expected).abs() / expected;
            assert!(
                error < 1e-12,
                "{method}: suggested {actual:e}, expected point {point} ({expected:e})"
            );
        }
    }

    #[test]
    fn suggest_u_shaped() {
        // By hand. fastai's window is points 10..95.
        // valley: one 8.0 point and points 31..=80 decrease, L = 51 ending at
        //   80, start 29, index 29 + 17 + 8 = 54.
        // slide: gradients are 0.5 from 81 to 94, 0.1875 at 80 and −0.125 on
        //   66..=79. Windows (94, 79) .. (80, 65) differ by more than 0.005;
        //   (79, 64) differ by 0, so 65 is the last remembered left end.
        // minimum: 1.25 at point 80.
        // steep: the fall of 0.625 from 50 to 51.
        // lightning_steep: the fall of 0.125 per point divided by the lr step,
        //   which is smallest at the start of the fall. At 30 the central
        //   weights see only the fall on the right, so 31 is steepest.
        // The fastai 2.8.12 and Lightning 2.6.6 functions give the same points.
        assert_suggestions(
            &u_shaped(),
            [
                (Method::Valley, 54),
                (Method::Slide, 65),
                (Method::Minimum, 80),
                (Method::Steep, 50),
                (Method::LightningSteep, 31),
            ],
        );
    }

    #[test]
    fn suggest_monotone_decreasing() {
        // By hand. The window 10..95 decreases throughout: L = 85, start −1,
        // valley index −1 + 28 + 14 = 41, point 51. Gradients −i/512 differ by
        // 15/512 across every window, so slide moves to the window's start,
        // point 10. The minimum and the steepest segment are at the end (94,
        // and 93 to 94). Against lr the steepest is the first point, 10.
        assert_suggestions(
            &quadratic_decreasing(),
            [
                (Method::Valley, 51),
                (Method::Slide, 10),
                (Method::Minimum, 94),
                (Method::Steep, 93),
                (Method::LightningSteep, 10),
            ],
        );
    }

    #[test]
    fn suggest_noisy() {
        // Expected points from fastai 2.8.12 (`valley`, `slide`, `minimum`,
        // `steep` on the float32 window that `lr_find` builds) and Lightning
        // 2.6.6 (`_LRFinder.suggestion`) on the same curve.
        assert_suggestions(
            &noisy_u_shaped(),
            [
                (Method::Valley, 51),
                (Method::Slide, 63),
                (Method::Minimum, 80),
                (Method::Steep, 50),
                (Method::LightningSteep, 10),
            ],
        );
    }

    #[test]
    fn suggest_nan_tail() {
        // NaN from point 70 on. fastai's window is 10..70 (by hand): valley
        // L = 40 ending at 69, start 29, index 29 + 13 + 6 = 48. slide finds
        // equal gradients in its first window (69, 54), and the minimum is at 69.
        // Lightning drops the NaN points and still suggests point 31.
        let mut losses = u_shaped();
        for loss in &mut losses[70..] {
            *loss = f64::NAN;
        }
        let expected = [
            (Method::Valley, 48),
            (Method::Slide, 54),
            (Method::Minimum, 69),
            (Method::Steep, 50),
            (Method::LightningSteep, 31),
        ];
        assert_suggestions(&losses, expected);
        // A recorder stops at the first NaN: the same suggestions.
        assert_suggestions(&losses[..71], expected);
    }

    #[test]
    fn suggest_negative_losses() {
        // Shifting the U-shaped curve by −10 keeps it exact in binary and
        // changes no comparison or difference.
        let shifted: Vec<f64> = u_shaped().iter().map(|loss| loss - 10.0).collect();
        assert_suggestions(
            &shifted,
            [
                (Method::Valley, 54),
                (Method::Slide, 65),
                (Method::Minimum, 80),
                (Method::Steep, 50),
                (Method::LightningSteep, 31),
            ],
        );
    }

    #[test]
    fn method_names_round_trip() {
        for method in Method::ALL {
            assert_eq!(method.as_str().parse::<Method>(), Ok(method));
            assert_eq!(method.to_string(), method.as_str());
        }
    }

    #[test]
    fn unknown_method_lists_accepted_names() {
        let error = "valey".parse::<Method>().unwrap_err();
        let message = error.to_string();
        assert!(message.contains("\"valey\""), "{message}");
        for method in Method::ALL {
            assert!(message.contains(method.as_str()), "{message}");
        }
    }

    #[test]
    fn method_serde_names() {
        let json = serde_json::to_string(&Method::LightningSteep).unwrap();
        assert_eq!(json, "\"lightning_steep\"");
        let method: Method = serde_json::from_str("\"valley\"").unwrap();
        assert_eq!(method, Method::Valley);
    }

    #[test]
    fn fastai_window_trims_both_ends() {
        let lrs = default_lrs(100);
        let losses: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let window = fastai_window(&lrs, &losses, 100).unwrap();
        assert_eq!(window.losses.first(), Some(&10.0));
        assert_eq!(window.losses.last(), Some(&94.0));
        assert_eq!(window.lrs[0], lrs[10]);
    }

    #[test]
    fn fastai_window_of_nan_tail_uses_num_it() {
        // The test stopped at a NaN at point 60. fastai would have run on to
        // 100 points, so its window is points 10..60, cut at the NaN.
        let lrs = default_lrs(61);
        let mut losses: Vec<f64> = (0..60).map(|i| 100.0 - i as f64).collect();
        losses.push(f64::NAN);
        let window = fastai_window(&lrs, &losses, 100).unwrap();
        assert_eq!(window.losses.len(), 50);
        assert_eq!(window.losses.last(), Some(&41.0));
    }

    #[test]
    fn fastai_window_of_nan_near_end() {
        // NaN at point 97 of 100: fastai drops points 95..100 first.
        let lrs = default_lrs(98);
        let mut losses: Vec<f64> = (0..97).map(|i| 100.0 - i as f64).collect();
        losses.push(f64::NAN);
        let window = fastai_window(&lrs, &losses, 100).unwrap();
        assert_eq!(window.losses.len(), 85);
    }

    #[test]
    fn fastai_window_of_infinite_tail_drops_five() {
        // fastai stops at +inf as divergence, so the last five recorded points
        // are dropped.
        let lrs = default_lrs(61);
        let mut losses: Vec<f64> = (0..60).map(|i| 100.0 - i as f64).collect();
        losses.push(f64::INFINITY);
        let window = fastai_window(&lrs, &losses, 100).unwrap();
        assert_eq!(window.losses.len(), 46);
    }

    #[test]
    fn fastai_window_cuts_at_inner_non_finite() {
        let lrs = default_lrs(100);
        let mut losses = vec![1.0; 100];
        losses[40] = f64::INFINITY;
        let window = fastai_window(&lrs, &losses, 100).unwrap();
        assert_eq!(window.losses.len(), 30);
    }

    #[test]
    fn fastai_window_of_short_curve_is_empty() {
        let lrs = default_lrs(14);
        let losses = vec![1.0; 14];
        let window = fastai_window(&lrs, &losses, 100).unwrap();
        assert!(window.losses.is_empty());
    }

    #[test]
    fn lightning_window_filters_non_finite() {
        let lrs = default_lrs(30);
        let mut losses: Vec<f64> = (0..30).map(|i| i as f64).collect();
        losses[15] = f64::NAN;
        losses[20] = f64::INFINITY;
        let window = lightning_window(&lrs, &losses).unwrap();
        assert_eq!(window.losses.len(), 17);
        assert_eq!(window.losses.first(), Some(&10.0));
        assert_eq!(window.losses.last(), Some(&28.0));
    }

    #[test]
    fn suggest_rejects_length_mismatch() {
        let result = suggest(Method::Valley, &default_lrs(100), &[1.0; 99], 100);
        assert_eq!(
            result,
            Err(NoSuggestion::LengthMismatch {
                lrs: 100,
                losses: 99
            })
        );
    }

    #[test]
    fn suggest_rejects_decreasing_lrs() {
        let mut lrs = default_lrs(100);
        lrs[50] = lrs[49];
        let result = suggest(Method::Minimum, &lrs, &u_shaped(), 100);
        assert!(matches!(
            result,
            Err(NoSuggestion::InvalidLearningRate { index: 50, .. })
        ));
    }

    #[test]
    fn suggest_rejects_zero_lr() {
        let mut lrs = default_lrs(100);
        lrs[0] = 0.0;
        let result = suggest(Method::Minimum, &lrs, &u_shaped(), 100);
        assert!(matches!(
            result,
            Err(NoSuggestion::InvalidLearningRate { index: 0, .. })
        ));
    }

    #[test]
    fn suggest_flat_curve_for_every_method() {
        let lrs = default_lrs(100);
        for method in Method::ALL {
            let result = suggest(method, &lrs, &[0.7; 100], 100);
            assert_eq!(result, Err(NoSuggestion::FlatCurve), "{method}");
        }
    }

    #[test]
    fn suggest_flat_within_rounding() {
        let lrs = default_lrs(100);
        let mut losses = vec![0.7; 100];
        losses[50] = 0.7 * (1.0 + 1e-14);
        assert_eq!(
            suggest(Method::Steep, &lrs, &losses, 100),
            Err(NoSuggestion::FlatCurve)
        );
        losses[50] = 0.7 * (1.0 + 1e-10);
        assert!(suggest(Method::Steep, &lrs, &losses, 100).is_ok());
    }

    #[test]
    fn suggest_flat_zero_curve() {
        let lrs = default_lrs(100);
        assert_eq!(
            suggest(Method::Valley, &lrs, &[0.0; 100], 100),
            Err(NoSuggestion::FlatCurve)
        );
    }

    #[test]
    fn suggest_too_short_for_every_method() {
        // 15 points leave none after fastai's trim (10 + 5) and four after
        // Lightning's (10 + 1), so Lightning still has enough.
        let lrs = default_lrs(15);
        let losses: Vec<f64> = (0..15).map(|i| 3.0 - 0.1 * i as f64).collect();
        for method in [
            Method::Valley,
            Method::Slide,
            Method::Minimum,
            Method::Steep,
        ] {
            let result = suggest(method, &lrs, &losses, 100);
            assert_eq!(
                result,
                Err(NoSuggestion::TooFewPoints {
                    available: 0,
                    needed: method.min_points()
                }),
                "{method}"
            );
        }
        assert!(suggest(Method::LightningSteep, &lrs, &losses, 100).is_ok());
        let result = suggest(Method::LightningSteep, &lrs[..11], &losses[..11], 100);
        assert_eq!(
            result,
            Err(NoSuggestion::TooFewPoints {
                available: 0,
                needed: 2
            })
        );
    }

    #[test]
    fn suggest_slide_needs_sixteen_points() {
        let lrs = default_lrs(30);
        let losses: Vec<f64> = (0..30).map(|i| 3.0 - 0.1 * i as f64).collect();
        // The window is points 10..25: 15 points.
        let result = suggest(Method::Slide, &lrs, &losses, 100);
        assert_eq!(
            result,
            Err(NoSuggestion::TooFewPoints {
                available: 15,
                needed: 16
            })
        );
        assert!(suggest(Method::Slide, &lrs, &losses, 90).is_ok());
    }

    #[test]
    fn suggest_nan_at_window_start() {
        let lrs = default_lrs(11);
        let mut losses = vec![1.0; 11];
        losses[10] = f64::NAN;
        let result = suggest(Method::Valley, &lrs, &losses, 100);
        assert_eq!(result, Err(NoSuggestion::NoFiniteLoss { index: 10 }));
    }

    #[test]
    fn suggest_all_nan() {
        let lrs = default_lrs(100);
        let losses = vec![f64::NAN; 100];
        for method in Method::ALL {
            let result = suggest(method, &lrs, &losses, 100);
            assert!(
                matches!(result, Err(NoSuggestion::NoFiniteLoss { .. })),
                "{method}: {result:?}"
            );
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        let message = NoSuggestion::TooFewPoints {
            available: 3,
            needed: 16,
        }
        .to_string();
        assert!(message.contains("3 usable points"), "{message}");
        assert!(message.contains("needs 16"), "{message}");
    }
}
