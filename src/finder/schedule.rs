//! Settings of the range test and its exponential learning-rate schedule.

use serde::{Deserialize, Serialize};

/// Settings of one learning-rate range test. `Default` gives the defaults of
/// fastai 2.x `Learner.lr_find`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FinderSettings {
    /// Learning rate of the first batch.
    pub start_lr: f64,
    /// Learning rate that the schedule approaches. No batch trains with it.
    pub end_lr: f64,
    /// Number of batches in a complete test.
    pub num_it: usize,
    /// Weight of the previous average in the exponential moving average of the
    /// loss, in [0, 1).
    pub beta: f64,
    /// The test stops as diverged once the smoothed loss exceeds this multiple
    /// of the best smoothed loss (see `RangeTest` for zero and negative losses).
    pub diverge_factor: f64,
}

impl Default for FinderSettings {
    fn default() -> Self {
        Self {
            start_lr: 1e-7,
            end_lr: 10.0,
            num_it: 100,
            beta: 0.98,
            diverge_factor: 4.0,
        }
    }
}

/// Error for finder settings that cannot describe a range test. The message
/// names the setting, its value and the accepted range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid finder setting {0}")]
pub struct InvalidSettings(String);

impl FinderSettings {
    /// Checks that every setting is finite and in its accepted range.
    ///
    /// NOTE: fastai silently raises a `num_it` below 6 to 6. This check rejects
    /// only values below 2 and never changes a setting.
    pub fn validate(&self) -> Result<(), InvalidSettings> {
        let invalid = |message: String| Err(InvalidSettings(message));

        if !self.start_lr.is_finite() || self.start_lr <= 0.0 {
            return invalid(format!(
                "start_lr = {}: it must be a finite number above 0 (fastai uses 1e-7)",
                self.start_lr
            ));
        }
        if !self.end_lr.is_finite() || self.end_lr <= self.start_lr {
            return invalid(format!(
                "end_lr = {}: it must be a finite number above start_lr = {} (fastai uses 10)",
                self.end_lr, self.start_lr
            ));
        }
        if self.num_it < 2 {
            return invalid(format!(
                "num_it = {}: the test needs at least 2 iterations (fastai uses 100)",
                self.num_it
            ));
        }
        if !(0.0..1.0).contains(&self.beta) {
            return invalid(format!(
                "beta = {}: the smoothing weight must lie in [0, 1) (fastai uses 0.98)",
                self.beta
            ));
        }
        if !self.diverge_factor.is_finite() || self.diverge_factor <= 1.0 {
            return invalid(format!(
                "diverge_factor = {}: it must be a finite number above 1 (fastai uses 4)",
                self.diverge_factor
            ));
        }
        Ok(())
    }
}

/// Returns the learning rate of batch `iteration` (0-based):
/// start_lr · (end_lr / start_lr)^(iteration / num_it).
///
/// The expression has the same operations in the same order as fastai's
/// `SchedExp`, so the rates match fastai's to the last bit where both use the
/// same `pow`. Batch `num_it` would train with `end_lr`, but a test stops after
/// batch `num_it - 1`.
pub fn lr_at(settings: &FinderSettings, iteration: usize) -> f64 {
    let position = iteration as f64 / settings.num_it as f64;
    settings.start_lr * (settings.end_lr / settings.start_lr).powf(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64, relative: f64) {
        let error = (actual - expected).abs() / expected.abs();
        assert!(
            error <= relative,
            "actual {actual:e}, expected {expected:e}, relative error {error:e}"
        );
    }

    #[test]
    fn defaults_match_fastai() {
        let settings = FinderSettings::default();
        assert_eq!(settings.start_lr, 1e-7);
        assert_eq!(settings.end_lr, 10.0);
        assert_eq!(settings.num_it, 100);
        assert_eq!(settings.beta, 0.98);
        assert_eq!(settings.diverge_factor, 4.0);
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn lr_at_first_batch_is_start_lr() {
        assert_eq!(lr_at(&FinderSettings::default(), 0), 1e-7);
    }

    #[test]
    fn lr_at_batch_38() {
        // 1e-7 · (1e8)^0.38 = 10^(-7 + 3.04) = 10^-3.96 = 1.0964781961431851e-4.
        assert_close(
            lr_at(&FinderSettings::default(), 38),
            1.0964781961431851e-4,
            1e-13,
        );
    }

    #[test]
    fn lr_at_last_batch() {
        // 10^(-7 + 8 · 0.99) = 10^0.92 = 8.317637711026709.
        assert_close(
            lr_at(&FinderSettings::default(), 99),
            8.317637711026709,
            1e-13,
        );
    }

    #[test]
    fn lr_at_num_it_is_end_lr() {
        assert_close(lr_at(&FinderSettings::default(), 100), 10.0, 1e-13);
    }

    #[test]
    fn lr_at_other_range() {
        let settings = FinderSettings {
            start_lr: 1e-3,
            end_lr: 1.0,
            num_it: 6,
            ..FinderSettings::default()
        };
        // 1e-3 · 1000^(3/6) = 1e-3 · 31.6227766... = 0.0316227766016838.
        assert_close(lr_at(&settings, 3), 0.0316227766016838, 1e-13);
    }

    #[test]
    fn validate_rejects_bad_values() {
        let cases = [
            (
                "start_lr zero",
                FinderSettings {
                    start_lr: 0.0,
                    ..Default::default()
                },
            ),
            (
                "start_lr negative",
                FinderSettings {
                    start_lr: -1e-7,
                    ..Default::default()
                },
            ),
            (
                "start_lr NaN",
                FinderSettings {
                    start_lr: f64::NAN,
                    ..Default::default()
                },
            ),
            (
                "end_lr equal",
                FinderSettings {
                    end_lr: 1e-7,
                    ..Default::default()
                },
            ),
            (
                "end_lr below",
                FinderSettings {
                    end_lr: 1e-8,
                    ..Default::default()
                },
            ),
            (
                "end_lr infinite",
                FinderSettings {
                    end_lr: f64::INFINITY,
                    ..Default::default()
                },
            ),
            (
                "num_it 0",
                FinderSettings {
                    num_it: 0,
                    ..Default::default()
                },
            ),
            (
                "num_it 1",
                FinderSettings {
                    num_it: 1,
                    ..Default::default()
                },
            ),
            (
                "beta 1",
                FinderSettings {
                    beta: 1.0,
                    ..Default::default()
                },
            ),
            (
                "beta negative",
                FinderSettings {
                    beta: -0.1,
                    ..Default::default()
                },
            ),
            (
                "beta NaN",
                FinderSettings {
                    beta: f64::NAN,
                    ..Default::default()
                },
            ),
            (
                "factor 1",
                FinderSettings {
                    diverge_factor: 1.0,
                    ..Default::default()
                },
            ),
            (
                "factor 0.5",
                FinderSettings {
                    diverge_factor: 0.5,
                    ..Default::default()
                },
            ),
            (
                "factor infinite",
                FinderSettings {
                    diverge_factor: f64::INFINITY,
                    ..Default::default()
                },
            ),
        ];
        for (case, settings) in cases {
            assert!(
                settings.validate().is_err(),
                "{case} was accepted: {settings:?}"
            );
        }
    }

    #[test]
    fn validate_accepts_edge_values() {
        let settings = FinderSettings {
            num_it: 2,
            beta: 0.0,
            diverge_factor: 1.5,
            ..Default::default()
        };
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn validate_message_names_value() {
        let settings = FinderSettings {
            num_it: 1,
            ..Default::default()
        };
        let message = settings.validate().unwrap_err().to_string();
        assert!(message.contains("num_it = 1"), "{message}");
    }

    #[test]
    fn settings_deserialize_with_defaults() {
        let settings: FinderSettings = serde_json::from_str(r#"{"num_it": 200}"#).unwrap();
        assert_eq!(settings.num_it, 200);
        assert_eq!(settings.start_lr, 1e-7);
    }
}
