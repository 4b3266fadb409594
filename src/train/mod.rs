//! Training one run: the [`Trainer`] interface, its outcome, and the libtorch
//! implementation. The interface lets the whole pipeline run on a fake
//! trainer in tests.

pub mod fake;
pub mod find;
pub mod init;
pub mod model;
pub mod monitor;
pub mod optimizer;
pub mod quadratic;
pub mod schedule;
pub mod torch;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::finder::{CurvePoint, StopReason};
use crate::grid::{FinderRun, Run};

/// The final state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Converged,
    NotConverged,
    Diverged,
    Failed,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            Status::Converged => "converged",
            Status::NotConverged => "not_converged",
            Status::Diverged => "diverged",
            Status::Failed => "failed",
        })
    }
}

/// One evaluation point of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Epochs of data seen so far: optimizer steps divided by steps per epoch.
    #[serde(with = "crate::records::float")]
    pub epoch: f64,
    /// Optimizer steps taken so far.
    pub step: u64,
    #[serde(with = "crate::records::float")]
    pub lr: f64,
    /// Mean training loss of the batches since the previous evaluation
    /// (at step 0: the loss of the first batch, before any update).
    #[serde(with = "crate::records::float")]
    pub train_loss: f64,
    #[serde(with = "crate::records::float")]
    pub val_loss: f64,
    #[serde(with = "crate::records::float")]
    pub val_accuracy: f64,
}

/// The result of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: Status,
    /// Epoch of the first evaluation that met the target.
    pub epochs_to_converge: Option<f64>,
    pub evaluations: Vec<Evaluation>,
    /// The reason the run diverged or failed.
    pub note: Option<String>,
    /// For a quadratic bowl: the stiffest coordinate's offset from the
    /// minimum before the first step and after every step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_path: Option<Vec<f64>>,
}

impl Outcome {
    pub fn failed(error: &anyhow::Error) -> Outcome {
        Outcome {
            status: Status::Failed,
            epochs_to_converge: None,
            evaluations: Vec::new(),
            note: Some(format!("{error:#}")),
            parameter_path: None,
        }
    }

    pub fn last(&self) -> Option<&Evaluation> {
        self.evaluations.last()
    }
}

/// The recorded curve of a range test and the reason it stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct FinderOutcome {
    pub points: Vec<CurvePoint>,
    pub stop_reason: StopReason,
}

/// Prepares runs on the calling thread; the jobs it returns train on worker threads.
pub trait Trainer {
    type Job: Job;
    type FinderJob: FinderJob;

    /// Gathers what the run needs (such as handles to shared data) before the parallel section.
    fn prepare(&self, run: &Run) -> anyhow::Result<Self::Job>;

    /// Gathers what a range test needs, like [`Trainer::prepare`].
    fn prepare_finder(&self, run: &FinderRun) -> anyhow::Result<Self::FinderJob>;
}

/// A prepared range test, ready to run on any thread.
pub trait FinderJob: Send {
    /// Runs the range test, calling `observe` with each batch's learning rate and loss.
    fn find(self, observe: &mut dyn FnMut(f64, f64)) -> anyhow::Result<FinderOutcome>;
}

/// A prepared run, ready to train on any thread.
pub trait Job: Send {
    /// Trains the run, calling `observe` after every evaluation.
    fn train(self, observe: &mut dyn FnMut(&Evaluation)) -> anyhow::Result<Outcome>;
}
