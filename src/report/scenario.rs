//! The four classic learning-rate scenarios, as labels on grid runs.
//!
//! Rules, applied in this order to a run of a group whose best rate reached
//! the target in E median epochs (thresholds from `[scenarios]`):
//!
//! 1. `diverging`: the run diverged, or its final validation loss is not below
//!    its initial one (the loss ended at or above its start).
//! 2. `oscillating`: its parameters overshoot the minimum: at least
//!    `overshoot_share` of its steps flip the sign of the offset from the
//!    minimum. Only a quadratic bowl records its parameters.
//! 3. `converging`: it reached the target within `converging_factor` · E epochs.
//! 4. `oscillating`: its rate is above the best rate, or its validation loss
//!    rose between evaluations in at least `overshoot_share` of the intervals.
//! 5. `slow`: otherwise, a rate below the best that reaches the target late or never.
//!
//! On a quadratic bowl with exact gradients these rules give theory's result
//! for the largest curvature a. Rates above 2/a diverge (rule 1), rates
//! between 1/a and 2/a flip sign at every step (rule 2), and rates up to 1/a
//! approach monotonically (rules 3 and 5).

use std::collections::HashMap;
use std::fmt;

use crate::experiment::ScenarioSpec;
use crate::records::Record;
use crate::report::best::{median, Group};
use crate::train::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    Slow,
    Converging,
    Oscillating,
    Diverging,
}

impl Scenario {
    /// The scenarios in the order of their rates in the classic picture: α1 < α4 < α2 < α3.
    pub const BY_RATE: [Scenario; 4] = [
        Scenario::Slow,
        Scenario::Converging,
        Scenario::Oscillating,
        Scenario::Diverging,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Slow => "slow",
            Scenario::Converging => "converging",
            Scenario::Oscillating => "oscillating",
            Scenario::Diverging => "diverging",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Computes the share of steps that flip the sign of the parameter's offset
/// from the minimum; `None` when the run recorded no parameters.
pub fn parameter_overshoot(record: &Record) -> Option<f64> {
    let path = record.outcome.parameter_path.as_ref()?;
    let steps = path.len().checked_sub(1).filter(|&n| n > 0)?;
    let flips = path
        .windows(2)
        .filter(|pair| pair[0] * pair[1] < 0.0)
        .count();
    Some(flips as f64 / steps as f64)
}

/// Computes the share of evaluation intervals in which the validation loss rose.
pub fn loss_rises(record: &Record) -> f64 {
    let losses: Vec<f64> = record
        .outcome
        .evaluations
        .iter()
        .map(|e| e.val_loss)
        .collect();
    let intervals = losses.len().saturating_sub(1);
    if intervals == 0 {
        return 0.0;
    }
    let rises = losses.windows(2).filter(|pair| pair[1] > pair[0]).count();
    rises as f64 / intervals as f64
}

/// Labels one grid run; `best` is the group's best rate and its median epochs.
/// A failed run gets no label.
pub fn label(record: &Record, best: Option<(f64, f64)>, spec: &ScenarioSpec) -> Option<Scenario> {
    let outcome = &record.outcome;
    if outcome.status == Status::Failed {
        return None;
    }
    let initial = outcome.evaluations.first().map(|e| e.val_loss);
    let last = outcome.evaluations.last().map(|e| e.val_loss);
    let ended_below_start = matches!((initial, last), (Some(i), Some(l)) if l < i);
    if outcome.status == Status::Diverged || !ended_below_start {
        return Some(Scenario::Diverging);
    }
    if parameter_overshoot(record).is_some_and(|share| share >= spec.overshoot_share) {
        return Some(Scenario::Oscillating);
    }
    let fast = match (outcome.epochs_to_converge, best) {
        (Some(epochs), Some((_, best_epochs))) => epochs <= spec.converging_factor * best_epochs,
        _ => false,
    };
    if fast {
        return Some(Scenario::Converging);
    }
    let above_best = best.is_some_and(|(best_lr, _)| record.lr > best_lr);
    if above_best || loss_rises(record) >= spec.overshoot_share {
        return Some(Scenario::Oscillating);
    }
    Some(Scenario::Slow)
}

/// Labels every grid run of `groups`, by run id.
pub fn label_all(
    groups: &[Group],
    grid_records: &[Record],
    spec: &ScenarioSpec,
) -> HashMap<String, Scenario> {
    let mut labels = HashMap::new();
    for group in groups {
        let best = group
            .best()
            .and_then(|b| b.median_epochs.map(|epochs| (b.lr, epochs)));
        for record in grid_records.iter().filter(|r| group.contains(r)) {
            if let Some(scenario) = label(record, best, spec) {
                labels.insert(record.run_id.clone(), scenario);
            }
        }
    }
    labels
}

/// One scenario of one group: the rates labelled with it and a representative rate.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioRow {
    pub model: String,
    pub dataset: String,
    pub optimizer: String,
    pub scenario: Scenario,
    pub lr_min: f64,
    pub lr_max: f64,
    /// The rate shown for the scenario: the group's best rate for
    /// `converging`, the highest oscillating rate, and the lowest slow and
    /// lowest diverging rates.
    pub representative_lr: f64,
    pub epochs_to_converge: Option<f64>,
    /// Median final validation loss over the seeds of the representative rate.
    pub final_loss: f64,
    /// Whether the representative rates of the group follow slow < converging < oscillating < diverging.
    pub blog_order_holds: bool,
}

/// Picks the label of a rate: the most common label over its seeds, ties
/// going to the label of the first seed.
fn rate_label(
    lr: f64,
    records: &[&Record],
    labels: &HashMap<String, Scenario>,
) -> Option<Scenario> {
    let seeds: Vec<Scenario> = records
        .iter()
        .filter(|r| r.lr == lr)
        .filter_map(|r| labels.get(&r.run_id).copied())
        .collect();
    let count = |scenario: Scenario| seeds.iter().filter(|&&s| s == scenario).count();
    let most = seeds.iter().map(|&s| count(s)).max()?;
    seeds.iter().copied().find(|&s| count(s) == most)
}

/// Builds the per-group scenario table from the grid runs and their labels.
pub fn table(
    groups: &[Group],
    grid_records: &[Record],
    labels: &HashMap<String, Scenario>,
) -> Vec<ScenarioRow> {
    let mut rows = Vec::new();
    for group in groups {
        let members: Vec<&Record> = grid_records.iter().filter(|r| group.contains(r)).collect();
        let rated: Vec<(f64, Scenario)> = group
            .rates
            .iter()
            .filter_map(|rate| rate_label(rate.lr, &members, labels).map(|s| (rate.lr, s)))
            .collect();
        let mut group_rows: Vec<ScenarioRow> = Vec::new();
        for scenario in Scenario::BY_RATE {
            let lrs: Vec<f64> = rated
                .iter()
                .filter(|(_, s)| *s == scenario)
                .map(|(lr, _)| *lr)
                .collect();
            let (Some(&lr_min), Some(&lr_max)) = (lrs.first(), lrs.last()) else {
                continue;
            };
            let best = group.best().map(|b| b.lr).filter(|lr| lrs.contains(lr));
            // The classic picture: α1 far below the best, α4 the best, α2 just
            // short of divergence, α3 the first rate that diverges.
            let representative_lr = match (scenario, best) {
                (Scenario::Converging, Some(best)) => best,
                (Scenario::Converging, None) => lrs[(lrs.len() - 1) / 2],
                (Scenario::Slow | Scenario::Diverging, _) => lr_min,
                (Scenario::Oscillating, _) => lr_max,
            };
            let summary = group.rates.iter().find(|r| r.lr == representative_lr);
            let losses: Vec<f64> = members
                .iter()
                .filter(|r| r.lr == representative_lr)
                .map(|r| r.outcome.last().map_or(f64::NAN, |e| e.val_loss))
                .collect();
            group_rows.push(ScenarioRow {
                model: group.model.clone(),
                dataset: group.dataset.clone(),
                optimizer: group.optimizer.clone(),
                scenario,
                lr_min,
                lr_max,
                representative_lr,
                epochs_to_converge: summary.and_then(|s| s.median_epochs),
                final_loss: median(&losses).unwrap_or(f64::NAN),
                blog_order_holds: false,
            });
        }
        let representatives: Vec<f64> = group_rows.iter().map(|r| r.representative_lr).collect();
        let holds =
            group_rows.len() == 4 && representatives.windows(2).all(|pair| pair[0] < pair[1]);
        for row in &mut group_rows {
            row.blog_order_holds = holds;
        }
        rows.extend(group_rows);
    }
    rows
}
