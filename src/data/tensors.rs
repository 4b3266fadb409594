//! A dataset in memory as libtorch tensors, loaded once and shared by every
//! run through shallow clones (same storage, no copy).

use anyhow::Context;
use tch::{Kind, Tensor};

use crate::data::{load_split, IdxImages, LabeledImages, Split};
use crate::experiment::{DatasetSpec, Validation};
use crate::train::model::InputShape;

/// Training and validation tensors: images `[n, 1, h, w]` as f32, labels as i64.
#[derive(Debug)]
pub struct Dataset {
    pub name: String,
    pub train_images: Tensor,
    pub train_labels: Tensor,
    pub val_images: Tensor,
    pub val_labels: Tensor,
    pub shape: InputShape,
}

impl Dataset {
    /// Reads the IDX files a spec names and applies its validation split and limit.
    pub fn load(spec: &DatasetSpec) -> anyhow::Result<Dataset> {
        let context = || {
            format!(
                "failed to load dataset \"{}\" from {}",
                spec.name,
                spec.path.display()
            )
        };
        let train = load_split(&spec.path, Split::Train, spec.classes).with_context(context)?;
        let (train, val) = match spec.validation {
            Validation::TestSplit => (
                train,
                load_split(&spec.path, Split::Test, spec.classes).with_context(context)?,
            ),
            Validation::Holdout(fraction) => hold_out(train, fraction),
        };
        let train = match spec.train_limit {
            Some(limit) => take(&train, 0, limit.min(train.labels.len())),
            None => train,
        };
        let val = match spec.val_limit {
            Some(limit) => take(&val, 0, limit.min(val.labels.len())),
            None => val,
        };
        Dataset::from_splits(&spec.name, &train, &val, spec.classes).with_context(context)
    }

    /// Builds the tensors. Pixels are scaled to [0, 1] and then standardized
    /// with the mean and standard deviation of the training pixels.
    pub fn from_splits(
        name: &str,
        train: &LabeledImages,
        val: &LabeledImages,
        classes: usize,
    ) -> anyhow::Result<Dataset> {
        let (rows, cols) = (train.images.rows, train.images.cols);
        if (val.images.rows, val.images.cols) != (rows, cols) {
            anyhow::bail!(
                "training images are {rows}x{cols} pixels but validation images are {}x{}",
                val.images.rows,
                val.images.cols
            );
        }
        if train.labels.is_empty() || val.labels.is_empty() {
            anyhow::bail!(
                "need at least one training and one validation sample, got {} and {}",
                train.labels.len(),
                val.labels.len()
            );
        }
        let (mean, std) = pixel_statistics(&train.images.pixels);
        // Scaled in place, so that loading keeps one float copy of the images in memory, not four.
        let images = |set: &IdxImages| {
            let mut images = Tensor::from_slice(&set.pixels)
                .to_kind(Kind::Float)
                .view([set.count as i64, 1, rows as i64, cols as i64]);
            let _ = images.divide_scalar_(255.0);
            let _ = images.subtract_scalar_(mean);
            let _ = images.divide_scalar_(std);
            images
        };
        let labels = |labels: &[u8]| Tensor::from_slice(labels).to_kind(Kind::Int64);
        Ok(Dataset {
            name: name.to_owned(),
            train_images: images(&train.images),
            train_labels: labels(&train.labels),
            val_images: images(&val.images),
            val_labels: labels(&val.labels),
            shape: InputShape {
                channels: 1,
                height: rows as i64,
                width: cols as i64,
                classes: classes as i64,
            },
        })
    }

    /// Another handle on the same tensors, for another thread.
    pub fn shallow_clone(&self) -> Dataset {
        Dataset {
            name: self.name.clone(),
            train_images: self.train_images.shallow_clone(),
            train_labels: self.train_labels.shallow_clone(),
            val_images: self.val_images.shallow_clone(),
            val_labels: self.val_labels.shallow_clone(),
            shape: self.shape,
        }
    }

    pub fn train_len(&self) -> usize {
        self.train_labels.size()[0] as usize
    }

    pub fn val_len(&self) -> usize {
        self.val_labels.size()[0] as usize
    }
}

/// Mean and standard deviation of pixel values scaled to [0, 1].
fn pixel_statistics(pixels: &[u8]) -> (f64, f64) {
    let n = pixels.len().max(1) as f64;
    let sum: f64 = pixels.iter().map(|&p| f64::from(p)).sum();
    let mean = sum / n / 255.0;
    let squares: f64 = pixels
        .iter()
        .map(|&p| (f64::from(p) / 255.0 - mean).powi(2))
        .sum();
    let std = (squares / n).sqrt();
    (mean, if std > 0.0 { std } else { 1.0 })
}

/// Samples `start..end` of a split.
fn take(set: &LabeledImages, start: usize, end: usize) -> LabeledImages {
    let size = set.images.rows * set.images.cols;
    LabeledImages {
        images: IdxImages {
            count: end - start,
            rows: set.images.rows,
            cols: set.images.cols,
            pixels: set.images.pixels[start * size..end * size].to_vec(),
        },
        labels: set.labels[start..end].to_vec(),
    }
}

/// Splits off the last `fraction` of the training files (at least one sample) as validation.
fn hold_out(train: LabeledImages, fraction: f64) -> (LabeledImages, LabeledImages) {
    let n = train.labels.len();
    let held = ((n as f64 * fraction).ceil() as usize)
        .max(1)
        .min(n.saturating_sub(1));
    let cut = n - held;
    (take(&train, 0, cut), take(&train, cut, n))
}
