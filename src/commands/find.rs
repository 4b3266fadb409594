//! `sweep find FILE`: run only the range tests and write their reports.

use super::{choose_shard, load_experiment, prepare, EXIT_RUN_FAILED};
use crate::cli::RunArgs;
use crate::grid;
use crate::report::{summary, Reports};
use crate::runner;
use crate::shard::{self, Manifest, Scope};

pub fn run(args: &RunArgs) -> anyhow::Result<i32> {
    let experiment = match load_experiment(args) {
        Ok(experiment) => experiment,
        Err(code) => return Ok(code),
    };
    let shard = match choose_shard(args) {
        Ok(shard) => shard,
        Err(code) => return Ok(code),
    };
    let finders = grid::finder_runs(&experiment);
    if finders.is_empty() {
        eprintln!(
            "error: the finder is disabled in {} ([finder] enabled = false)",
            experiment.file.display()
        );
        return Ok(super::EXIT_INVALID_INPUT);
    }
    let prepared = match prepare(experiment, args, shard)? {
        Ok(prepared) => prepared,
        Err(code) => return Ok(code),
    };
    let experiment = &prepared.experiment;
    Manifest::for_experiment(experiment, Scope::Find, shard)?.write(&prepared.out, shard)?;
    let (finders, _) = shard::select(shard, finders, Vec::new());

    eprintln!(
        "{}: {} range tests on {} workers",
        experiment.name,
        finders.len(),
        prepared.workers
    );
    let finished = runner::find_all(
        &prepared.trainer,
        &finders,
        &experiment.finder.methods,
        prepared.workers,
        &prepared.store,
        prepared.reuse,
    )?;
    let records = finished.records;

    if let Some(shard) = shard {
        let out = &prepared.out;
        let code = super::report::finish_shard(shard, out, &records, &[], finished.interrupted);
        return Ok(code);
    }
    for path in Reports::write_finder_only(&records, &prepared.out)? {
        println!("wrote {}", path.display());
    }
    print!("\n{}", summary::suggestions_table(&records));
    if finished.interrupted > 0 {
        return Ok(super::interrupted(records.len(), finished.interrupted));
    }
    let failed = records.iter().filter(|r| r.error.is_some()).count();
    if failed > 0 {
        eprintln!(
            "error: {failed} of {} range tests failed; see the note column of suggestions.csv",
            records.len()
        );
        return Ok(EXIT_RUN_FAILED);
    }
    Ok(0)
}
