//! Command-line options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Train a grid of models, datasets and learning rates with libtorch, run a
/// learning-rate finder on each model, and report whether its suggestion
/// lands where the rate that converges in the fewest epochs is.
#[derive(Debug, Parser)]
#[command(
    name = "sweep",
    version,
    about,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: RunArgs,

    /// Print the grid (run count and every run) without training.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run only the learning-rate finders of the grid and write lr_find.csv and suggestions.csv.
    Find(RunArgs),
    /// Merge the records of the shards of one grid, list missing and failed runs, and write the reports.
    Report(crate::commands::report::ReportArgs),
    /// Write the sbatch scripts of a Slurm job array that runs the grid in shards, and print how to submit them.
    Slurm(crate::commands::slurm::SlurmArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Experiment file (TOML) that declares the models, datasets and grid.
    #[arg(required = true)]
    pub file: Option<PathBuf>,

    /// Number of runs trained in parallel, each on one CPU thread [default: number of cores].
    #[arg(short, long, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Results root; each experiment writes into DIR/<experiment name>/.
    #[arg(short, long, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,

    /// Run everything again, even runs whose records are already stored.
    #[arg(long)]
    pub force: bool,

    /// Run only shard K of N (0 <= K < N): the range tests and grid runs whose position in the
    /// --dry-run order, modulo N, is K, and the runs at the suggestions of its range tests
    /// [default: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX when set].
    #[arg(long, value_name = "K/N", value_parser = crate::shard::parse_shard)]
    pub shard: Option<crate::shard::Shard>,

    /// Number of shards N when the shard index K comes from JOB_COMPLETION_INDEX or
    /// SLURM_ARRAY_TASK_ID [default: SLURM_ARRAY_TASK_COUNT, or SWEEP_SHARD_COUNT].
    #[arg(long, value_name = "N", conflicts_with = "shard",
          value_parser = crate::shard::parse_shard_count)]
    pub shard_count: Option<usize>,
}
