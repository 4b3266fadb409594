//! The subcommands; each returns the process exit code.

pub mod find;
pub mod report;
pub mod slurm;
pub mod sweep;

use std::path::PathBuf;

use crate::cli::RunArgs;
use crate::data::tensors::Dataset;
use crate::data::{split_files, Split};
use crate::experiment::{DatasetKind, Experiment, Validation};
use crate::records::RecordStore;
use crate::runner::Reuse;
use crate::shard::{FolderLock, Shard};
use crate::train::torch::TorchTrainer;

/// Exit codes: 0 when every run finished, 1 when a run or the sweep failed,
/// 2 when the experiment file, the data or the options are invalid, 130 when
/// the sweep was stopped by Ctrl-C or SIGTERM.
pub const EXIT_RUN_FAILED: i32 = 1;
pub const EXIT_INVALID_INPUT: i32 = 2;
pub const EXIT_INTERRUPTED: i32 = 130;

/// A validated experiment with its data loaded, ready to train.
pub struct Prepared {
    pub experiment: Experiment,
    pub trainer: TorchTrainer,
    pub workers: usize,
    pub out: PathBuf,
    pub store: RecordStore,
    pub reuse: Reuse,
    /// Held until the command ends, so that no other sweep, or no other
    /// process of the same shard, writes to `out`.
    pub lock: FolderLock,
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

/// Chooses the shard from `--shard`, `--shard-count` and the environment and
/// prints it, or prints why it is invalid and returns the exit code. A single
/// shard (K/1) is the whole grid and returns `None`.
pub fn choose_shard(args: &RunArgs) -> Result<Option<Shard>, i32> {
    let var = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
    match crate::shard::choose(args.shard, args.shard_count, var) {
        Ok(Some(choice)) => {
            eprintln!("{choice}");
            Ok(Some(choice.shard).filter(|shard| shard.count > 1))
        }
        Ok(None) => Ok(None),
        Err(message) => {
            eprintln!("error: {message}");
            Err(EXIT_INVALID_INPUT)
        }
    }
}

/// Loads the datasets the grid uses, once, and opens the results folder for
/// the whole grid or for one shard.
pub fn prepare(
    experiment: Experiment,
    args: &RunArgs,
    shard: Option<Shard>,
) -> anyhow::Result<Result<Prepared, i32>> {
    let mut datasets = Vec::new();
    for spec in image_datasets(&experiment) {
        match Dataset::load(spec) {
            Ok(dataset) => datasets.push(dataset),
            Err(error) => {
                report_data_error(&experiment, &spec.name, &error);
                return Ok(Err(EXIT_INVALID_INPUT));
            }
        }
    }
    let workers = args.jobs.map_or_else(default_workers, usize::from);
    let out = args.out.join(&experiment.name);
    let lock = match FolderLock::acquire(&out, shard) {
        Ok(lock) => lock,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(Err(EXIT_RUN_FAILED));
        }
    };
    let store = RecordStore::open(&out.join("records"))?;
    let reuse = if args.force {
        Reuse::Nothing
    } else {
        Reuse::Stored
    };
    Ok(Ok(Prepared {
        experiment,
        trainer: TorchTrainer::new(datasets),
        workers,
        out,
        store,
        reuse,
        lock,
    }))
}

/// Returns the number of cores, the default worker count.
fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Tells the user how to resume after a stop and returns the exit code.
pub fn interrupted(finished: usize, remaining: usize) -> i32 {
    eprintln!(
        "interrupted: {finished} runs are stored and {remaining} did not run; \
         run the same command again to resume without redoing finished runs"
    );
    EXIT_INTERRUPTED
}

/// Makes Ctrl-C and SIGTERM stop the sweep gracefully.
pub fn install_stop_handler() -> anyhow::Result<()> {
    crate::runner::cancel::install_handler()
}

/// Lists the IDX datasets the grid uses, in grid order.
fn image_datasets(
    experiment: &Experiment,
) -> impl Iterator<Item = &crate::experiment::DatasetSpec> {
    experiment
        .grid
        .datasets
        .iter()
        .map(|name| experiment.dataset(name))
        .filter(|spec| spec.kind == DatasetKind::Idx)
}

/// Prints a data error at the place of the dataset's `path` in the experiment file.
fn report_data_error(experiment: &Experiment, name: &str, error: &anyhow::Error) {
    let location = experiment.location(&["datasets", name, "path"]);
    eprintln!("error: {location}: `datasets.{name}.path`: {error:#}");
    eprintln!(
        "hint: scripts/setup fetches MNIST and Fashion-MNIST into data/; otherwise point `path` \
         at a folder with the IDX files, relative to the experiment file"
    );
}

/// Checks that every IDX dataset's files exist, without reading them (for
/// `--dry-run`); prints the first problem and returns the exit code.
pub fn check_data_files(experiment: &Experiment) -> Result<(), i32> {
    for spec in image_datasets(experiment) {
        let mut splits = vec![Split::Train];
        if spec.validation == Validation::TestSplit {
            splits.push(Split::Test);
        }
        for split in splits {
            if let Err(error) = split_files(&spec.path, split) {
                report_data_error(experiment, &spec.name, &anyhow::Error::new(error));
                return Err(EXIT_INVALID_INPUT);
            }
        }
    }
    Ok(())
}
