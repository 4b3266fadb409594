//! Shards of one grid on the fake trainer, merged by `sweep report`'s merge:
//! the merged reports equal those of one process, and missing, failed and
//! conflicting records are found.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use sweep::commands::report::{merge, RunKind};
use sweep::experiment::Experiment;
use sweep::grid;
use sweep::records::{FinderRecord, Record, RecordStore};
use sweep::report::Reports;
use sweep::runner::{find_all, run_all, Reuse};
use sweep::shard::{self, Manifest, Scope, Shard};
use sweep::train::fake::FakeTrainer;

const GRID: &str = r#"[grid]
models = ["logistic", "mlp"]
datasets = ["shapes"]
optimizers = ["sgd", "adam"]
lr = "1e-3 to 10, 1 per decade"
seeds = [1, 2]
"#;

const FILE: &str = "tiny.toml";

fn text(grid: &str) -> String {
    common::experiment_text("data", grid)
}

fn experiment(grid: &str) -> Experiment {
    Experiment::parse_str(&text(grid), Path::new(FILE)).unwrap()
}

/// Runs the whole grid or one shard into `dir` as `sweep FILE` does: the
/// manifest first, then the range tests, then the grid and suggestion runs.
fn sweep(
    grid: &str,
    dir: &Path,
    shard: Option<Shard>,
    trainer: &FakeTrainer,
) -> (Vec<FinderRecord>, Vec<Record>) {
    let experiment = experiment(grid);
    fs::create_dir_all(dir).unwrap();
    Manifest::new(&experiment, FILE.into(), text(grid), Scope::Sweep, shard)
        .write(dir, shard)
        .unwrap();
    let store = RecordStore::open(&dir.join("records")).unwrap();
    let (finder_runs, mut runs) = shard::select(
        shard,
        grid::finder_runs(&experiment),
        grid::expand(&experiment),
    );
    let methods = &experiment.finder.methods;
    let finders = find_all(trainer, &finder_runs, methods, 2, &store, Reuse::Stored)
        .unwrap()
        .records;
    runs.extend(shard::suggestion_runs(
        &experiment,
        &finder_runs,
        &finders,
        runs.len(),
    ));
    let records = run_all(trainer, &runs, 2, &store, Reuse::Stored)
        .unwrap()
        .records;
    (finders, records)
}

fn shard_of(index: usize, count: usize) -> Option<Shard> {
    Some(Shard::new(index, count).unwrap())
}

/// Reads the CSV reports in `dir` without their `wall_seconds` columns, by file name.
fn reports_without_timings(dir: &Path) -> BTreeMap<String, String> {
    let mut reports = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let header = reader.headers().unwrap().clone();
        let timing = header.iter().position(|h| h == "wall_seconds");
        let mut text = format!("{header:?}\n");
        for row in reader.records() {
            let row = row.unwrap();
            let cells: Vec<&str> = row
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != timing)
                .map(|(_, cell)| cell)
                .collect();
            text += &format!("{cells:?}\n");
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        reports.insert(name, text);
    }
    reports
}

/// Writes the reports of one process into `dir` and returns them.
fn single_process_reports(dir: &Path) -> BTreeMap<String, String> {
    let (finders, records) = sweep(GRID, dir, None, &FakeTrainer::default());
    Reports::build(&experiment(GRID), records, finders)
        .write(dir)
        .unwrap();
    reports_without_timings(dir)
}

/// Merges `dirs` and writes the merged reports into `out`.
fn merged_reports(dirs: &[PathBuf], out: &Path) -> BTreeMap<String, String> {
    let merged = merge(dirs).unwrap();
    assert!(merged.missing.is_empty(), "missing: {:?}", merged.missing);
    assert!(merged.failed.is_empty(), "failed: {:?}", merged.failed);
    assert_eq!(merged.unknown_suggestions, 0);
    assert_eq!(
        merged.expected,
        merged.finders.len() + merged.records.len(),
        "every expected run is present"
    );
    fs::create_dir_all(out).unwrap();
    Reports::build(&merged.experiment, merged.records, merged.finders)
        .write(out)
        .unwrap();
    reports_without_timings(out)
}

fn record_ids(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir.join("records"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn separate_shards_merge_to_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let single = single_process_reports(&dir.path().join("single"));
    assert!(single.contains_key("runs.csv"), "{single:?}");
    assert!(single.contains_key("comparison.csv"), "{single:?}");

    let trainer = FakeTrainer::default();
    let shards: Vec<PathBuf> = (0..2)
        .map(|index| dir.path().join(format!("shard-{index}")))
        .collect();
    for (index, shard_dir) in shards.iter().enumerate() {
        sweep(GRID, shard_dir, shard_of(index, 2), &trainer);
    }
    let first = record_ids(&shards[0]);
    let second = record_ids(&shards[1]);
    assert!(first.is_disjoint(&second), "a run is in one shard only");
    let union: BTreeSet<String> = first.union(&second).cloned().collect();
    assert_eq!(union, record_ids(&dir.path().join("single")));

    let merged = merged_reports(&shards, &dir.path().join("merged"));
    assert_eq!(merged, single);
}

#[test]
fn shards_sharing_folder_merge_to_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let single = single_process_reports(&dir.path().join("single"));
    let shared = dir.path().join("shared");
    for index in 0..3 {
        sweep(GRID, &shared, shard_of(index, 3), &FakeTrainer::default());
    }
    let merged = merged_reports(&[shared.join("records")], &dir.path().join("merged"));
    assert_eq!(merged, single);
}

#[test]
fn shards_never_wait_for_each_other() {
    // Every suggestion run of a shard comes from a range test of that shard,
    // so each shard stores its suggestion runs without the others.
    let dir = tempfile::tempdir().unwrap();
    let experiment = experiment(GRID);
    let finder_runs = grid::finder_runs(&experiment);
    for index in 0..3 {
        let shard_dir = dir.path().join(format!("shard-{index}"));
        let (finders, records) = sweep(
            GRID,
            &shard_dir,
            shard_of(index, 3),
            &FakeTrainer::default(),
        );
        let suggestion_runs = records.iter().filter(|r| r.lr_source != "grid");
        for record in suggestion_runs {
            let finder = finders
                .iter()
                .find(|f| {
                    (
                        f.model.as_str(),
                        f.dataset.as_str(),
                        f.optimizer.as_str(),
                        f.seed,
                    ) == (
                        record.model.as_str(),
                        record.dataset.as_str(),
                        record.optimizer.as_str(),
                        record.seed,
                    )
                })
                .expect("the range test of a suggestion run is in its shard");
            let position = finder_runs
                .iter()
                .position(|f| f.id == finder.run_id)
                .unwrap();
            assert_eq!(position % 3, index);
        }
    }
}

#[test]
fn missing_shard_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("shard-0");
    sweep(GRID, &first, shard_of(0, 2), &FakeTrainer::default());

    let merged = merge(std::slice::from_ref(&first)).unwrap();
    let experiment = experiment(GRID);
    let finder_count = grid::finder_runs(&experiment).len();
    let grid_count = grid::expand(&experiment).len();
    let range_tests_missing = merged
        .missing
        .iter()
        .filter(|m| m.kind == RunKind::RangeTest)
        .count();
    let grid_missing = merged
        .missing
        .iter()
        .filter(|m| m.kind == RunKind::Grid)
        .count();
    assert_eq!(range_tests_missing, finder_count / 2);
    assert_eq!(grid_missing, grid_count / 2);
    assert_eq!(merged.unknown_suggestions, finder_count / 2);
    assert!(merged.failed.is_empty());
    for missing in &merged.missing {
        assert_eq!(missing.shard, shard_of(1, 2), "{missing:?}");
    }
    assert!(
        merged.missing[0].label.starts_with("find "),
        "{:?}",
        merged.missing[0]
    );

    // The second shard completes the grid.
    let second = dir.path().join("shard-1");
    sweep(GRID, &second, shard_of(1, 2), &FakeTrainer::default());
    let merged = merge(&[first, second]).unwrap();
    assert!(merged.missing.is_empty());
    assert_eq!(merged.unknown_suggestions, 0);
}

#[test]
fn failed_runs_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let trainer = FakeTrainer {
        failing_seed: Some(2),
        ..FakeTrainer::default()
    };
    sweep(GRID, dir.path(), None, &trainer);
    let merged = merge(&[dir.path().to_path_buf()]).unwrap();
    assert!(merged.missing.is_empty());
    let experiment = experiment(GRID);
    let failed_tests = grid::finder_runs(&experiment).len() / 2;
    let failed_grid_runs = grid::expand(&experiment).len() / 2;
    assert_eq!(merged.failed.len(), failed_tests + failed_grid_runs);
    for failed in &merged.failed {
        assert!(failed.label.contains("seed=2"), "{failed:?}");
        let error = failed.error.as_deref().unwrap();
        assert!(error.contains("fake failure for seed 2"), "{error}");
        assert_eq!(failed.shard, None, "the whole grid ran in one process");
    }
}

/// Copies the record files of `from` into `to`.
fn copy_records(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

#[test]
fn identical_duplicates_count_once() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    let (finders, records) = sweep(GRID, &results, None, &FakeTrainer::default());
    let copy = dir.path().join("copy");
    copy_records(&results.join("records"), &copy);

    let merged = merge(&[results.clone(), copy.clone()]).unwrap();
    assert!(merged.missing.is_empty());
    assert_eq!(merged.duplicates, finders.len() + records.len());
    assert_eq!(merged.records.len(), records.len());

    // The same run trained again differs only in its wall time.
    let id = &records[3].run_id;
    let path = copy.join(format!("{id}.json"));
    let mut value: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    value["wall_seconds"] = serde_json::json!(123.5);
    fs::write(&path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    let merged = merge(&[results, copy]).unwrap();
    assert_eq!(merged.duplicates, finders.len() + records.len());
    assert_ne!(
        merged.records[3].wall_seconds, 123.5,
        "the first folder's copy counts"
    );
}

#[test]
fn conflicting_duplicate_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    let (_, records) = sweep(GRID, &results, None, &FakeTrainer::default());
    let copy = dir.path().join("copy");
    copy_records(&results.join("records"), &copy);

    let id = &records[5].run_id;
    let path = copy.join(format!("{id}.json"));
    let mut value: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    value["outcome"]["epochs_to_converge"] = serde_json::json!(0.25);
    value["outcome"]["status"] = serde_json::json!("converged");
    fs::write(&path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();

    let error = match merge(&[results, copy]) {
        Ok(_) => panic!("the conflict was not detected"),
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains("1 runs have conflicting records"), "{error}");
    assert!(error.contains(&format!("{id}.json")), "{error}");
    assert!(error.contains("differ in outcome"), "{error}");
}

#[test]
fn successful_copy_replaces_failed_one() {
    let dir = tempfile::tempdir().unwrap();
    let failing = FakeTrainer {
        failing_seed: Some(1),
        ..FakeTrainer::default()
    };
    let first = dir.path().join("first");
    sweep(GRID, &first, None, &failing);
    let second = dir.path().join("second");
    sweep(GRID, &second, None, &FakeTrainer::default());

    let merged = merge(&[first, second]).unwrap();
    assert!(merged.failed.is_empty(), "{:?}", merged.failed);
    assert!(merged.superseded_failures > 0);
    assert!(merged.missing.is_empty());
}

#[test]
fn records_of_other_grids_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    sweep(GRID, dir.path(), None, &FakeTrainer::default());
    let stray = dir.path().join("records").join("00000000deadbeef.json");
    fs::write(&stray, "{}").unwrap();
    let merged = merge(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(merged.ignored, 1);
    assert!(merged.missing.is_empty());
}

#[test]
fn different_experiments_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    sweep(GRID, &first, shard_of(0, 2), &FakeTrainer::default());
    let second = dir.path().join("second");
    let other_grid = GRID.replace("seeds = [1, 2]", "seeds = [1, 3]");
    sweep(
        &other_grid,
        &second,
        shard_of(1, 2),
        &FakeTrainer::default(),
    );
    let error = match merge(&[first, second]) {
        Ok(_) => panic!("different experiments were merged"),
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains("contain different experiments"), "{error}");
}

#[test]
fn folder_without_manifest_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let error = match merge(&[dir.path().to_path_buf()]) {
        Ok(_) => panic!("an empty folder was accepted"),
        Err(error) => format!("{error:#}"),
    };
    assert!(
        error.contains("neither records nor a manifest.json"),
        "{error}"
    );

    let results = dir.path().join("results");
    sweep(GRID, &results, None, &FakeTrainer::default());
    fs::remove_file(results.join("manifest.json")).unwrap();
    let error = match merge(&[results]) {
        Ok(_) => panic!("records without a manifest were accepted"),
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains("no manifest.json in"), "{error}");
}

#[test]
fn range_test_shards_merge() {
    // `sweep find --shard K/N` stores range tests only, and its manifest has the find scope.
    let dir = tempfile::tempdir().unwrap();
    let experiment = experiment(GRID);
    let finder_runs = grid::finder_runs(&experiment);
    let trainer = FakeTrainer::default();
    let mut dirs = Vec::new();
    for index in 0..2 {
        let shard = shard_of(index, 2);
        let shard_dir = dir.path().join(format!("shard-{index}"));
        fs::create_dir_all(&shard_dir).unwrap();
        Manifest::new(&experiment, FILE.into(), text(GRID), Scope::Find, shard)
            .write(&shard_dir, shard)
            .unwrap();
        let store = RecordStore::open(&shard_dir.join("records")).unwrap();
        let (selected, _) = shard::select(shard, finder_runs.clone(), Vec::new());
        let methods = &experiment.finder.methods;
        find_all(&trainer, &selected, methods, 2, &store, Reuse::Stored).unwrap();
        dirs.push(shard_dir);
    }

    let merged = merge(&dirs).unwrap();
    assert_eq!(merged.scope, Scope::Find);
    assert_eq!(merged.expected, finder_runs.len());
    assert_eq!(merged.finders.len(), finder_runs.len());
    assert!(merged.records.is_empty());
    assert!(merged.missing.is_empty(), "{:?}", merged.missing);
    assert_eq!(merged.unknown_suggestions, 0);
    let ids: Vec<&str> = merged.finders.iter().map(|f| f.run_id.as_str()).collect();
    let expected: Vec<&str> = finder_runs.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, expected, "range tests come back in grid order");

    // A folder of the whole sweep is another kind of run and is not merged with them.
    let whole = dir.path().join("whole");
    sweep(GRID, &whole, None, &trainer);
    dirs.push(whole);
    let error = match merge(&dirs) {
        Ok(_) => panic!("range tests and a whole sweep were merged"),
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains("report them separately"), "{error}");
}
