//! Runs range tests and training runs on a rayon pool, one run per worker,
//! storing each record the moment its run ends.

pub mod progress;

use std::sync::mpsc::Sender;
use std::time::Instant;

use rayon::prelude::*;

use crate::finder::Method;
use crate::grid::{FinderRun, Run};
use crate::records::{FinderRecord, Record, RecordStore};
use crate::train::monitor::metric_value;
use crate::train::{Evaluation, FinderJob, Job, Outcome, Status, Trainer};
use progress::{Event, Reporter};

/// Maps `items` in parallel on `workers` threads, showing progress under
/// `title`, and returns the results in the order of `items`.
fn parallel<I, R, F>(title: &str, items: Vec<I>, workers: usize, work: F) -> anyhow::Result<Vec<R>>
where
    I: Send,
    R: Send,
    F: Fn(I, usize, &mut Sender<Event>) -> R + Sync,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("sweep-worker-{i}"))
        .build()?;
    let reporter = Reporter::start(title, items.len(), workers);
    let events = reporter.sender();
    let results = pool.install(|| {
        items
            .into_par_iter()
            .with_max_len(1)
            .map_with(events, |events, item| {
                let worker = rayon::current_thread_index().unwrap_or(0);
                work(item, worker, events)
            })
            .collect()
    });
    reporter.finish();
    Ok(results)
}

/// Trains every run with `workers` parallel workers and returns the records in run order.
///
/// A run that fails is recorded as failed and the others go on.
pub fn run_all<T: Trainer>(
    trainer: &T,
    runs: &[Run],
    workers: usize,
    store: &RecordStore,
) -> anyhow::Result<Vec<Record>> {
    // Jobs are prepared here, on one thread, because libtorch tensors can be
    // shared with other threads only through handles made in advance.
    let jobs: Vec<(&Run, anyhow::Result<T::Job>)> =
        runs.iter().map(|run| (run, trainer.prepare(run))).collect();
    parallel("training", jobs, workers, |(run, job), worker, events| {
        train_one(run, job, worker, store, events)
    })
}

fn train_one<J: Job>(
    run: &Run,
    job: anyhow::Result<J>,
    worker: usize,
    store: &RecordStore,
    events: &mut Sender<Event>,
) -> Record {
    let label = run.label();
    let _ = events.send(Event::Started {
        worker,
        label: label.clone(),
    });
    let started = Instant::now();
    let metric = run.convergence.metric;
    let mut observe = |evaluation: &Evaluation| {
        let value = metric_value(metric, evaluation);
        let status = format!(
            "epoch {:.2}, {} {value:.4}",
            evaluation.epoch,
            metric.name()
        );
        let _ = events.send(Event::Progress { worker, status });
    };
    let outcome = match job.and_then(|job| job.train(&mut observe)) {
        Ok(outcome) => outcome,
        Err(error) => Outcome::failed(&error),
    };
    let record = Record::new(run, outcome, started.elapsed().as_secs_f64());
    if let Err(error) = store.save(&record) {
        let message = format!(
            "run {} finished but its record was not stored: {error:#}",
            run.id
        );
        let _ = events.send(Event::Warning(message));
    }
    let _ = events.send(Event::Finished {
        worker,
        label,
        result: describe(&record),
    });
    record
}

/// Runs every range test and computes the suggestions of `methods`; returns
/// the records in run order. A test that fails is recorded with its error.
pub fn find_all<T: Trainer>(
    trainer: &T,
    runs: &[FinderRun],
    methods: &[Method],
    workers: usize,
    store: &RecordStore,
) -> anyhow::Result<Vec<FinderRecord>> {
    let jobs: Vec<(&FinderRun, anyhow::Result<T::FinderJob>)> = runs
        .iter()
        .map(|run| (run, trainer.prepare_finder(run)))
        .collect();
    parallel("lr finder", jobs, workers, |(run, job), worker, events| {
        let label = run.label();
        let _ = events.send(Event::Started {
            worker,
            label: label.clone(),
        });
        let started = Instant::now();
        let mut observe = |lr: f64, loss: f64| {
            let _ = events.send(Event::Progress {
                worker,
                status: format!("lr {lr:.3e}, loss {loss:.4}"),
            });
        };
        let outcome = job.and_then(|job| job.find(&mut observe));
        let record = FinderRecord::new(run, outcome, methods, started.elapsed().as_secs_f64());
        if let Err(error) = store.save_finder(&record) {
            let message = format!(
                "range test {} finished but its record was not stored: {error:#}",
                run.id
            );
            let _ = events.send(Event::Warning(message));
        }
        let result = match &record.error {
            Some(error) => format!("failed: {error}"),
            None => format!(
                "{} after {} batches",
                record.stop_reason,
                record.points.len()
            ),
        };
        let _ = events.send(Event::Finished {
            worker,
            label,
            result,
        });
        record
    })
}

/// Describes a finished run in one line, such as `converged at epoch 1.25 (3.1 s)`.
pub fn describe(record: &Record) -> String {
    let outcome = &record.outcome;
    let what = match (outcome.status, outcome.epochs_to_converge) {
        (Status::Converged, Some(epoch)) => format!("converged at epoch {epoch:.2}"),
        (Status::Failed, _) => format!(
            "failed: {}",
            outcome.note.as_deref().unwrap_or("unknown error")
        ),
        (Status::Diverged, _) => format!("diverged: {}", outcome.note.as_deref().unwrap_or("")),
        (status, _) => status.to_string().replace('_', " "),
    };
    format!("{what} ({:.1} s)", record.wall_seconds)
}
