//! `runs.csv` (one row per run) and `curves.csv` (one row per evaluation).
//!
//! RFC 4180 with a header and a fixed column order. Floats are written with
//! Rust's shortest representation that parses back to the same value, so no
//! precision is lost; non-finite values appear as `NaN`, `inf` or `-inf`.

use crate::records::Record;

pub const RUNS_COLUMNS: [&str; 14] = [
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
    "note",
];

pub const CURVES_COLUMNS: [&str; 7] = ["run_id", "epoch", "step", "lr", "train_loss", "val_loss", "val_accuracy"];

fn float(value: f64) -> String {
    value.to_string()
}

fn optional(value: Option<f64>) -> String {
    value.map(float).unwrap_or_default()
}

pub fn runs_csv(records: &[Record]) -> anyhow::Result<Vec<u8>> {
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
