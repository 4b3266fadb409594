//! Runs range tests and training runs on a rayon pool, one run per worker,
//! storing each record the moment its run ends. Runs whose records are
//! already stored are not run again.

pub mod cancel;
pub mod progress;

use std::sync::mpsc::Sender;
use std::time::Instant;

use rayon::prelude::*;
use serde::de::DeserializeOwned;

use crate::finder::Method;
use crate::grid::{FinderRun, Run};
use crate::records::{FinderRecord, Record, RecordStore};
use crate::train::monitor::metric_value;
use crate::train::{Evaluation, FinderJob, Job, Outcome, Status, Trainer};
use progress::{Event, Reporter};

/// Whether stored records count as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// Skip a run whose record is stored, unless it failed.
    Stored,
    /// Run everything again (`--force`).
    Nothing,
}

/// The records of a set of runs, in run order, and what happened to the rest.
#[derive(Debug)]
pub struct Finished<R> {
    /// One entry per finished run, stored ones included, in run order.
    pub records: Vec<R>,
    /// Runs skipped because their records were already stored.
    pub reused: usize,
    /// Runs that did not finish because a stop was requested.
    pub interrupted: usize,
}

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

/// Reads a run's stored record, if it may be reused. A record that cannot be
/// read is reported and its run is done again.
fn stored<R: DeserializeOwned>(
    store: &RecordStore,
    run_id: &str,
    reuse: Reuse,
    is_failed: impl Fn(&R) -> bool,
) -> Option<R> {
    if reuse == Reuse::Nothing {
        return None;
    }
    match store.load::<R>(run_id) {
        Ok(Some(record)) if !is_failed(&record) => Some(record),
        Ok(_) => None,
        Err(error) => {
            eprintln!("warning: {error:#}; running it again");
            None
        }
    }
}

/// Splits runs into stored records and runs still to do, then does those in parallel.
fn run_or_reuse<Item, R, J>(
    title: &str,
    items: &[Item],
    workers: usize,
    stored_record: impl Fn(&Item) -> Option<R>,
    prepare: impl Fn(&Item) -> anyhow::Result<J>,
    work: impl Fn(&Item, anyhow::Result<J>, usize, &mut Sender<Event>) -> Option<R> + Sync,
) -> anyhow::Result<Finished<R>>
where
    Item: Sync,
    R: Send,
    J: Send,
{
    let mut slots: Vec<Option<R>> = items.iter().map(&stored_record).collect();
    let reused = slots.iter().filter(|slot| slot.is_some()).count();
    if reused > 0 {
        eprintln!(
            "{title}: skipped {reused} of {} runs whose records are stored",
            items.len()
        );
    }
    // Jobs are prepared here, on one thread, because libtorch tensors can be
    // shared with other threads only through handles made in advance.
    let todo: Vec<(usize, anyhow::Result<J>)> = slots
        .iter()
        .enumerate()
        .filter(|(_, slot)| slot.is_none())
        .map(|(i, _)| (i, prepare(&items[i])))
        .collect();
    let done = parallel(title, todo, workers, |(i, job), worker, events| {
        let record = if cancel::stop_requested() {
            None
        } else {
            work(&items[i], job, worker, events)
        };
        (i, record)
    })?;
    let mut interrupted = 0;
    for (i, record) in done {
        interrupted += usize::from(record.is_none());
        slots[i] = record;
    }
    Ok(Finished {
        records: slots.into_iter().flatten().collect(),
        reused,
        interrupted,
    })
}

/// Trains every run with `workers` parallel workers, skipping runs whose
/// records are stored (see [`Reuse`]). A run that fails is recorded as
/// failed and the others go on.
pub fn run_all<T: Trainer>(
    trainer: &T,
    runs: &[Run],
    workers: usize,
    store: &RecordStore,
    reuse: Reuse,
) -> anyhow::Result<Finished<Record>> {
    run_or_reuse(
        "training",
        runs,
        workers,
        |run| {
            stored(store, &run.id, reuse, |r: &Record| {
                r.outcome.status == Status::Failed
            })
        },
        |run| trainer.prepare(run),
        |run, job, worker, events| train_one(run, job, worker, store, events),
    )
}

fn train_one<J: Job>(
    run: &Run,
    job: anyhow::Result<J>,
    worker: usize,
    store: &RecordStore,
    events: &mut Sender<Event>,
) -> Option<Record> {
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
        Err(error) if error.is::<cancel::Interrupted>() => {
            let _ = events.send(Event::Finished {
                worker,
                label,
                result: "interrupted".into(),
            });
            return None;
        }
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
    Some(record)
}

/// Runs every range test and computes the suggestions of `methods`, skipping
/// tests whose records are stored. A test that fails is recorded with its error.
pub fn find_all<T: Trainer>(
    trainer: &T,
    runs: &[FinderRun],
    methods: &[Method],
    workers: usize,
    store: &RecordStore,
    reuse: Reuse,
) -> anyhow::Result<Finished<FinderRecord>> {
    run_or_reuse(
        "lr finder",
        runs,
        workers,
        |run| stored(store, &run.id, reuse, |r: &FinderRecord| r.error.is_some()),
        |run| trainer.prepare_finder(run),
        |run, job, worker, events| {
            let label = run.label();
            let _ = events.send(Event::Started {
                worker,
                label: label.clone(),
            });
            let started = Instant::now();
            let mut observe = |lr: f64, loss: f64| {
                let status = format!("lr {lr:.3e}, loss {loss:.4}");
                let _ = events.send(Event::Progress { worker, status });
            };
            let outcome = job.and_then(|job| job.find(&mut observe));
            if outcome
                .as_ref()
                .is_err_and(|error| error.is::<cancel::Interrupted>())
            {
                let _ = events.send(Event::Finished {
                    worker,
                    label,
                    result: "interrupted".into(),
                });
                return None;
            }
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
            Some(record)
        },
    )
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
