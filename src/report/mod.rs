//! Reports built from the stored records: CSV files and the terminal tables.

pub mod best;
pub mod comparison;
pub mod csv_files;
pub mod figures;
pub mod page;
pub mod scenario;
pub mod summary;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::experiment::{DatasetKind, Experiment};
use crate::records::{write_atomic, FinderRecord, Record};
use comparison::{ComparisonRow, MethodSummary};
use scenario::{Scenario, ScenarioRow};

/// Everything the reports of one sweep are built from.
pub struct Reports {
    /// Training runs: grid runs first, then runs at the finder's suggestions.
    pub records: Vec<Record>,
    pub finders: Vec<FinderRecord>,
    pub groups: Vec<best::Group>,
    pub comparison: Vec<ComparisonRow>,
    pub methods: Vec<MethodSummary>,
    /// The scenario of every labelled grid run, by run id.
    pub labels: HashMap<String, Scenario>,
    pub scenarios: Vec<ScenarioRow>,
    /// For quadratic datasets: the theoretical one-step rate 1/a of the largest curvature.
    pub theory_lr: HashMap<String, f64>,
    pub name: String,
    /// The convergence target in words, such as "val_accuracy >= 0.9".
    pub target: String,
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
        let labels = scenario::label_all(&groups, &grid, &experiment.scenarios);
        let scenarios = scenario::table(&groups, &grid, &labels);
        let theory_lr = experiment
            .datasets
            .iter()
            .filter_map(|d| match &d.kind {
                DatasetKind::Quadratic(spec) => Some((d.name.clone(), 1.0 / spec.max_curvature())),
                DatasetKind::Idx => None,
            })
            .collect();
        Reports {
            records,
            finders,
            groups,
            comparison,
            methods: summaries,
            labels,
            scenarios,
            theory_lr,
            name: experiment.name.clone(),
            target: target_text(experiment),
        }
    }

    /// Writes every CSV report into `dir` and returns their paths.
    pub fn write(&self, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
        let mut files: Vec<(&str, Vec<u8>)> = vec![
            (
                "runs.csv",
                csv_files::runs_csv(&self.records, &self.labels)?,
            ),
            ("curves.csv", csv_files::curves_csv(&self.records)?),
            (
                "scenarios.csv",
                csv_files::scenarios_csv(&self.scenarios, &self.theory_lr)?,
            ),
        ];
        if !self.finders.is_empty() {
            files.push(("lr_find.csv", csv_files::lr_find_csv(&self.finders)?));
            files.push((
                "suggestions.csv",
                csv_files::suggestions_csv(&self.finders)?,
            ));
            files.push((
                "comparison.csv",
                csv_files::comparison_csv(&self.comparison, &self.theory_lr)?,
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

/// Describes the convergence target, such as `val_accuracy >= 0.9`.
fn target_text(experiment: &Experiment) -> String {
    let convergence = &experiment.convergence;
    let relation = if convergence.metric.higher_is_better() {
        ">="
    } else {
        "<="
    };
    format!(
        "{} {relation} {}",
        convergence.metric.name(),
        convergence.target
    )
}

impl Reports {
    /// Writes the SVG plots into `dir/plots/` and `dir/report.html`; returns the page's path.
    pub fn write_page(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        let plots = figures::plots(self, &self.target);
        let plot_dir = dir.join("plots");
        std::fs::create_dir_all(&plot_dir)?;
        for plot in plots.iter().flat_map(|(_, group)| group) {
            write_atomic(&plot_dir.join(&plot.file), plot.svg.as_bytes())?;
        }
        let path = dir.join("report.html");
        write_atomic(
            &path,
            page::render(&self.name, &self.target, self, &plots).as_bytes(),
        )?;
        Ok(path)
    }
}
