//! One stored record per finished run, written atomically the moment the run
//! ends, so that a crash loses at most the runs in flight. Reports are built
//! from these records.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::finder::{suggest, Method};
use crate::grid::{FinderRun, Run};
use crate::train::{FinderOutcome, Outcome};

/// A finished run: its configuration summary and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub run_id: String,
    pub model: String,
    pub dataset: String,
    pub optimizer: String,
    pub batch_size: usize,
    pub lr: f64,
    /// `grid`, or `finder:<method>` for a run at a range test's suggestion.
    pub lr_source: String,
    pub seed: u64,
    pub outcome: Outcome,
    pub wall_seconds: f64,
}

impl Record {
    pub fn new(run: &Run, outcome: Outcome, wall_seconds: f64) -> Record {
        let (model, dataset, optimizer) = run.setup.group();
        Record {
            run_id: run.id.clone(),
            model: model.to_owned(),
            dataset: dataset.to_owned(),
            optimizer: optimizer.to_owned(),
            batch_size: run.setup.training.batch_size,
            lr: run.lr,
            lr_source: run.lr_source.to_string(),
            seed: run.seed,
            outcome,
            wall_seconds,
        }
    }
}

/// One recorded batch of a range test. Losses may be non-finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinderPoint {
    pub iteration: usize,
    #[serde(with = "float")]
    pub lr: f64,
    #[serde(with = "float")]
    pub loss: f64,
    #[serde(with = "float")]
    pub smoothed_loss: f64,
}

/// One method's suggestion, or the reason it has none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub method: Method,
    pub lr: Option<f64>,
    pub no_suggestion: Option<String>,
}

/// A finished range test: its curve, why it stopped and its suggestions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinderRecord {
    pub run_id: String,
    pub model: String,
    pub dataset: String,
    pub optimizer: String,
    pub seed: u64,
    pub num_it: usize,
    pub points: Vec<FinderPoint>,
    /// `completed`, `diverged`, `non_finite`, `out_of_data`, or `failed`.
    pub stop_reason: String,
    /// The learning rate of the batch that diverged or gave a non-finite loss.
    pub stop_lr: Option<f64>,
    pub suggestions: Vec<Suggestion>,
    /// The error of a failed range test.
    pub error: Option<String>,
    pub wall_seconds: f64,
}

impl FinderRecord {
    /// Builds the record of a range test and computes each method's suggestion.
    pub fn new(
        run: &FinderRun,
        outcome: anyhow::Result<FinderOutcome>,
        methods: &[Method],
        wall_seconds: f64,
    ) -> FinderRecord {
        let (model, dataset, optimizer) = run.setup.group();
        let mut record = FinderRecord {
            run_id: run.id.clone(),
            model: model.to_owned(),
            dataset: dataset.to_owned(),
            optimizer: optimizer.to_owned(),
            seed: run.seed,
            num_it: run.settings.num_it,
            points: Vec::new(),
            stop_reason: "failed".to_owned(),
            stop_lr: None,
            suggestions: Vec::new(),
            error: None,
            wall_seconds,
        };
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                record.error = Some(format!("{error:#}"));
                return record;
            }
        };
        let lrs: Vec<f64> = outcome.points.iter().map(|p| p.lr).collect();
        let losses: Vec<f64> = outcome.points.iter().map(|p| p.smoothed_loss).collect();
        record.suggestions = methods
            .iter()
            .map(
                |&method| match suggest(method, &lrs, &losses, run.settings.num_it) {
                    Ok(lr) => Suggestion {
                        method,
                        lr: Some(lr),
                        no_suggestion: None,
                    },
                    Err(reason) => Suggestion {
                        method,
                        lr: None,
                        no_suggestion: Some(reason.to_string()),
                    },
                },
            )
            .collect();
        record.points = outcome
            .points
            .iter()
            .map(|p| FinderPoint {
                iteration: p.iteration,
                lr: p.lr,
                loss: p.loss,
                smoothed_loss: p.smoothed_loss,
            })
            .collect();
        record.stop_reason = outcome.stop_reason.as_str().to_owned();
        record.stop_lr = outcome.stop_reason.lr();
        record
    }

    /// Returns the learning rate `method` suggested, if it gave one.
    pub fn suggestion(&self, method: Method) -> Option<f64> {
        self.suggestions
            .iter()
            .find(|s| s.method == method)
            .and_then(|s| s.lr)
    }
}

/// The folder of records of one experiment.
#[derive(Debug, Clone)]
pub struct RecordStore {
    dir: PathBuf,
}

impl RecordStore {
    pub fn open(dir: &Path) -> anyhow::Result<RecordStore> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the records folder {}", dir.display()))?;
        Ok(RecordStore {
            dir: dir.to_path_buf(),
        })
    }

    fn path(&self, run_id: &str) -> PathBuf {
        self.dir.join(format!("{run_id}.json"))
    }

    pub fn save(&self, record: &Record) -> anyhow::Result<()> {
        self.save_as(&record.run_id, record)
    }

    pub fn save_finder(&self, record: &FinderRecord) -> anyhow::Result<()> {
        self.save_as(&record.run_id, record)
    }

    fn save_as<T: Serialize>(&self, run_id: &str, record: &T) -> anyhow::Result<()> {
        let json = serde_json::to_vec_pretty(record).context("cannot serialize a run record")?;
        write_atomic(&self.path(run_id), &json)
    }

    /// Reads the stored record of a run, if there is one.
    pub fn load<T: serde::de::DeserializeOwned>(&self, run_id: &str) -> anyhow::Result<Option<T>> {
        let path = self.path(run_id);
        match fs::read(&path) {
            Ok(bytes) => {
                let record = serde_json::from_slice(&bytes)
                    .with_context(|| format!("invalid run record {}", path.display()))?;
                Ok(Some(record))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => {
                Err(error).with_context(|| format!("cannot read run record {}", path.display()))
            }
        }
    }
}

/// Serde helpers that keep non-finite floats (a diverged run's NaN loss) in
/// JSON, which has no literal for them: finite values are numbers, others the
/// strings `"NaN"`, `"inf"` and `"-inf"`.
pub mod float {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if value.is_finite() {
            serializer.serialize_f64(*value)
        } else {
            serializer.serialize_str(&value.to_string())
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Number(f64),
            Text(String),
        }
        match Stored::deserialize(deserializer)? {
            Stored::Number(value) => Ok(value),
            Stored::Text(text) => text
                .parse()
                .map_err(|_| serde::de::Error::custom(format!("invalid number \"{text}\""))),
        }
    }
}

/// An exclusive lock on a results folder, held while a sweep writes to it.
///
/// It is an advisory lock on `DIR/.lock` (flock on Linux), which the kernel
/// releases when the process ends, even by SIGKILL, so a crash never leaves it
/// stuck. The file contains the owner's process id for the error message.
pub struct ResultsLock {
    _file: fs::File,
}

impl ResultsLock {
    pub fn acquire(dir: &Path) -> anyhow::Result<ResultsLock> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the results folder {}", dir.display()))?;
        let path = dir.join(".lock");
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot create the lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let owner = fs::read_to_string(&path).unwrap_or_default();
                let owner = owner.trim();
                let owner = if owner.is_empty() {
                    String::new()
                } else {
                    format!(" (process {owner})")
                };
                anyhow::bail!(
                    "another sweep{owner} is writing to {}; wait for it to finish or choose another folder with --out",
                    dir.display()
                );
            }
            Err(fs::TryLockError::Error(error)) => {
                return Err(error).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        file.set_len(0)?;
        write!(file, "{}", std::process::id())?;
        Ok(ResultsLock { _file: file })
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a
/// rename, so that readers see either the old file or the complete new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        write_atomic(&path, b"first version, longer").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary files left behind");
    }

    #[test]
    fn second_lock_is_refused_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = ResultsLock::acquire(dir.path()).unwrap();
        let error = ResultsLock::acquire(dir.path())
            .err()
            .expect("the folder is locked");
        let message = format!("{error:#}");
        assert!(message.contains("another sweep"), "{message}");
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        drop(first);
        assert!(ResultsLock::acquire(dir.path()).is_ok(), "released on drop");
    }

    #[test]
    fn write_atomic_reports_unwritable_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("a.csv");
        let error = write_atomic(&path, b"x").unwrap_err();
        assert!(format!("{error:#}").contains("cannot write"), "{error:#}");
    }
}
