//! `runs.csv` (one row per run) and `curves.csv` (one row per evaluation).
//!
//! RFC 4180 with a header and a fixed column order. Floats are written with
//! Rust's shortest representation that parses back to the same value, so no
//! precision is lost. Non-finite values appear as `NaN`, `inf` or `-inf`.

use std::collections::HashMap;

use crate::records::{FinderRecord, Record};
use crate::report::comparison::{ComparisonRow, MethodSummary};
use crate::report::scenario::{Scenario, ScenarioRow};

pub const RUNS_COLUMNS: [&str; 16] = [
    "run_id",
    "model",
    "dataset",
    "optimizer",
    "batch_size",
    "lr",
    "seed",
    "status",
    "epochs_to_converge",
    "final_train_loss",
    "final_val_loss",
    "final_val_accuracy",
    "wall_seconds",
    "lr_source",
    "scenario",
    "note",
];

pub const CURVES_COLUMNS: [&str; 7] = [
    "run_id",
    "epoch",
    "step",
    "lr",
    "train_loss",
    "val_loss",
    "val_accuracy",
];

fn float(value: f64) -> String {
    value.to_string()
}

fn optional(value: Option<f64>) -> String {
    value.map(float).unwrap_or_default()
}

/// Writes one row per run; `labels` gives the scenario of each labelled grid run.
pub fn runs_csv(records: &[Record], labels: &HashMap<String, Scenario>) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(RUNS_COLUMNS)?;
    for record in records {
        let last = record.outcome.last();
        writer.write_record([
            record.run_id.clone(),
            record.model.clone(),
            record.dataset.clone(),
            record.optimizer.clone(),
            record.batch_size.to_string(),
            float(record.lr),
            record.seed.to_string(),
            record.outcome.status.to_string(),
            optional(record.outcome.epochs_to_converge),
            optional(last.map(|e| e.train_loss)),
            optional(last.map(|e| e.val_loss)),
            optional(last.map(|e| e.val_accuracy)),
            float(record.wall_seconds),
            record.lr_source.clone(),
            labels
                .get(&record.run_id)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            record.outcome.note.clone().unwrap_or_default(),
        ])?;
    }
    Ok(writer.into_inner()?)
}

pub fn curves_csv(records: &[Record]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CURVES_COLUMNS)?;
    for record in records {
        for evaluation in &record.outcome.evaluations {
            writer.write_record([
                record.run_id.clone(),
                float(evaluation.epoch),
                evaluation.step.to_string(),
                float(evaluation.lr),
                float(evaluation.train_loss),
                float(evaluation.val_loss),
                float(evaluation.val_accuracy),
            ])?;
        }
    }
    Ok(writer.into_inner()?)
}

pub const LR_FIND_COLUMNS: [&str; 8] = [
    "model",
    "dataset",
    "optimizer",
    "seed",
    "iteration",
    "lr",
    "loss",
    "smoothed_loss",
];

pub const SUGGESTIONS_COLUMNS: [&str; 9] = [
    "model",
    "dataset",
    "optimizer",
    "seed",
    "method",
    "lr",
    "stop_reason",
    "stop_lr",
    "note",
];

pub const COMPARISON_COLUMNS: [&str; 13] = [
    "model",
    "dataset",
    "optimizer",
    "method",
    "suggested_lr",
    "best_lr",
    "lr_ratio",
    "epochs_at_suggestion",
    "epochs_at_best",
    "epochs_ratio",
    "in_convergent_band",
    "theory_lr",
    "suggested_over_theory",
];

pub const METHOD_SUMMARY_COLUMNS: [&str; 5] = [
    "method",
    "groups",
    "median_abs_log10_lr_ratio",
    "share_in_band",
    "median_epochs_ratio",
];

/// Writes every point of every range test curve.
pub fn lr_find_csv(finders: &[FinderRecord]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(LR_FIND_COLUMNS)?;
    for finder in finders {
        for point in &finder.points {
            writer.write_record([
                finder.model.clone(),
                finder.dataset.clone(),
                finder.optimizer.clone(),
                finder.seed.to_string(),
                point.iteration.to_string(),
                float(point.lr),
                float(point.loss),
                float(point.smoothed_loss),
            ])?;
        }
    }
    Ok(writer.into_inner()?)
}

/// Writes one row per range test and method. `lr` is empty when the method
/// gave no suggestion, and `note` gives the reason.
pub fn suggestions_csv(finders: &[FinderRecord]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(SUGGESTIONS_COLUMNS)?;
    for finder in finders {
        let rows: Vec<(String, Option<f64>, String)> = if let Some(error) = &finder.error {
            vec![(String::new(), None, error.clone())]
        } else {
            finder
                .suggestions
                .iter()
                .map(|s| {
                    (
                        s.method.to_string(),
                        s.lr,
                        s.no_suggestion.clone().unwrap_or_default(),
                    )
                })
                .collect()
        };
        for (method, lr, note) in rows {
            writer.write_record([
                finder.model.clone(),
                finder.dataset.clone(),
                finder.optimizer.clone(),
                finder.seed.to_string(),
                method,
                optional(lr),
                finder.stop_reason.clone(),
                optional(finder.stop_lr),
                note,
            ])?;
        }
    }
    Ok(writer.into_inner()?)
}

/// Writes one row per group and method; `theory_lr` gives 1/a for quadratic datasets, by dataset name.
pub fn comparison_csv(
    rows: &[ComparisonRow],
    theory_lr: &HashMap<String, f64>,
) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COMPARISON_COLUMNS)?;
    for row in rows {
        let theory = theory_lr.get(&row.dataset).copied();
        writer.write_record([
            row.model.clone(),
            row.dataset.clone(),
            row.optimizer.clone(),
            row.method.to_string(),
            optional(row.suggested_lr),
            optional(row.best_lr),
            optional(row.lr_ratio),
            optional(row.epochs_at_suggestion),
            optional(row.epochs_at_best),
            optional(row.epochs_ratio),
            row.in_convergent_band
                .map(|b| b.to_string())
                .unwrap_or_default(),
            optional(theory),
            optional(row.suggested_lr.zip(theory).map(|(s, t)| s / t)),
        ])?;
    }
    Ok(writer.into_inner()?)
}

pub fn method_summary_csv(summaries: &[MethodSummary]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(METHOD_SUMMARY_COLUMNS)?;
    for summary in summaries {
        writer.write_record([
            summary.method.to_string(),
            summary.groups.to_string(),
            optional(summary.median_abs_log10_lr_ratio),
            optional(summary.share_in_band),
            optional(summary.median_epochs_ratio),
        ])?;
    }
    Ok(writer.into_inner()?)
}

pub const SCENARIOS_COLUMNS: [&str; 13] = [
    "model",
    "dataset",
    "optimizer",
    "scenario",
    "lr_min",
    "lr_max",
    "representative_lr",
    "epochs_to_converge",
    "final_loss",
    "blog_order_holds",
    "theory_one_step_lr",
    "theory_diverging_lr",
    "theory_agrees",
];

/// Checks whether a rate's label matches theory on a quadratic bowl whose one-step
/// rate is `one_step` (1/a): diverging above 2/a, oscillating above 1/a up to
/// 2/a (where the stiffest coordinate keeps a constant amplitude), slow or
/// converging up to 1/a.
pub fn theory_agrees(scenario: Scenario, lr: f64, one_step: f64) -> bool {
    let ratio = lr / one_step;
    match scenario {
        Scenario::Diverging => ratio > 2.0,
        Scenario::Oscillating => ratio > 1.0 && ratio <= 2.0,
        Scenario::Slow | Scenario::Converging => ratio <= 1.0,
    }
}

/// Writes one row per group and scenario, with the theory columns filled for quadratic datasets.
pub fn scenarios_csv(
    rows: &[ScenarioRow],
    theory_lr: &HashMap<String, f64>,
) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(SCENARIOS_COLUMNS)?;
    for row in rows {
        let theory = theory_lr.get(&row.dataset).copied();
        let agrees = theory.map(|one_step| {
            theory_agrees(row.scenario, row.lr_min, one_step)
                && theory_agrees(row.scenario, row.lr_max, one_step)
        });
        writer.write_record([
            row.model.clone(),
            row.dataset.clone(),
            row.optimizer.clone(),
            row.scenario.to_string(),
            float(row.lr_min),
            float(row.lr_max),
            float(row.representative_lr),
            optional(row.epochs_to_converge),
            float(row.final_loss),
            row.blog_order_holds.to_string(),
            optional(theory),
            optional(theory.map(|t| 2.0 * t)),
            agrees.map(|a| a.to_string()).unwrap_or_default(),
        ])?;
    }
    Ok(writer.into_inner()?)
}
