//! The subcommands; each returns the process exit code.

pub mod find;
pub mod sweep;

use std::path::PathBuf;

use crate::cli::RunArgs;
use crate::data::tensors::Dataset;
use crate::experiment::Experiment;
use crate::records::RecordStore;
use crate::train::torch::TorchTrainer;

/// Exit codes: 0 when every run finished, 1 when a run or the sweep failed,
/// 2 when the experiment file, the data or the options are invalid.
pub const EXIT_RUN_FAILED: i32 = 1;
pub const EXIT_INVALID_INPUT: i32 = 2;

/// A validated experiment with its data loaded, ready to train.
pub struct Prepared {
    pub experiment: Experiment,
    pub trainer: TorchTrainer,
    pub workers: usize,
    pub out: PathBuf,
    pub store: RecordStore,
}

/// Reads and checks the experiment file, or prints why it is invalid and
/// returns the exit code.
pub fn load_experiment(args: &RunArgs) -> Result<Experiment, i32> {
    let file = args.file.as_ref().expect("clap requires the file");
    Experiment::load(file).map_err(|error| {
        let message = error.to_string();
        eprintln!("error: {}", message.trim_end());
        EXIT_INVALID_INPUT
    })
}

/// Loads the datasets the grid uses, once, and opens the results folder.
pub fn prepare(experiment: Experiment, args: &RunArgs) -> anyhow::Result<Result<Prepared, i32>> {
    let datasets: anyhow::Result<Vec<Dataset>> = experiment
        .grid
        .datasets
        .iter()
        .map(|name| Dataset::load(experiment.dataset(name)))
        .collect();
    let datasets = match datasets {
        Ok(datasets) => datasets,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(Err(EXIT_INVALID_INPUT));
        }
    };
    let workers = args.jobs.map_or_else(default_workers, usize::from);
    let out = args.out.join(&experiment.name);
    let store = RecordStore::open(&out.join("records"))?;
    Ok(Ok(Prepared {
        experiment,
        trainer: TorchTrainer::new(datasets),
        workers,
        out,
        store,
    }))
}

/// Returns the number of cores, the default worker count.
fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
