//! Never lose or redo work: resumed sweeps skip stored runs, a killed sweep
//! resumes to the same reports, results do not depend on `--jobs`, and two
//! sweeps cannot write to one folder.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_sweep");

/// Three models, eight rates and three seeds: enough runs that a sweep takes
/// a few seconds, so a test can stop it half-way.
const GRID: &str = r#"[grid]
models = ["logistic", "mlp", "lenet"]
datasets = ["shapes"]
optimizers = ["sgd"]
lr = "1e-3 to 10, 2 per decade"
seeds = [1, 2, 3]
"#;

/// Creates a temporary project: a data folder and `tiny.toml` with `grid`.
fn project(grid: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let train = common::synthetic(320, 6, 1);
    let test = common::synthetic(96, 6, 2);
    common::write_data_folder(&dir.path().join("shapes"), &train, &test, true);
    let text = common::experiment_text("shapes", grid)
        .replace("path = \"shapes\"", "path = \"shapes\"\nclasses = 6");
    std::fs::write(dir.path().join("tiny.toml"), text).unwrap();
    dir
}

fn sweep(dir: &Path, args: &[&str]) -> Output {
    Command::new(BINARY)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn results(dir: &Path, out: &str) -> PathBuf {
    dir.join(out).join("tiny")
}

/// Reads every record file's bytes by name. A redone run gets new bytes because its wall time changes.
fn records(results: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(results.join("records"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .map(|p| {
                    (
                        p.file_name().unwrap().to_string_lossy().into_owned(),
                        std::fs::read(&p).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Reads the CSV reports with timing columns removed, by file name.
fn reports_without_timings(results: &Path) -> BTreeMap<String, String> {
    let mut reports = BTreeMap::new();
    for name in [
        "runs.csv",
        "curves.csv",
        "scenarios.csv",
        "lr_find.csv",
        "suggestions.csv",
        "comparison.csv",
        "method_summary.csv",
    ] {
        let mut reader =
            csv::Reader::from_path(results.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let header = reader.headers().unwrap().clone();
        let timing = header.iter().position(|h| h == "wall_seconds");
        let mut text = format!("{:?}\n", header);
        for row in reader.records() {
            let row = row.unwrap();
            let cells: Vec<&str> = row
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != timing)
                .map(|(_, c)| c)
                .collect();
            text += &format!("{cells:?}\n");
        }
        reports.insert(name.to_owned(), text);
    }
    reports
}

/// Starts a sweep and stops it with `signal` once at least `records` runs are stored.
fn start_and_stop(
    dir: &Path,
    out: &str,
    records_before_stop: usize,
    signal: &str,
) -> (Output, BTreeMap<String, Vec<u8>>) {
    let child = Command::new(BINARY)
        .current_dir(dir)
        .args(["tiny.toml", "--jobs", "2", "--out", out])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let results = results(dir, out);
    let deadline = Instant::now() + Duration::from_secs(120);
    while records(&results).len() < records_before_stop {
        assert!(
            Instant::now() < deadline,
            "the sweep stored no {records_before_stop} records in time"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    (output, records(&results))
}

#[test]
fn second_start_skips_stored_runs() {
    let dir = project(GRID);
    let first = sweep(dir.path(), &["tiny.toml"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let results = results(dir.path(), "results");
    let stored = records(&results);
    let reports = reports_without_timings(&results);

    let second = sweep(dir.path(), &["tiny.toml"]);
    assert!(second.status.success(), "{}", stderr(&second));
    let text = stderr(&second);
    assert!(
        text.contains("lr finder: skipped 9 of 9 runs whose records are stored"),
        "{text}"
    );
    assert!(text.contains("training: skipped"), "{text}");
    assert_eq!(records(&results), stored, "no record was written again");
    assert_eq!(reports_without_timings(&results), reports);

    let forced = sweep(dir.path(), &["tiny.toml", "--force"]);
    assert!(forced.status.success());
    assert!(
        !stderr(&forced).contains("skipped"),
        "--force runs everything again"
    );
    assert_ne!(
        records(&results),
        stored,
        "new wall times in the rewritten records"
    );
    assert_eq!(
        reports_without_timings(&results),
        reports,
        "the same numbers again"
    );
}

#[test]
fn changed_grid_runs_only_new_points() {
    let dir = project(GRID);
    assert!(sweep(dir.path(), &["tiny.toml"]).status.success());
    let text = common::experiment_text(
        "shapes",
        &GRID.replace("seeds = [1, 2, 3]", "seeds = [1, 2, 3, 4]"),
    )
    .replace("path = \"shapes\"", "path = \"shapes\"\nclasses = 6");
    std::fs::write(dir.path().join("tiny.toml"), text).unwrap();
    let output = sweep(dir.path(), &["tiny.toml"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(text.contains("lr finder: skipped 9 of 12 runs"), "{text}");
    assert!(text.contains("training: skipped"), "{text}");
}

#[test]
fn jobs_do_not_change_reports() {
    let dir = project(GRID);
    assert!(
        sweep(dir.path(), &["tiny.toml", "--jobs", "1", "--out", "one"])
            .status
            .success()
    );
    assert!(
        sweep(dir.path(), &["tiny.toml", "--jobs", "2", "--out", "two"])
            .status
            .success()
    );
    let one = reports_without_timings(&results(dir.path(), "one"));
    let two = reports_without_timings(&results(dir.path(), "two"));
    for (name, text) in &one {
        assert_eq!(
            text, &two[name],
            "{name} differs between --jobs 1 and --jobs 2"
        );
    }
}

#[test]
fn killed_sweep_resumes_to_same_reports() {
    let dir = project(GRID);
    assert!(sweep(dir.path(), &["tiny.toml", "--out", "whole"])
        .status
        .success());
    let whole = reports_without_timings(&results(dir.path(), "whole"));
    let total = records(&results(dir.path(), "whole")).len();

    let (killed, before) = start_and_stop(dir.path(), "resumed", 20, "-KILL");
    assert_eq!(killed.status.code(), None, "ended by a signal");
    assert!(
        before.len() < total,
        "the sweep was stopped half-way ({} of {total} records)",
        before.len()
    );

    let resumed = sweep(dir.path(), &["tiny.toml", "--out", "resumed"]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let after = records(&results(dir.path(), "resumed"));
    for (name, bytes) in &before {
        assert_eq!(
            after.get(name),
            Some(bytes),
            "record {name} was written again"
        );
    }
    assert_eq!(after.len(), total);
    assert_eq!(
        reports_without_timings(&results(dir.path(), "resumed")),
        whole
    );
}

#[test]
fn ctrl_c_writes_reports_and_resumes() {
    let dir = project(GRID);
    assert!(sweep(dir.path(), &["tiny.toml", "--out", "whole"])
        .status
        .success());
    let whole = reports_without_timings(&results(dir.path(), "whole"));

    let (stopped, _) = start_and_stop(dir.path(), "stopped", 15, "-INT");
    let text = stderr(&stopped);
    assert_eq!(stopped.status.code(), Some(130), "{text}");
    assert!(
        text.contains("run the same command again to resume"),
        "{text}"
    );
    let results = results(dir.path(), "stopped");
    assert!(
        results.join("runs.csv").exists(),
        "reports from the finished runs"
    );
    let stored = records(&results);

    let resumed = sweep(dir.path(), &["tiny.toml", "--out", "stopped"]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let after = records(&results);
    for (name, bytes) in &stored {
        assert_eq!(
            after.get(name),
            Some(bytes),
            "record {name} was written again"
        );
    }
    assert_eq!(reports_without_timings(&results), whole);
}

#[test]
fn locked_folder_is_refused() {
    let dir = project(GRID);
    let lock = sweep::records::ResultsLock::acquire(&results(dir.path(), "results")).unwrap();
    let output = sweep(dir.path(), &["tiny.toml"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("another sweep"), "{text}");
    assert!(text.contains("is writing to"), "{text}");
    drop(lock);
    assert!(sweep(dir.path(), &["tiny.toml", "--dry-run"])
        .status
        .success());
}
