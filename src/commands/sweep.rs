//! `sweep FILE`: validate, load the data once, run the range tests, train the
//! grid and the suggestions, and write the reports.

use std::path::Path;

use anyhow::Context;

use super::{choose_shard, load_experiment, prepare, EXIT_RUN_FAILED};
use crate::cli::RunArgs;
use crate::experiment::Experiment;
use crate::grid;
use crate::report::{summary, Reports};
use crate::runner::{self, cancel};
use crate::shard::{self, Manifest, Scope, Shard};
use crate::train::Status;

pub fn run(args: &RunArgs, dry_run: bool) -> anyhow::Result<i32> {
    let experiment = match load_experiment(args) {
        Ok(experiment) => experiment,
        Err(code) => return Ok(code),
    };
    let shard = match choose_shard(args) {
        Ok(shard) => shard,
        Err(code) => return Ok(code),
    };
    if dry_run {
        if let Err(code) = super::check_data_files(&experiment) {
            return Ok(code);
        }
        print_grid(&experiment, shard);
        return Ok(0);
    }
    let prepared = match prepare(experiment, args, shard)? {
        Ok(prepared) => prepared,
        Err(code) => return Ok(code),
    };
    let (experiment, trainer, workers, store) = (
        &prepared.experiment,
        &prepared.trainer,
        prepared.workers,
        &prepared.store,
    );
    Manifest::for_experiment(experiment, Scope::Sweep, shard)?.write(&prepared.out, shard)?;
    let (finder_runs, mut runs) = shard::select(
        shard,
        grid::finder_runs(experiment),
        grid::expand(experiment),
    );
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
    runs.extend(shard::suggestion_runs(
        experiment,
        &finder_runs,
        &finders,
        runs.len(),
    ));
    let records = if cancel::stop_requested() {
        interrupted += runs.len();
        Vec::new()
    } else {
        let finished = runner::run_all(trainer, &runs, workers, store, reuse)?;
        interrupted += finished.interrupted;
        finished.records
    };

    if let Some(shard) = shard {
        let out = &prepared.out;
        let code = super::report::finish_shard(shard, out, &finders, &records, interrupted);
        return Ok(code);
    }

    let reports = Reports::build(experiment, records, finders);
    write_reports(experiment, &reports, &prepared.out)?;
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

/// Writes the reports into `out`, then prints the summary tables and the
/// paths written. `sweep report` writes the merged reports with it too.
pub fn write_reports(experiment: &Experiment, reports: &Reports, out: &Path) -> anyhow::Result<()> {
    let written = reports.write(out).context("failed to write the reports")?;
    print_tables(experiment, reports);
    for path in &written {
        println!("wrote {}", path.display());
    }
    let page = reports
        .write_page(out)
        .context("failed to write the report page")?;
    println!("report: {}", page.display());
    Ok(())
}

/// Prints the summary tables of the reports: per group, then the finder's
/// suggestions beside the best rates.
fn print_tables(experiment: &Experiment, reports: &Reports) {
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
}

fn print_grid(experiment: &Experiment, shard: Option<Shard>) {
    let (finders, runs) = shard::select(
        shard,
        grid::finder_runs(experiment),
        grid::expand(experiment),
    );
    let per_test = if experiment.finder.train_suggestions {
        experiment.finder.methods.len()
    } else {
        0
    };
    let name = match shard {
        Some(shard) => format!("{} shard {shard}", experiment.name),
        None => experiment.name.clone(),
    };
    println!(
        "{name}: {} grid runs, {} range tests, up to {} runs at their suggestions",
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
