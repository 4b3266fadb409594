//! Full-batch gradient descent on a quadratic bowl, the problem whose four
//! learning-rate scenarios have exact solutions. Plain Rust, no libtorch: the
//! parameter vector is small and every step is a few multiplications.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::experiment::{OptimizerKind, OptimizerSpec, QuadraticSpec};
use crate::finder::{FinderSettings, RangeTest, Step};
use crate::grid::{FinderRun, Run};
use crate::runner::cancel::{self, Interrupted};
use crate::train::monitor::{meets_target, DivergenceWatch};
use crate::train::schedule::evaluation_steps;
use crate::train::{init, Evaluation, FinderJob, FinderOutcome, Job, Outcome, Status};

/// Stream of the run's seed used for gradient noise.
const NOISE_STREAM: u64 = 3;

/// The bowl f(w) = sum of a_i / 2 · w_i², with w measured from the minimum w*.
struct Bowl<'a> {
    spec: &'a QuadraticSpec,
    noise: ChaCha8Rng,
}

impl Bowl<'_> {
    fn start(&self) -> Vec<f64> {
        vec![self.spec.start; self.spec.curvatures.len()]
    }

    fn loss(&self, w: &[f64]) -> f64 {
        self.spec
            .curvatures
            .iter()
            .zip(w)
            .map(|(a, x)| 0.5 * a * x * x)
            .sum()
    }

    /// Computes the gradient a_i · w_i, plus Gaussian noise when the spec sets `noise`.
    fn gradient(&mut self, w: &[f64]) -> Vec<f64> {
        let noise = self.spec.noise;
        let exact = self.spec.curvatures.iter().zip(w).map(|(a, x)| a * x);
        if noise == 0.0 {
            return exact.collect();
        }
        exact
            .map(|g| g + noise * standard_normal(&mut self.noise))
            .collect()
    }

    /// Index of the coordinate with the largest curvature, whose path shows
    /// the overshoot that theory predicts.
    fn stiffest(&self) -> usize {
        let curvatures = &self.spec.curvatures;
        (0..curvatures.len())
            .max_by(|&i, &j| curvatures[i].total_cmp(&curvatures[j]))
            .unwrap_or(0)
    }
}

/// Draws a standard normal sample by the Box-Muller transform.
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// The update rules of the experiment's optimizers, as PyTorch defines them.
struct Optimizer<'a> {
    spec: &'a OptimizerSpec,
    velocity: Vec<f64>,
    second_moment: Vec<f64>,
    steps: i32,
}

impl<'a> Optimizer<'a> {
    fn new(spec: &'a OptimizerSpec, size: usize) -> Self {
        Optimizer {
            spec,
            velocity: vec![0.0; size],
            second_moment: vec![0.0; size],
            steps: 0,
        }
    }

    fn step(&mut self, w: &mut [f64], gradient: &[f64], lr: f64) {
        self.steps += 1;
        for i in 0..w.len() {
            let g = gradient[i] + self.spec.weight_decay * w[i];
            let update = match self.spec.kind {
                OptimizerKind::Sgd => g,
                OptimizerKind::Momentum { momentum, nesterov } => {
                    self.velocity[i] = if self.steps == 1 {
                        g
                    } else {
                        momentum * self.velocity[i] + g
                    };
                    if nesterov {
                        g + momentum * self.velocity[i]
                    } else {
                        self.velocity[i]
                    }
                }
                OptimizerKind::Adam { beta1, beta2, eps } => {
                    self.velocity[i] = beta1 * self.velocity[i] + (1.0 - beta1) * g;
                    self.second_moment[i] = beta2 * self.second_moment[i] + (1.0 - beta2) * g * g;
                    let first = self.velocity[i] / (1.0 - beta1.powi(self.steps));
                    let second = self.second_moment[i] / (1.0 - beta2.powi(self.steps));
                    first / (second.sqrt() + eps)
                }
            };
            w[i] -= lr * update;
        }
    }
}

fn bowl<'a>(spec: &'a QuadraticSpec, seed: u64) -> Bowl<'a> {
    Bowl {
        spec,
        noise: init::generator(seed, NOISE_STREAM),
    }
}

/// A training run on a quadratic bowl.
pub struct QuadraticJob {
    pub run: Run,
    pub spec: QuadraticSpec,
}

impl Job for QuadraticJob {
    fn train(self, observe: &mut dyn FnMut(&Evaluation)) -> anyhow::Result<Outcome> {
        Ok(train(&self.run, &self.spec, observe)?)
    }
}

fn evaluation(step: u64, per_epoch: u64, lr: f64, loss: f64) -> Evaluation {
    Evaluation {
        epoch: step as f64 / per_epoch as f64,
        step,
        lr,
        train_loss: loss,
        val_loss: loss,
        // A bowl has no classes; the metric is undefined.
        val_accuracy: f64::NAN,
    }
}

/// Runs gradient descent, evaluating the exact loss every `eval_every`
/// epochs, and records the stiffest coordinate's offset from the minimum
/// after every step.
fn train(
    run: &Run,
    spec: &QuadraticSpec,
    observe: &mut dyn FnMut(&Evaluation),
) -> Result<Outcome, Interrupted> {
    let mut bowl = bowl(spec, run.seed);
    let mut w = bowl.start();
    let stiffest = bowl.stiffest();
    let mut optimizer = Optimizer::new(&run.setup.optimizer, w.len());
    let per_epoch = spec.steps_per_epoch as u64;
    let training = &run.setup.training;
    let eval_steps = evaluation_steps(per_epoch, training.eval_every, training.max_epochs);
    let mut watch = DivergenceWatch::new(&run.divergence);
    let mut path = vec![w[stiffest]];
    let initial = evaluation(0, per_epoch, run.lr, bowl.loss(&w));
    observe(&initial);
    let mut evaluations = vec![initial];
    let mut converged_at = None;
    let mut step = 0;
    let mut divergence = None;

    for eval_step in eval_steps {
        while step < eval_step {
            let gradient = bowl.gradient(&w);
            optimizer.step(&mut w, &gradient, run.lr);
            step += 1;
            path.push(w[stiffest]);
            divergence = watch.record(bowl.loss(&w));
            if divergence.is_some() {
                break;
            }
        }
        let point = evaluation(step, per_epoch, run.lr, bowl.loss(&w));
        observe(&point);
        if converged_at.is_none() && divergence.is_none() && meets_target(&run.convergence, &point)
        {
            converged_at = Some(point.epoch);
        }
        evaluations.push(point);
        if divergence.is_some() || (converged_at.is_some() && run.convergence.stop_at_target) {
            break;
        }
        cancel::check()?;
    }

    let status = match (converged_at, &divergence) {
        (Some(_), _) => Status::Converged,
        (None, Some(_)) => Status::Diverged,
        (None, None) => Status::NotConverged,
    };
    Ok(Outcome {
        status,
        epochs_to_converge: converged_at,
        evaluations,
        note: divergence,
        parameter_path: Some(path),
    })
}

/// A range test on a quadratic bowl: gradient steps at the finder's
/// increasing rates, recording the loss before each step.
pub struct QuadraticFinderJob {
    pub run: FinderRun,
    pub spec: QuadraticSpec,
}

impl FinderJob for QuadraticFinderJob {
    fn find(self, observe: &mut dyn FnMut(f64, f64)) -> anyhow::Result<FinderOutcome> {
        let settings: FinderSettings = self.run.settings;
        let mut bowl = bowl(&self.spec, self.run.seed);
        let mut w = bowl.start();
        let mut optimizer = Optimizer::new(&self.run.setup.optimizer, w.len());
        let mut test = RangeTest::new(settings)?;
        while let Some(lr) = test.next_lr() {
            let loss = bowl.loss(&w);
            let gradient = bowl.gradient(&w);
            optimizer.step(&mut w, &gradient, lr);
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
