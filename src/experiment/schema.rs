//! The experiment file as written: serde types that mirror the TOML layout.
//!
//! Every table rejects unknown keys. Values are checked for type here and for
//! meaning in `validate`, which turns this into an [`super::Experiment`].

use std::collections::BTreeMap;

use serde::Deserialize;

use super::rates::RateSpec;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExperiment {
    pub name: Option<String>,
    #[serde(default)]
    pub datasets: BTreeMap<String, RawDataset>,
    #[serde(default)]
    pub models: BTreeMap<String, RawModel>,
    #[serde(default)]
    pub optimizers: BTreeMap<String, RawOptimizer>,
    pub training: RawTraining,
    pub convergence: RawConvergence,
    #[serde(default)]
    pub divergence: RawDivergence,
    #[serde(default)]
    pub finder: RawFinder,
    #[serde(default)]
    pub scenarios: RawScenarios,
    pub grid: RawGrid,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDataset {
    pub kind: Option<String>,
    pub path: Option<String>,
    #[serde(default)]
    pub validation: Option<RawValidation>,
    pub classes: Option<i64>,
    pub train_limit: Option<i64>,
    pub val_limit: Option<i64>,
    pub curvatures: Option<Vec<f64>>,
    pub start: Option<f64>,
    pub noise: Option<f64>,
    pub steps_per_epoch: Option<i64>,
    pub target: Option<f64>,
}

/// `validation = "test"` or `validation = 0.1` (a held-out fraction of the training files).
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "\"test\" or a held-out fraction of the training set such as 0.1"
)]
pub enum RawValidation {
    Split(String),
    Fraction(f64),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub kind: String,
    pub hidden: Option<Vec<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOptimizer {
    pub kind: String,
    pub momentum: Option<f64>,
    pub nesterov: Option<bool>,
    pub beta1: Option<f64>,
    pub beta2: Option<f64>,
    pub eps: Option<f64>,
    pub weight_decay: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraining {
    pub batch_size: i64,
    pub max_epochs: f64,
    pub eval_every: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConvergence {
    pub metric: String,
    pub target: f64,
    pub stop_at_target: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDivergence {
    pub loss_factor: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrid {
    pub models: Vec<String>,
    pub datasets: Vec<String>,
    pub optimizers: Vec<String>,
    pub lr: RateSpec,
    pub seeds: Vec<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFinder {
    pub enabled: Option<bool>,
    pub start_lr: Option<f64>,
    pub end_lr: Option<f64>,
    pub num_it: Option<i64>,
    pub beta: Option<f64>,
    pub diverge_factor: Option<f64>,
    pub methods: Option<Vec<String>>,
    pub train_suggestions: Option<bool>,
    pub band_factor: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenarios {
    pub converging_factor: Option<f64>,
    pub overshoot_share: Option<f64>,
}
