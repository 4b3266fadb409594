//! `sweep slurm FILE --tasks N`: write the sbatch scripts of a job array that
//! runs the grid in N shards and of a report job that merges them, and print
//! the command that submits both. It submits nothing itself.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::EXIT_INVALID_INPUT;
use crate::experiment::{DatasetKind, Experiment};
use crate::grid;

/// Options of `sweep slurm`.
#[derive(Debug, Args)]
pub struct SlurmArgs {
    /// Experiment file (TOML) to run as a job array.
    pub file: PathBuf,

    /// Number of array tasks; task K runs shard K of N.
    #[arg(long, value_name = "N", value_parser = crate::shard::parse_shard_count)]
    pub tasks: usize,

    /// Slurm partition of the array and report jobs.
    #[arg(long)]
    pub partition: Option<String>,

    /// Time limit of each job, in a format sbatch accepts, such as 90 (minutes) or 1-12:00:00.
    #[arg(long)]
    pub time: Option<String>,

    /// CPUs of each array task; the task trains as many runs in parallel.
    #[arg(long, value_name = "C", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub cpus_per_task: u16,

    /// Results root; the tasks write into DIR/<experiment name>/, and the scripts and logs go to its slurm/ folder.
    #[arg(short, long, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,

    /// Another sbatch option for both jobs, such as --sbatch-option=--account=proj1; repeatable.
    #[arg(long, value_name = "OPTION", allow_hyphen_values = true)]
    pub sbatch_option: Vec<String>,
}

/// The paths the scripts use, all absolute, because the jobs may start in
/// another working directory.
struct Paths {
    binary: PathBuf,
    experiment: PathBuf,
    out: PathBuf,
    results: PathBuf,
    scripts: PathBuf,
}

pub fn run(args: &SlurmArgs) -> anyhow::Result<i32> {
    let experiment = match Experiment::load(&args.file) {
        Ok(experiment) => experiment,
        Err(error) => {
            eprintln!("error: {}", error.to_string().trim_end());
            return Ok(EXIT_INVALID_INPUT);
        }
    };
    if let Err(message) = check_values(args) {
        eprintln!("error: {message}");
        return Ok(EXIT_INVALID_INPUT);
    }
    warn_about_data(&experiment);
    let positions = grid::finder_runs(&experiment).len() + grid::expand(&experiment).len();
    if args.tasks > positions {
        eprintln!(
            "warning: the grid has {positions} range tests and grid runs, so {} of the {} tasks will run nothing",
            args.tasks - positions,
            args.tasks
        );
    }

    let binary = std::env::current_exe()
        .and_then(fs::canonicalize)
        .context("cannot find the path of the sweep binary")?;
    let out = std::path::absolute(&args.out)
        .with_context(|| format!("cannot resolve the path {}", args.out.display()))?;
    let results = out.join(&experiment.name);
    let paths = Paths {
        binary,
        experiment: fs::canonicalize(&args.file)
            .with_context(|| format!("cannot resolve the path {}", args.file.display()))?,
        scripts: results.join("slurm"),
        out,
        results,
    };
    // sbatch reads a double-quoted #SBATCH value with spaces as one word
    // (checked with Slurm 22.05). A double quote inside it is not escaped here.
    if paths.scripts.to_string_lossy().contains(['"', '\n', '\r']) {
        eprintln!(
            "error: invalid results folder {}; a path for #SBATCH --output may not contain a double quote or a line break",
            paths.scripts.display()
        );
        return Ok(EXIT_INVALID_INPUT);
    }
    fs::create_dir_all(&paths.scripts)
        .with_context(|| format!("cannot create the folder {}", paths.scripts.display()))?;

    let array = paths.scripts.join("array.sh");
    write_script(&array, &array_script(args, &experiment.name, &paths))?;
    eprintln!(
        "wrote {} ({} tasks, {} CPUs each)",
        array.display(),
        args.tasks,
        args.cpus_per_task
    );
    let report = paths.scripts.join("report.sh");
    write_script(&report, &report_script(args, &experiment.name, &paths))?;
    eprintln!("wrote {}", report.display());
    eprintln!("submit both jobs with:");
    println!("{}", submit_command(&array, &report));
    Ok(0)
}

/// Rejects option values that would break the script's `#SBATCH` lines.
fn check_values(args: &SlurmArgs) -> Result<(), String> {
    let named = [
        ("--partition", args.partition.as_deref()),
        ("--time", args.time.as_deref()),
    ];
    let extra = args
        .sbatch_option
        .iter()
        .map(|option| ("--sbatch-option", Some(option.as_str())));
    for (name, value) in named.into_iter().chain(extra) {
        let Some(value) = value else { continue };
        if value.trim().is_empty() || value.contains(['\n', '\r']) {
            return Err(format!(
                "invalid {name} {value:?}; expected one line that is not empty"
            ));
        }
    }
    for option in &args.sbatch_option {
        if !option.starts_with('-') {
            return Err(format!(
                "invalid --sbatch-option {option:?}; expected an sbatch option such as --account=proj1"
            ));
        }
    }
    Ok(())
}

/// Warns about data folders that do not exist here: the tasks fail unless
/// they exist on the compute nodes.
fn warn_about_data(experiment: &Experiment) {
    for name in &experiment.grid.datasets {
        let dataset = experiment.dataset(name);
        if dataset.kind == DatasetKind::Idx && !dataset.path.is_dir() {
            eprintln!(
                "warning: the data folder {} of dataset `{name}` does not exist on this machine; \
                 the tasks fail unless the compute nodes have it",
                dataset.path.display()
            );
        }
    }
}

/// Quotes `text` for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn quote_path(path: &Path) -> String {
    quote(&path.to_string_lossy())
}

/// Returns the `#SBATCH` lines that both scripts share.
fn common_directives(args: &SlurmArgs) -> String {
    let mut lines = String::new();
    if let Some(partition) = &args.partition {
        lines += &format!("#SBATCH --partition={partition}\n");
    }
    if let Some(time) = &args.time {
        lines += &format!("#SBATCH --time={time}\n");
    }
    for option in &args.sbatch_option {
        lines += &format!("#SBATCH {option}\n");
    }
    lines
}

fn array_script(args: &SlurmArgs, name: &str, paths: &Paths) -> String {
    let tasks = args.tasks;
    // The shard comes from the task id rather than from the environment, so
    // that `sbatch --array=K array.sh` runs shard K of N again on its own.
    format!(
        "#!/bin/bash\n\
         # Written by `sweep slurm`: task K of this job array runs shard K/{tasks} of\n\
         # {experiment} and stores its runs in {results}.\n\
         #SBATCH --job-name=sweep-{name}\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --cpus-per-task={cpus}\n\
         #SBATCH --output=\"{log}\"\n\
         {common}\
         set -euo pipefail\n\
         exec {binary} {file} --out {out} --shard \"$SLURM_ARRAY_TASK_ID/{tasks}\" --jobs \"${{SLURM_CPUS_PER_TASK:-{cpus}}}\"\n",
        experiment = paths.experiment.display(),
        results = paths.results.display(),
        last = tasks - 1,
        cpus = args.cpus_per_task,
        log = paths.scripts.join(format!("shard-%a-of-{tasks}.%A.out")).display(),
        common = common_directives(args),
        binary = quote_path(&paths.binary),
        file = quote_path(&paths.experiment),
        out = quote_path(&paths.out),
    )
}

fn report_script(args: &SlurmArgs, name: &str, paths: &Paths) -> String {
    format!(
        "#!/bin/bash\n\
         # Written by `sweep slurm`: merges the records of every shard of\n\
         # {experiment} and writes the reports into {results}.\n\
         #SBATCH --job-name=sweep-{name}-report\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --output=\"{log}\"\n\
         {common}\
         set -euo pipefail\n\
         exec {binary} report {results_quoted}\n",
        experiment = paths.experiment.display(),
        results = paths.results.display(),
        log = paths.scripts.join("report.%j.out").display(),
        common = common_directives(args),
        binary = quote_path(&paths.binary),
        results_quoted = quote_path(&paths.results),
    )
}

/// Returns the shell command that submits the array, then the report job to
/// start when every array task has ended, whether it succeeded or not.
fn submit_command(array: &Path, report: &Path) -> String {
    // `sbatch --parsable` prints `jobid` or `jobid;cluster`.
    format!(
        "jobid=$(sbatch --parsable {}) && sbatch --dependency=afterany:\"${{jobid%%;*}}\" {}",
        quote_path(array),
        quote_path(report)
    )
}

fn write_script(path: &Path, text: &str) -> anyhow::Result<()> {
    crate::records::write_atomic(path, text.as_bytes())?;
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_survives_spaces_and_quotes() {
        let cases = [
            ("plain", "'plain'"),
            ("with space", "'with space'"),
            ("it's", r"'it'\''s'"),
            ("$HOME", "'$HOME'"),
        ];
        for (text, quoted) in cases {
            assert_eq!(quote(text), quoted, "{text}");
        }
    }

    #[test]
    fn submit_command_chains_dependency() {
        let command = submit_command(Path::new("/r/a b/array.sh"), Path::new("/r/report.sh"));
        assert_eq!(
            command,
            "jobid=$(sbatch --parsable '/r/a b/array.sh') && \
             sbatch --dependency=afterany:\"${jobid%%;*}\" '/r/report.sh'"
        );
    }
}
