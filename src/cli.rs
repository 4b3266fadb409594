//! Command-line options.

use std::path::PathBuf;

use clap::Parser;

/// Train a grid of models, datasets and learning rates with libtorch and
/// report which rates converge in the fewest epochs.
#[derive(Debug, Parser)]
#[command(name = "sweep", version, about)]
pub struct Cli {
    /// Experiment file (TOML) that declares the models, datasets and grid.
    pub file: PathBuf,

    /// Number of runs trained in parallel, each on one CPU thread [default: number of cores].
    #[arg(short, long, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Results root; each experiment writes into DIR/<experiment name>/.
    #[arg(short, long, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,

    /// Print the grid (run count and every run) without training.
    #[arg(long)]
    pub dry_run: bool,
}
