//! `report.html`: one self-contained page with the comparison, the method
//! summary, the scenario table and every plot, viewable without a network.

use crate::plot::{report_page, Figure, Section, Table};
use crate::report::figures::Plot;
use crate::report::Reports;

fn rate(lr: Option<f64>) -> String {
    lr.map_or("-".into(), |lr| format!("{lr:.3e}"))
}

fn number(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{v:.2}"))
}

fn comparison_table(reports: &Reports) -> Table {
    let header = [
        "model",
        "dataset",
        "optimizer",
        "method",
        "suggested lr",
        "best grid lr",
        "ratio",
        "epochs at suggestion",
        "epochs at best",
        "in band",
    ];
    Table {
        caption: Some("Each method's suggestion (median over seeds) beside the grid rate that converged in the fewest epochs.".into()),
        header: header.iter().map(|h| h.to_string()).collect(),
        rows: reports
            .comparison
            .iter()
            .map(|row| {
                vec![
                    row.model.clone(),
                    row.dataset.clone(),
                    row.optimizer.clone(),
                    row.method.to_string(),
                    rate(row.suggested_lr),
                    rate(row.best_lr),
                    number(row.lr_ratio),
                    number(row.epochs_at_suggestion),
                    number(row.epochs_at_best),
                    row.in_convergent_band.map_or("-".into(), |b| if b { "yes".into() } else { "no".into() }),
                ]
            })
            .collect(),
    }
}

fn method_table(reports: &Reports) -> Table {
    Table {
        caption: Some("Each method over all groups: median |log10(suggested / best)| (1 means a factor of 10 off), share of groups whose suggestion lies in the convergent band, median epochs at the suggestion over epochs at the best rate.".into()),
        header: ["method", "groups", "median |log10 ratio|", "in band", "median epochs ratio"].iter().map(|h| h.to_string()).collect(),
        rows: reports
            .methods
            .iter()
            .map(|m| {
                vec![
                    m.method.to_string(),
                    m.groups.to_string(),
                    number(m.median_abs_log10_lr_ratio),
                    m.share_in_band.map_or("-".into(), |s| format!("{:.0}%", s * 100.0)),
                    number(m.median_epochs_ratio),
                ]
            })
            .collect(),
    }
}

fn scenario_table(reports: &Reports) -> Table {
    Table {
        caption: Some("Rates labelled with each scenario, per group, and whether the representative rates follow slow < converging < oscillating < diverging.".into()),
        header: ["model", "dataset", "optimizer", "scenario", "lowest lr", "highest lr", "representative lr", "epochs", "final loss", "order holds"]
            .iter()
            .map(|h| h.to_string())
            .collect(),
        rows: reports
            .scenarios
            .iter()
            .map(|row| {
                vec![
                    row.model.clone(),
                    row.dataset.clone(),
                    row.optimizer.clone(),
                    row.scenario.to_string(),
                    rate(Some(row.lr_min)),
                    rate(Some(row.lr_max)),
                    rate(Some(row.representative_lr)),
                    number(row.epochs_to_converge),
                    format!("{:.4}", row.final_loss),
                    if row.blog_order_holds { "yes".into() } else { "no".into() },
                ]
            })
            .collect(),
    }
}

/// Renders the page for experiment `name` with the plots of every group.
pub fn render(
    name: &str,
    target: &str,
    reports: &Reports,
    plots: &[(String, Vec<Plot>)],
) -> String {
    let runs = reports.records.len();
    let tests = reports.finders.len();
    let mut sections = vec![Section {
        heading: "Summary".into(),
        paragraphs: vec![format!(
            "Experiment {name}: {runs} training runs and {tests} learning-rate range tests. A run converges when it reaches {target}; \
             the best grid rate of a group is the one with the fewest median epochs to converge over seeds."
        )],
        ..Default::default()
    }];
    if !reports.comparison.is_empty() {
        sections.push(Section {
            heading: "Does the finder pick the fastest rate?".into(),
            tables: vec![comparison_table(reports), method_table(reports)],
            ..Default::default()
        });
    }
    sections.push(Section {
        heading: "Four scenarios".into(),
        paragraphs: vec![
            "slow: far below the best rate, the loss falls steadily but needs many more epochs; converging: the best rate; \
             oscillating: above the best, the loss overshoots and stalls above the target; diverging: far above the best, \
             the loss rises above its start or becomes NaN."
                .into(),
        ],
        tables: vec![scenario_table(reports)],
        ..Default::default()
    });
    for (title, group_plots) in plots {
        sections.push(Section {
            heading: title.clone(),
            figures: group_plots
                .iter()
                .map(|p| Figure {
                    svg: p.svg.clone(),
                    caption: p.caption.clone(),
                })
                .collect(),
            ..Default::default()
        });
    }
    report_page(&format!("sweep: {name}"), &sections)
}
