//! Runs the grid on a rayon pool, one run per worker, storing each record the
//! moment its run ends.

pub mod progress;

use std::time::Instant;

use rayon::prelude::*;

use crate::grid::Run;
use crate::records::{Record, RecordStore};
use crate::train::monitor::metric_value;
use crate::train::{Job, Outcome, Status, Trainer};
use progress::{Event, Reporter};

/// Trains every run with `workers` parallel workers and returns the records in grid order.
///
/// A run that fails is recorded as failed and the others go on.
pub fn run_all<T: Trainer>(trainer: &T, runs: &[Run], workers: usize, store: &RecordStore) -> anyhow::Result<Vec<Record>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("sweep-worker-{i}"))
        .build()?;
    // Jobs are prepared here, on one thread, because libtorch tensors can be
    // shared with other threads only through handles made in advance.
    let jobs: Vec<(&Run, anyhow::Result<T::Job>)> = runs.iter().map(|run| (run, trainer.prepare(run))).collect();
    let reporter = Reporter::start(runs.len(), workers);
    let events = reporter.sender();
    let records = pool.install(|| {
        jobs.into_par_iter()
            .with_max_len(1)
            .map_with(events, |events, (run, job)| train_one(run, job, store, events))
            .collect()
    });
    reporter.finish();
    Ok(records)
}

fn train_one<J: Job>(run: &Run, job: anyhow::Result<J>, store: &RecordStore, events: &mut std::sync::mpsc::Sender<Event>) -> Record {
    let worker = rayon::current_thread_index().unwrap_or(0);
    let label = run.label();
    let _ = events.send(Event::Started { worker, label: label.clone() });
    let started = Instant::now();
    let metric = run.convergence.metric;
    let mut observe = |evaluation: &crate::train::Evaluation| {
        let value = metric_value(metric, evaluation);
        let metric = format!("{} {value:.4}", metric.name());
        let _ = events.send(Event::Evaluated { worker, epoch: evaluation.epoch, metric });
    };
    let outcome = match job.and_then(|job| job.train(&mut observe)) {
        Ok(outcome) => outcome,
        Err(error) => Outcome::failed(&error),
    };
    let record = Record::new(run, outcome, started.elapsed().as_secs_f64());
    if let Err(error) = store.save(&record) {
        let _ = events.send(Event::Warning(format!("run {} finished but its record was not stored: {error:#}", run.id)));
    }
    let _ = events.send(Event::Finished { worker, label, result: describe(&record) });
    record
}

/// Describes a finished run in one line, such as `converged at epoch 1.25 (3.1 s)`.
pub fn describe(record: &Record) -> String {
    let outcome = &record.outcome;
    let what = match (outcome.status, outcome.epochs_to_converge) {
        (Status::Converged, Some(epoch)) => format!("converged at epoch {epoch:.2}"),
        (Status::Failed, _) => format!("failed: {}", outcome.note.as_deref().unwrap_or("unknown error")),
        (Status::Diverged, _) => format!("diverged: {}", outcome.note.as_deref().unwrap_or("")),
        (status, _) => status.to_string().replace('_', " "),
    };
    format!("{what} ({:.1} s)", record.wall_seconds)
}
