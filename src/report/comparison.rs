//! The question the tool answers: does each finder method's suggestion land
//! where the empirically best grid rate is?
//!
//! Per group (model, dataset, optimizer) and method: the suggestion (median
//! over seeds), the best grid rate, their ratio, the epochs to converge at
//! each, and whether the suggestion lies in the convergent band. That band
//! spans the smallest to the largest grid rate whose median epochs are within
//! `band_factor` times the best rate's.

use crate::finder::Method;
use crate::records::{FinderRecord, Record};
use crate::report::best::{median, Group};

#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    pub model: String,
    pub dataset: String,
    pub optimizer: String,
    pub method: Method,
    pub suggested_lr: Option<f64>,
    pub best_lr: Option<f64>,
    pub lr_ratio: Option<f64>,
    pub epochs_at_suggestion: Option<f64>,
    pub epochs_at_best: Option<f64>,
    pub epochs_ratio: Option<f64>,
    pub in_convergent_band: Option<bool>,
}

/// Finds the lowest and highest grid rates that converge within `band_factor` times the best epochs.
pub fn convergent_band(group: &Group, band_factor: f64) -> Option<(f64, f64)> {
    let best = group.best()?.median_epochs?;
    let inside: Vec<f64> = group
        .rates
        .iter()
        .filter(|rate| {
            rate.median_epochs
                .is_some_and(|epochs| epochs <= band_factor * best)
        })
        .map(|rate| rate.lr)
        .collect();
    let low = inside.iter().copied().fold(f64::INFINITY, f64::min);
    let high = inside.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((low, high))
}

/// Builds one row per group and method. `groups` come from the grid runs,
/// `suggestion_runs` are the runs trained at the suggestions.
pub fn compare(
    groups: &[Group],
    finders: &[FinderRecord],
    suggestion_runs: &[Record],
    methods: &[Method],
    band_factor: f64,
) -> Vec<ComparisonRow> {
    let mut rows = Vec::new();
    for group in groups {
        let best = group.best();
        let best_lr = best.map(|b| b.lr);
        let epochs_at_best = best.and_then(|b| b.median_epochs);
        let band = convergent_band(group, band_factor);
        for &method in methods {
            let suggestions: Vec<f64> = finders
                .iter()
                .filter(|f| group.is(&f.model, &f.dataset, &f.optimizer))
                .filter_map(|f| f.suggestion(method))
                .collect();
            let suggested_lr = median(&suggestions);
            let source = format!("finder:{method}");
            let epochs: Vec<f64> = suggestion_runs
                .iter()
                .filter(|r| r.lr_source == source && group.contains(r))
                .map(|r| r.outcome.epochs_to_converge.unwrap_or(f64::INFINITY))
                .collect();
            let epochs_at_suggestion = median(&epochs).filter(|e| e.is_finite());
            rows.push(ComparisonRow {
                model: group.model.clone(),
                dataset: group.dataset.clone(),
                optimizer: group.optimizer.clone(),
                method,
                suggested_lr,
                best_lr,
                lr_ratio: suggested_lr.zip(best_lr).map(|(s, b)| s / b),
                epochs_at_suggestion,
                epochs_at_best,
                epochs_ratio: epochs_at_suggestion.zip(epochs_at_best).map(|(s, b)| s / b),
                in_convergent_band: suggested_lr
                    .zip(band)
                    .map(|(lr, (low, high))| lr >= low && lr <= high),
            });
        }
    }
    rows
}

/// One method summarized over every group.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodSummary {
    pub method: Method,
    /// Groups with both a suggestion and a best grid rate.
    pub groups: usize,
    /// Median of |log10(suggested / best)|: 0 is a perfect pick, 1 is a factor of 10 off.
    pub median_abs_log10_lr_ratio: Option<f64>,
    /// Share of those groups whose suggestion lies in the convergent band.
    pub share_in_band: Option<f64>,
    /// Median of epochs at the suggestion over epochs at the best rate; a
    /// suggestion that did not converge counts as infinitely slow.
    pub median_epochs_ratio: Option<f64>,
}

pub fn summarize(rows: &[ComparisonRow], methods: &[Method]) -> Vec<MethodSummary> {
    methods
        .iter()
        .map(|&method| {
            let compared: Vec<&ComparisonRow> = rows
                .iter()
                .filter(|r| r.method == method && r.lr_ratio.is_some())
                .collect();
            let log_ratios: Vec<f64> = compared
                .iter()
                .filter_map(|r| r.lr_ratio)
                .map(|x| x.log10().abs())
                .collect();
            let in_band = compared
                .iter()
                .filter(|r| r.in_convergent_band == Some(true))
                .count();
            let epochs_ratios: Vec<f64> = compared
                .iter()
                .filter(|r| r.epochs_at_best.is_some())
                .map(|r| r.epochs_ratio.unwrap_or(f64::INFINITY))
                .collect();
            MethodSummary {
                method,
                groups: compared.len(),
                median_abs_log10_lr_ratio: median(&log_ratios),
                share_in_band: (!compared.is_empty())
                    .then(|| in_band as f64 / compared.len() as f64),
                median_epochs_ratio: median(&epochs_ratios),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Suggestion;
    use crate::report::best::groups;
    use crate::train::{Evaluation, Outcome, Status};

    fn record(lr: f64, seed: u64, source: &str, epochs: Option<f64>) -> Record {
        let evaluation = Evaluation {
            epoch: 1.0,
            step: 1,
            lr,
            train_loss: 0.5,
            val_loss: 0.5,
            val_accuracy: 0.9,
        };
        Record {
            run_id: format!("{source}-{lr}-{seed}"),
            model: "mlp".into(),
            dataset: "mnist".into(),
            optimizer: "sgd".into(),
            batch_size: 64,
            lr,
            lr_source: source.into(),
            seed,
            outcome: Outcome {
                status: if epochs.is_some() {
                    Status::Converged
                } else {
                    Status::NotConverged
                },
                epochs_to_converge: epochs,
                evaluations: vec![evaluation],
                note: None,
                parameter_path: None,
            },
            wall_seconds: 1.0,
        }
    }

    fn finder(seed: u64, valley: Option<f64>) -> FinderRecord {
        FinderRecord {
            run_id: format!("find-{seed}"),
            model: "mlp".into(),
            dataset: "mnist".into(),
            optimizer: "sgd".into(),
            seed,
            num_it: 100,
            points: Vec::new(),
            stop_reason: "diverged".into(),
            stop_lr: Some(3.0),
            suggestions: vec![Suggestion {
                method: Method::Valley,
                lr: valley,
                no_suggestion: valley.is_none().then(|| "too few points".to_owned()),
            }],
            error: None,
            wall_seconds: 0.1,
        }
    }

    /// Epochs per rate: 0.01 -> 4, 0.1 -> 1, 1 -> 1.5, 10 -> none, for seeds 1 and 2.
    fn grid() -> Vec<Record> {
        let mut records = Vec::new();
        for seed in [1, 2] {
            records.push(record(0.01, seed, "grid", Some(4.0)));
            records.push(record(0.1, seed, "grid", Some(1.0)));
            records.push(record(1.0, seed, "grid", Some(1.5)));
            records.push(record(10.0, seed, "grid", None));
        }
        records
    }

    #[test]
    fn band_spans_rates_within_factor() {
        let groups = groups(&grid());
        assert_eq!(convergent_band(&groups[0], 2.0), Some((0.1, 1.0)));
        assert_eq!(convergent_band(&groups[0], 4.0), Some((0.01, 1.0)));
        assert_eq!(convergent_band(&groups[0], 1.0), Some((0.1, 0.1)));
    }

    #[test]
    fn row_with_known_epochs() {
        let groups = groups(&grid());
        let finders = [finder(1, Some(0.2)), finder(2, Some(0.6))];
        let runs = [
            record(0.2, 1, "finder:valley", Some(1.0)),
            record(0.6, 2, "finder:valley", Some(2.0)),
        ];
        let rows = compare(&groups, &finders, &runs, &[Method::Valley], 2.0);
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.suggested_lr, Some(0.4), "median of 0.2 and 0.6");
        assert_eq!(row.best_lr, Some(0.1));
        assert!((row.lr_ratio.unwrap() - 4.0).abs() < 1e-12);
        assert_eq!(row.epochs_at_suggestion, Some(1.5));
        assert_eq!(row.epochs_at_best, Some(1.0));
        assert_eq!(row.epochs_ratio, Some(1.5));
        assert_eq!(row.in_convergent_band, Some(true));
    }

    #[test]
    fn suggestion_outside_band() {
        let groups = groups(&grid());
        let finders = [finder(1, Some(5.0))];
        let runs = [record(5.0, 1, "finder:valley", None)];
        let row = &compare(&groups, &finders, &runs, &[Method::Valley], 2.0)[0];
        assert_eq!(row.in_convergent_band, Some(false));
        assert_eq!(row.epochs_at_suggestion, None, "did not converge");
        assert_eq!(row.epochs_ratio, None);
    }

    #[test]
    fn missing_suggestion_leaves_row_empty() {
        let groups = groups(&grid());
        let row = &compare(&groups, &[finder(1, None)], &[], &[Method::Valley], 2.0)[0];
        assert_eq!(row.suggested_lr, None);
        assert_eq!(row.lr_ratio, None);
        assert_eq!(row.in_convergent_band, None);
        assert_eq!(row.best_lr, Some(0.1));
    }

    #[test]
    fn summary_over_groups() {
        let groups = groups(&grid());
        let finders = [finder(1, Some(1.0)), finder(2, Some(1.0))];
        let runs = [
            record(1.0, 1, "finder:valley", Some(1.5)),
            record(1.0, 2, "finder:valley", Some(1.5)),
        ];
        let rows = compare(&groups, &finders, &runs, &[Method::Valley], 2.0);
        let summary = &summarize(&rows, &[Method::Valley])[0];
        assert_eq!(summary.groups, 1);
        assert!(
            (summary.median_abs_log10_lr_ratio.unwrap() - 1.0).abs() < 1e-12,
            "a factor of 10 off"
        );
        assert_eq!(summary.share_in_band, Some(1.0));
        assert_eq!(summary.median_epochs_ratio, Some(1.5));
    }
}
