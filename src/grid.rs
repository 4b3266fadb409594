//! Expands an experiment into its runs, in a fixed order, each with a stable id.
//!
//! Training runs come in the order model, dataset, optimizer (each in the order
//! the grid lists them), then learning rate, then seed. Finder runs, one per
//! model, dataset, optimizer and seed, follow the same order. The id hashes
//! everything that changes a run's numbers, so the same configuration always
//! gets the same id.

use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::experiment::{
    ConvergenceSpec, DatasetSpec, DivergenceSpec, Experiment, ModelSpec, OptimizerSpec,
    TrainingSpec,
};
use crate::finder::{FinderSettings, Method};

/// Changes whenever the training code changes in a way that changes results,
/// so that stored runs from older code are not mistaken for current ones.
pub const TRAINING_CODE_VERSION: u32 = 2;

/// The origin of a training run's learning rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LrSource {
    Grid,
    /// A suggestion of the range test of the same seed.
    Finder(Method),
}

impl fmt::Display for LrSource {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            LrSource::Grid => f.write_str("grid"),
            LrSource::Finder(method) => write!(f, "finder:{method}"),
        }
    }
}

/// The settings shared by every run of a group (same model, dataset and optimizer).
#[derive(Debug, Clone, Serialize)]
pub struct Setup {
    pub model: ModelSpec,
    pub dataset: DatasetSpec,
    pub optimizer: OptimizerSpec,
    pub training: TrainingSpec,
}

impl Setup {
    /// Returns the model, dataset and optimizer names that define the group.
    pub fn group(&self) -> (&str, &str, &str) {
        (&self.model.name, &self.dataset.name, &self.optimizer.name)
    }
}

/// One training run at a fixed learning rate.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub id: String,
    /// Position among the training runs: grid runs first, then suggestion runs.
    pub index: usize,
    pub setup: Setup,
    pub convergence: ConvergenceSpec,
    pub divergence: DivergenceSpec,
    pub lr: f64,
    pub lr_source: LrSource,
    pub seed: u64,
}

impl Run {
    /// Formats a short label for progress lines: `mlp mnist sgd lr=1.000e-1 seed=1`.
    pub fn label(&self) -> String {
        let (model, dataset, optimizer) = self.setup.group();
        let source = match self.lr_source {
            LrSource::Grid => String::new(),
            LrSource::Finder(method) => format!(" ({method})"),
        };
        format!(
            "{model} {dataset} {optimizer} lr={:.3e}{source} seed={}",
            self.lr, self.seed
        )
    }
}

/// One learning-rate range test: the setup's model trained from the seed's
/// initial weights on the seed's first batches, at increasing rates.
#[derive(Debug, Clone, Serialize)]
pub struct FinderRun {
    pub id: String,
    pub index: usize,
    pub setup: Setup,
    pub settings: FinderSettings,
    pub seed: u64,
}

impl FinderRun {
    /// Formats a short label for progress lines: `find mlp mnist sgd seed=1`.
    pub fn label(&self) -> String {
        let (model, dataset, optimizer) = self.setup.group();
        format!("find {model} {dataset} {optimizer} seed={}", self.seed)
    }
}

/// Everything that determines a training run's numbers, hashed into its id.
#[derive(Serialize)]
struct RunIdentity<'a> {
    code_version: u32,
    setup: &'a Setup,
    convergence: &'a ConvergenceSpec,
    divergence: &'a DivergenceSpec,
    /// The rate's bits, so that ids never depend on float formatting.
    lr_bits: u64,
    lr_source: LrSource,
    seed: u64,
}

/// Everything that determines a range test's numbers, hashed into its id.
#[derive(Serialize)]
struct FinderIdentity<'a> {
    code_version: u32,
    kind: &'static str,
    setup: &'a Setup,
    settings: &'a FinderSettings,
    seed: u64,
}

fn hash_id(identity: &impl Serialize) -> String {
    let json = serde_json::to_vec(identity).expect("run configurations serialize to JSON");
    let digest = Sha256::digest(&json);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Lists the setups of the grid: every model, dataset and optimizer
/// combination, leaving out models that cannot train on the dataset.
pub fn setups(experiment: &Experiment) -> Vec<Setup> {
    let grid = &experiment.grid;
    let mut setups = Vec::new();
    for model in &grid.models {
        for dataset in &grid.datasets {
            let (model_spec, dataset_spec) = (experiment.model(model), experiment.dataset(dataset));
            if !dataset_spec.fits(&model_spec.kind) {
                continue;
            }
            for optimizer in &grid.optimizers {
                setups.push(Setup {
                    model: experiment.model(model).clone(),
                    dataset: experiment.dataset(dataset).clone(),
                    optimizer: experiment.optimizer(optimizer).clone(),
                    training: experiment.training.clone(),
                });
            }
        }
    }
    setups
}

fn training_run(
    experiment: &Experiment,
    setup: &Setup,
    lr: f64,
    lr_source: LrSource,
    seed: u64,
    index: usize,
) -> Run {
    let mut convergence = experiment.convergence.clone();
    if let Some(target) = setup.dataset.target {
        convergence.target = target;
    }
    let id = hash_id(&RunIdentity {
        code_version: TRAINING_CODE_VERSION,
        setup,
        convergence: &convergence,
        divergence: &experiment.divergence,
        lr_bits: lr.to_bits(),
        lr_source,
        seed,
    });
    Run {
        id,
        index,
        setup: setup.clone(),
        convergence,
        divergence: experiment.divergence.clone(),
        lr,
        lr_source,
        seed,
    }
}

/// Lists the grid's training runs at fixed rates.
pub fn expand(experiment: &Experiment) -> Vec<Run> {
    let mut runs = Vec::new();
    for setup in setups(experiment) {
        for &lr in &experiment.grid.lrs {
            for &seed in &experiment.grid.seeds {
                runs.push(training_run(
                    experiment,
                    &setup,
                    lr,
                    LrSource::Grid,
                    seed,
                    runs.len(),
                ));
            }
        }
    }
    runs
}

/// Lists the range tests, one per setup and seed, or none when the finder is disabled.
pub fn finder_runs(experiment: &Experiment) -> Vec<FinderRun> {
    if !experiment.finder.enabled {
        return Vec::new();
    }
    let mut runs = Vec::new();
    for setup in setups(experiment) {
        for &seed in &experiment.grid.seeds {
            let id = hash_id(&FinderIdentity {
                code_version: TRAINING_CODE_VERSION,
                kind: "lr_range_test",
                setup: &setup,
                settings: &experiment.finder.settings,
                seed,
            });
            runs.push(FinderRun {
                id,
                index: runs.len(),
                setup: setup.clone(),
                settings: experiment.finder.settings,
                seed,
            });
        }
    }
    runs
}

/// A learning rate suggested by one method of one range test.
#[derive(Debug, Clone)]
pub struct Suggested<'a> {
    pub finder: &'a FinderRun,
    pub method: Method,
    pub lr: f64,
}

/// Lists a training run for every suggestion, numbered after the grid's runs.
pub fn suggestion_runs(
    experiment: &Experiment,
    suggestions: &[Suggested],
    first_index: usize,
) -> Vec<Run> {
    suggestions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let source = LrSource::Finder(s.method);
            training_run(
                experiment,
                &s.finder.setup,
                s.lr,
                source,
                s.finder.seed,
                first_index + i,
            )
        })
        .collect()
}
