//! The `sweep` binary with `--shard`, the shard variables of Slurm and
//! Kubernetes, `sweep report` and `sweep slurm`, in temporary folders.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

const BINARY: &str = env!("CARGO_BIN_EXE_sweep");

/// The variables that select a shard. Each run clears them, so that tests run
/// inside a job array get only the variables that the test sets.
const SHARD_VARIABLES: [&str; 7] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_STEP",
    "SLURM_ARRAY_TASK_COUNT",
    "JOB_COMPLETION_INDEX",
    "SWEEP_SHARD_COUNT",
];

/// One model, two rates and one seed: one range test, two grid runs and up
/// to five runs at the suggestions, a few seconds of training.
const GRID: &str = r#"[grid]
models = ["logistic"]
datasets = ["shapes"]
optimizers = ["sgd"]
lr = [0.1, 50.0]
seeds = [1]
"#;

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

fn sweep_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BINARY);
    command.current_dir(dir).args(args);
    for name in SHARD_VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().unwrap()
}

fn sweep(dir: &Path, args: &[&str]) -> Output {
    sweep_with_env(dir, args, &[])
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Reads the CSV reports in `dir` without their `wall_seconds` columns, by file name.
fn reports_without_timings(dir: &Path) -> BTreeMap<String, String> {
    let mut reports = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
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

#[test]
fn invalid_shard_values_exit_2() {
    let dir = project(GRID);
    let cases: &[(&[&str], &[(&str, &str)], &str)] = &[
        (&["--shard", "2/2"], &[], "shard 2/2 does not exist"),
        (&["--shard", "1of2"], &[], "invalid shard \"1of2\""),
        (
            &["--shard", "0/0"],
            &[],
            "the shard count must be at least 1",
        ),
        (
            &["--shard-count", "2"],
            &[],
            "--shard-count 2 needs a shard index",
        ),
        (&["--shard-count", "0"], &[], "invalid count \"0\""),
        (
            &["--shard", "0/2", "--shard-count", "2"],
            &[],
            "cannot be used with",
        ),
        (
            &[],
            &[("JOB_COMPLETION_INDEX", "1")],
            "JOB_COMPLETION_INDEX=1 is set but the shard count is not",
        ),
        (
            &[],
            &[
                ("SLURM_ARRAY_TASK_ID", "3"),
                ("SLURM_ARRAY_TASK_COUNT", "2"),
            ],
            "shard 3/2 does not exist",
        ),
        (
            &[],
            &[
                ("SLURM_ARRAY_TASK_ID", "one"),
                ("SLURM_ARRAY_TASK_COUNT", "2"),
            ],
            "invalid SLURM_ARRAY_TASK_ID=\"one\"",
        ),
    ];
    for (extra, env, expected) in cases {
        for command in [&["tiny.toml", "--dry-run"][..], &["find", "tiny.toml"][..]] {
            let args: Vec<&str> = command.iter().chain(extra.iter()).copied().collect();
            let output = sweep_with_env(dir.path(), &args, env);
            let message = stderr(&output);
            assert_eq!(output.status.code(), Some(2), "{args:?} {env:?}: {message}");
            assert!(message.contains(expected), "{args:?} {env:?}: {message}");
        }
    }
    assert!(
        !dir.path().join("results").exists(),
        "nothing runs on invalid shard values"
    );
}

/// Returns the run ids that a dry run lists.
fn dry_run_ids(output: &Output) -> BTreeSet<String> {
    stdout(output)
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().nth(1).unwrap().to_owned())
        .collect()
}

#[test]
fn environment_selects_shard() {
    let dir = project(common::SMALL_GRID);
    let whole = sweep(dir.path(), &["tiny.toml", "--dry-run"]);
    assert!(whole.status.success(), "{}", stderr(&whole));
    assert!(stderr(&whole).is_empty(), "{}", stderr(&whole));

    // An array numbered from 1, as with sbatch --array=1-2.
    let slurm = |id: &'static str| {
        sweep_with_env(
            dir.path(),
            &["tiny.toml", "--dry-run"],
            &[
                ("SLURM_ARRAY_TASK_ID", id),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "2"),
            ],
        )
    };
    let first = slurm("1");
    let second = slurm("2");
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(
        stderr(&second).trim(),
        "shard 1/2 (from SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_COUNT=2)"
    );
    assert!(
        stdout(&second).starts_with("tiny shard 1/2: 6 grid runs, 2 range tests"),
        "{}",
        stdout(&second)
    );
    let (first, second) = (dry_run_ids(&first), dry_run_ids(&second));
    assert!(first.is_disjoint(&second));
    let union: BTreeSet<String> = first.union(&second).cloned().collect();
    assert_eq!(union, dry_run_ids(&whole), "the shards cover the grid");

    let kubernetes = sweep_with_env(
        dir.path(),
        &["tiny.toml", "--dry-run"],
        &[("JOB_COMPLETION_INDEX", "0"), ("SWEEP_SHARD_COUNT", "2")],
    );
    assert!(kubernetes.status.success(), "{}", stderr(&kubernetes));
    assert!(
        stderr(&kubernetes)
            .contains("shard 0/2 (from JOB_COMPLETION_INDEX=0, SWEEP_SHARD_COUNT=2)"),
        "{}",
        stderr(&kubernetes)
    );
    assert_eq!(dry_run_ids(&kubernetes), first);

    // The option wins over the environment.
    let option = sweep_with_env(
        dir.path(),
        &["tiny.toml", "--dry-run", "--shard", "1/2"],
        &[("JOB_COMPLETION_INDEX", "0"), ("SWEEP_SHARD_COUNT", "2")],
    );
    assert!(stderr(&option).contains("shard 1/2 (from --shard 1/2)"));
    assert_eq!(dry_run_ids(&option), second);
}

#[test]
fn shards_then_report_equal_single_run() {
    let dir = project(GRID);
    let single = sweep(dir.path(), &["tiny.toml", "--jobs", "2", "--out", "single"]);
    assert!(single.status.success(), "{}", stderr(&single));

    for shard in ["0/2", "1/2"] {
        let output = sweep(dir.path(), &["tiny.toml", "--jobs", "1", "--shard", shard]);
        let message = stderr(&output);
        assert!(output.status.success(), "shard {shard}: {message}");
        assert!(
            message.contains(&format!("shard {shard} writes no reports")),
            "{message}"
        );
    }
    let results = dir.path().join("results/tiny");
    assert!(results.join("manifest.json").is_file());
    assert!(
        !results.join("runs.csv").exists(),
        "shards write no reports"
    );

    let report = sweep(dir.path(), &["report", "results/tiny"]);
    let message = stderr(&report);
    assert!(report.status.success(), "{message}");
    assert!(message.contains("tiny: "), "{message}");
    assert!(!message.contains("missing"), "{message}");
    let merged = reports_without_timings(&results);
    assert!(merged.contains_key("runs.csv"), "{merged:?}");
    assert_eq!(
        merged,
        reports_without_timings(&dir.path().join("single/tiny"))
    );
}

#[test]
fn report_lists_missing_shard() {
    let dir = project(GRID);
    let shard = sweep(dir.path(), &["tiny.toml", "--jobs", "2", "--shard", "1/2"]);
    assert!(shard.status.success(), "{}", stderr(&shard));

    let report = sweep(
        dir.path(),
        &["report", "results/tiny/records", "--out", "partial"],
    );
    let message = stderr(&report);
    assert_eq!(report.status.code(), Some(1), "{message}");
    assert!(message.contains("missing 2 runs:"), "{message}");
    assert!(message.contains("range test"), "{message}");
    assert!(
        message.contains("find logistic shapes sgd seed=1  (shard 0/2)"),
        "{message}"
    );
    assert!(
        message.contains("not listed: the runs at the suggestions of the 1 missing range tests"),
        "{message}"
    );
    assert!(message.contains("run shards 0 of 2 again"), "{message}");
    assert!(
        message.contains("cover 1 of the 3 runs known so far"),
        "{message}"
    );
    assert!(
        dir.path().join("partial/runs.csv").is_file(),
        "partial reports are written"
    );
}

#[test]
fn report_rejects_folder_without_records() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    for (folder, expected) in [
        ("empty", "contains neither records nor a manifest.json"),
        ("absent", "absent is not a folder"),
    ] {
        let output = sweep(dir.path(), &["report", folder]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{message}");
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn running_shard_is_rejected() {
    let dir = project(GRID);
    let results = dir.path().join("results/tiny");
    let shard = sweep::shard::Shard::new(0, 2).unwrap();
    let lock = sweep::shard::FolderLock::acquire(&results, Some(shard)).unwrap();
    let output = sweep(dir.path(), &["tiny.toml", "--shard", "0/2"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.contains("shard 0/2 is already running"),
        "{message}"
    );

    let whole = sweep(dir.path(), &["tiny.toml"]);
    let message = stderr(&whole);
    assert_eq!(whole.status.code(), Some(1), "{message}");
    assert!(message.contains("another sweep is writing to"), "{message}");
    drop(lock);
}

#[test]
fn slurm_writes_array_and_report_scripts() {
    let dir = project(GRID);
    let output = sweep(
        dir.path(),
        &[
            "slurm",
            "tiny.toml",
            "--tasks",
            "3",
            "--partition",
            "debug",
            "--time",
            "10",
            "--cpus-per-task",
            "2",
            "--sbatch-option=--account=proj1",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let scripts = root.join("results/tiny/slurm");
    let array = scripts.join("array.sh");
    let report = scripts.join("report.sh");
    assert_eq!(
        stdout(&output).trim(),
        format!(
            "jobid=$(sbatch --parsable '{}') && sbatch --dependency=afterany:\"${{jobid%%;*}}\" '{}'",
            array.display(),
            report.display()
        )
    );

    let text = std::fs::read_to_string(&array).unwrap();
    let binary = std::fs::canonicalize(BINARY).unwrap();
    for line in [
        "#!/bin/bash\n".to_owned(),
        "#SBATCH --job-name=sweep-tiny\n".to_owned(),
        "#SBATCH --array=0-2\n".to_owned(),
        "#SBATCH --cpus-per-task=2\n".to_owned(),
        format!("#SBATCH --output=\"{}/shard-%a-of-3.%A.out\"\n", scripts.display()),
        "#SBATCH --partition=debug\n".to_owned(),
        "#SBATCH --time=10\n".to_owned(),
        "#SBATCH --account=proj1\n".to_owned(),
        format!(
            "exec '{}' '{}' --out '{}' --shard \"$SLURM_ARRAY_TASK_ID/3\" --jobs \"${{SLURM_CPUS_PER_TASK:-2}}\"\n",
            binary.display(),
            root.join("tiny.toml").display(),
            root.join("results").display()
        ),
    ] {
        assert!(text.contains(&line), "{line:?} not in:\n{text}");
    }
    assert!(text.starts_with("#!/bin/bash\n"));

    let text = std::fs::read_to_string(&report).unwrap();
    for line in [
        "#SBATCH --job-name=sweep-tiny-report\n".to_owned(),
        "#SBATCH --partition=debug\n".to_owned(),
        format!(
            "exec '{}' report '{}'\n",
            binary.display(),
            root.join("results/tiny").display()
        ),
    ] {
        assert!(text.contains(&line), "{line:?} not in:\n{text}");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&array).unwrap().permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "the scripts are executable");
}

#[test]
fn slurm_rejects_invalid_options() {
    let dir = project(GRID);
    let cases: &[(&[&str], &str)] = &[
        (&["--tasks", "0"], "invalid count \"0\""),
        (&["--tasks", "two"], "invalid count \"two\""),
        (&["--tasks", "2", "--partition", ""], "invalid --partition"),
        (
            &["--tasks", "2", "--sbatch-option", "account=x"],
            "invalid --sbatch-option",
        ),
        (&["--tasks", "2", "--cpus-per-task", "0"], "--cpus-per-task"),
    ];
    for (extra, expected) in cases {
        let args: Vec<&str> = ["slurm", "tiny.toml"]
            .iter()
            .chain(extra.iter())
            .copied()
            .collect();
        let output = sweep(dir.path(), &args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    let output = sweep(dir.path(), &["slurm", "missing.toml", "--tasks", "2"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!dir.path().join("results").exists(), "nothing is written");
}
