//! The table printed at the end of a sweep: per group, how the runs ended and
//! which rate converged fastest.

use std::fmt::Write;

use crate::report::best::Group;
use crate::train::Status;

pub fn table(groups: &[Group]) -> String {
    let header = ["model", "dataset", "optimizer", "converged", "not conv.", "diverged", "failed", "best lr", "epochs"];
    let mut rows: Vec<[String; 9]> = Vec::new();
    for group in groups {
        let best = group.best();
        rows.push([
            group.model.clone(),
            group.dataset.clone(),
            group.optimizer.clone(),
            group.count(Status::Converged).to_string(),
            group.count(Status::NotConverged).to_string(),
            group.count(Status::Diverged).to_string(),
            group.count(Status::Failed).to_string(),
            best.map_or("-".into(), |b| format!("{:.3e}", b.lr)),
            best.and_then(|b| b.median_epochs).map_or("-".into(), |e| format!("{e:.2}")),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].len()).chain([header[i].len()]).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(out, "{}", padded.join("  ").trim_end());
    };
    line(&header);
    for row in &rows {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}
