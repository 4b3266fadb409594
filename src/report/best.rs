//! Groups of runs (same model, dataset and optimizer) and their empirically
//! best learning rate: the grid rate with the fewest median epochs to
//! converge over seeds, ties going to the lower median final validation loss.

use crate::records::Record;
use crate::train::Status;

/// The runs of one learning rate within a group, summarized over seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct RateSummary {
    pub lr: f64,
    pub seeds: usize,
    pub converged: usize,
    /// Median epochs to converge, counting a run that did not converge as
    /// infinitely slow; `None` when that median is infinite.
    pub median_epochs: Option<f64>,
    pub median_final_val_loss: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub model: String,
    pub dataset: String,
    pub optimizer: String,
    /// One entry per rate, in increasing rate order.
    pub rates: Vec<RateSummary>,
    /// Status counts over every run of the group.
    pub counts: [(Status, usize); 4],
}

impl Group {
    /// Returns the best rate, if any rate converged for at least half its seeds.
    pub fn best(&self) -> Option<&RateSummary> {
        self.rates
            .iter()
            .filter(|r| r.median_epochs.is_some())
            .min_by(|a, b| {
                let by_epochs = a
                    .median_epochs
                    .partial_cmp(&b.median_epochs)
                    .unwrap_or(std::cmp::Ordering::Equal);
                by_epochs.then(a.median_final_val_loss.total_cmp(&b.median_final_val_loss))
            })
    }

    /// Checks whether a model, dataset and optimizer name this group.
    pub fn is(&self, model: &str, dataset: &str, optimizer: &str) -> bool {
        self.model == model && self.dataset == dataset && self.optimizer == optimizer
    }

    /// Checks whether a record belongs to this group.
    pub fn contains(&self, record: &Record) -> bool {
        self.is(&record.model, &record.dataset, &record.optimizer)
    }

    pub fn count(&self, status: Status) -> usize {
        self.counts
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n)
    }
}

/// Computes the median of finite or infinite values, or `None` for an empty slice.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Groups records by model, dataset and optimizer, in order of first appearance.
pub fn groups(records: &[Record]) -> Vec<Group> {
    let mut keys: Vec<(&str, &str, &str)> = Vec::new();
    for r in records {
        let key = (r.model.as_str(), r.dataset.as_str(), r.optimizer.as_str());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.into_iter()
        .map(|(model, dataset, optimizer)| {
            let members: Vec<&Record> = records
                .iter()
                .filter(|r| r.model == model && r.dataset == dataset && r.optimizer == optimizer)
                .collect();
            let mut lrs: Vec<f64> = members.iter().map(|r| r.lr).collect();
            lrs.sort_by(f64::total_cmp);
            lrs.dedup();
            let rates = lrs.iter().map(|&lr| summarize(lr, &members)).collect();
            let count = |status| {
                members
                    .iter()
                    .filter(|r| r.outcome.status == status)
                    .count()
            };
            Group {
                model: model.to_owned(),
                dataset: dataset.to_owned(),
                optimizer: optimizer.to_owned(),
                rates,
                counts: [
                    Status::Converged,
                    Status::NotConverged,
                    Status::Diverged,
                    Status::Failed,
                ]
                .map(|status| (status, count(status))),
            }
        })
        .collect()
}

fn summarize(lr: f64, members: &[&Record]) -> RateSummary {
    let runs: Vec<&&Record> = members.iter().filter(|r| r.lr == lr).collect();
    let epochs: Vec<f64> = runs
        .iter()
        .map(|r| r.outcome.epochs_to_converge.unwrap_or(f64::INFINITY))
        .collect();
    let losses: Vec<f64> = runs
        .iter()
        .map(|r| r.outcome.last().map_or(f64::INFINITY, |e| e.val_loss))
        .map(|loss| if loss.is_nan() { f64::INFINITY } else { loss })
        .collect();
    RateSummary {
        lr,
        seeds: runs.len(),
        converged: runs
            .iter()
            .filter(|r| r.outcome.epochs_to_converge.is_some())
            .count(),
        median_epochs: median(&epochs).filter(|m| m.is_finite()),
        median_final_val_loss: median(&losses).unwrap_or(f64::INFINITY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::{Evaluation, Outcome};

    fn record(lr: f64, seed: u64, epochs: Option<f64>, val_loss: f64) -> Record {
        let evaluation = Evaluation {
            epoch: 1.0,
            step: 1,
            lr,
            train_loss: val_loss,
            val_loss,
            val_accuracy: 0.5,
        };
        Record {
            run_id: format!("{lr}-{seed}"),
            model: "mlp".into(),
            dataset: "mnist".into(),
            optimizer: "sgd".into(),
            batch_size: 64,
            lr,
            lr_source: "grid".into(),
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

    #[test]
    fn median_counts_infinity() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[1.0, 2.0]), Some(1.5));
        assert_eq!(median(&[1.0, f64::INFINITY]), Some(f64::INFINITY));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn best_is_fewest_median_epochs() {
        let records = vec![
            record(0.01, 0, Some(3.0), 0.3),
            record(0.01, 1, Some(3.5), 0.3),
            record(0.1, 0, Some(1.0), 0.2),
            record(0.1, 1, Some(1.5), 0.2),
            record(1.0, 0, Some(0.5), 0.2),
            record(1.0, 1, None, 0.9),
        ];
        let groups = groups(&records);
        assert_eq!(groups.len(), 1);
        let best = groups[0].best().unwrap();
        assert_eq!(best.lr, 0.1);
        assert_eq!(best.median_epochs, Some(1.25));
        assert_eq!(
            groups[0].rates[2].median_epochs, None,
            "a half-converged rate is not a candidate"
        );
    }

    #[test]
    fn ties_go_to_lower_loss() {
        let records = vec![
            record(0.1, 0, Some(1.0), 0.3),
            record(0.2, 0, Some(1.0), 0.1),
        ];
        assert_eq!(groups(&records)[0].best().unwrap().lr, 0.2);
    }

    #[test]
    fn no_converged_rate_has_no_best() {
        let records = vec![record(0.1, 0, None, 0.3)];
        assert!(groups(&records)[0].best().is_none());
    }
}
