//! Expands an experiment into its runs, in a fixed order, each with a stable id.
//!
//! Order: model, dataset, optimizer (each in the order the grid lists them),
//! then learning rate, then seed. The id hashes everything that changes a
//! run's numbers, so the same configuration always gets the same id.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::experiment::{
    ConvergenceSpec, DatasetSpec, DivergenceSpec, Experiment, ModelSpec, OptimizerSpec, TrainingSpec,
};

/// Changes whenever the training code changes in a way that changes results,
/// so that stored runs from older code are not mistaken for current ones.
pub const TRAINING_CODE_VERSION: u32 = 1;

/// One training run: a point of the grid.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub id: String,
    /// Position in the grid's fixed order.
    pub index: usize,
    pub model: ModelSpec,
    pub dataset: DatasetSpec,
    pub optimizer: OptimizerSpec,
    pub training: TrainingSpec,
    pub convergence: ConvergenceSpec,
    pub divergence: DivergenceSpec,
    pub lr: f64,
    pub seed: u64,
}

impl Run {
    /// Formats a short label for progress lines: `mlp mnist sgd lr=0.1 seed=1`.
    pub fn label(&self) -> String {
        format!(
            "{} {} {} lr={:.3e} seed={}",
            self.model.name, self.dataset.name, self.optimizer.name, self.lr, self.seed
        )
    }

    /// Returns the model, dataset and optimizer names that define the run's group.
    pub fn group(&self) -> (&str, &str, &str) {
        (&self.model.name, &self.dataset.name, &self.optimizer.name)
    }
}

/// Everything that determines a run's numbers, hashed into its id.
#[derive(Serialize)]
struct Identity<'a> {
    code_version: u32,
    model: &'a ModelSpec,
    dataset: &'a DatasetSpec,
    optimizer: &'a OptimizerSpec,
    training: &'a TrainingSpec,
    convergence: &'a ConvergenceSpec,
    divergence: &'a DivergenceSpec,
    /// The rate's bits, so that ids never depend on float formatting.
    lr_bits: u64,
    seed: u64,
}

fn run_id(identity: &Identity) -> String {
    let json = serde_json::to_vec(identity).expect("run configurations serialize to JSON");
    let digest = Sha256::digest(&json);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Lists all runs of the experiment's grid.
pub fn expand(experiment: &Experiment) -> Vec<Run> {
    let grid = &experiment.grid;
    let mut runs = Vec::new();
    for model in &grid.models {
        for dataset in &grid.datasets {
            for optimizer in &grid.optimizers {
                for &lr in &grid.lrs {
                    for &seed in &grid.seeds {
                        let mut run = Run {
                            id: String::new(),
                            index: runs.len(),
                            model: experiment.model(model).clone(),
                            dataset: experiment.dataset(dataset).clone(),
                            optimizer: experiment.optimizer(optimizer).clone(),
                            training: experiment.training.clone(),
                            convergence: experiment.convergence.clone(),
                            divergence: experiment.divergence.clone(),
                            lr,
                            seed,
                        };
                        run.id = run_id(&Identity {
                            code_version: TRAINING_CODE_VERSION,
                            model: &run.model,
                            dataset: &run.dataset,
                            optimizer: &run.optimizer,
                            training: &run.training,
                            convergence: &run.convergence,
                            divergence: &run.divergence,
                            lr_bits: lr.to_bits(),
                            seed,
                        });
                        runs.push(run);
                    }
                }
            }
        }
    }
    runs
}
