//! `DIR/<name>/manifest.json`: the experiment a results folder belongs to,
//! written when a sweep starts, so that `sweep report` can list every run the
//! grid expects without the experiment file.
//!
//! The ids of the range tests and grid runs are listed. The ids of the runs at
//! the finder's suggestions depend on the suggested rates, so `sweep report`
//! computes them from the range test records it finds.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::Shard;
use crate::experiment::Experiment;
use crate::grid::{self, TRAINING_CODE_VERSION};

pub const MANIFEST_FILE: &str = "manifest.json";
/// The version of the manifest's layout.
pub const MANIFEST_FORMAT: u32 = 1;

/// The command that wrote a manifest, which sets the runs it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// `sweep FILE`: range tests, grid runs and runs at the suggestions.
    Sweep,
    /// `sweep find FILE`: range tests only.
    Find,
}

/// The experiment of a results folder and the ids of the runs it expects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The version of the `sweep` crate that wrote it.
    pub sweep_version: String,
    /// [`TRAINING_CODE_VERSION`], which every run id hashes.
    pub code_version: u32,
    pub scope: Scope,
    /// The number of shards of the sweep that wrote it; 1 for the whole grid.
    pub shard_count: usize,
    /// The experiment file's absolute path when the sweep started.
    pub experiment_file: PathBuf,
    /// The experiment file's text, which `sweep report` parses again.
    pub experiment_text: String,
    /// Range test ids in grid order.
    pub finder_runs: Vec<String>,
    /// Grid run ids in grid order.
    pub grid_runs: Vec<String>,
}

impl Manifest {
    /// Describes `experiment`, reading its file again for the text. Fails
    /// when the file changed since `experiment` was loaded from it.
    pub fn for_experiment(
        experiment: &Experiment,
        scope: Scope,
        shard: Option<Shard>,
    ) -> anyhow::Result<Manifest> {
        let file = std::path::absolute(&experiment.file)
            .with_context(|| format!("cannot resolve the path {}", experiment.file.display()))?;
        let text = fs::read_to_string(&file)
            .with_context(|| format!("cannot read experiment file {}", file.display()))?;
        let changed = match Experiment::parse_str(&text, &file) {
            Ok(again) => serde_json::to_value(&again)? != serde_json::to_value(experiment)?,
            Err(_) => true,
        };
        if changed {
            anyhow::bail!(
                "the experiment file {} changed while the sweep started; run it again",
                file.display()
            );
        }
        Ok(Manifest::new(experiment, file, text, scope, shard))
    }

    /// Describes `experiment`, whose file at `file` has the text `text`.
    pub fn new(
        experiment: &Experiment,
        file: PathBuf,
        text: String,
        scope: Scope,
        shard: Option<Shard>,
    ) -> Manifest {
        Manifest {
            format: MANIFEST_FORMAT,
            sweep_version: env!("CARGO_PKG_VERSION").to_owned(),
            code_version: TRAINING_CODE_VERSION,
            scope,
            shard_count: shard.map_or(1, |s| s.count),
            experiment_file: file,
            experiment_text: text,
            finder_runs: ids(grid::finder_runs(experiment).iter().map(|r| &r.id)),
            grid_runs: ids(grid::expand(experiment).iter().map(|r| &r.id)),
        }
    }

    /// Writes `dir/manifest.json` atomically and returns its path. Shards of
    /// one grid write the same content into a shared folder, and each uses its
    /// own temporary file, so concurrent writers on several hosts do not mix.
    pub fn write(&self, dir: &Path, shard: Option<Shard>) -> anyhow::Result<PathBuf> {
        let path = dir.join(MANIFEST_FILE);
        let writer = match shard {
            Some(shard) => format!("shard-{}-of-{}", shard.index, shard.count),
            None => "whole".to_owned(),
        };
        let temporary = dir.join(format!(".{MANIFEST_FILE}.{writer}.tmp"));
        let json = serde_json::to_vec_pretty(self)?;
        let result = (|| {
            let mut file = fs::File::create(&temporary)?;
            file.write_all(&json)?;
            file.sync_all()?;
            fs::rename(&temporary, &path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        result.with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }

    /// Reads `dir/manifest.json`, or returns `None` when there is none.
    pub fn read(dir: &Path) -> anyhow::Result<Option<Manifest>> {
        let path = dir.join(MANIFEST_FILE);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", path.display()))
            }
        };
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .with_context(|| format!("invalid manifest {}", path.display()))?;
        if manifest.format != MANIFEST_FORMAT {
            anyhow::bail!(
                "{} has format {}, but this sweep reads format {MANIFEST_FORMAT}",
                path.display(),
                manifest.format
            );
        }
        Ok(Some(manifest))
    }

    /// Parses the stored experiment text and checks that this sweep expands
    /// it into the run ids that the manifest lists.
    pub fn experiment(&self) -> anyhow::Result<Experiment> {
        if self.code_version != TRAINING_CODE_VERSION {
            anyhow::bail!(
                "the runs were made by sweep {} with training code version {}, \
                 and this sweep has version {TRAINING_CODE_VERSION}, whose run ids differ; \
                 report them with the sweep that made them",
                self.sweep_version,
                self.code_version
            );
        }
        let experiment = Experiment::parse_str(&self.experiment_text, &self.experiment_file)
            .map_err(|error| {
                anyhow::anyhow!(
                    "the experiment stored in the manifest is not valid for this sweep:\n{}",
                    error.to_string().trim_end()
                )
            })?;
        let finder_runs = ids(grid::finder_runs(&experiment).iter().map(|r| &r.id));
        let grid_runs = ids(grid::expand(&experiment).iter().map(|r| &r.id));
        if finder_runs != self.finder_runs || grid_runs != self.grid_runs {
            anyhow::bail!(
                "this sweep expands the experiment {} into other run ids than sweep {} did; \
                 report the runs with the sweep that made them",
                self.experiment_file.display(),
                self.sweep_version
            );
        }
        Ok(experiment)
    }
}

fn ids<'a>(ids: impl Iterator<Item = &'a String>) -> Vec<String> {
    ids.cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"name = "tiny"

[datasets.shapes]
path = "shapes"

[models.logistic]
kind = "logistic"

[optimizers.sgd]
kind = "sgd"

[training]
batch_size = 32
max_epochs = 2
eval_every = 0.5

[convergence]
metric = "val_accuracy"
target = 0.9

[grid]
models = ["logistic"]
datasets = ["shapes"]
optimizers = ["sgd"]
lr = [0.01, 0.1]
seeds = [1, 2]
"#;

    fn experiment_file(dir: &Path) -> (Experiment, PathBuf) {
        let file = dir.join("tiny.toml");
        fs::write(&file, TEXT).unwrap();
        (Experiment::load(&file).unwrap(), file)
    }

    #[test]
    fn manifest_round_trips_and_expands() {
        let dir = tempfile::tempdir().unwrap();
        let (experiment, _) = experiment_file(dir.path());
        let shard = Some(Shard::new(1, 2).unwrap());
        let manifest = Manifest::for_experiment(&experiment, Scope::Sweep, shard).unwrap();
        assert_eq!(manifest.shard_count, 2);
        assert_eq!(manifest.finder_runs.len(), 2);
        assert_eq!(manifest.grid_runs.len(), 4);
        assert!(manifest.experiment_file.is_absolute());

        let path = manifest.write(dir.path(), shard).unwrap();
        assert_eq!(path, dir.path().join("manifest.json"));
        let read = Manifest::read(dir.path())
            .unwrap()
            .expect("manifest written");
        assert_eq!(read, manifest);
        let again = read.experiment().unwrap();
        assert_eq!(
            serde_json::to_value(&again).unwrap(),
            serde_json::to_value(&experiment).unwrap()
        );
        let leftovers = fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        assert_eq!(leftovers, 0, "temporary files left behind");
    }

    #[test]
    fn missing_manifest_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Manifest::read(dir.path()).unwrap().is_none());
    }

    #[test]
    fn changed_file_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let (experiment, file) = experiment_file(dir.path());
        fs::write(&file, TEXT.replace("seeds = [1, 2]", "seeds = [1, 2, 3]")).unwrap();
        let error = Manifest::for_experiment(&experiment, Scope::Sweep, None).unwrap_err();
        assert!(format!("{error:#}").contains("changed"), "{error:#}");
    }

    #[test]
    fn other_ids_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let (experiment, _) = experiment_file(dir.path());
        let mut manifest = Manifest::for_experiment(&experiment, Scope::Sweep, None).unwrap();
        manifest.grid_runs[0] = "0000000000000000".to_owned();
        let message = format!("{:#}", manifest.experiment().unwrap_err());
        assert!(message.contains("other run ids"), "{message}");

        manifest.code_version = TRAINING_CODE_VERSION + 1;
        let message = format!("{:#}", manifest.experiment().unwrap_err());
        assert!(message.contains("training code version"), "{message}");
    }

    #[test]
    fn other_format_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let (experiment, _) = experiment_file(dir.path());
        let mut manifest = Manifest::for_experiment(&experiment, Scope::Find, None).unwrap();
        manifest.format = MANIFEST_FORMAT + 1;
        fs::write(
            dir.path().join("manifest.json"),
            serde_json::to_vec(&manifest).unwrap(),
        )
        .unwrap();
        let message = format!("{:#}", Manifest::read(dir.path()).unwrap_err());
        assert!(message.contains("has format 2"), "{message}");
    }
}
