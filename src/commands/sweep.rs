//! `sweep FILE`: validate, load the data once, run the range tests, train the
//! grid and the suggestions, and write the reports.

use anyhow::Context;

use super::{load_experiment, prepare, EXIT_RUN_FAILED};
use crate::cli::RunArgs;
use crate::experiment::Experiment;
use crate::grid::{self, Suggested};
use crate::report::{summary, Reports};
use crate::runner::{self, cancel};
use crate::train::Status;

pub fn run(args: &RunArgs, dry_run: bool) -> anyhow::Result<i32> {
    let experiment = match load_experiment(args) {
        Ok(experiment) => experiment,
        Err(code) => return Ok(code),
    };
    if dry_run {
        print_grid(&experiment);
        return Ok(0);
    }
    let prepared = match prepare(experiment, args)? {
        Ok(prepared) => prepared,
        Err(code) => return Ok(code),
    };
    let (experiment, trainer, workers, store) = (
        &prepared.experiment,
        &prepared.trainer,
        prepared.workers,
        &prepared.store,
    );
    let finder_runs = grid::finder_runs(experiment);
    let mut runs = grid::expand(experiment);
    eprintln!(
        "{}: {} range tests and {} grid runs on {workers} workers, results in {}",
        experiment.name,
        finder_runs.len(),
        runs.len(),
        prepared.out.display()
    );

    // The range tests come first because the runs at their suggestions depend on them.
    let methods = &experiment.finder.methods;
    let reuse = prepared.reuse;
    let finders = runner::find_all(trainer, &finder_runs, methods, workers, store, reuse)?;
    let mut interrupted = finders.interrupted;
    let finders = finders.records;
    if experiment.finder.train_suggestions {
        let suggested: Vec<Suggested> = finder_runs
            .iter()
            .filter_map(|run| {
                finders
                    .iter()
                    .find(|f| f.run_id == run.id)
                    .map(|record| (run, record))
            })
            .flat_map(|(run, record)| {
                methods.iter().filter_map(move |&method| {
                    record.suggestion(method).map(|lr| Suggested {
                        finder: run,
                        method,
                        lr,
                    })
                })
            })
            .collect();
        runs.extend(grid::suggestion_runs(experiment, &suggested, runs.len()));
    }
    let records = if cancel::stop_requested() {
        interrupted += runs.len();
        Vec::new()
    } else {
        let finished = runner::run_all(trainer, &runs, workers, store, reuse)?;
        interrupted += finished.interrupted;
        finished.records
    };

    let reports = Reports::build(experiment, records, finders);
    let written = reports
        .write(&prepared.out)
        .context("failed to write the reports")?;
    println!("\n{}", summary::table(&reports.groups));
    if !reports.comparison.is_empty() {
        println!(
            "{}",
            summary::comparison_table(
                &reports.groups,
                &reports.comparison,
                experiment.finder.band_factor
            )
        );
        println!("{}", summary::method_table(&reports.methods));
    }
    for path in &written {
        println!("wrote {}", path.display());
    }
    if interrupted > 0 {
        let stored = reports.records.len() + reports.finders.len();
        return Ok(super::interrupted(stored, interrupted));
    }
    let failed = reports
        .records
        .iter()
        .filter(|r| r.outcome.status == Status::Failed)
        .count()
        + reports.finders.iter().filter(|f| f.error.is_some()).count();
    if failed > 0 {
        eprintln!(
            "error: {failed} runs failed; see the note columns of runs.csv and suggestions.csv"
        );
        return Ok(EXIT_RUN_FAILED);
    }
    Ok(0)
}

fn print_grid(experiment: &Experiment) {
    let finders = grid::finder_runs(experiment);
    let runs = grid::expand(experiment);
    let per_test = if experiment.finder.train_suggestions {
        experiment.finder.methods.len()
    } else {
        0
    };
    println!(
        "{}: {} grid runs, {} range tests, up to {} runs at their suggestions",
        experiment.name,
        runs.len(),
        finders.len(),
        finders.len() * per_test
    );
    for run in &finders {
        println!("{:>5}  {}  {}", run.index, run.id, run.label());
    }
    for run in &runs {
        println!("{:>5}  {}  {}", run.index, run.id, run.label());
    }
}
