//! `sweep report DIR...`: merge the records of the shards of one grid, from
//! one shared results folder or several, check that every run is present
//! exactly once, and write the reports.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{EXIT_INVALID_INPUT, EXIT_RUN_FAILED};
use crate::experiment::Experiment;
use crate::grid::{self, FinderRun, Run};
use crate::records::{FinderRecord, Record};
use crate::report::{summary, Reports};
use crate::shard::manifest::MANIFEST_FILE;
use crate::shard::{self, Manifest, Scope, Shard};
use crate::train::Status;

/// Options of `sweep report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Results folders (DIR/<name>) or their records/ folders, of one experiment.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,

    /// Folder for the reports [default: the results folder of the first DIR].
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The kind of an expected run, for listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    RangeTest,
    Grid,
    Suggestion,
}

impl RunKind {
    fn name(self) -> &'static str {
        match self {
            RunKind::RangeTest => "range test",
            RunKind::Grid => "grid run",
            RunKind::Suggestion => "suggestion run",
        }
    }
}

/// An expected run that is missing or failed.
#[derive(Debug, Clone)]
pub struct Listed {
    pub kind: RunKind,
    pub id: String,
    pub label: String,
    /// The shard that runs it, when every manifest names the same shard count.
    pub shard: Option<Shard>,
    /// The error of a failed run.
    pub error: Option<String>,
}

/// The records of one grid gathered from several folders.
pub struct Merged {
    pub experiment: Experiment,
    pub scope: Scope,
    /// Range test records in grid order.
    pub finders: Vec<FinderRecord>,
    /// Grid run records in grid order, then suggestion run records.
    pub records: Vec<Record>,
    /// Runs expected and known: range tests, grid runs (for `sweep`) and the
    /// runs at the suggestions of the range tests that are present.
    pub expected: usize,
    pub missing: Vec<Listed>,
    pub failed: Vec<Listed>,
    /// Missing range tests whose suggestion runs cannot be listed yet.
    pub unknown_suggestions: usize,
    /// Record files found more than once with the same content.
    pub duplicates: usize,
    /// Failed records replaced by a successful copy of the same run.
    pub superseded_failures: usize,
    /// Record files of runs that are not in this grid, such as runs of an
    /// earlier version of the experiment.
    pub ignored: usize,
    /// Record files that could not be read.
    pub unreadable: Vec<String>,
}

/// One folder given on the command line.
#[derive(Debug)]
struct Source {
    /// The results folder: the default output folder.
    results: PathBuf,
    records: PathBuf,
    manifest: Option<Manifest>,
}

/// Finds the records folder and the manifest of `dir`, a results folder or
/// its `records/` folder.
fn locate(dir: &Path) -> anyhow::Result<Source> {
    if !dir.is_dir() {
        anyhow::bail!("{} is not a folder", dir.display());
    }
    let (results, records) = if dir.file_name().is_some_and(|name| name == "records")
        && !dir.join(MANIFEST_FILE).exists()
    {
        let parent = dir.parent().unwrap_or(Path::new("."));
        (parent.to_path_buf(), dir.to_path_buf())
    } else if dir.join("records").is_dir() || dir.join(MANIFEST_FILE).exists() {
        (dir.to_path_buf(), dir.join("records"))
    } else {
        (dir.to_path_buf(), dir.to_path_buf())
    };
    let manifest = Manifest::read(&results)?;
    Ok(Source {
        results,
        records,
        manifest,
    })
}

/// Lists the record files of a folder by run id (the file stem).
fn record_files(dir: &Path, files: &mut BTreeMap<String, Vec<PathBuf>>) -> anyhow::Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot list the folder {}", dir.display()))
        }
    };
    let mut count = 0;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list the folder {}", dir.display()))?
            .path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let Some(id) = name
            .as_deref()
            .filter(|name| !name.starts_with('.'))
            .and_then(|name| name.strip_suffix(".json"))
        else {
            continue;
        };
        files.entry(id.to_owned()).or_default().push(path);
        count += 1;
    }
    Ok(count)
}

/// Returns true when a stored record is of a failed run or range test.
fn is_failed(value: &Value) -> bool {
    let failed_run = value.pointer("/outcome/status") == Some(&Value::from("failed"));
    let failed_test = value.get("error").is_some_and(|error| !error.is_null());
    failed_run || failed_test
}

/// Returns the top-level fields in which two records differ, ignoring
/// `wall_seconds`: the same run trained twice gives the same numbers, but
/// not the same wall time.
fn differing_fields(a: &Value, b: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return vec!["(not a JSON object)".to_owned()];
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|key| key.as_str() != "wall_seconds" && a.get(*key) != b.get(*key))
        .cloned()
        .collect()
}

/// Gathers the copies of each record and resolves duplicates.
struct Gatherer {
    files: BTreeMap<String, Vec<PathBuf>>,
    duplicates: usize,
    superseded_failures: usize,
    unreadable: Vec<String>,
    conflicts: Vec<String>,
}

impl Gatherer {
    /// Returns the record of run `id`: copies equal but for `wall_seconds`
    /// count once (the first folder's copy), a failed copy gives way to a
    /// successful one, and any other difference is a conflict.
    fn take<R: DeserializeOwned>(&mut self, id: &str) -> Option<R> {
        let paths = self.files.remove(id)?;
        let mut chosen: Option<(Value, PathBuf)> = None;
        for path in paths {
            let value = match fs::read(&path)
                .map_err(anyhow::Error::from)
                .and_then(|bytes| Ok(serde_json::from_slice::<Value>(&bytes)?))
            {
                Ok(value) => value,
                Err(error) => {
                    self.unreadable.push(format!("{}: {error}", path.display()));
                    continue;
                }
            };
            let Some((kept, kept_path)) = &chosen else {
                chosen = Some((value, path));
                continue;
            };
            let fields = differing_fields(kept, &value);
            if fields.is_empty() {
                self.duplicates += 1;
            } else if is_failed(kept) && !is_failed(&value) {
                self.superseded_failures += 1;
                chosen = Some((value, path));
            } else if !is_failed(kept) && is_failed(&value) {
                self.superseded_failures += 1;
            } else {
                self.conflicts.push(format!(
                    "{} and {} differ in {}",
                    kept_path.display(),
                    path.display(),
                    fields.join(", ")
                ));
            }
        }
        let (value, path) = chosen?;
        match serde_json::from_value(value) {
            Ok(record) => Some(record),
            Err(error) => {
                self.unreadable.push(format!("{}: {error}", path.display()));
                None
            }
        }
    }
}

/// Checks that the manifests found describe one grid, and returns the first.
fn one_manifest(sources: &[Source], dirs: &[PathBuf]) -> anyhow::Result<(Manifest, Experiment)> {
    let mut found = sources
        .iter()
        .zip(dirs)
        .filter_map(|(source, dir)| source.manifest.as_ref().map(|m| (m, dir)));
    let Some((first, first_dir)) = found.next() else {
        anyhow::bail!(
            "no {MANIFEST_FILE} in {}; it is written when a sweep starts, so run `sweep FILE` \
             (or `sweep FILE --shard K/N`) on the experiment once, and stored runs are skipped",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let experiment = first
        .experiment()
        .with_context(|| format!("in {}", first_dir.display()))?;
    let fingerprint = serde_json::to_value(&experiment)?;
    for (manifest, dir) in found {
        if manifest.scope != first.scope {
            anyhow::bail!(
                "{} contains the runs of `sweep{}` and {} contains those of `sweep{}`; report them separately",
                first_dir.display(),
                if first.scope == Scope::Find {
                    " find"
                } else {
                    ""
                },
                dir.display(),
                if manifest.scope == Scope::Find {
                    " find"
                } else {
                    ""
                },
            );
        }
        let other = manifest
            .experiment()
            .with_context(|| format!("in {}", dir.display()))?;
        if serde_json::to_value(&other)? != fingerprint {
            anyhow::bail!(
                "{} and {} contain different experiments ({} and {}); \
                 merge only the shards of one experiment",
                first_dir.display(),
                dir.display(),
                first.experiment_file.display(),
                manifest.experiment_file.display()
            );
        }
    }
    Ok((first.clone(), experiment))
}

/// Gathers the records of one grid from `dirs` and checks which runs are
/// missing or failed. Fails when no manifest is found, when the manifests
/// describe different experiments, or when two copies of a record conflict.
pub fn merge(dirs: &[PathBuf]) -> anyhow::Result<Merged> {
    let sources: Vec<Source> = dirs
        .iter()
        .map(|dir| locate(dir))
        .collect::<anyhow::Result<_>>()?;
    let mut files = BTreeMap::new();
    for (source, dir) in sources.iter().zip(dirs) {
        let count = record_files(&source.records, &mut files)?;
        if count == 0 && source.manifest.is_none() {
            anyhow::bail!(
                "{} contains neither records nor a {MANIFEST_FILE}; \
                 expected a results folder (DIR/<name>) or its records/ folder",
                dir.display()
            );
        }
    }
    let (manifest, experiment) = one_manifest(&sources, dirs)?;
    let counts: Vec<usize> = sources
        .iter()
        .filter_map(|s| s.manifest.as_ref().map(|m| m.shard_count))
        .collect();
    let shard_count = counts
        .iter()
        .all(|&count| count == counts[0])
        .then_some(counts[0])
        .filter(|&count| count > 1);

    let mut tally = Tally {
        gatherer: Gatherer {
            files,
            duplicates: 0,
            superseded_failures: 0,
            unreadable: Vec::new(),
            conflicts: Vec::new(),
        },
        shard_count,
        missing: Vec::new(),
        failed: Vec::new(),
    };

    let finder_runs = grid::finder_runs(&experiment);
    let mut finders = Vec::new();
    let mut present_finder_runs = Vec::new();
    for (position, run) in finder_runs.iter().enumerate() {
        if let Some(record) = tally.range_test(run, position) {
            present_finder_runs.push(run.clone());
            finders.push(record);
        }
    }
    let mut expected = finder_runs.len();
    let mut records = Vec::new();
    let mut unknown_suggestions = 0;
    if manifest.scope == Scope::Sweep {
        let grid_runs = grid::expand(&experiment);
        for (index, run) in grid_runs.iter().enumerate() {
            let position = shard::grid_run_position(index, finder_runs.len());
            records.extend(tally.training_run(RunKind::Grid, run, position));
        }
        let suggestion_runs =
            shard::suggestion_runs(&experiment, &present_finder_runs, &finders, grid_runs.len());
        for run in &suggestion_runs {
            let position = range_test_position(&finder_runs, run);
            records.extend(tally.training_run(RunKind::Suggestion, run, position));
        }
        expected += grid_runs.len() + suggestion_runs.len();
        if experiment.finder.train_suggestions {
            unknown_suggestions = finder_runs.len() - finders.len();
        }
    }

    let Tally {
        gatherer,
        missing,
        failed,
        ..
    } = tally;
    if !gatherer.conflicts.is_empty() {
        anyhow::bail!(
            "{} runs have conflicting records; copies of one run must be equal but for wall_seconds, \
             so remove the copies that are wrong:\n  {}",
            gatherer.conflicts.len(),
            gatherer.conflicts.join("\n  ")
        );
    }
    Ok(Merged {
        experiment,
        scope: manifest.scope,
        finders,
        records,
        expected,
        missing,
        failed,
        unknown_suggestions,
        duplicates: gatherer.duplicates,
        superseded_failures: gatherer.superseded_failures,
        ignored: gatherer.files.values().map(Vec::len).sum(),
        unreadable: gatherer.unreadable,
    })
}

/// The records taken so far, with the expected runs that are missing or failed.
struct Tally {
    gatherer: Gatherer,
    /// The shard count that every manifest names, when it is more than 1.
    shard_count: Option<usize>,
    missing: Vec<Listed>,
    failed: Vec<Listed>,
}

impl Tally {
    fn listed(&self, kind: RunKind, id: &str, label: String, position: usize) -> Listed {
        Listed {
            kind,
            id: id.to_owned(),
            label,
            shard: self.shard_count.map(|count| Shard {
                index: position % count,
                count,
            }),
            error: None,
        }
    }

    /// Takes the record of a range test, noting it as missing or failed.
    fn range_test(&mut self, run: &FinderRun, position: usize) -> Option<FinderRecord> {
        let Some(record) = self.gatherer.take::<FinderRecord>(&run.id) else {
            let listed = self.listed(RunKind::RangeTest, &run.id, run.label(), position);
            self.missing.push(listed);
            return None;
        };
        if let Some(error) = &record.error {
            let listed = self.listed(RunKind::RangeTest, &run.id, run.label(), position);
            self.failed.push(Listed {
                error: Some(error.clone()),
                ..listed
            });
        }
        Some(record)
    }

    /// Takes the record of a training run, noting it as missing or failed.
    fn training_run(&mut self, kind: RunKind, run: &Run, position: usize) -> Option<Record> {
        let Some(record) = self.gatherer.take::<Record>(&run.id) else {
            let listed = self.listed(kind, &run.id, run.label(), position);
            self.missing.push(listed);
            return None;
        };
        if record.outcome.status == Status::Failed {
            let listed = self.listed(kind, &run.id, run.label(), position);
            self.failed.push(Listed {
                error: record.outcome.note.clone(),
                ..listed
            });
        }
        Some(record)
    }
}

/// Returns the position of the range test that suggested `run`'s rate: the
/// test of the same model, dataset, optimizer and seed.
fn range_test_position(finder_runs: &[FinderRun], run: &Run) -> usize {
    finder_runs
        .iter()
        .position(|f| f.setup.group() == run.setup.group() && f.seed == run.seed)
        .expect("a suggestion run comes from a range test of the grid")
}

pub fn run(args: &ReportArgs) -> anyhow::Result<i32> {
    let merged = match merge(&args.dirs) {
        Ok(merged) => merged,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(EXIT_INVALID_INPUT);
        }
    };
    let out = match &args.out {
        Some(out) => out.clone(),
        None => locate(&args.dirs[0])?.results,
    };
    fs::create_dir_all(&out)
        .with_context(|| format!("cannot create the report folder {}", out.display()))?;

    let Merged {
        experiment,
        scope,
        finders,
        records,
        ..
    } = &merged;
    let present = finders.len() + records.len();
    match scope {
        Scope::Sweep => {
            let reports = Reports::build(experiment, records.clone(), finders.clone());
            super::sweep::write_reports(experiment, &reports, &out)?;
        }
        Scope::Find => {
            let written =
                Reports::write_finder_only(finders, &out).context("failed to write the reports")?;
            print!("\n{}", summary::suggestions_table(finders));
            for path in &written {
                println!("wrote {}", path.display());
            }
        }
    }
    print_counts(&merged, present, args.dirs.len());
    let incomplete = !merged.missing.is_empty() || merged.unknown_suggestions > 0;
    if incomplete {
        eprintln!(
            "warning: the reports in {} cover {present} of the {} runs known so far; \
             run `sweep report` again when the missing runs are stored",
            out.display(),
            merged.expected
        );
    }
    if incomplete || !merged.failed.is_empty() {
        return Ok(EXIT_RUN_FAILED);
    }
    Ok(0)
}

/// Prints the counts, then every missing and failed run, to standard error.
fn print_counts(merged: &Merged, present: usize, folders: usize) {
    eprintln!(
        "{}: {present} of {} runs present in {folders} folder{}",
        merged.experiment.name,
        merged.expected,
        if folders == 1 { "" } else { "s" }
    );
    if merged.duplicates > 0 {
        eprintln!(
            "counted once: {} record files found in more than one folder",
            merged.duplicates
        );
    }
    if merged.superseded_failures > 0 {
        eprintln!(
            "used the successful copy of {} runs that also have a failed record",
            merged.superseded_failures
        );
    }
    if merged.ignored > 0 {
        eprintln!(
            "ignored {} record files of runs that are not in this grid \
             (such as runs of an earlier version of the experiment file)",
            merged.ignored
        );
    }
    for problem in &merged.unreadable {
        eprintln!("warning: unreadable record {problem}; its run counts as missing");
    }

    print_listed("missing", &merged.missing);
    if merged.unknown_suggestions > 0 {
        eprintln!(
            "not listed: the runs at the suggestions of the {} missing range tests, \
             known once those tests have run",
            merged.unknown_suggestions
        );
    }
    print_listed("failed", &merged.failed);
    print_rerun_hint(merged);
}

/// Prints one line per run, with its shard and error when known.
fn print_listed(title: &str, runs: &[Listed]) {
    if runs.is_empty() {
        return;
    }
    eprintln!("{title} {} runs:", runs.len());
    for listed in runs {
        let shard = listed
            .shard
            .map(|s| format!("  (shard {s})"))
            .unwrap_or_default();
        let error = listed
            .error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        eprintln!(
            "  {:<14} {}  {}{shard}{error}",
            listed.kind.name(),
            listed.id,
            listed.label
        );
    }
}

/// Names the shards to run again for the missing and failed runs.
fn print_rerun_hint(merged: &Merged) {
    let mut shards: Vec<Shard> = merged
        .missing
        .iter()
        .chain(&merged.failed)
        .filter_map(|listed| listed.shard)
        .collect();
    shards.sort_by_key(|s| s.index);
    shards.dedup();
    let Some(first) = shards.first() else {
        return;
    };
    let indexes: Vec<String> = shards.iter().map(|s| s.index.to_string()).collect();
    eprintln!(
        "to complete them, run shards {} of {} again (sweep FILE --shard K/{}, \
         or sbatch --array={} with the array script of `sweep slurm`); stored runs are skipped",
        indexes.join(", "),
        first.count,
        first.count,
        indexes.join(",")
    );
}

/// Prints what a shard stored and how to merge the shards, and returns the
/// exit code. A shard writes no reports, because its runs are only part of
/// the grid and its reports would replace those of the whole grid in a
/// shared folder.
pub fn finish_shard(
    shard: Shard,
    out: &Path,
    finders: &[FinderRecord],
    records: &[Record],
    interrupted: usize,
) -> i32 {
    let failed = finders.iter().filter(|f| f.error.is_some()).count()
        + records
            .iter()
            .filter(|r| r.outcome.status == Status::Failed)
            .count();
    eprintln!(
        "shard {shard}: {} range tests and {} training runs stored in {}{}",
        finders.len(),
        records.len(),
        out.join("records").display(),
        if failed > 0 {
            format!(", {failed} of them failed")
        } else {
            String::new()
        }
    );
    eprintln!(
        "shard {shard} writes no reports; when all {} shards have finished, merge them with \
         `sweep report {}` (add the folders of shards that wrote elsewhere)",
        shard.count,
        out.display()
    );
    if interrupted > 0 {
        return super::interrupted(finders.len() + records.len(), interrupted);
    }
    if failed > 0 {
        return EXIT_RUN_FAILED;
    }
    0
}
