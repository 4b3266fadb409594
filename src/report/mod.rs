//! Reports built from the stored records: CSV files and the terminal tables.

pub mod best;
pub mod comparison;
pub mod csv_files;
pub mod summary;

use std::path::{Path, PathBuf};

use crate::experiment::Experiment;
use crate::records::{write_atomic, FinderRecord, Record};
use comparison::{ComparisonRow, MethodSummary};

/// Everything the reports of one sweep are built from.
pub struct Reports {
    /// Training runs: grid runs first, then runs at the finder's suggestions.
    pub records: Vec<Record>,
    pub finders: Vec<FinderRecord>,
    pub groups: Vec<best::Group>,
    pub comparison: Vec<ComparisonRow>,
    pub methods: Vec<MethodSummary>,
}

impl Reports {
    /// Groups the grid runs and compares the finder's suggestions with their best rates.
    pub fn build(
        experiment: &Experiment,
        records: Vec<Record>,
        finders: Vec<FinderRecord>,
    ) -> Reports {
        let (grid, suggested): (Vec<Record>, Vec<Record>) =
            records.iter().cloned().partition(|r| r.lr_source == "grid");
        let groups = best::groups(&grid);
        let methods = &experiment.finder.methods;
        let (comparison, summaries) = if finders.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            let rows = comparison::compare(
                &groups,
                &finders,
                &suggested,
                methods,
                experiment.finder.band_factor,
            );
            let summaries = comparison::summarize(&rows, methods);
            (rows, summaries)
        };
        Reports {
            records,
            finders,
            groups,
            comparison,
            methods: summaries,
        }
    }

    /// Writes every CSV report into `dir` and returns their paths.
    pub fn write(&self, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
        let mut files: Vec<(&str, Vec<u8>)> = vec![
            ("runs.csv", csv_files::runs_csv(&self.records)?),
            ("curves.csv", csv_files::curves_csv(&self.records)?),
        ];
        if !self.finders.is_empty() {
            files.push(("lr_find.csv", csv_files::lr_find_csv(&self.finders)?));
            files.push((
                "suggestions.csv",
                csv_files::suggestions_csv(&self.finders)?,
            ));
            files.push((
                "comparison.csv",
                csv_files::comparison_csv(&self.comparison)?,
            ));
            files.push((
                "method_summary.csv",
                csv_files::method_summary_csv(&self.methods)?,
            ));
        }
        files
            .into_iter()
            .map(|(name, bytes)| {
                let path = dir.join(name);
                write_atomic(&path, &bytes)?;
                Ok(path)
            })
            .collect()
    }

    /// Writes only the range test reports, for `sweep find`.
    pub fn write_finder_only(finders: &[FinderRecord], dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
        let lr_find = dir.join("lr_find.csv");
        write_atomic(&lr_find, &csv_files::lr_find_csv(finders)?)?;
        let suggestions = dir.join("suggestions.csv");
        write_atomic(&suggestions, &csv_files::suggestions_csv(finders)?)?;
        Ok(vec![lr_find, suggestions])
    }
}
