//! The suggestion rules, each on an already trimmed curve with finite losses,
//! valid learning rates and at least `Method::min_points` points.
//!
//! Each rule follows the arithmetic of its source, including its index
//! arithmetic and its choice among ties (the first extreme value wins, as
//! `torch.argmin` picks it). fastai computes in float32 and these rules in
//! f64, so curves with near-ties can pick a neighbouring point.

use super::suggest::NoSuggestion;

/// Width of fastai's `slide` window in points (`lr_diff`).
pub const SLIDE_LR_DIFF: usize = 15;
/// Gradient difference across the window at or below which `slide` stops
/// moving (`thresh`).
pub const SLIDE_THRESHOLD: f64 = 0.005;
/// Factor that `slide` applies to the learning rate it finds (`adjust_value`).
pub const SLIDE_ADJUST: f64 = 1.0;

/// Suggests the learning rate about halfway into the longest strictly
/// decreasing subsequence of the losses, as fastai's `valley`.
///
/// With `length[i]` the length of the longest such subsequence ending at `i`,
/// the valley ends at the first `i` with the maximum length `L` and starts at
/// `end − L`, one point before the first point of a contiguous run. The
/// suggestion is point `start + ⌊L/3⌋ + ⌊L/6⌋`.
///
/// When the valley begins at the first point and `L <= 2`, that index is −1.
/// fastai then indexes from the end and returns the largest learning rate of
/// the curve. Here that case is `NoSuggestion::NoValley`.
pub fn valley(lrs: &[f64], losses: &[f64]) -> Result<f64, NoSuggestion> {
    let count = losses.len();
    let mut length = vec![1usize; count];
    let mut end = 0;
    for i in 1..count {
        for j in 0..i {
            if losses[i] < losses[j] && length[i] < length[j] + 1 {
                length[i] = length[j] + 1;
            }
        }
        if length[i] > length[end] {
            end = i;
        }
    }

    // start + ⌊L/3⌋ + ⌊L/6⌋ with start = end − L, which can be −1.
    let valley_length = length[end];
    let index = (end + valley_length / 3 + valley_length / 6).checked_sub(valley_length);
    match index {
        Some(index) => Ok(lrs[index]),
        None => Err(NoSuggestion::NoValley {
            length: valley_length,
        }),
    }
}

/// Suggests a learning rate as fastai's `slide` with its default parameters.
///
/// A window spans `SLIDE_LR_DIFF` indices, with its right end first on the
/// last point. While its left end is on the curve and the numerical gradients
/// at its two ends differ by more than `SLIDE_THRESHOLD`, the rule remembers
/// the learning rate at the left end and moves the window one point left. The
/// suggestion is the last remembered rate, or the first window's left end if
/// the window never moved, times `SLIDE_ADJUST`.
pub fn slide(lrs: &[f64], losses: &[f64]) -> f64 {
    let gradient = gradient_unit_spacing(losses);
    let mut right = losses.len() - 1;
    let mut left = right - SLIDE_LR_DIFF;
    let mut remembered = lrs[left];
    while (gradient[right] - gradient[left]).abs() > SLIDE_THRESHOLD {
        remembered = lrs[left];
        if left == 0 {
            break;
        }
        left -= 1;
        right -= 1;
    }
    remembered * SLIDE_ADJUST
}

/// Suggests one tenth of the learning rate at the first lowest loss, as
/// fastai's `minimum`.
pub fn minimum(lrs: &[f64], losses: &[f64]) -> f64 {
    lrs[first_min_index(losses)] / 10.0
}

/// Suggests the learning rate at the left end of the first segment with the
/// most negative Δloss / Δln(lr), as fastai's `steep`.
pub fn steep(lrs: &[f64], losses: &[f64]) -> f64 {
    let slopes: Vec<f64> = (0..losses.len() - 1)
        .map(|i| (losses[i + 1] - losses[i]) / (lrs[i + 1].ln() - lrs[i].ln()))
        .collect();
    lrs[first_min_index(&slopes)]
}

/// Suggests the learning rate at the first most negative numerical gradient
/// of the loss with respect to the learning rate itself, as Lightning 2.6.6's
/// `suggestion` (`torch.gradient` with the learning rates as coordinates).
///
/// NOTE: older Lightning releases took the gradient with respect to the point
/// index (`np.gradient(loss)`), which picks a different point on the same
/// exponential schedule.
pub fn lightning_steep(lrs: &[f64], losses: &[f64]) -> f64 {
    let gradient = gradient_with_coordinates(losses, lrs);
    lrs[first_min_index(&gradient)]
}

/// Returns the index of the first smallest value. The values must not be NaN.
fn first_min_index(values: &[f64]) -> usize {
    let mut best = 0;
    for (index, &value) in values.iter().enumerate() {
        if value < values[best] {
            best = index;
        }
    }
    best
}

/// Computes the numerical gradient with unit spacing, as `np.gradient(values)`: central
/// differences inside and one-sided differences at both ends. Needs at least
/// two values.
fn gradient_unit_spacing(values: &[f64]) -> Vec<f64> {
    let last = values.len() - 1;
    (0..=last)
        .map(|i| match i {
            0 => values[1] - values[0],
            i if i == last => values[last] - values[last - 1],
            i => (values[i + 1] - values[i - 1]) / 2.0,
        })
        .collect()
}

/// Computes the numerical gradient of `values` sampled at the strictly increasing
/// `coordinates`, as `torch.gradient(values, spacing=[coordinates])` and
/// `np.gradient(values, coordinates)`: second-order differences for uneven
/// steps inside and one-sided differences at both ends. Needs at least two
/// values.
fn gradient_with_coordinates(values: &[f64], coordinates: &[f64]) -> Vec<f64> {
    let last = values.len() - 1;
    (0..=last)
        .map(|i| match i {
            0 => (values[1] - values[0]) / (coordinates[1] - coordinates[0]),
            i if i == last => {
                (values[last] - values[last - 1]) / (coordinates[last] - coordinates[last - 1])
            }
            i => {
                let left_step = coordinates[i] - coordinates[i - 1];
                let right_step = coordinates[i + 1] - coordinates[i];
                let left_weight = -right_step / (left_step * (left_step + right_step));
                let center_weight = (right_step - left_step) / (left_step * right_step);
                let right_weight = left_step / (right_step * (left_step + right_step));
                left_weight * values[i - 1]
                    + center_weight * values[i]
                    + right_weight * values[i + 1]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "actual {actual}, expected {expected}, tolerance {tolerance}"
        );
    }

    /// Learning rates 1, 2, ..., count: their values name their indices.
    fn index_lrs(count: usize) -> Vec<f64> {
        (1..=count).map(|i| i as f64).collect()
    }

    #[test]
    fn gradient_unit_spacing_matches_numpy_rule() {
        // np.gradient([1, 2, 4, 7, 11]) = [1, 1.5, 2.5, 3.5, 4].
        let gradient = gradient_unit_spacing(&[1.0, 2.0, 4.0, 7.0, 11.0]);
        assert_eq!(gradient, vec![1.0, 1.5, 2.5, 3.5, 4.0]);
    }

    #[test]
    fn gradient_unit_spacing_two_points() {
        assert_eq!(gradient_unit_spacing(&[3.0, 1.0]), vec![-2.0, -2.0]);
    }

    #[test]
    fn gradient_with_coordinates_exact_for_quadratic() {
        // Second-order differences are exact for y = x² at uneven x, so inside
        // the gradient is 2x. The ends are one-sided: (1 − 0)/1 and
        // (16 − 9)/1.
        let x = [0.0, 1.0, 3.0, 4.0];
        let y: Vec<f64> = x.iter().map(|v| v * v).collect();
        let gradient = gradient_with_coordinates(&y, &x);
        assert_close(gradient[0], 1.0, 1e-12);
        assert_close(gradient[1], 2.0, 1e-12);
        assert_close(gradient[2], 6.0, 1e-12);
        assert_close(gradient[3], 7.0, 1e-12);
    }

    #[test]
    fn gradient_with_even_coordinates_is_unit_rule() {
        let values = [5.0, 3.0, 2.5, 2.0, 4.0];
        let x = [0.0, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(
            gradient_with_coordinates(&values, &x),
            gradient_unit_spacing(&values)
        );
    }

    #[test]
    fn valley_of_contiguous_run() {
        // Rises to index 2, then falls strictly from 2 to 8: the longest
        // decreasing subsequence is 2..=8, L = 7, start = 8 − 7 = 1, and the
        // index is 1 + 2 + 1 = 4.
        let losses = [1.0, 2.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 5.0];
        assert_eq!(valley(&index_lrs(10), &losses), Ok(5.0));
    }

    #[test]
    fn valley_of_subsequence_with_gaps() {
        // The longest strictly decreasing subsequence 9, 8, 7, 6, 5, 4 skips the
        // bumps: L = 6 ending at index 8, start = 2, index 2 + 2 + 1 = 5.
        let losses = [1.0, 9.0, 8.0, 8.5, 7.0, 6.0, 6.5, 5.0, 4.0, 10.0];
        assert_eq!(valley(&index_lrs(10), &losses), Ok(6.0));
    }

    #[test]
    fn valley_tie_keeps_first_end() {
        // 6, 5 (ending at index 2) and 9, 8 (ending at index 4) both have
        // L = 2. The first end wins: start 0, index 0. The last end would give
        // start 2, index 2.
        assert_eq!(valley(&index_lrs(5), &[1.0, 6.0, 5.0, 9.0, 8.0]), Ok(1.0));
    }

    #[test]
    fn valley_rejects_short_valley_at_start() {
        // 6, 5 ends at index 1 with L = 2, so start = −1 and the index is −1.
        assert_eq!(
            valley(&index_lrs(4), &[6.0, 5.0, 9.0, 8.0]),
            Err(NoSuggestion::NoValley { length: 2 })
        );
    }

    #[test]
    fn valley_rejects_rising_curve() {
        let result = valley(&index_lrs(4), &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(result, Err(NoSuggestion::NoValley { length: 1 }));
    }

    #[test]
    fn valley_accepts_short_drop_after_start() {
        // L = 2 ending at index 2 with start 0: fastai's index is 0.
        assert_eq!(valley(&index_lrs(4), &[1.0, 3.0, 2.0, 4.0]), Ok(1.0));
    }

    #[test]
    fn valley_of_fully_decreasing_curve() {
        // L = count, start = −1: index −1 + L/3 + L/6.
        let losses: Vec<f64> = (0..12).map(|i| 20.0 - i as f64).collect();
        assert_eq!(valley(&index_lrs(12), &losses), Ok((-1 + 4 + 2 + 1) as f64));
    }

    #[test]
    fn slide_never_moves_on_straight_line() {
        // A straight line has one gradient everywhere: the first window's left
        // end, index 20 − 1 − 15 = 4, is the suggestion.
        let losses: Vec<f64> = (0..20).map(|i| 5.0 - 0.1 * i as f64).collect();
        assert_eq!(slide(&index_lrs(20), &losses), 5.0);
    }

    #[test]
    fn slide_moves_until_gradients_agree() {
        // Flat at 0 up to index 9, then rising by 1 per point. Gradients:
        // 0 up to 8, 0.5 at 9, 1 from 10 on. Windows (right, left): (24, 9)
        // differ by 0.5, (23, 8) by 1, ..., (15, 0) by 1. The left end reaches
        // index 0, the loop ends at the curve's start, and index 0 is the last
        // remembered point.
        let losses: Vec<f64> = (0..25).map(|i| (i as f64 - 9.0).max(0.0)).collect();
        assert_eq!(slide(&index_lrs(25), &losses), 1.0);
    }

    #[test]
    fn slide_stops_inside_curve() {
        // Flat for 30 points, then rising: windows move left until both ends
        // sit on the flat part. Right end 29 has gradient 0.5 against 0 at 14,
        // right end 28 and left end 13 agree, so 14 is the suggestion.
        let losses: Vec<f64> = (0..40).map(|i| (i as f64 - 29.0).max(0.0)).collect();
        assert_eq!(slide(&index_lrs(40), &losses), 15.0);
    }

    #[test]
    fn slide_threshold_is_strict() {
        // Zeros, then 0.01 at index 17: gradients 0.01 at 17, 0.005 at 16 and
        // 0 elsewhere. Window (17, 2) differs by 0.01 and moves on, remembering
        // index 2. Window (16, 1) differs by exactly 0.005, which is not more
        // than the threshold, so index 2 is the suggestion.
        let mut losses = vec![0.0; 18];
        losses[17] = 0.01;
        assert_eq!(slide(&index_lrs(18), &losses), 3.0);
    }

    #[test]
    fn minimum_takes_first_lowest() {
        assert_eq!(minimum(&index_lrs(5), &[3.0, 1.0, 2.0, 1.0, 4.0]), 0.2);
    }

    #[test]
    fn steep_takes_left_end_of_steepest_segment() {
        // lrs e^0 .. e^4 give unit steps in ln(lr): slopes −1, −3, −2, 1.
        let lrs: Vec<f64> = (0..5).map(|i| (i as f64).exp()).collect();
        let losses = [9.0, 8.0, 5.0, 3.0, 4.0];
        assert_eq!(steep(&lrs, &losses), lrs[1]);
    }

    #[test]
    fn steep_divides_by_log_step() {
        // Uneven steps in ln(lr): a fall of 2 over a step of 4 (slope −0.5)
        // is less steep than a fall of 1 over a step of 1.
        let lrs = [1.0, 4f64.exp(), 5f64.exp()];
        assert_eq!(steep(&lrs, &[5.0, 3.0, 2.0]), lrs[1]);
    }

    #[test]
    fn lightning_steep_uses_lr_coordinates() {
        // Against lr at coordinates 1, 2, 10, 11 the gradients are
        // −1, −0.9583, −0.5139, −0.5 (np.gradient(y, x) gives the same), so
        // index 0 wins. Against the index they are −1, −3, −2.75, −0.5, where
        // index 1 would win.
        let lrs = [1.0, 2.0, 10.0, 11.0];
        let losses = [8.0, 7.0, 2.0, 1.5];
        let gradient = gradient_with_coordinates(&losses, &lrs);
        assert_close(gradient[1], -23.0 / 24.0, 1e-12);
        assert_close(gradient[2], -37.0 / 72.0, 1e-12);
        assert_eq!(lightning_steep(&lrs, &losses), 1.0);
    }
}
