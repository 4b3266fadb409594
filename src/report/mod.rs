//! Reports built from the stored records: CSV files and the terminal summary.

pub mod best;
pub mod csv_files;
pub mod summary;

use std::path::{Path, PathBuf};

use crate::records::Record;

/// Writes every CSV report of an experiment into `dir` and returns their paths.
pub fn write_all(dir: &Path, records: &[Record]) -> anyhow::Result<Vec<PathBuf>> {
    let runs = dir.join("runs.csv");
    crate::records::write_atomic(&runs, &csv_files::runs_csv(records)?)?;
    let curves = dir.join("curves.csv");
    crate::records::write_atomic(&curves, &csv_files::curves_csv(records)?)?;
    Ok(vec![runs, curves])
}
