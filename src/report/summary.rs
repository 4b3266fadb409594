//! The tables printed at the end of a sweep: how the runs of each group ended
//! and which rate converged fastest, each finder method's suggestion beside
//! the best grid rate, and the methods summarized over all groups.

use crate::records::FinderRecord;
use crate::report::best::Group;
use crate::report::comparison::{convergent_band, ComparisonRow, MethodSummary};
use crate::train::Status;

/// Formats rows as left-aligned columns separated by two spaces.
fn columns(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out += &line(row.iter().map(String::as_str).collect());
    }
    out
}

fn rate(lr: Option<f64>) -> String {
    lr.map_or("-".into(), |lr| format!("{lr:.3e}"))
}

fn epochs(epochs: Option<f64>) -> String {
    epochs.map_or("-".into(), |e| format!("{e:.2}"))
}

fn ratio(ratio: Option<f64>) -> String {
    ratio.map_or("-".into(), |r| format!("{r:.2}"))
}

/// Per group: how the grid runs ended and the best rate.
pub fn table(groups: &[Group]) -> String {
    let header = [
        "model",
        "dataset",
        "optimizer",
        "converged",
        "not conv.",
        "diverged",
        "failed",
        "best lr",
        "epochs",
    ];
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|group| {
            let best = group.best();
            vec![
                group.model.clone(),
                group.dataset.clone(),
                group.optimizer.clone(),
                group.count(Status::Converged).to_string(),
                group.count(Status::NotConverged).to_string(),
                group.count(Status::Diverged).to_string(),
                group.count(Status::Failed).to_string(),
                rate(best.map(|b| b.lr)),
                epochs(best.and_then(|b| b.median_epochs)),
            ]
        })
        .collect();
    columns(&header, &rows)
}

/// Per group: the best grid rate, then each method's suggestion and its epochs.
pub fn comparison_table(groups: &[Group], rows: &[ComparisonRow], band_factor: f64) -> String {
    let mut out = String::new();
    for group in groups {
        let best = group.best();
        let band = match convergent_band(group, band_factor) {
            Some((low, high)) => format!("band {low:.3e} to {high:.3e}"),
            None => "no rate converged".to_owned(),
        };
        out += &format!(
            "{} / {} / {}: best grid lr {} at {} epochs ({band})\n",
            group.model,
            group.dataset,
            group.optimizer,
            rate(best.map(|b| b.lr)),
            epochs(best.and_then(|b| b.median_epochs)),
        );
        let lines: Vec<Vec<String>> = rows
            .iter()
            .filter(|r| group.is(&r.model, &r.dataset, &r.optimizer))
            .map(|r| {
                vec![
                    format!("  {}", r.method),
                    rate(r.suggested_lr),
                    ratio(r.lr_ratio),
                    epochs(r.epochs_at_suggestion),
                    r.in_convergent_band.map_or("-".into(), |b| {
                        if b {
                            "yes".into()
                        } else {
                            "no".into()
                        }
                    }),
                ]
            })
            .collect();
        out += &columns(
            &["  method", "suggested lr", "x best", "epochs", "in band"],
            &lines,
        );
    }
    out
}

/// Per method over all groups.
pub fn method_table(summaries: &[MethodSummary]) -> String {
    let rows: Vec<Vec<String>> = summaries
        .iter()
        .map(|s| {
            vec![
                s.method.to_string(),
                s.groups.to_string(),
                ratio(s.median_abs_log10_lr_ratio),
                s.share_in_band
                    .map_or("-".into(), |share| format!("{:.0}%", share * 100.0)),
                ratio(s.median_epochs_ratio),
            ]
        })
        .collect();
    columns(
        &[
            "method",
            "groups",
            "median |log10 ratio|",
            "in band",
            "median epochs ratio",
        ],
        &rows,
    )
}

/// Formats one row per range test: why it stopped and each method's suggestion.
pub fn suggestions_table(finders: &[FinderRecord]) -> String {
    let Some(first) = finders.first() else {
        return String::new();
    };
    let methods: Vec<String> = first
        .suggestions
        .iter()
        .map(|s| s.method.to_string())
        .collect();
    let mut header = vec!["model", "dataset", "optimizer", "seed", "stopped"];
    header.extend(methods.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = finders
        .iter()
        .map(|f| {
            let mut row = vec![
                f.model.clone(),
                f.dataset.clone(),
                f.optimizer.clone(),
                f.seed.to_string(),
                f.stop_reason.clone(),
            ];
            row.extend(methods.iter().map(|name| {
                let lr = f
                    .suggestions
                    .iter()
                    .find(|s| s.method.to_string() == *name)
                    .and_then(|s| s.lr);
                rate(lr)
            }));
            row
        })
        .collect();
    columns(&header, &rows)
}
