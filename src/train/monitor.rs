//! Convergence and divergence rules, separate from libtorch so they can be
//! tested on made-up numbers.

use crate::experiment::{ConvergenceSpec, DivergenceSpec, Metric};
use crate::train::Evaluation;

/// Smoothing of the per-batch loss used by the divergence rule: an
/// exponential moving average, debiased like fastai's `AvgSmoothLoss`, so a
/// single noisy batch does not end a run.
const LOSS_SMOOTHING: f64 = 0.9;

/// Watches the batch losses of one run for divergence.
#[derive(Debug, Clone)]
pub struct DivergenceWatch {
    factor: f64,
    initial: Option<f64>,
    average: f64,
    batches: i32,
}

impl DivergenceWatch {
    pub fn new(spec: &DivergenceSpec) -> Self {
        DivergenceWatch {
            factor: spec.loss_factor,
            initial: None,
            average: 0.0,
            batches: 0,
        }
    }

    /// Records one batch loss; returns why the run diverged, if it did.
    ///
    /// A run diverges at a non-finite loss, or when the smoothed loss exceeds
    /// `factor` times the first batch's loss.
    pub fn record(&mut self, loss: f64) -> Option<String> {
        if !loss.is_finite() {
            return Some(format!("non-finite training loss ({loss})"));
        }
        let initial = *self.initial.get_or_insert(loss);
        self.batches += 1;
        self.average = LOSS_SMOOTHING * self.average + (1.0 - LOSS_SMOOTHING) * loss;
        let smoothed = self.average / (1.0 - LOSS_SMOOTHING.powi(self.batches));
        if smoothed > self.factor * initial {
            return Some(format!(
                "smoothed training loss {smoothed:.4} exceeds {} x the initial loss {initial:.4}",
                self.factor
            ));
        }
        None
    }
}

/// Returns the value of the convergence metric at an evaluation.
pub fn metric_value(metric: Metric, evaluation: &Evaluation) -> f64 {
    match metric {
        Metric::ValAccuracy => evaluation.val_accuracy,
        Metric::ValLoss => evaluation.val_loss,
        Metric::TrainLoss => evaluation.train_loss,
    }
}

/// Checks whether an evaluation meets the target (accuracy at or above it, a loss at or below it).
pub fn meets_target(spec: &ConvergenceSpec, evaluation: &Evaluation) -> bool {
    let value = metric_value(spec.metric, evaluation);
    if spec.metric.higher_is_better() {
        value >= spec.target
    } else {
        value <= spec.target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(factor: f64) -> DivergenceWatch {
        DivergenceWatch::new(&DivergenceSpec {
            loss_factor: factor,
        })
    }

    #[test]
    fn nan_diverges_at_once() {
        let mut w = watch(4.0);
        assert_eq!(w.record(2.3), None);
        assert!(w.record(f64::NAN).unwrap().contains("non-finite"));
        assert!(watch(4.0).record(f64::INFINITY).is_some());
    }

    #[test]
    fn falling_loss_never_diverges() {
        let mut w = watch(4.0);
        for i in 0..1000 {
            assert_eq!(w.record(2.3 / (1.0 + i as f64)), None);
        }
    }

    #[test]
    fn one_spike_is_smoothed_away() {
        let mut w = watch(4.0);
        assert_eq!(w.record(2.0), None);
        for _ in 0..20 {
            assert_eq!(w.record(1.0), None);
        }
        // A single batch at 5x the initial loss moves the average by a tenth of the jump.
        assert_eq!(w.record(10.0), None);
    }

    #[test]
    fn sustained_rise_diverges() {
        let mut w = watch(4.0);
        assert_eq!(w.record(2.0), None);
        let diverged = (0..50).find_map(|_| w.record(20.0));
        assert!(diverged.unwrap().contains("exceeds 4 x"));
    }

    #[test]
    fn targets_by_metric() {
        let evaluation = Evaluation {
            epoch: 1.0,
            step: 10,
            lr: 0.1,
            train_loss: 0.5,
            val_loss: 0.4,
            val_accuracy: 0.9,
        };
        let spec = |metric, target| ConvergenceSpec {
            metric,
            target,
            stop_at_target: true,
        };
        assert!(meets_target(&spec(Metric::ValAccuracy, 0.9), &evaluation));
        assert!(!meets_target(&spec(Metric::ValAccuracy, 0.91), &evaluation));
        assert!(meets_target(&spec(Metric::ValLoss, 0.4), &evaluation));
        assert!(!meets_target(&spec(Metric::ValLoss, 0.39), &evaluation));
        assert!(meets_target(&spec(Metric::TrainLoss, 0.6), &evaluation));
        assert!(!meets_target(&spec(Metric::TrainLoss, 0.45), &evaluation));
    }
}
