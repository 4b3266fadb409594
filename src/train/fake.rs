//! A trainer that computes made-up but lawful curves in microseconds, so tests
//! can run the whole pipeline (grid, runner, records, reports) without libtorch.

use crate::finder::{RangeTest, Step};
use crate::grid::{FinderRun, Run};
use crate::runner::cancel;
use crate::train::monitor::meets_target;
use crate::train::schedule::{evaluation_steps, steps_per_epoch};
use crate::train::{Evaluation, FinderJob, FinderOutcome, Job, Outcome, Status, Trainer};

/// Samples per fake epoch; only the evaluation steps depend on it.
const FAKE_SAMPLES: usize = 1000;

/// Curves from a closed form: the loss decays as exp(-speed · epoch), where
/// speed grows with the rate up to `best_lr` and falls above it. Rates above
/// `diverge_above` diverge after one evaluation interval.
#[derive(Debug, Clone)]
pub struct FakeTrainer {
    pub best_lr: f64,
    pub diverge_above: f64,
    /// Runs with this seed fail with an error, to test failure handling.
    pub failing_seed: Option<u64>,
}

impl Default for FakeTrainer {
    fn default() -> Self {
        FakeTrainer {
            best_lr: 0.1,
            diverge_above: 3.0,
            failing_seed: None,
        }
    }
}

impl Trainer for FakeTrainer {
    type Job = FakeJob;
    type FinderJob = FakeFinderJob;

    fn prepare(&self, run: &Run) -> anyhow::Result<FakeJob> {
        Ok(FakeJob {
            trainer: self.clone(),
            run: run.clone(),
        })
    }

    fn prepare_finder(&self, run: &FinderRun) -> anyhow::Result<FakeFinderJob> {
        Ok(FakeFinderJob {
            trainer: self.clone(),
            run: run.clone(),
        })
    }
}

impl FakeTrainer {
    /// Returns the range test's batch loss at `lr`: it falls over the three
    /// decades below `best_lr`, rises slowly above it, and explodes above
    /// `diverge_above`.
    pub fn finder_loss(&self, lr: f64) -> f64 {
        let below = ((lr / self.best_lr).log10() + 3.0) / 3.0;
        if lr < self.best_lr {
            2.3 - 2.0 * below.clamp(0.0, 1.0).powi(2)
        } else if lr < self.diverge_above {
            0.3 + 0.2 * (lr / self.best_lr).log10()
        } else {
            10.0 * (lr / self.diverge_above).powi(2)
        }
    }
}

pub struct FakeFinderJob {
    trainer: FakeTrainer,
    run: FinderRun,
}

impl FinderJob for FakeFinderJob {
    fn find(self, observe: &mut dyn FnMut(f64, f64)) -> anyhow::Result<FinderOutcome> {
        if self.trainer.failing_seed == Some(self.run.seed) {
            anyhow::bail!("fake failure for seed {}", self.run.seed);
        }
        let mut test = RangeTest::new(self.run.settings)?;
        while let Some(lr) = test.next_lr() {
            let loss = self.trainer.finder_loss(lr);
            observe(lr, loss);
            cancel::check()?;
            if let Step::Stop(_) = test.record(loss) {
                break;
            }
        }
        let stop_reason = test
            .stop_reason()
            .expect("the loop ends only after the test stops");
        Ok(FinderOutcome {
            points: test.points().to_vec(),
            stop_reason,
        })
    }
}

pub struct FakeJob {
    trainer: FakeTrainer,
    run: Run,
}

impl Job for FakeJob {
    fn train(self, observe: &mut dyn FnMut(&Evaluation)) -> anyhow::Result<Outcome> {
        let FakeJob { trainer, run } = self;
        if trainer.failing_seed == Some(run.seed) {
            anyhow::bail!("fake failure for seed {}", run.seed);
        }
        let per_epoch = steps_per_epoch(FAKE_SAMPLES, run.setup.training.batch_size);
        let ratio = run.lr / trainer.best_lr;
        // Speed 3 per epoch at the best rate, slower on either side; seeds shift it a little.
        let speed = 3.0 * ratio.min(1.0 / ratio) * (1.0 + 0.01 * run.seed as f64);
        let initial = 2.3;
        let evaluation = |step: u64, loss: f64| Evaluation {
            epoch: step as f64 / per_epoch as f64,
            step,
            lr: run.lr,
            train_loss: loss,
            val_loss: loss * 1.05,
            val_accuracy: (1.0 - loss / initial).clamp(0.0, 1.0) * 0.99 + 0.01,
        };
        let mut evaluations = vec![evaluation(0, initial)];
        observe(&evaluations[0]);
        for step in evaluation_steps(
            per_epoch,
            run.setup.training.eval_every,
            run.setup.training.max_epochs,
        ) {
            let epoch = step as f64 / per_epoch as f64;
            if run.lr > trainer.diverge_above {
                let point = evaluation(step, f64::NAN);
                observe(&point);
                evaluations.push(point);
                let note = Some("non-finite training loss (NaN)".to_owned());
                return Ok(Outcome {
                    status: Status::Diverged,
                    epochs_to_converge: None,
                    evaluations,
                    note,
                    parameter_path: None,
                });
            }
            let point = evaluation(step, initial * (-speed * epoch).exp());
            observe(&point);
            let converged = meets_target(&run.convergence, &point);
            evaluations.push(point);
            if converged {
                return Ok(Outcome {
                    status: Status::Converged,
                    epochs_to_converge: Some(epoch),
                    evaluations,
                    note: None,
                    parameter_path: None,
                });
            }
            cancel::check()?;
        }
        Ok(Outcome {
            status: Status::NotConverged,
            epochs_to_converge: None,
            evaluations,
            note: None,
            parameter_path: None,
        })
    }
}
