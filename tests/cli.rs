//! The `sweep` binary run in temporary folders, on good and bad input.

mod common;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

/// Creates a temporary project: a data folder and `tiny.toml` next to it.
fn project(grid: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::write_data_folder(
        &dir.path().join("shapes"),
        &common::synthetic(320, 6, 1),
        &common::synthetic(96, 6, 2),
        false,
    );
    let text = common::experiment_text("shapes", grid)
        .replace("path = \"shapes\"", "path = \"shapes\"\nclasses = 6");
    std::fs::write(dir.path().join("tiny.toml"), text).unwrap();
    dir
}

fn sweep(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("sweep")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn dry_run_lists_grid() {
    let dir = project(common::SMALL_GRID);
    let output = sweep(dir.path(), &["tiny.toml", "--dry-run"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout
            .starts_with("tiny: 12 grid runs, 4 range tests, up to 20 runs at their suggestions\n"),
        "{stdout}"
    );
    assert!(stdout.contains("find mlp shapes sgd seed=2"), "{stdout}");
    assert!(
        stdout.contains("mlp shapes sgd lr=5.000e1 seed=2"),
        "{stdout}"
    );
    assert!(
        !dir.path().join("results").exists(),
        "a dry run writes nothing"
    );
}

#[test]
fn sweep_writes_reports() {
    let dir = project(common::SMALL_GRID);
    let output = sweep(dir.path(), &["tiny.toml", "--jobs", "2"]);
    assert!(output.status.success(), "stderr:\n{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("best lr"), "summary table: {stdout}");

    assert!(
        stdout.contains("best grid lr"),
        "comparison table: {stdout}"
    );
    assert!(
        stdout.contains("median |log10 ratio|"),
        "method summary: {stdout}"
    );

    let results = dir.path().join("results/tiny");
    let mut reader = csv::Reader::from_path(results.join("runs.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let grid: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[13] == "grid").collect();
    assert_eq!(grid.len(), 12);
    assert!(grid.iter().any(|r| &r[7] == "converged"), "{grid:?}");
    assert!(grid.iter().any(|r| &r[7] == "diverged"), "{grid:?}");
    let suggested = rows.len() - grid.len();
    assert!(suggested > 0, "runs at the finder's suggestions");
    assert!(rows
        .iter()
        .all(|r| &r[13] == "grid" || r[13].starts_with("finder:")));
    for name in [
        "curves.csv",
        "lr_find.csv",
        "suggestions.csv",
        "comparison.csv",
        "method_summary.csv",
    ] {
        assert!(results.join(name).exists(), "{name} missing");
    }
    let records = std::fs::read_dir(results.join("records")).unwrap().count();
    assert_eq!(
        records,
        rows.len() + 4,
        "one record per run and per range test"
    );
}

#[test]
fn find_runs_only_range_tests() {
    let dir = project(common::SMALL_GRID);
    let output = sweep(dir.path(), &["find", "tiny.toml", "--jobs", "2"]);
    assert!(output.status.success(), "stderr:\n{}", text(&output.stderr));
    let results = dir.path().join("results/tiny");
    assert!(results.join("lr_find.csv").exists());
    assert!(results.join("suggestions.csv").exists());
    assert!(!results.join("runs.csv").exists(), "no training runs");
    let stdout = text(&output.stdout);
    assert!(stdout.contains("valley"), "{stdout}");
    let mut reader = csv::Reader::from_path(results.join("suggestions.csv")).unwrap();
    assert_eq!(
        reader.records().count(),
        4 * 5,
        "4 range tests, 5 methods each"
    );
}

#[test]
fn invalid_file_exits_2_before_training() {
    let dir = project(&common::SMALL_GRID.replace("seeds = [1, 2]", "seeds = [1, 2]\nepochs = 3"));
    let output = sweep(dir.path(), &["tiny.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("tiny.toml:"), "{stderr}");
    assert!(stderr.contains("unknown key `epochs`"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!dir.path().join("results").exists(), "nothing written");
}

#[test]
fn missing_data_folder_exits_2() {
    let dir = project(common::SMALL_GRID);
    std::fs::remove_dir_all(dir.path().join("shapes")).unwrap();
    let output = sweep(dir.path(), &["tiny.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("dataset \"shapes\""), "{stderr}");
    assert!(stderr.contains("data folder not found"), "{stderr}");
}

#[test]
fn corrupt_labels_exit_2() {
    let dir = project(common::SMALL_GRID);
    let labels = dir.path().join("shapes/train-labels-idx1-ubyte");
    let mut bytes = std::fs::read(&labels).unwrap();
    bytes[8] = 42;
    std::fs::write(&labels, bytes).unwrap();
    let output = sweep(dir.path(), &["tiny.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("label 42 at index 0"), "{stderr}");
}

#[test]
fn missing_file_and_bad_flags() {
    let dir = tempfile::tempdir().unwrap();
    let output = sweep(dir.path(), &["nowhere.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("cannot read experiment file nowhere.toml"));
    let output = sweep(dir.path(), &["nowhere.toml", "--jobs", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("--jobs"));
}

#[test]
fn dry_run_checks_data_files() {
    let dir = project(common::SMALL_GRID);
    std::fs::remove_file(dir.path().join("shapes/t10k-labels-idx1-ubyte")).unwrap();
    let output = sweep(dir.path(), &["tiny.toml", "--dry-run"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("tiny.toml:4:8: `datasets.shapes.path`"), "{stderr}");
    assert!(stderr.contains("no test labels file"), "{stderr}");
    assert!(stderr.contains("hint: scripts/setup"), "{stderr}");
}

#[test]
fn closed_pipe_is_not_a_panic() {
    // About 3,000 lines, more than a pipe buffers, so writing fails once head exits.
    let dir = project(&common::SMALL_GRID.replace("lr = [0.001, 0.1, 50.0]", "lr = \"1e-6 to 10, 100 per decade\""));
    let binary = assert_cmd::cargo::cargo_bin("sweep");
    let script = format!("'{}' tiny.toml --dry-run | head -n 1", binary.display());
    let output = std::process::Command::new("bash")
        .args(["-o", "pipefail", "-c", &script])
        .current_dir(dir.path())
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(text(&output.stdout).lines().count(), 1);
}
