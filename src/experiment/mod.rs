//! The experiment file: parsed strictly, then checked, into an [`Experiment`].
//!
//! Every problem is reported before anything trains, with file, line, column,
//! key path, the bad value and what is accepted.

mod error;
mod locate;
mod rates;
mod schema;
mod validate;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::finder::{FinderSettings, Method};

pub use error::{ConfigError, LoadError, Problem};
pub use rates::RateSpec;

/// A checked experiment: every name it references exists and every value is in range.
#[derive(Debug, Clone, Serialize)]
pub struct Experiment {
    pub name: String,
    #[serde(skip)]
    pub file: PathBuf,
    /// The file's text, to locate problems found after parsing.
    #[serde(skip)]
    pub source: String,
    pub datasets: Vec<DatasetSpec>,
    pub models: Vec<ModelSpec>,
    pub optimizers: Vec<OptimizerSpec>,
    pub training: TrainingSpec,
    pub convergence: ConvergenceSpec,
    pub divergence: DivergenceSpec,
    pub finder: FinderSpec,
    pub scenarios: ScenarioSpec,
    pub grid: GridSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetSpec {
    pub name: String,
    pub kind: DatasetKind,
    /// Folder with the IDX files, resolved against the experiment file's folder.
    /// Left out of run ids, so that ids do not change with the working directory.
    #[serde(skip)]
    pub path: PathBuf,
    pub validation: Validation,
    pub classes: usize,
    /// Use only the first this many training samples (after the validation hold-out).
    pub train_limit: Option<usize>,
    /// Use only the first this many validation samples, to make evaluations cheaper.
    pub val_limit: Option<usize>,
    /// The convergence target of runs on this dataset, when it differs from `[convergence]`.
    pub target: Option<f64>,
}

impl DatasetSpec {
    /// Checks whether a model of this kind can train on this dataset: the
    /// `parameters` model on quadratic bowls, networks on IDX data.
    pub fn fits(&self, model: &ModelKind) -> bool {
        matches!(self.kind, DatasetKind::Quadratic(_)) == (*model == ModelKind::Parameters)
    }
}

/// The kind of data a dataset holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetKind {
    /// Images and labels in IDX files; `path` and the other fields apply.
    Idx,
    /// A synthetic quadratic bowl, trained by full-batch gradient descent.
    Quadratic(QuadraticSpec),
}

/// The bowl f(w) = sum of a_i / 2 · (w_i − w*_i)², whose exact solutions make it
/// the ground truth of the four scenarios: for the largest curvature a,
/// gradient descent approaches w* monotonically below rate 1/a, in one step
/// at 1/a, overshooting with alternating sign between 1/a and 2/a, and
/// diverges above 2/a.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuadraticSpec {
    /// The curvatures a_i: one for the 1-D bowl, several for a diagonal one.
    pub curvatures: Vec<f64>,
    /// The starting offset w_i − w*_i of every coordinate.
    pub start: f64,
    /// Standard deviation of Gaussian noise added to each gradient coordinate,
    /// to mimic mini-batch SGD; 0 gives exact gradient descent.
    pub noise: f64,
    /// Gradient steps that count as one epoch.
    pub steps_per_epoch: usize,
}

impl QuadraticSpec {
    /// Returns the largest curvature, which sets the theoretical rates 1/a and 2/a.
    pub fn max_curvature(&self) -> f64 {
        self.curvatures.iter().copied().fold(0.0, f64::max)
    }
}

/// The source of the validation samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Validation {
    /// The test split files (`t10k-*`).
    TestSplit,
    /// The last fraction of the training files.
    Holdout(f64),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSpec {
    pub name: String,
    pub kind: ModelKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// One linear layer on the flattened image.
    Logistic,
    /// Fully connected layers with ReLU between them.
    Mlp { hidden: Vec<usize> },
    /// LeNet-5-like: two 5x5 convolutions with max pooling, then 120 and 84 units.
    Lenet,
    /// The parameter vector of a quadratic dataset itself.
    Parameters,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizerSpec {
    pub name: String,
    pub kind: OptimizerKind,
    pub weight_decay: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    Sgd,
    Momentum { momentum: f64, nesterov: bool },
    Adam { beta1: f64, beta2: f64, eps: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingSpec {
    pub batch_size: usize,
    pub max_epochs: f64,
    /// Evaluation interval in epochs (a fraction gives finer epochs-to-converge).
    pub eval_every: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    ValAccuracy,
    ValLoss,
    TrainLoss,
}

impl Metric {
    pub const NAMES: [&'static str; 3] = ["val_accuracy", "val_loss", "train_loss"];

    pub fn name(self) -> &'static str {
        match self {
            Metric::ValAccuracy => "val_accuracy",
            Metric::ValLoss => "val_loss",
            Metric::TrainLoss => "train_loss",
        }
    }

    /// Returns true when larger values are better (accuracy), false for losses.
    pub fn higher_is_better(self) -> bool {
        self == Metric::ValAccuracy
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConvergenceSpec {
    pub metric: Metric,
    pub target: f64,
    /// Stop a run at the evaluation that meets the target.
    pub stop_at_target: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DivergenceSpec {
    /// A run diverges when its smoothed training loss exceeds this multiple of its first loss.
    pub loss_factor: f64,
}

/// The learning-rate range test run for every model, dataset, optimizer and seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinderSpec {
    pub enabled: bool,
    pub settings: FinderSettings,
    /// Suggestion methods to compute, in file order.
    pub methods: Vec<Method>,
    /// Train each suggestion like a grid rate.
    pub train_suggestions: bool,
    /// A rate is in the convergent band when its median epochs to converge are
    /// at most this factor times the best rate's.
    pub band_factor: f64,
}

/// Thresholds of the four-scenario labels (see `report::scenario`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioSpec {
    /// A run is converging when it reaches the target within this factor of the best rate's epochs.
    pub converging_factor: f64,
    /// A run overshoots when at least this share of its steps flip the sign of
    /// the parameter error (quadratic) or of its evaluations raise the loss.
    pub overshoot_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridSpec {
    pub models: Vec<String>,
    pub datasets: Vec<String>,
    pub optimizers: Vec<String>,
    pub lrs: Vec<f64>,
    pub seeds: Vec<u64>,
}

impl Experiment {
    /// Reads and checks an experiment file.
    pub fn load(path: &Path) -> Result<Experiment, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Experiment::parse_str(&text, path).map_err(LoadError::Invalid)
    }

    /// Checks the text of an experiment file; `path` names it in errors, and
    /// relative dataset paths are resolved against its folder.
    pub fn parse_str(text: &str, path: &Path) -> Result<Experiment, ConfigError> {
        validate::parse(text, path)
    }

    /// Formats the place of a key as `file:line:column` (of its nearest
    /// ancestor when the key itself is absent), or the file name alone.
    pub fn location(&self, keys: &[&str]) -> String {
        let path: Vec<locate::Segment> = keys
            .iter()
            .map(|k| locate::Segment::Key(k.to_string()))
            .collect();
        let file = self.file.display();
        match locate::Locator::new(&self.source).span(&path, false) {
            Some(span) => {
                let (line, column) = error::line_column(&self.source, span.start);
                format!("{file}:{line}:{column}")
            }
            _ => format!("{file}"),
        }
    }

    pub fn dataset(&self, name: &str) -> &DatasetSpec {
        self.datasets
            .iter()
            .find(|d| d.name == name)
            .expect("grid names are validated")
    }

    pub fn model(&self, name: &str) -> &ModelSpec {
        self.models
            .iter()
            .find(|m| m.name == name)
            .expect("grid names are validated")
    }

    pub fn optimizer(&self, name: &str) -> &OptimizerSpec {
        self.optimizers
            .iter()
            .find(|o| o.name == name)
            .expect("grid names are validated")
    }
}
