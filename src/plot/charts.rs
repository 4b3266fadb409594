//! The report's charts: the range-test curve, epochs to converge against the
//! learning rate, the loss curves of the four learning-rate scenarios, and
//! gradient descent's parameter path on a quadratic bowl.
//!
//! Each function takes plain data and returns a standalone 720 x 440 px SVG
//! document with a title, axis titles and a legend.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::chart::{Annotation, BandRow, Chart, HLine, Line, Scatter, VLine};
use super::scale::{format_significant, Scale};
use super::svg::Marker;

/// Colours of the finder's suggestion lines, one per distinct method in
/// order of first appearance. Blue, green and pure red are left out: the
/// charts use them for the loss curve, the best grid rate and divergence.
const METHOD_COLORS: [&str; 8] = [
    "#e6550d", "#7b3294", "#8c564b", "#c51b7d", "#01857a", "#8c8c00", "#636363", "#a50f15",
];

/// Colours of the curves of [`scenario_losses`] and [`parameter_path`], in
/// input order. The first four suit the scenarios in their usual order:
/// slow (blue), oscillating (orange), diverging (red), converging (green).
const CURVE_COLORS: [&str; 8] = [
    "#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
];

const LR_AXIS_TITLE: &str = "learning rate (log scale)";

/// A learning rate suggested by one of the finder's methods.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// Method name, such as "valley" or "steep".
    pub method: String,
    pub lr: f64,
}

/// The curve of one LR range test.
#[derive(Debug, Clone, PartialEq)]
pub struct FinderCurve {
    pub title: String,
    /// Learning rate of each batch. The three vectors are read in step, up
    /// to the length of the shortest.
    pub lrs: Vec<f64>,
    /// Loss of each batch as measured.
    pub raw_losses: Vec<f64>,
    /// Smoothed loss of each batch, which the suggestions were computed on.
    pub smoothed_losses: Vec<f64>,
    pub suggestions: Vec<Suggestion>,
}

/// Factor over the first smoothed loss above which [`finder_curve`] clips
/// the y axis. The range test stops at 4 times the best smoothed loss, so the
/// last few points can lie far above the rest of the curve.
const FINDER_CLIP_FACTOR: f64 = 3.0;

/// Renders the range-test curve: the smoothed loss (and, faint, the raw loss)
/// against the learning rate on a log axis, with a labelled dashed vertical
/// line at each suggestion.
///
/// Points with a non-finite loss or a non-positive learning rate are skipped
/// and counted in a note. The y axis spans the finite losses but stops at 3
/// times the first smoothed loss (when that is positive), so that the
/// explosion at the end of the test does not flatten the rest of the curve.
pub fn finder_curve(curve: &FinderCurve) -> String {
    let points = curve
        .lrs
        .len()
        .min(curve.raw_losses.len())
        .min(curve.smoothed_losses.len());
    let lrs = &curve.lrs[..points];
    let raw: Vec<(f64, f64)> = lrs
        .iter()
        .copied()
        .zip(curve.raw_losses.iter().copied())
        .collect();
    let smoothed: Vec<(f64, f64)> = lrs
        .iter()
        .copied()
        .zip(curve.smoothed_losses.iter().copied())
        .collect();

    let mut chart = Chart::new(&curve.title);
    chart
        .x_axis(LR_AXIS_TITLE, Scale::Log10)
        .y_axis("training loss", Scale::Linear);

    let drawable = |&(lr, loss): &(f64, f64)| Scale::Log10.accepts(lr) && loss.is_finite();
    let skipped = raw
        .iter()
        .zip(&smoothed)
        .filter(|(r, s)| !drawable(r) || !drawable(s))
        .count();

    let smoothed_losses: Vec<f64> = smoothed
        .iter()
        .filter(|p| drawable(p))
        .map(|p| p.1)
        .collect();
    let raw_losses: Vec<f64> = raw.iter().filter(|p| drawable(p)).map(|p| p.1).collect();
    let lowest = smoothed_losses
        .iter()
        .chain(&raw_losses)
        .copied()
        .fold(f64::INFINITY, f64::min);
    let highest = smoothed_losses
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    if lowest.is_finite() && highest.is_finite() {
        let first = smoothed_losses[0];
        let cap = FINDER_CLIP_FACTOR * first;
        let raw_highest = raw_losses.iter().copied().fold(highest, f64::max);
        if first > 0.0 && highest > cap && cap > lowest {
            chart.y_range(lowest, cap);
            chart.note(&format!(
                "Losses above {FINDER_CLIP_FACTOR}× the first smoothed loss ({}) run off the top of the y axis.",
                format_significant(first, 3)
            ));
        } else if first > 0.0 {
            // The smoothed curve fits below the cap, so raw losses are shown up to it.
            chart.y_range(lowest, raw_highest.min(cap.max(highest)));
        } else {
            chart.y_range(lowest, raw_highest);
        }
    }
    if skipped > 0 {
        chart.note(&format!(
            "Not shown: {skipped} of {points} points, whose loss or learning rate is not finite."
        ));
    }

    chart.line(
        Line::new(raw, "#6baed6")
            .width(1.0)
            .opacity(0.6)
            .label("raw batch loss"),
    );
    chart.line(
        Line::new(smoothed, "#08519c")
            .width(2.2)
            .label("smoothed loss"),
    );
    add_suggestion_lines(&mut chart, &curve.suggestions);
    chart.render()
}

/// Adds a dashed vertical line per suggestion, labelled "method lr".
fn add_suggestion_lines(chart: &mut Chart, suggestions: &[Suggestion]) {
    let mut methods: Vec<&str> = Vec::new();
    for suggestion in suggestions {
        let index = match methods.iter().position(|m| *m == suggestion.method) {
            Some(index) => index,
            None => {
                methods.push(&suggestion.method);
                methods.len() - 1
            }
        };
        chart.vline(VLine {
            x: suggestion.lr,
            label: Some(format!(
                "{} {}",
                suggestion.method,
                format_significant(suggestion.lr, 2)
            )),
            legend: None,
            color: METHOD_COLORS[index % METHOD_COLORS.len()].to_string(),
            width: 1.6,
            opacity: 1.0,
            dashed: true,
        });
    }
}

/// The final state of a grid run, as far as the charts need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Converged,
    NotConverged,
    Diverged,
    /// The run stopped with an error. Charts leave it out.
    Failed,
}

impl FromStr for RunStatus {
    type Err = String;

    /// Parses the status names of `runs.csv`: "converged", "not_converged"
    /// (also "not converged"), "diverged" and "failed".
    fn from_str(text: &str) -> Result<RunStatus, String> {
        match text {
            "converged" => Ok(RunStatus::Converged),
            "not_converged" | "not converged" => Ok(RunStatus::NotConverged),
            "diverged" => Ok(RunStatus::Diverged),
            "failed" => Ok(RunStatus::Failed),
            other => Err(format!(
                "invalid run status {other:?}: expected converged, not_converged, diverged or failed"
            )),
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            RunStatus::Converged => "converged",
            RunStatus::NotConverged => "not_converged",
            RunStatus::Diverged => "diverged",
            RunStatus::Failed => "failed",
        })
    }
}

/// One training run of the learning-rate grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRun {
    pub lr: f64,
    pub seed: u64,
    /// Epochs until the convergence target was first met, or `None` when it
    /// never was.
    pub epochs_to_converge: Option<f64>,
    pub status: RunStatus,
}

/// The grid runs of one group (model, dataset, optimizer) with the finder's
/// suggestions for it.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochsVsLr {
    pub title: String,
    pub runs: Vec<GridRun>,
    pub suggestions: Vec<Suggestion>,
    /// The grid rate with the fewest median epochs to converge, if any.
    pub best_lr: Option<f64>,
}

/// Renders epochs to converge against the learning rate (log x axis).
///
/// Each run with an `epochs_to_converge` is a point, and the medians over
/// seeds at each rate are joined by a line. A run without one is drawn in the band
/// above the plot: in the "diverged" row when its status is `Diverged`,
/// otherwise in the "not converged" row. The median counts such a run as
/// infinitely slow, as the best-rate choice does, so a rate where half or
/// more of the runs did not converge has no median point and cuts the line.
/// Failed runs are left out and counted in a note. The suggestions are dashed
/// vertical lines and the best grid rate a wide green band.
pub fn epochs_vs_lr(data: &EpochsVsLr) -> String {
    let mut chart = Chart::new(&data.title);
    chart
        .x_axis(LR_AXIS_TITLE, Scale::Log10)
        .y_axis("epochs to converge", Scale::Linear);

    let mut points = Vec::new();
    let mut not_converged = Vec::new();
    let mut diverged = Vec::new();
    let mut failed = 0;
    // Epochs of every run at each rate (None when it did not converge),
    // keyed by the rate's bits so that runs at the same grid rate are grouped
    // exactly.
    let mut by_rate: BTreeMap<u64, (f64, Vec<Option<f64>>)> = BTreeMap::new();
    for run in &data.runs {
        if run.status == RunStatus::Failed {
            failed += 1;
            continue;
        }
        let epochs = run.epochs_to_converge.filter(|e| e.is_finite());
        match (epochs, run.status) {
            (Some(epochs), _) => points.push((run.lr, epochs)),
            (None, RunStatus::Diverged) => diverged.push(run.lr),
            (None, _) => not_converged.push(run.lr),
        }
        by_rate
            .entry(run.lr.to_bits())
            .or_insert((run.lr, Vec::new()))
            .1
            .push(epochs);
    }

    let mut medians: Vec<(f64, f64)> = by_rate
        .into_values()
        .map(|(lr, epochs)| (lr, median_epochs(&epochs)))
        .collect();
    medians.sort_by(|a, b| a.0.total_cmp(&b.0));

    // 5% headroom keeps the slowest runs off the band's edge.
    let highest = points.iter().map(|p| p.1).fold(0.0, f64::max);
    chart.y_range(0.0, if highest > 0.0 { highest * 1.05 } else { 1.0 });

    if let Some(best) = data.best_lr.filter(|&lr| Scale::Log10.accepts(lr)) {
        chart.vline(VLine {
            x: best,
            label: None,
            legend: Some(format!("best grid rate ({})", format_significant(best, 2))),
            color: "#2ca02c".to_string(),
            width: 10.0,
            opacity: 0.25,
            dashed: false,
        });
    }
    chart.scatter(Scatter {
        label: Some("single run (one per seed)".to_string()),
        points,
        marker: Marker::OpenCircle,
        color: "#4a7fb5".to_string(),
        size: 4.0,
    });
    chart.line(
        Line::new(medians, "#08306b")
            .width(1.8)
            .marker(Marker::Circle)
            .label("median over seeds"),
    );
    chart.band_row(BandRow {
        label: "not converged".to_string(),
        xs: not_converged,
        marker: Marker::OpenTriangle,
        color: "#555555".to_string(),
    });
    chart.band_row(BandRow {
        label: "diverged".to_string(),
        xs: diverged,
        marker: Marker::Cross,
        color: "#d62728".to_string(),
    });
    add_suggestion_lines(&mut chart, &data.suggestions);

    chart.note("The median over seeds counts a run that did not converge as infinitely slow.");
    if failed > 0 {
        chart.note(&format!(
            "{failed} failed {} not shown.",
            if failed == 1 { "run is" } else { "runs are" }
        ));
    }
    chart.render()
}

/// Returns the median of `epochs`, with `None` (did not converge) counting
/// as infinity, or NaN (not drawn) when the median is infinite.
fn median_epochs(epochs: &[Option<f64>]) -> f64 {
    let mut values: Vec<f64> = epochs.iter().map(|e| e.unwrap_or(f64::INFINITY)).collect();
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    let median = if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    };
    if median.is_finite() {
        median
    } else {
        f64::NAN
    }
}

/// The loss curve of one run, evaluated at increasing epochs.
#[derive(Debug, Clone, PartialEq)]
pub struct LossCurve {
    /// Legend entry, such as "slow (lr 1e-4)".
    pub label: String,
    pub epochs: Vec<f64>,
    /// Loss at each epoch of `epochs`, read in step up to the shorter length.
    pub losses: Vec<f64>,
    /// Marks the last finite point with a ×. Curves that end in a
    /// non-finite loss are marked as well.
    pub diverged: bool,
}

/// Loss curves of a few runs, typically the four scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioLosses {
    pub title: String,
    /// Y axis title, such as "training loss" or "validation loss".
    pub loss_label: String,
    pub curves: Vec<LossCurve>,
    pub log_y: bool,
}

/// Factor over the largest first loss of the curves above which
/// [`scenario_losses`] clips its linear y axis.
const SCENARIO_CLIP_FACTOR: f64 = 5.0;

/// Factor for the same clip on a log y axis, which compresses large values
/// but not unboundedly.
const SCENARIO_LOG_CLIP_FACTOR: f64 = 1000.0;

/// Renders loss against epoch, one coloured line per curve.
///
/// Non-finite losses (and, on a log axis, non-positive ones) cut the line.
/// The y axis stops at 5 times the largest first loss (1000 times on a log
/// axis), so that a diverging curve does not flatten the others. A diverged
/// curve's last finite point gets a × marker. When that point lies above the
/// axis, the × is drawn at the top with its loss written beside it.
pub fn scenario_losses(data: &ScenarioLosses) -> String {
    let y_scale = if data.log_y {
        Scale::Log10
    } else {
        Scale::Linear
    };
    let mut chart = Chart::new(&data.title);
    let y_title = if data.log_y {
        format!("{} (log scale)", data.loss_label)
    } else {
        data.loss_label.clone()
    };
    chart
        .x_axis("epoch", Scale::Linear)
        .y_axis(&y_title, y_scale);

    let curves: Vec<Vec<(f64, f64)>> = data
        .curves
        .iter()
        .map(|c| {
            c.epochs
                .iter()
                .copied()
                .zip(c.losses.iter().copied())
                .collect()
        })
        .collect();
    let drawable = |&(epoch, loss): &(f64, f64)| epoch.is_finite() && y_scale.accepts(loss);

    let first_losses = curves
        .iter()
        .filter_map(|points| points.iter().find(|p| drawable(p)).map(|p| p.1));
    let largest_first = first_losses.fold(f64::NEG_INFINITY, f64::max);
    let all_losses = || curves.iter().flatten().filter(|p| drawable(p)).map(|p| p.1);
    let lowest = all_losses().fold(f64::INFINITY, f64::min);
    let highest = all_losses().fold(f64::NEG_INFINITY, f64::max);
    let factor = if data.log_y {
        SCENARIO_LOG_CLIP_FACTOR
    } else {
        SCENARIO_CLIP_FACTOR
    };
    let cap = largest_first * factor;
    let mut top = highest;
    if largest_first > 0.0 && highest > cap && lowest < cap {
        top = cap;
        let low = if data.log_y { lowest } else { lowest.min(0.0) };
        chart.y_range(low, cap);
        chart.note(&format!(
            "Losses above {factor}× the largest first loss ({}) run off the top of the y axis.",
            format_significant(largest_first, 3)
        ));
    } else if !data.log_y && lowest.is_finite() {
        chart.y_range(lowest.min(0.0), highest);
    }

    let mut crosses = Vec::new();
    for (i, (curve, points)) in data.curves.iter().zip(&curves).enumerate() {
        let color = CURVE_COLORS[i % CURVE_COLORS.len()];
        let ends_non_finite = points.last().is_some_and(|p| !p.1.is_finite());
        if curve.diverged || ends_non_finite {
            if let Some(&point) = points.iter().rev().find(|p| drawable(p)) {
                crosses.push((color, point));
            }
        }
        chart.line(
            Line::new(points.clone(), color)
                .width(2.0)
                .label(&curve.label),
        );
    }
    for (i, (color, (epoch, loss))) in crosses.into_iter().enumerate() {
        chart.scatter(Scatter {
            label: (i == 0).then(|| "last finite loss of a diverged run".to_string()),
            points: vec![(epoch, loss.min(top))],
            marker: Marker::Cross,
            color: color.to_string(),
            size: 6.0,
        });
        if loss > top {
            chart.annotation(Annotation {
                x: epoch,
                y: top,
                text: format!("↑ {}", format_significant(loss, 3)),
                color: color.to_string(),
            });
        }
    }
    chart.render()
}

/// Gradient descent on one learning rate of the quadratic bowl.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterRun {
    /// Legend entry, to which the learning rate is appended as "(α = …)".
    pub label: String,
    pub lr: f64,
    /// The parameter before the first step and after each step.
    pub weights: Vec<f64>,
}

/// Parameter paths on f(w) = a/2 · (w − w*)².
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterPath {
    pub title: String,
    /// The curvature a.
    pub curvature: f64,
    /// The minimiser w*.
    pub optimum: f64,
    pub runs: Vec<ParameterRun>,
}

/// Factor over the largest distance of a starting point from w* at which
/// [`parameter_path`] clips its y axis, so a diverging path leaves the plot
/// instead of flattening the others.
const PATH_CLIP_FACTOR: f64 = 2.0;

/// Renders the parameter w against the iteration for each run, with w* as a
/// dashed horizontal line. The subtitle states the bowl and the learning
/// rates at which gradient descent on it changes behaviour: it converges
/// monotonically for α < 1/a, oscillates with shrinking amplitude for
/// 1/a < α < 2/a and diverges for α > 2/a.
pub fn parameter_path(data: &ParameterPath) -> String {
    let mut chart = Chart::new(&data.title);
    chart
        .x_axis("iteration (gradient steps)", Scale::Linear)
        .y_axis("parameter w", Scale::Linear);
    let a = data.curvature;
    let w_star = data.optimum;
    if a.is_finite() && a > 0.0 {
        chart.subtitle(&format!(
            "f(w) = a/2 · (w − w*)², a = {}, w* = {}: monotone for α < 1/a = {}, oscillating below 2/a = {}, diverging above",
            format_significant(a, 3),
            format_significant(w_star, 3),
            format_significant(1.0 / a, 3),
            format_significant(2.0 / a, 3)
        ));
    }

    let paths: Vec<Vec<(f64, f64)>> = data
        .runs
        .iter()
        .map(|run| {
            run.weights
                .iter()
                .enumerate()
                .map(|(i, &w)| (i as f64, w))
                .collect()
        })
        .collect();
    let start_distance = data
        .runs
        .iter()
        .filter_map(|run| run.weights.iter().find(|w| w.is_finite()))
        .map(|w| (w - w_star).abs())
        .fold(0.0, f64::max);
    let finite = || {
        paths
            .iter()
            .flatten()
            .map(|p| p.1)
            .filter(|w| w.is_finite())
    };
    let lowest = finite().fold(f64::INFINITY, f64::min);
    let highest = finite().fold(f64::NEG_INFINITY, f64::max);
    let limit = PATH_CLIP_FACTOR * start_distance;
    if w_star.is_finite() && start_distance > 0.0 && lowest.is_finite() {
        let (low, high) = (lowest.max(w_star - limit), highest.min(w_star + limit));
        chart.y_range(low.min(w_star), high.max(w_star));
        if lowest < w_star - limit || highest > w_star + limit {
            chart.note(&format!(
                "Values of w beyond w* ± {PATH_CLIP_FACTOR}·|w₀ − w*| run off the y axis."
            ));
        }
    }

    let max_steps = paths.iter().map(Vec::len).max().unwrap_or(0);
    for (i, (run, path)) in data.runs.iter().zip(paths).enumerate() {
        let color = CURVE_COLORS[i % CURVE_COLORS.len()];
        let mut line = Line::new(path, color).width(1.8).label(&format!(
            "{} (α = {})",
            run.label,
            format_significant(run.lr, 3)
        ));
        if max_steps <= 60 {
            line = line.marker(Marker::Circle);
            line.width = 1.5;
        }
        chart.line(line);
    }
    chart.hline(HLine {
        y: w_star,
        label: None,
        legend: Some(format!("minimum w* = {}", format_significant(w_star, 3))),
        color: "#444444".to_string(),
        dashed: true,
    });
    chart.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::xml_check::check_well_formed;

    fn range_test() -> FinderCurve {
        let lrs: Vec<f64> = (0..100)
            .map(|i| 1e-7 * 1e8f64.powf(i as f64 / 100.0))
            .collect();
        let smoothed: Vec<f64> = lrs
            .iter()
            .enumerate()
            .map(|(i, _)| {
                if i < 60 {
                    2.3 - 2.0 * (i as f64 / 60.0)
                } else if i < 95 {
                    0.3 + 0.3 * (i - 60) as f64
                } else {
                    f64::NAN
                }
            })
            .collect();
        let raw = smoothed.iter().map(|l| l * 1.05).collect();
        FinderCurve {
            title: "LR range test: mlp on mnist".to_string(),
            lrs,
            raw_losses: raw,
            smoothed_losses: smoothed,
            suggestions: vec![
                Suggestion {
                    method: "valley".into(),
                    lr: 3e-3,
                },
                Suggestion {
                    method: "slide".into(),
                    lr: 3.3e-3,
                },
                Suggestion {
                    method: "minimum".into(),
                    lr: 1e-3,
                },
            ],
        }
    }

    #[test]
    fn finder_curve_contents() {
        let svg = finder_curve(&range_test());
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">learning rate (log scale)</text>"));
        assert!(svg.contains(">training loss</text>"));
        assert!(svg.contains(">raw batch loss</text>"));
        assert!(svg.contains(">smoothed loss</text>"));
        assert!(svg.contains(">valley 3e-3</text>"));
        assert!(svg.contains(">slide 3.3e-3</text>"));
        assert!(svg.contains(">minimum 1e-3</text>"));
        assert!(svg.contains(">1e-7</text>"));
    }

    #[test]
    fn finder_curve_clips_explosion() {
        let svg = finder_curve(&range_test());
        // The smoothed loss reaches 10.5, far above 3 × 2.3.
        assert!(svg.contains("Losses above 3× the first smoothed loss (2.3) run off the top"));
        assert!(svg.contains("Not shown: 5 of 100 points"));
        // The clipped axis ends at 7 with steps of 1, so no tick at 10.
        assert!(svg.contains(">7.0</text>") || svg.contains(">7</text>"));
        assert!(!svg.contains(">10</text>"));
    }

    #[test]
    fn finder_curve_nan_and_empty() {
        let mut all_nan = range_test();
        all_nan.smoothed_losses = vec![f64::NAN; 100];
        all_nan.raw_losses = vec![f64::INFINITY; 100];
        let svg = finder_curve(&all_nan);
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">no data</text>"));

        let empty = FinderCurve {
            title: "empty".into(),
            lrs: vec![],
            raw_losses: vec![],
            smoothed_losses: vec![],
            suggestions: vec![Suggestion {
                method: "valley".into(),
                lr: f64::NAN,
            }],
        };
        let svg = finder_curve(&empty);
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">no data</text>"));

        let mut mismatched = range_test();
        mismatched.raw_losses.truncate(10);
        mismatched.suggestions.push(Suggestion {
            method: "steep".into(),
            lr: f64::INFINITY,
        });
        check_well_formed(&finder_curve(&mismatched)).unwrap();
    }

    fn grid() -> EpochsVsLr {
        let mut runs = Vec::new();
        let rates = [1e-3, 1e-2, 1e-1, 1.0, 10.0];
        for (i, &lr) in rates.iter().enumerate() {
            for seed in 0..2 {
                let (epochs, status) = match i {
                    0 => (None, RunStatus::NotConverged),
                    4 => (None, RunStatus::Diverged),
                    3 if seed == 1 => (None, RunStatus::Diverged),
                    _ => (
                        Some(5.0 - i as f64 + seed as f64 * 0.5),
                        RunStatus::Converged,
                    ),
                };
                runs.push(GridRun {
                    lr,
                    seed,
                    epochs_to_converge: epochs,
                    status,
                });
            }
        }
        runs.push(GridRun {
            lr: 1e-2,
            seed: 2,
            epochs_to_converge: None,
            status: RunStatus::Failed,
        });
        EpochsVsLr {
            title: "mlp on mnist, sgd".into(),
            runs,
            suggestions: vec![
                Suggestion {
                    method: "valley".into(),
                    lr: 0.05,
                },
                Suggestion {
                    method: "steep".into(),
                    lr: 2e-4,
                },
            ],
            best_lr: Some(0.1),
        }
    }

    #[test]
    fn epochs_vs_lr_contents() {
        let svg = epochs_vs_lr(&grid());
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">epochs to converge</text>"));
        assert!(svg.contains(">learning rate (log scale)</text>"));
        assert!(svg.contains(">not converged</text>"));
        assert!(svg.contains(">diverged</text>"));
        assert!(svg.contains(">median over seeds</text>"));
        assert!(svg.contains(">single run (one per seed)</text>"));
        assert!(svg.contains(">best grid rate (0.1)</text>"));
        assert!(svg.contains(">valley 0.05</text>"));
        assert!(svg.contains(">steep 2e-4</text>"));
        assert!(svg.contains("1 failed run is not shown."));
    }

    #[test]
    fn epochs_vs_lr_band_markers() {
        let svg = epochs_vs_lr(&grid());
        // Two not-converged runs at 1e-3 are open triangles, the only
        // polygons in the chart. Diverged runs are × paths: two at 10, one
        // at 1.
        assert_eq!(svg.matches("<polygon").count(), 2);
        assert_eq!(
            svg.matches("stroke=\"#d62728\" stroke-width=\"2.2\"")
                .count(),
            3
        );
    }

    #[test]
    fn median_counts_unconverged_as_infinite() {
        assert_eq!(median_epochs(&[Some(2.0), Some(4.0)]), 3.0);
        assert_eq!(median_epochs(&[Some(2.0), None, Some(1.0)]), 2.0);
        assert!(median_epochs(&[Some(2.0), None]).is_nan());
        assert!(median_epochs(&[]).is_nan());
    }

    #[test]
    fn epochs_vs_lr_empty_and_invalid() {
        let empty = EpochsVsLr {
            title: "nothing".into(),
            runs: vec![],
            suggestions: vec![],
            best_lr: None,
        };
        let svg = epochs_vs_lr(&empty);
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">no data</text>"));

        let invalid = EpochsVsLr {
            title: "invalid".into(),
            runs: vec![
                GridRun {
                    lr: f64::NAN,
                    seed: 0,
                    epochs_to_converge: Some(1.0),
                    status: RunStatus::Converged,
                },
                GridRun {
                    lr: 0.1,
                    seed: 0,
                    epochs_to_converge: Some(f64::INFINITY),
                    status: RunStatus::Converged,
                },
                GridRun {
                    lr: -1.0,
                    seed: 0,
                    epochs_to_converge: None,
                    status: RunStatus::Diverged,
                },
            ],
            suggestions: vec![],
            best_lr: Some(f64::NAN),
        };
        let svg = epochs_vs_lr(&invalid);
        check_well_formed(&svg).unwrap();
        // The run with infinite epochs lands in the not-converged band.
        assert!(!svg.contains(">no data</text>"));
    }

    #[test]
    fn run_status_parses_csv_names() {
        for status in [
            RunStatus::Converged,
            RunStatus::NotConverged,
            RunStatus::Diverged,
            RunStatus::Failed,
        ] {
            assert_eq!(status.to_string().parse::<RunStatus>(), Ok(status));
        }
        assert_eq!(
            "not converged".parse::<RunStatus>(),
            Ok(RunStatus::NotConverged)
        );
        let error = "exploded".parse::<RunStatus>().unwrap_err();
        assert!(error.contains("\"exploded\""));
    }

    fn scenarios(log_y: bool) -> ScenarioLosses {
        let epochs: Vec<f64> = (0..=20).map(|i| i as f64 * 0.5).collect();
        let curve = |f: &dyn Fn(f64) -> f64| epochs.iter().map(|&e| f(e)).collect::<Vec<f64>>();
        let mut diverging = curve(&|e| 2.3 * 2f64.powf(e));
        diverging[6] = f64::INFINITY;
        diverging.truncate(8);
        ScenarioLosses {
            title: "four scenarios & <friends>".into(),
            loss_label: "training loss".into(),
            log_y,
            curves: vec![
                LossCurve {
                    label: "slow (lr 1e-4)".into(),
                    epochs: epochs.clone(),
                    losses: curve(&|e| 2.3 - 0.1 * e),
                    diverged: false,
                },
                LossCurve {
                    label: "oscillating".into(),
                    epochs: epochs.clone(),
                    losses: curve(&|e| 0.8 + 0.3 * (3.0 * e).sin()),
                    diverged: false,
                },
                LossCurve {
                    label: "diverging".into(),
                    epochs: epochs.clone(),
                    losses: diverging,
                    diverged: true,
                },
                LossCurve {
                    label: "converging".into(),
                    epochs: epochs.clone(),
                    losses: curve(&|e| 2.3 * (-e).exp() + 0.05),
                    diverged: false,
                },
            ],
        }
    }

    #[test]
    fn scenario_losses_contents() {
        for log_y in [false, true] {
            let svg = scenario_losses(&scenarios(log_y));
            check_well_formed(&svg).unwrap();
            for label in ["slow (lr 1e-4)", "oscillating", "diverging", "converging"] {
                assert!(svg.contains(&format!(">{label}</text>")), "missing {label}");
            }
            assert!(svg.contains(">last finite loss of a diverged run</text>"));
            assert!(svg.contains(">epoch</text>"));
            assert!(svg.contains("four scenarios &amp; &lt;friends&gt;"));
        }
        assert!(scenario_losses(&scenarios(true)).contains(">training loss (log scale)</text>"));
        assert!(scenario_losses(&scenarios(false)).contains(">training loss</text>"));
    }

    #[test]
    fn scenario_losses_clip_note() {
        // The largest first loss is the converging curve's 2.3 + 0.05, and
        // the diverging curve reaches 2.3 × 2^3.5 ≈ 26, above 5 × 2.35.
        let svg = scenario_losses(&scenarios(false));
        assert!(svg.contains("Losses above 5× the largest first loss (2.35) run off the top"));
        // The diverged curve's last finite loss is drawn at the top with its value.
        assert!(svg.contains(">↑ 26</text>"));
        // On a log axis the cap is 2350, above every loss.
        let svg = scenario_losses(&scenarios(true));
        assert!(!svg.contains("Losses above"));
    }

    #[test]
    fn scenario_losses_empty_and_nan() {
        let empty = ScenarioLosses {
            title: "none".into(),
            loss_label: "loss".into(),
            curves: vec![],
            log_y: true,
        };
        assert!(scenario_losses(&empty).contains(">no data</text>"));

        let broken = ScenarioLosses {
            title: "broken".into(),
            loss_label: "loss".into(),
            curves: vec![LossCurve {
                label: "nan".into(),
                epochs: vec![0.0, 1.0, 2.0],
                losses: vec![f64::NAN, -1.0, 0.0],
                diverged: true,
            }],
            log_y: true,
        };
        let svg = scenario_losses(&broken);
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">no data</text>"));
    }

    fn bowl() -> ParameterPath {
        let a = 1.0;
        let path = |lr: f64, steps: usize| {
            let mut w = 2.0;
            let mut weights = vec![w];
            for _ in 0..steps {
                w -= lr * a * w;
                weights.push(w);
            }
            weights
        };
        ParameterPath {
            title: "gradient descent on a quadratic bowl".into(),
            curvature: a,
            optimum: 0.0,
            runs: vec![
                ParameterRun {
                    label: "slow".into(),
                    lr: 0.1,
                    weights: path(0.1, 20),
                },
                ParameterRun {
                    label: "oscillating".into(),
                    lr: 1.8,
                    weights: path(1.8, 20),
                },
                ParameterRun {
                    label: "diverging".into(),
                    lr: 2.2,
                    weights: path(2.2, 20),
                },
                ParameterRun {
                    label: "converging".into(),
                    lr: 1.0,
                    weights: path(1.0, 20),
                },
            ],
        }
    }

    #[test]
    fn parameter_path_contents() {
        let svg = parameter_path(&bowl());
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">parameter w</text>"));
        assert!(svg.contains(">iteration (gradient steps)</text>"));
        assert!(svg.contains(">minimum w* = 0</text>"));
        assert!(svg.contains(">slow (α = 0.1)</text>"));
        assert!(svg.contains(">diverging (α = 2.2)</text>"));
        assert!(svg.contains("1/a = 1"));
        assert!(svg.contains("2/a = 2"));
        assert!(svg.contains("beyond w* ± 2·|w₀ − w*| run off the y axis."));
    }

    #[test]
    fn parameter_path_empty_and_nan() {
        let mut bowl = bowl();
        bowl.runs[2].weights.push(f64::NAN);
        bowl.runs[2].weights.push(f64::INFINITY);
        check_well_formed(&parameter_path(&bowl)).unwrap();

        let empty = ParameterPath {
            title: "none".into(),
            curvature: f64::NAN,
            optimum: 0.0,
            runs: vec![],
        };
        let svg = parameter_path(&empty);
        check_well_formed(&svg).unwrap();
        assert!(svg.contains(">no data</text>"));
    }
}
