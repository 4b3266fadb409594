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
    pub datasets: Vec<DatasetSpec>,
    pub models: Vec<ModelSpec>,
    pub optimizers: Vec<OptimizerSpec>,
    pub training: TrainingSpec,
    pub convergence: ConvergenceSpec,
    pub divergence: DivergenceSpec,
    pub finder: FinderSpec,
    pub grid: GridSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetSpec {
    pub name: String,
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
