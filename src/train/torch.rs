//! The trainer of real runs: mini-batch training of a network with libtorch
//! on one CPU thread, or gradient descent on a quadratic bowl.

use std::collections::HashMap;

use anyhow::Context;
use rand::seq::SliceRandom;
use tch::{nn, Kind, Tensor};

use crate::data::tensors::Dataset;
use crate::experiment::DatasetKind;
use crate::grid::{FinderRun, Run, Setup};
use crate::runner::cancel::{self, Interrupted};
use crate::train::monitor::{meets_target, DivergenceWatch};
use crate::train::quadratic::{QuadraticFinderJob, QuadraticJob};
use crate::train::schedule::{evaluation_steps, steps_per_epoch};
use crate::train::{find, init, model, optimizer};
use crate::train::{Evaluation, FinderJob, FinderOutcome, Job, Outcome, Status, Trainer};

/// Validation runs in chunks of this many samples. Smaller chunks stay in
/// cache: evaluating 1,663 MNIST images with LeNet took half the time in
/// chunks of 512 as in one chunk (scripts/bench, 2-core AMD EPYC VM).
const EVAL_CHUNK: i64 = 512;

/// Trains runs with libtorch on datasets loaded once.
pub struct TorchTrainer {
    datasets: HashMap<String, Dataset>,
}

impl TorchTrainer {
    pub fn new(datasets: Vec<Dataset>) -> Self {
        TorchTrainer {
            datasets: datasets.into_iter().map(|d| (d.name.clone(), d)).collect(),
        }
    }
}

impl TorchTrainer {
    fn data(&self, setup: &Setup) -> anyhow::Result<Dataset> {
        let name = &setup.dataset.name;
        let data = self
            .datasets
            .get(name)
            .with_context(|| format!("dataset \"{name}\" was not loaded"))?;
        Ok(data.shallow_clone())
    }
}

impl Trainer for TorchTrainer {
    type Job = RunJob;
    type FinderJob = RangeTestJob;

    fn prepare(&self, run: &Run) -> anyhow::Result<RunJob> {
        Ok(match &run.setup.dataset.kind {
            DatasetKind::Quadratic(spec) => RunJob::Quadratic(QuadraticJob {
                run: run.clone(),
                spec: spec.clone(),
            }),
            DatasetKind::Idx => RunJob::Torch(TorchJob {
                data: self.data(&run.setup)?,
                run: run.clone(),
            }),
        })
    }

    fn prepare_finder(&self, run: &FinderRun) -> anyhow::Result<RangeTestJob> {
        Ok(match &run.setup.dataset.kind {
            DatasetKind::Quadratic(spec) => RangeTestJob::Quadratic(QuadraticFinderJob {
                run: run.clone(),
                spec: spec.clone(),
            }),
            DatasetKind::Idx => RangeTestJob::Torch(TorchFinderJob {
                data: self.data(&run.setup)?,
                run: run.clone(),
            }),
        })
    }
}

/// A prepared training run: a network on image data, or a quadratic bowl,
/// which needs no libtorch.
pub enum RunJob {
    Torch(TorchJob),
    Quadratic(QuadraticJob),
}

impl Job for RunJob {
    fn train(self, observe: &mut dyn FnMut(&Evaluation)) -> anyhow::Result<Outcome> {
        match self {
            RunJob::Torch(job) => job.train(observe),
            RunJob::Quadratic(job) => job.train(observe),
        }
    }
}

/// A prepared range test, on a network or a quadratic bowl.
pub enum RangeTestJob {
    Torch(TorchFinderJob),
    Quadratic(QuadraticFinderJob),
}

impl FinderJob for RangeTestJob {
    fn find(self, observe: &mut dyn FnMut(f64, f64)) -> anyhow::Result<FinderOutcome> {
        match self {
            RangeTestJob::Torch(job) => job.find(observe),
            RangeTestJob::Quadratic(job) => job.find(observe),
        }
    }
}

/// Builds a network with the seed's initial weights, and its optimizer.
fn initial_model(
    setup: &Setup,
    data: &Dataset,
    seed: u64,
    lr: f64,
) -> anyhow::Result<(nn::VarStore, nn::Sequential, nn::Optimizer)> {
    // One intra-op thread per run: the parallelism comes from running runs side by side.
    tch::set_num_threads(1);
    let vs = nn::VarStore::new(tch::Device::Cpu);
    let net = model::build(&setup.model.kind, &vs.root(), data.shape)?;
    init::initialize(&vs, seed);
    let optimizer = optimizer::build(&setup.optimizer, &vs, lr)?;
    Ok((vs, net, optimizer))
}

/// One run with its own handles on the shared data.
pub struct TorchJob {
    run: Run,
    data: Dataset,
}

impl Job for TorchJob {
    fn train(self, observe: &mut dyn FnMut(&Evaluation)) -> anyhow::Result<Outcome> {
        let TorchJob { run, data } = self;
        let (_vs, net, mut optimizer) = initial_model(&run.setup, &data, run.seed, run.lr)?;
        let training = Loop {
            run: &run,
            data: &data,
            net: &net,
        };
        Ok(training.train(&mut optimizer, observe)?)
    }
}

/// One range test with its own handles on the shared data.
pub struct TorchFinderJob {
    run: FinderRun,
    data: Dataset,
}

impl FinderJob for TorchFinderJob {
    fn find(self, observe: &mut dyn FnMut(f64, f64)) -> anyhow::Result<FinderOutcome> {
        let TorchFinderJob { run, data } = self;
        let settings = run.settings;
        let (vs, net, mut optimizer) =
            initial_model(&run.setup, &data, run.seed, settings.start_lr)?;
        let batch_size = run.setup.training.batch_size;
        find::range_test(
            &net,
            &vs,
            &mut optimizer,
            &data,
            settings,
            run.seed,
            batch_size,
            observe,
        )
    }
}

/// The training loop of one run.
struct Loop<'a> {
    run: &'a Run,
    data: &'a Dataset,
    net: &'a nn::Sequential,
}

impl Loop<'_> {
    fn train(
        &self,
        optimizer: &mut nn::Optimizer,
        observe: &mut dyn FnMut(&Evaluation),
    ) -> Result<Outcome, Interrupted> {
        let run = self.run;
        let samples = self.data.train_len();
        let training = &run.setup.training;
        let batch_size = training.batch_size;
        let per_epoch = steps_per_epoch(samples, batch_size);
        let eval_steps = evaluation_steps(per_epoch, training.eval_every, training.max_epochs);
        let last_step = *eval_steps
            .last()
            .expect("the schedule ends with the last step");
        let mut next_eval = eval_steps.iter().copied().peekable();
        let mut shuffle = init::generator(run.seed, init::SHUFFLE_STREAM);
        let mut order: Vec<i64> = (0..samples as i64).collect();
        let mut watch = DivergenceWatch::new(&run.divergence);
        let mut evaluations = Vec::new();
        let mut loss_sum = 0.0;
        let mut loss_count = 0u32;
        let mut step = 0u64;
        let mut converged_at = None;

        while step < last_step {
            order.shuffle(&mut shuffle);
            let permutation = Tensor::from_slice(&order);
            for start in (0..samples).step_by(batch_size) {
                let len = batch_size.min(samples - start) as i64;
                let indices = permutation.narrow(0, start as i64, len);
                let images = self.data.train_images.index_select(0, &indices);
                let labels = self.data.train_labels.index_select(0, &indices);
                let batch_loss =
                    model::forward(self.net, &images).cross_entropy_for_logits(&labels);
                let loss = batch_loss.double_value(&[]);
                if step == 0 {
                    // Evaluated before the first update: the starting point of every curve.
                    let initial = self.evaluate(0, per_epoch, loss);
                    observe(&initial);
                    evaluations.push(initial);
                    cancel::check()?;
                }
                optimizer.backward_step(&batch_loss);
                step += 1;
                loss_sum += loss;
                loss_count += 1;

                if let Some(reason) = watch.record(loss) {
                    let evaluation =
                        self.evaluate(step, per_epoch, loss_sum / f64::from(loss_count));
                    observe(&evaluation);
                    evaluations.push(evaluation);
                    return Ok(finish(converged_at, evaluations, Some(reason)));
                }
                if next_eval.peek() == Some(&step) {
                    next_eval.next();
                    let evaluation =
                        self.evaluate(step, per_epoch, loss_sum / f64::from(loss_count));
                    (loss_sum, loss_count) = (0.0, 0);
                    observe(&evaluation);
                    if converged_at.is_none() && meets_target(&run.convergence, &evaluation) {
                        converged_at = Some(evaluation.epoch);
                    }
                    evaluations.push(evaluation);
                    if converged_at.is_some() && run.convergence.stop_at_target {
                        return Ok(finish(converged_at, evaluations, None));
                    }
                    cancel::check()?;
                }
                if step == last_step {
                    break;
                }
            }
        }
        Ok(finish(converged_at, evaluations, None))
    }

    /// Evaluates on the whole validation set without tracking gradients.
    fn evaluate(&self, step: u64, per_epoch: u64, train_loss: f64) -> Evaluation {
        let _guard = tch::no_grad_guard();
        let n = self.data.val_len() as i64;
        let mut loss_sum = 0.0;
        let mut correct = 0.0;
        for start in (0..n).step_by(EVAL_CHUNK as usize) {
            let len = EVAL_CHUNK.min(n - start);
            let images = self.data.val_images.narrow(0, start, len);
            let labels = self.data.val_labels.narrow(0, start, len);
            let logits = model::forward(self.net, &images);
            let loss = logits.log_softmax(-1, Kind::Float).nll_loss_nd::<Tensor>(
                &labels,
                None,
                tch::Reduction::Sum,
                -100,
            );
            loss_sum += loss.double_value(&[]);
            correct += logits
                .argmax(-1, false)
                .eq_tensor(&labels)
                .sum(Kind::Float)
                .double_value(&[]);
        }
        Evaluation {
            epoch: step as f64 / per_epoch as f64,
            step,
            lr: self.run.lr,
            train_loss,
            val_loss: loss_sum / n as f64,
            val_accuracy: correct / n as f64,
        }
    }
}

/// Builds the outcome of a run that converged at `converged_at` (if it did) and
/// diverged for `divergence` (if it did). A run that met the target counts as
/// converged even when it diverged later, with the divergence as its note.
fn finish(
    converged_at: Option<f64>,
    evaluations: Vec<Evaluation>,
    divergence: Option<String>,
) -> Outcome {
    let status = match (converged_at, &divergence) {
        (Some(_), _) => Status::Converged,
        (None, Some(_)) => Status::Diverged,
        (None, None) => Status::NotConverged,
    };
    let note = divergence.map(|reason| match converged_at {
        Some(epoch) => format!("diverged after converging at epoch {epoch}: {reason}"),
        None => reason,
    });
    Outcome {
        status,
        epochs_to_converge: converged_at,
        evaluations,
        note,
        parameter_path: None,
    }
}
