//! `sweep FILE`: validate, load the data once, train the grid, write reports.



use anyhow::Context;

use super::{EXIT_INVALID_INPUT, EXIT_RUN_FAILED};
use crate::cli::Cli;
use crate::data::tensors::Dataset;
use crate::experiment::Experiment;
use crate::grid::{self, Run};
use crate::records::RecordStore;
use crate::report;
use crate::runner;
use crate::train::torch::TorchTrainer;
use crate::train::Status;

pub fn run(cli: &Cli) -> anyhow::Result<i32> {
    let experiment = match Experiment::load(&cli.file) {
        Ok(experiment) => experiment,
        Err(error) => {
            eprint!("error: {error}");
            if !error.to_string().ends_with('\n') {
                eprintln!();
            }
            return Ok(EXIT_INVALID_INPUT);
        }
    };
    let runs = grid::expand(&experiment);
    if cli.dry_run {
        print_grid(&experiment, &runs);
        return Ok(0);
    }
    let workers = cli.jobs.map_or_else(default_workers, usize::from);
    let datasets = match load_datasets(&experiment) {
        Ok(datasets) => datasets,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(EXIT_INVALID_INPUT);
        }
    };
    let out = cli.out.join(&experiment.name);
    let store = RecordStore::open(&out.join("records"))?;
    eprintln!("{}: {} runs on {workers} workers, results in {}", experiment.name, runs.len(), out.display());

    let trainer = TorchTrainer::new(datasets);
    let records = runner::run_all(&trainer, &runs, workers, &store)?;
    let written = report::write_all(&out, &records).context("failed to write the reports")?;

    println!("{}", report::summary::table(&report::best::groups(&records)));
    for path in &written {
        println!("wrote {}", path.display());
    }
    let failed = records.iter().filter(|r| r.outcome.status == Status::Failed).count();
    if failed > 0 {
        eprintln!("error: {failed} of {} runs failed; see the note column of runs.csv", records.len());
        return Ok(EXIT_RUN_FAILED);
    }
    Ok(0)
}

/// Returns the number of cores, the default worker count.
fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Loads each dataset the grid uses, once.
fn load_datasets(experiment: &Experiment) -> anyhow::Result<Vec<Dataset>> {
    experiment.grid.datasets.iter().map(|name| Dataset::load(experiment.dataset(name))).collect()
}

fn print_grid(experiment: &Experiment, runs: &[Run]) {
    println!("{}: {} runs", experiment.name, runs.len());
    for run in runs {
        println!("{:>5}  {}  {}", run.index, run.id, run.label());
    }
}

