//! A demo report with realistic synthetic data, for looking at the charts.
//!
//! Run `cargo test --lib plot::demo -- --ignored` and open
//! /tmp/plot-demo/report.html. Each chart is also written as its own SVG file.

use std::path::Path;

use super::charts::*;
use super::html::{report_page, Figure, Section, Table};
use super::scale::format_significant;
use super::xml_check::check_well_formed;

/// A small deterministic generator (xorshift64*) for the demo's noise.
struct Noise(u64);

impl Noise {
    /// Returns a value uniform in [-1, 1).
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        bits as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// Simulates a range test as fastai runs it: 100 batches from 1e-7 towards
/// 10, the loss smoothed with β = 0.98 and debiased, stopped when the
/// smoothed loss exceeds 4 times its best. The raw loss falls from about 2.3
/// to 0.3 and then explodes. The last point is NaN.
fn range_test() -> FinderCurve {
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let (mut lrs, mut raw, mut smoothed) = (Vec::new(), Vec::new(), Vec::new());
    let mut average = 0.0;
    let mut best = f64::INFINITY;
    for i in 0..100 {
        let lr = 1e-7 * 1e8f64.powf(i as f64 / 100.0);
        let base = 0.3 + 2.0 / (1.0 + (lr / 3e-5).powf(1.2));
        let explosion = if lr > 0.2 {
            0.4 * ((lr / 0.2).powf(2.5) - 1.0)
        } else {
            0.0
        };
        let loss = (base + explosion) * (1.0 + 0.08 * noise.next());
        average = 0.98 * average + 0.02 * loss;
        let debiased = average / (1.0 - 0.98f64.powi(i + 1));
        lrs.push(lr);
        raw.push(loss);
        smoothed.push(debiased);
        best = best.min(debiased);
        if debiased > 4.0 * best {
            lrs.push(lr * 1e8f64.powf(0.01));
            raw.push(f64::NAN);
            smoothed.push(f64::NAN);
            break;
        }
    }
    let suggestion = |method: &str, lr: f64| Suggestion {
        method: method.to_string(),
        lr,
    };
    FinderCurve {
        title: "LR range test: mlp on mnist, sgd, seed 0".to_string(),
        lrs,
        raw_losses: raw,
        smoothed_losses: smoothed,
        suggestions: vec![
            suggestion("valley", 1.5e-3),
            suggestion("slide", 8.0e-3),
            suggestion("minimum", 1.2e-2),
            suggestion("steep", 6.0e-5),
            suggestion("lightning_steep", 2.0e-6),
        ],
    }
}

/// Simulates a grid of 16 rates from 1e-4 to 10 (3 per decade) with 2
/// seeds. The fastest rate is near 0.1. Rates below 1e-3 need more than the
/// 10 epochs allowed, and rates from 2 up diverge.
fn grid() -> (EpochsVsLr, f64) {
    let mut noise = Noise(42);
    let mut runs = Vec::new();
    let rates: Vec<f64> = (0..16).map(|i| 1e-4 * 10f64.powf(i as f64 / 3.0)).collect();
    for &lr in &rates {
        for seed in 0..2 {
            let jitter = 1.0 + 0.12 * noise.next();
            let (epochs, status) = if lr > 1.5 {
                (None, RunStatus::Diverged)
            } else if lr > 0.9 && seed == 1 {
                (None, RunStatus::NotConverged)
            } else {
                let ideal = if lr <= 0.1 {
                    1.25 * (0.1 / lr).powf(0.45)
                } else {
                    1.25 * (lr / 0.1).powf(1.2)
                };
                // Evaluations every 0.25 epochs.
                let epochs = (ideal * jitter / 0.25).ceil() * 0.25;
                if epochs > 10.0 {
                    (None, RunStatus::NotConverged)
                } else {
                    (Some(epochs), RunStatus::Converged)
                }
            };
            runs.push(GridRun {
                lr,
                seed,
                epochs_to_converge: epochs,
                status,
            });
        }
    }
    // The grid rate closest to 0.1, where the epochs formula has its minimum.
    let best_lr = rates
        .iter()
        .copied()
        .min_by(|a, b| (a.log10() + 1.0).abs().total_cmp(&(b.log10() + 1.0).abs()))
        .unwrap_or(0.1);
    let finder = range_test();
    (
        EpochsVsLr {
            title: "Epochs to 97% validation accuracy: mlp on mnist, sgd".to_string(),
            runs,
            suggestions: finder.suggestions,
            best_lr: Some(best_lr),
        },
        best_lr,
    )
}

fn scenarios(log_y: bool) -> ScenarioLosses {
    let mut noise = Noise(7);
    let epochs: Vec<f64> = (0..=40).map(|i| i as f64 * 0.25).collect();
    let mut curve = |f: &dyn Fn(f64) -> f64, jitter: f64| -> Vec<f64> {
        epochs
            .iter()
            .map(|&e| f(e) * (1.0 + jitter * noise.next()))
            .collect()
    };
    let slow = curve(&|e| 0.9 + 1.4 * (-e / 9.0).exp(), 0.01);
    let oscillating = curve(
        &|e| 0.7 + 1.6 * (-e * 1.5).exp() + 0.18 * (e * 5.0).sin().abs(),
        0.03,
    );
    let converging = curve(&|e| 0.06 + 2.24 * (-e * 1.1).exp(), 0.02);
    let mut diverging = curve(&|e| 2.3 * (1.0 + e * 1.5).powf(2.2), 0.05);
    diverging.truncate(9);
    diverging.push(f64::NAN);
    ScenarioLosses {
        title: "The four learning-rate scenarios: mlp on mnist, sgd".to_string(),
        loss_label: "training loss".to_string(),
        log_y,
        curves: vec![
            LossCurve {
                label: "slow (lr 1e-4)".to_string(),
                epochs: epochs.clone(),
                losses: slow,
                diverged: false,
            },
            LossCurve {
                label: "oscillating (lr 1)".to_string(),
                epochs: epochs.clone(),
                losses: oscillating,
                diverged: false,
            },
            LossCurve {
                label: "diverging (lr 10)".to_string(),
                epochs: epochs[..10].to_vec(),
                losses: diverging,
                diverged: true,
            },
            LossCurve {
                label: "converging (lr 0.1)".to_string(),
                epochs: epochs.clone(),
                losses: converging,
                diverged: false,
            },
        ],
    }
}

fn bowl() -> ParameterPath {
    let (a, w_star, w0) = (1.0, 1.0, 3.0);
    let path = |lr: f64| {
        let mut w: f64 = w0;
        let mut weights = vec![w];
        for _ in 0..25 {
            w -= lr * a * (w - w_star);
            weights.push(w);
        }
        weights
    };
    let run = |label: &str, lr: f64| ParameterRun {
        label: label.to_string(),
        lr,
        weights: path(lr),
    };
    ParameterPath {
        title: "Gradient descent on a quadratic bowl".to_string(),
        curvature: a,
        optimum: w_star,
        runs: vec![
            run("slow", 0.1),
            run("oscillating", 1.8),
            run("diverging", 2.1),
            run("converging", 1.0),
        ],
    }
}

fn comparison_table(best_lr: f64) -> Table {
    let rows = [
        ("valley", 1.5e-3, "8.25", "no"),
        ("slide", 8.0e-3, "4", "no"),
        ("minimum", 1.2e-2, "3.75", "no"),
        ("steep", 6.0e-5, "—", "no"),
        ("lightning_steep", 2.0e-6, "—", "no"),
    ];
    Table {
        caption: Some("Suggestions against the best grid rate (seed 0)".to_string()),
        header: [
            "method",
            "suggested lr",
            "best grid lr",
            "ratio",
            "epochs at suggestion",
            "epochs at best",
            "in band",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|(method, lr, epochs, in_band)| {
                vec![
                    method.to_string(),
                    format_significant(*lr, 3),
                    format_significant(best_lr, 3),
                    format!("{}x", format_significant(lr / best_lr, 2)),
                    epochs.to_string(),
                    "1.25".to_string(),
                    in_band.to_string(),
                ]
            })
            .collect(),
    }
}

#[test]
#[ignore = "writes the demo report to /tmp/plot-demo for a visual check"]
fn write_demo_report() {
    let directory = Path::new("/tmp/plot-demo");
    std::fs::create_dir_all(directory).unwrap();

    let (grid, best_lr) = grid();
    let charts = [
        ("finder.svg", finder_curve(&range_test())),
        ("epochs.svg", epochs_vs_lr(&grid)),
        ("scenarios.svg", scenario_losses(&scenarios(false))),
        ("scenarios-log.svg", scenario_losses(&scenarios(true))),
        ("path.svg", parameter_path(&bowl())),
    ];
    for (name, svg) in &charts {
        check_well_formed(svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        std::fs::write(directory.join(name), svg).unwrap();
    }

    let figure = |index: usize, caption: &str| Figure {
        svg: charts[index].1.clone(),
        caption: caption.to_string(),
    };
    let sections = vec![
        Section {
            heading: "Learning-rate finder".to_string(),
            paragraphs: vec![
                "The range test trains one batch per rate, from 1e-7 upwards, and stops when the smoothed loss exceeds 4 times its best. Each method suggests a rate from the smoothed curve.".to_string(),
            ],
            tables: vec![comparison_table(best_lr)],
            figures: vec![
                figure(0, "Range test: raw and smoothed training loss, with the rate each method suggests."),
                figure(1, "Epochs to reach the target at each grid rate, 2 seeds per rate. Runs that did not converge within 10 epochs or diverged are shown in the band at the top."),
            ],
        },
        Section {
            heading: "The four scenarios".to_string(),
            paragraphs: vec!["Training loss of one run per scenario, on a linear and on a log axis.".to_string()],
            tables: vec![],
            figures: vec![
                figure(2, "Training loss per scenario (linear axis)."),
                figure(3, "Training loss per scenario (log axis)."),
            ],
        },
        Section {
            heading: "Quadratic bowl".to_string(),
            paragraphs: vec!["Gradient descent on f(w) = a/2 (w − w*)² with a = 1 and w* = 1, from w₀ = 3.".to_string()],
            tables: vec![],
            figures: vec![figure(4, "Parameter w after each gradient step.")],
        },
    ];
    let page = report_page("sweep report: mnist (demo data)", &sections);
    check_well_formed(&page).unwrap();
    std::fs::write(directory.join("report.html"), page).unwrap();
}
