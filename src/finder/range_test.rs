//! The recorder of one range test: smoothing, stop rules and the recorded curve.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::schedule::{lr_at, FinderSettings, InvalidSettings};
use super::suggest::{suggest, Method, NoSuggestion};

/// One recorded batch of a range test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// 0-based batch index.
    pub iteration: usize,
    /// Learning rate the batch trained with.
    pub lr: f64,
    /// Raw training loss of the batch.
    pub loss: f64,
    /// Debiased exponential moving average of the raw losses up to this batch.
    pub smoothed_loss: f64,
}

/// Why a range test stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StopReason {
    /// All `num_it` batches ran.
    Completed,
    /// The smoothed loss rose too far above the best smoothed loss at this
    /// learning rate.
    Diverged { lr: f64 },
    /// The raw or smoothed loss was NaN or infinite at this learning rate.
    NonFinite { lr: f64 },
    /// The caller ran out of batches before the test completed.
    OutOfData,
}

impl StopReason {
    /// Returns the snake_case name used in CSV reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            StopReason::Completed => "completed",
            StopReason::Diverged { .. } => "diverged",
            StopReason::NonFinite { .. } => "non_finite",
            StopReason::OutOfData => "out_of_data",
        }
    }

    /// Returns the learning rate of the batch that stopped the test, for the
    /// reasons that have one.
    pub fn lr(&self) -> Option<f64> {
        match self {
            StopReason::Diverged { lr } | StopReason::NonFinite { lr } => Some(*lr),
            StopReason::Completed | StopReason::OutOfData => None,
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the training loop does after a recorded batch.
#[derive(Debug, Clone, Copy, PartialEq)]
#[must_use]
pub enum Step {
    /// Train the next batch with `RangeTest::next_lr`.
    Continue,
    /// The test is over.
    Stop(StopReason),
}

/// The recorder of one learning-rate range test, fed one raw batch loss at a
/// time.
///
/// It smooths the losses as fastai's `AvgSmoothLoss` does: an exponential
/// moving average with weight `beta`, divided by 1 − beta^(i+1) so that the
/// first smoothed loss equals the first raw loss. It stops on the first of
/// these, checked in this order after each batch:
/// - A non-finite raw or smoothed loss. fastai stops on +∞ (as divergence)
///   but never on NaN.
/// - Divergence of the smoothed loss `s` from the best smoothed loss `b` so
///   far, `b` including `s`. For `b > 0` this is fastai's rule,
///   `s > diverge_factor · b`, evaluated with the same expression. For
///   `b <= 0` fastai's rule would stop at once for a negative best and at any
///   rise above a best of 0, so here the rise `s − b` must exceed
///   `(diverge_factor − 1) · max(|b|, |s₀|)`, where `s₀` is the first smoothed
///   loss. Without the `|s₀|` floor that is fastai's rule rewritten, and the
///   floor keeps a best of exactly 0 from stopping the test at any rise. A
///   curve whose first and best losses are both 0 has no scale, so there any
///   rise above 0 counts as divergence.
/// - Completion of `num_it` batches.
///
/// The batch that stops the test is recorded, as in fastai.
#[derive(Debug, Clone)]
pub struct RangeTest {
    settings: FinderSettings,
    points: Vec<CurvePoint>,
    /// Exponential moving average of the raw losses before debiasing.
    average: f64,
    best_smoothed: f64,
    first_smoothed: Option<f64>,
    stop_reason: Option<StopReason>,
}

impl RangeTest {
    /// Creates a recorder for a test with these settings.
    pub fn new(settings: FinderSettings) -> Result<Self, InvalidSettings> {
        settings.validate()?;
        Ok(Self {
            settings,
            points: Vec::with_capacity(settings.num_it),
            average: 0.0,
            best_smoothed: f64::INFINITY,
            first_smoothed: None,
            stop_reason: None,
        })
    }

    pub fn settings(&self) -> &FinderSettings {
        &self.settings
    }

    /// Returns the learning rate for the next batch, or `None` once the test
    /// has stopped.
    pub fn next_lr(&self) -> Option<f64> {
        match self.stop_reason {
            Some(_) => None,
            None => Some(lr_at(&self.settings, self.points.len())),
        }
    }

    /// Records the raw loss of the batch trained with `next_lr` and returns
    /// whether to train another batch.
    ///
    /// After the test has stopped, the loss is ignored and the same
    /// `Step::Stop` is returned again.
    pub fn record(&mut self, loss: f64) -> Step {
        if let Some(reason) = self.stop_reason {
            return Step::Stop(reason);
        }

        let iteration = self.points.len();
        let lr = lr_at(&self.settings, iteration);
        let beta = self.settings.beta;
        self.average += (1.0 - beta) * (loss - self.average);
        let smoothed_loss = self.average / (1.0 - beta.powf((iteration + 1) as f64));
        self.points.push(CurvePoint {
            iteration,
            lr,
            loss,
            smoothed_loss,
        });

        let reason = self.stop_reason_after(loss, smoothed_loss, lr);
        match reason {
            Some(reason) => {
                self.stop_reason = Some(reason);
                Step::Stop(reason)
            }
            None => Step::Continue,
        }
    }

    fn stop_reason_after(&mut self, loss: f64, smoothed_loss: f64, lr: f64) -> Option<StopReason> {
        if !loss.is_finite() || !smoothed_loss.is_finite() {
            return Some(StopReason::NonFinite { lr });
        }

        let first_smoothed = *self.first_smoothed.get_or_insert(smoothed_loss);
        if smoothed_loss < self.best_smoothed {
            self.best_smoothed = smoothed_loss;
        }
        if has_diverged(
            smoothed_loss,
            self.best_smoothed,
            first_smoothed,
            self.settings.diverge_factor,
        ) {
            return Some(StopReason::Diverged { lr });
        }

        if self.points.len() >= self.settings.num_it {
            return Some(StopReason::Completed);
        }
        None
    }

    /// Stops the test because the caller has no more batches, and returns the
    /// final stop reason. A test that had already stopped keeps its reason.
    pub fn stop_out_of_data(&mut self) -> StopReason {
        *self.stop_reason.get_or_insert(StopReason::OutOfData)
    }

    /// Returns why the test stopped, or `None` while it runs.
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stop_reason
    }

    /// Returns the recorded batches in order, the stopping batch included.
    pub fn points(&self) -> &[CurvePoint] {
        &self.points
    }

    pub fn lrs(&self) -> Vec<f64> {
        self.points.iter().map(|point| point.lr).collect()
    }

    pub fn smoothed_losses(&self) -> Vec<f64> {
        self.points
            .iter()
            .map(|point| point.smoothed_loss)
            .collect()
    }

    /// Suggests a learning rate from the smoothed losses recorded so far, as
    /// fastai's `lr_find` does with its recorder's losses.
    pub fn suggest(&self, method: Method) -> Result<f64, NoSuggestion> {
        suggest(
            method,
            &self.lrs(),
            &self.smoothed_losses(),
            self.settings.num_it,
        )
    }
}

/// Applies the divergence rule described on `RangeTest`.
fn has_diverged(smoothed: f64, best: f64, first_smoothed: f64, factor: f64) -> bool {
    if best > 0.0 {
        return smoothed > factor * best;
    }
    let scale = best.abs().max(first_smoothed.abs());
    smoothed - best > (factor - 1.0) * scale
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

    fn default_test() -> RangeTest {
        RangeTest::new(FinderSettings::default()).unwrap()
    }

    /// Records `losses` until the test stops and returns the stop reason, or
    /// `None` if the losses ran out first.
    fn feed(test: &mut RangeTest, losses: &[f64]) -> Option<StopReason> {
        for &loss in losses {
            if let Step::Stop(reason) = test.record(loss) {
                return Some(reason);
            }
        }
        None
    }

    #[test]
    fn new_rejects_invalid_settings() {
        let settings = FinderSettings {
            beta: 1.0,
            ..Default::default()
        };
        assert!(RangeTest::new(settings).is_err());
    }

    #[test]
    fn first_smoothed_equals_first_raw() {
        let mut test = default_test();
        assert_eq!(test.record(2.5), Step::Continue);
        assert_close(test.points()[0].smoothed_loss, 2.5, 1e-12);
    }

    #[test]
    fn smoothing_is_debiased_average() {
        let mut test = default_test();
        let _ = test.record(2.0);
        let _ = test.record(1.0);
        let _ = test.record(4.0);
        // Hand-computed: a1 = 0.02·2 = 0.04, a2 = 0.98·0.04 + 0.02·1 = 0.0592,
        // a3 = 0.98·0.0592 + 0.02·4 = 0.138016.
        // Debiased: 0.0592 / (1 − 0.98²) = 0.0592 / 0.0396,
        //           0.138016 / (1 − 0.98³) = 0.138016 / 0.058808.
        let smoothed = test.smoothed_losses();
        assert_close(smoothed[1], 0.0592 / 0.0396, 1e-12);
        assert_close(smoothed[2], 0.138016 / 0.058808, 1e-12);
    }

    #[test]
    fn smoothing_with_beta_zero_is_raw() {
        let settings = FinderSettings {
            beta: 0.0,
            ..Default::default()
        };
        let mut test = RangeTest::new(settings).unwrap();
        for loss in [3.0, 2.0, 2.5] {
            let _ = test.record(loss);
        }
        assert_eq!(test.smoothed_losses(), vec![3.0, 2.0, 2.5]);
    }

    #[test]
    fn points_keep_iteration_lr_and_losses() {
        let mut test = default_test();
        let _ = test.record(1.5);
        let _ = test.record(1.25);
        let point = test.points()[1];
        assert_eq!(point.iteration, 1);
        assert_eq!(point.lr, lr_at(&FinderSettings::default(), 1));
        assert_eq!(point.loss, 1.25);
    }

    #[test]
    fn next_lr_follows_schedule() {
        let mut test = default_test();
        assert_eq!(test.next_lr(), Some(1e-7));
        let _ = test.record(1.0);
        assert_eq!(test.next_lr(), Some(lr_at(&FinderSettings::default(), 1)));
    }

    #[test]
    fn flat_curve_completes_after_num_it() {
        let mut test = default_test();
        for _ in 0..99 {
            assert_eq!(test.record(1.0), Step::Continue);
        }
        assert_eq!(test.record(1.0), Step::Stop(StopReason::Completed));
        assert_eq!(test.points().len(), 100);
        assert_eq!(test.next_lr(), None);
    }

    #[test]
    fn record_after_stop_is_ignored() {
        let settings = FinderSettings {
            num_it: 2,
            ..Default::default()
        };
        let mut test = RangeTest::new(settings).unwrap();
        let _ = test.record(1.0);
        let _ = test.record(1.0);
        assert_eq!(test.record(1.0), Step::Stop(StopReason::Completed));
        assert_eq!(test.points().len(), 2);
    }

    #[test]
    fn divergence_stops_past_four_times_best() {
        // beta = 0 makes the smoothed loss the raw loss, so the rule is visible:
        // best 1.0, then 4.0 is not above 4·1.0 but 4.5 is.
        let settings = FinderSettings {
            beta: 0.0,
            ..Default::default()
        };
        let mut test = RangeTest::new(settings).unwrap();
        let reason = feed(&mut test, &[2.0, 1.0, 3.0, 4.0, 4.5, 1.0]);
        let lr_of_fifth = lr_at(&settings, 4);
        assert_eq!(reason, Some(StopReason::Diverged { lr: lr_of_fifth }));
        assert_eq!(test.points().len(), 5);
    }

    #[test]
    fn divergence_with_smoothing() {
        // A constant loss of 1 followed by a loss of 1000: the first smoothed
        // value after the jump is (0.98·a + 0.02·1000) / (1 − 0.98^k), far
        // above 4.
        let mut test = default_test();
        let mut losses = vec![1.0; 20];
        losses.push(1000.0);
        let reason = feed(&mut test, &losses);
        assert!(
            matches!(reason, Some(StopReason::Diverged { .. })),
            "{reason:?}"
        );
        assert_eq!(test.points().len(), 21);
    }

    #[test]
    fn nan_loss_stops_as_non_finite() {
        let mut test = default_test();
        let reason = feed(&mut test, &[1.0, 0.9, f64::NAN, 0.8]);
        let lr = lr_at(&FinderSettings::default(), 2);
        assert_eq!(reason, Some(StopReason::NonFinite { lr }));
        assert_eq!(test.points().len(), 3);
        assert!(test.points()[2].smoothed_loss.is_nan());
    }

    #[test]
    fn infinite_loss_stops_as_non_finite() {
        let mut test = default_test();
        let reason = feed(&mut test, &[1.0, f64::INFINITY]);
        assert!(
            matches!(reason, Some(StopReason::NonFinite { .. })),
            "{reason:?}"
        );
    }

    #[test]
    fn negative_infinite_loss_stops_as_non_finite() {
        let mut test = default_test();
        let reason = feed(&mut test, &[1.0, f64::NEG_INFINITY]);
        assert!(
            matches!(reason, Some(StopReason::NonFinite { .. })),
            "{reason:?}"
        );
    }

    #[test]
    fn negative_losses_do_not_stop_early() {
        // fastai's rule stops here at the first batch, because −1 > 4·(−1).
        // Scale = max(|−2|, |−1|) = 2, so the rise must pass 3·2 = 6 above the
        // best of −2.
        let settings = FinderSettings {
            beta: 0.0,
            ..Default::default()
        };
        let mut test = RangeTest::new(settings).unwrap();
        let reason = feed(&mut test, &[-1.0, -0.5, -2.0, -1.0, 3.9, 4.0]);
        assert_eq!(reason, None);
        assert_eq!(test.points().len(), 6);

        let reason = feed(&mut test, &[4.1]);
        let lr = lr_at(&settings, 6);
        assert_eq!(reason, Some(StopReason::Diverged { lr }));
    }

    #[test]
    fn positive_to_negative_uses_first_loss_scale() {
        // Losses start at 0.5 and reach −0.1: scale = max(0.1, 0.5) = 0.5, so
        // the test diverges above −0.1 + 3·0.5 = 1.4.
        let settings = FinderSettings {
            beta: 0.0,
            ..Default::default()
        };
        let mut test = RangeTest::new(settings).unwrap();
        assert_eq!(feed(&mut test, &[0.5, 0.2, -0.1, 0.3, 1.0, 1.39]), None);
        assert!(matches!(
            feed(&mut test, &[1.41]),
            Some(StopReason::Diverged { .. })
        ));
    }

    #[test]
    fn zero_best_uses_first_loss_scale() {
        // fastai's rule stops at any loss above 0 once the best is 0. Here the
        // first loss 2.0 sets the scale, so the test diverges above 3·2 = 6.
        let settings = FinderSettings {
            beta: 0.0,
            ..Default::default()
        };
        let mut test = RangeTest::new(settings).unwrap();
        assert_eq!(feed(&mut test, &[2.0, 1.0, 0.0, 0.5, 5.9, 6.0]), None);
        assert!(matches!(
            feed(&mut test, &[6.1]),
            Some(StopReason::Diverged { .. })
        ));
    }

    #[test]
    fn zero_curve_continues_while_zero() {
        let mut test = default_test();
        assert_eq!(feed(&mut test, &[0.0; 50]), None);
        assert_eq!(feed(&mut test, &[0.0; 50]), Some(StopReason::Completed));
    }

    #[test]
    fn zero_curve_diverges_on_any_rise() {
        let settings = FinderSettings {
            beta: 0.0,
            ..Default::default()
        };
        let mut test = RangeTest::new(settings).unwrap();
        let reason = feed(&mut test, &[0.0, 0.0, 1e-6]);
        assert!(
            matches!(reason, Some(StopReason::Diverged { .. })),
            "{reason:?}"
        );
    }

    #[test]
    fn positive_rule_is_fastai_expression() {
        // For these values (found by search) s > 4·b is true but the rounded
        // s − b > 3·b is false. fastai's expression decides.
        let best = 2.700101979639798;
        let smoothed = 10.800407918559193;
        assert!(smoothed - best <= 3.0 * best);
        assert!(has_diverged(smoothed, best, 9.0, 4.0));
        assert!(!has_diverged(4.0, 1.0, 9.0, 4.0));
        assert!(has_diverged(4.000000000000001, 1.0, 9.0, 4.0));
    }

    #[test]
    fn out_of_data_sets_reason() {
        let mut test = default_test();
        let _ = test.record(1.0);
        assert_eq!(test.stop_out_of_data(), StopReason::OutOfData);
        assert_eq!(test.stop_reason(), Some(StopReason::OutOfData));
        assert_eq!(test.record(1.0), Step::Stop(StopReason::OutOfData));
        assert_eq!(test.points().len(), 1);
    }

    #[test]
    fn out_of_data_keeps_earlier_reason() {
        let mut test = default_test();
        let _ = test.record(f64::NAN);
        assert!(matches!(
            test.stop_out_of_data(),
            StopReason::NonFinite { .. }
        ));
    }

    #[test]
    fn constant_loss_gives_flat_curve() {
        // The smoothed values of a constant loss differ by rounding only.
        let mut test = default_test();
        assert_eq!(feed(&mut test, &[0.7; 100]), Some(StopReason::Completed));
        for method in Method::ALL {
            assert_eq!(
                test.suggest(method),
                Err(NoSuggestion::FlatCurve),
                "{method}"
            );
        }
    }

    #[test]
    fn early_nan_gives_no_finite_loss() {
        // The test stops at the NaN at point 3, before fastai's window starts at
        // point 10 and Lightning's at point 10.
        let mut test = default_test();
        let reason = feed(&mut test, &[1.0, 0.9, 0.8, f64::NAN]);
        assert!(
            matches!(reason, Some(StopReason::NonFinite { .. })),
            "{reason:?}"
        );
        for method in Method::ALL {
            assert_eq!(
                test.suggest(method),
                Err(NoSuggestion::NoFiniteLoss { index: 3 }),
                "{method}"
            );
        }
    }

    #[test]
    fn suggest_uses_smoothed_losses() {
        let mut test = default_test();
        let losses: Vec<f64> = (0..100)
            .map(|i| 3.0 - 0.02 * i as f64 + if i % 2 == 0 { 0.5 } else { -0.5 })
            .collect();
        assert_eq!(feed(&mut test, &losses), Some(StopReason::Completed));
        let lrs = test.lrs();
        for method in Method::ALL {
            let expected = suggest(method, &lrs, &test.smoothed_losses(), 100);
            assert_eq!(test.suggest(method), expected, "{method}");
        }
        // The raw losses give another minimum: their lowest point in the
        // window is the odd point 93, the smoothed curve's is the last, 94.
        assert_eq!(
            suggest(Method::Minimum, &lrs, &losses, 100),
            Ok(lrs[93] / 10.0)
        );
        assert_eq!(test.suggest(Method::Minimum), Ok(lrs[94] / 10.0));
    }

    #[test]
    fn stop_reason_csv_names() {
        assert_eq!(StopReason::Completed.to_string(), "completed");
        assert_eq!(StopReason::Diverged { lr: 0.1 }.to_string(), "diverged");
        assert_eq!(StopReason::NonFinite { lr: 0.1 }.to_string(), "non_finite");
        assert_eq!(StopReason::OutOfData.to_string(), "out_of_data");
    }

    #[test]
    fn stop_reason_lr() {
        assert_eq!(StopReason::Diverged { lr: 0.5 }.lr(), Some(0.5));
        assert_eq!(StopReason::Completed.lr(), None);
    }
}
