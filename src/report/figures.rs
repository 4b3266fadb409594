//! The SVG plots of a sweep, one set per group: the finder curve with its
//! suggestions, epochs to converge against rate, the four-scenario loss
//! curves, and, for a quadratic bowl, the parameter paths.

use crate::plot::{
    self, FinderCurve, GridRun, LossCurve, ParameterPath, ParameterRun, RunStatus, ScenarioLosses,
};
use crate::records::{FinderRecord, Record};
use crate::report::best::Group;
use crate::report::scenario::Scenario;
use crate::report::Reports;
use crate::train::Status;

/// One plot: its file name under `plots/`, a caption and the SVG.
pub struct Plot {
    pub file: String,
    pub caption: String,
    pub svg: String,
}

fn group_name(group: &Group) -> String {
    format!("{}-{}-{}", group.model, group.dataset, group.optimizer)
}

fn group_title(group: &Group) -> String {
    format!("{} on {}, {}", group.model, group.dataset, group.optimizer)
}

fn run_status(status: Status) -> RunStatus {
    match status {
        Status::Converged => RunStatus::Converged,
        Status::NotConverged => RunStatus::NotConverged,
        Status::Diverged => RunStatus::Diverged,
        Status::Failed => RunStatus::Failed,
    }
}

/// The median suggestion of each method over the group's range tests, in method order.
fn median_suggestions(reports: &Reports, group: &Group) -> Vec<plot::Suggestion> {
    reports
        .comparison
        .iter()
        .filter(|row| group.is(&row.model, &row.dataset, &row.optimizer))
        .filter_map(|row| {
            row.suggested_lr.map(|lr| plot::Suggestion {
                method: row.method.to_string(),
                lr,
            })
        })
        .collect()
}

fn finder_plot(group: &Group, finder: &FinderRecord) -> Plot {
    let curve = FinderCurve {
        title: format!(
            "LR range test: {} (seed {})",
            group_title(group),
            finder.seed
        ),
        lrs: finder.points.iter().map(|p| p.lr).collect(),
        raw_losses: finder.points.iter().map(|p| p.loss).collect(),
        smoothed_losses: finder.points.iter().map(|p| p.smoothed_loss).collect(),
        suggestions: finder
            .suggestions
            .iter()
            .filter_map(|s| {
                s.lr.map(|lr| plot::Suggestion {
                    method: s.method.to_string(),
                    lr,
                })
            })
            .collect(),
    };
    Plot {
        file: format!("finder-{}.svg", group_name(group)),
        caption: format!(
            "Range test of {} with seed {}: smoothed training loss against learning rate, stopped: {}. \
             Dashed lines mark each method's suggestion.",
            group_title(group),
            finder.seed,
            finder.stop_reason
        ),
        svg: plot::finder_curve(&curve),
    }
}

fn epochs_plot(reports: &Reports, group: &Group, grid: &[&Record], target: &str) -> Plot {
    let data = plot::EpochsVsLr {
        title: format!("Epochs to {target}: {}", group_title(group)),
        runs: grid
            .iter()
            .map(|r| GridRun {
                lr: r.lr,
                seed: r.seed,
                epochs_to_converge: r.outcome.epochs_to_converge,
                status: run_status(r.outcome.status),
            })
            .collect(),
        suggestions: median_suggestions(reports, group),
        best_lr: group.best().map(|b| b.lr),
    };
    Plot {
        file: format!("epochs-{}.svg", group_name(group)),
        caption: format!(
            "Epochs to converge against learning rate for {}: one point per seed, the median as a line, \
             runs that did not converge or diverged in the band at the top, and each method's median \
             suggestion as a dashed line.",
            group_title(group)
        ),
        svg: plot::epochs_vs_lr(&data),
    }
}

/// Finds the first seed's run at each scenario's representative rate.
fn representatives<'a>(
    reports: &Reports,
    group: &Group,
    grid: &[&'a Record],
) -> Vec<(Scenario, f64, &'a Record)> {
    reports
        .scenarios
        .iter()
        .filter(|row| group.is(&row.model, &row.dataset, &row.optimizer))
        .filter_map(|row| {
            let run = grid
                .iter()
                .filter(|r| r.lr == row.representative_lr)
                .min_by_key(|r| r.seed)?;
            Some((row.scenario, row.representative_lr, *run))
        })
        .collect()
}

fn scenario_plot(group: &Group, chosen: &[(Scenario, f64, &Record)], quadratic: bool) -> Plot {
    let curves = chosen
        .iter()
        .map(|(scenario, lr, run)| LossCurve {
            label: format!("{scenario} (lr {lr:.3e})"),
            epochs: run.outcome.evaluations.iter().map(|e| e.epoch).collect(),
            losses: run.outcome.evaluations.iter().map(|e| e.val_loss).collect(),
            diverged: run.outcome.status == Status::Diverged,
        })
        .collect();
    let data = ScenarioLosses {
        title: format!("Four learning-rate scenarios: {}", group_title(group)),
        loss_label: if quadratic {
            "loss f(w)".into()
        } else {
            "validation loss (cross-entropy)".into()
        },
        curves,
        log_y: quadratic,
    };
    Plot {
        file: format!("scenarios-{}.svg", group_name(group)),
        caption: format!(
            "Loss against epoch for one run of each scenario of {}: slow (far below the best rate), \
             converging (the best), oscillating (above it) and diverging (far above).",
            group_title(group)
        ),
        svg: plot::scenario_losses(&data),
    }
}

fn path_plot(group: &Group, chosen: &[(Scenario, f64, &Record)], curvature: f64) -> Plot {
    let runs = chosen
        .iter()
        .filter_map(|(scenario, lr, run)| {
            let weights = run.outcome.parameter_path.clone()?;
            Some(ParameterRun {
                label: scenario.to_string(),
                lr: *lr,
                weights,
            })
        })
        .collect();
    let data = ParameterPath {
        title: format!("Parameter path across the bowl: {}", group_title(group)),
        curvature,
        optimum: 0.0,
        runs,
    };
    Plot {
        file: format!("path-{}.svg", group_name(group)),
        caption: format!(
            "Offset of the stiffest parameter from the minimum, w − w*, after each gradient step, for \
             one run of each scenario of {}; theory: monotone below 1/a = {:.4}, alternating sign \
             between 1/a and 2/a, diverging above 2/a.",
            group_title(group),
            1.0 / curvature
        ),
        svg: plot::parameter_path(&data),
    }
}

/// Builds every plot of the sweep, group by group.
pub fn plots(reports: &Reports, target: &str) -> Vec<(String, Vec<Plot>)> {
    let grid: Vec<&Record> = reports
        .records
        .iter()
        .filter(|r| r.lr_source == "grid")
        .collect();
    reports
        .groups
        .iter()
        .map(|group| {
            let members: Vec<&Record> =
                grid.iter().copied().filter(|r| group.contains(r)).collect();
            let mut plots = Vec::new();
            let finder = reports
                .finders
                .iter()
                .filter(|f| group.is(&f.model, &f.dataset, &f.optimizer))
                .filter(|f| f.error.is_none())
                .min_by_key(|f| f.seed);
            if let Some(finder) = finder {
                plots.push(finder_plot(group, finder));
            }
            plots.push(epochs_plot(reports, group, &members, target));
            let chosen = representatives(reports, group, &members);
            let curvature = reports
                .theory_lr
                .get(&group.dataset)
                .map(|one_step| 1.0 / one_step);
            if !chosen.is_empty() {
                plots.push(scenario_plot(group, &chosen, curvature.is_some()));
            }
            if let Some(curvature) = curvature {
                plots.push(path_plot(group, &chosen, curvature));
            }
            (group_title(group), plots)
        })
        .collect()
}
