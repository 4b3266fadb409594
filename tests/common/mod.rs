//! Helpers shared by the integration tests: synthetic image data written as
//! IDX files, and experiment files in temporary folders.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use rand::{Rng, SeedableRng};
use sweep::data::{IdxImages, LabeledImages};

pub const SIDE: usize = 16;

/// Images where class `c` is a bright 4x4 block at a class-specific place,
/// on noise. A small network separates the classes within an epoch.
pub fn synthetic(count: usize, classes: usize, seed: u64) -> LabeledImages {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut pixels = Vec::with_capacity(count * SIDE * SIDE);
    let mut labels = Vec::with_capacity(count);
    for i in 0..count {
        let label = (i % classes) as u8;
        let (row0, col0) = ((label as usize / 3) * 5, (label as usize % 3) * 5);
        for row in 0..SIDE {
            for col in 0..SIDE {
                let inside = (row0..row0 + 4).contains(&row) && (col0..col0 + 4).contains(&col);
                let noise: u8 = rng.random_range(0..60);
                pixels.push(if inside { 200 + noise / 2 } else { noise });
            }
        }
        labels.push(label);
    }
    LabeledImages {
        images: IdxImages {
            count,
            rows: SIDE,
            cols: SIDE,
            pixels,
        },
        labels,
    }
}

pub fn idx_images_bytes(images: &IdxImages) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0x08, 3];
    for size in [images.count, images.rows, images.cols] {
        bytes.extend_from_slice(&(size as u32).to_be_bytes());
    }
    bytes.extend_from_slice(&images.pixels);
    bytes
}

pub fn idx_labels_bytes(labels: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0x08, 1];
    bytes.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    bytes.extend_from_slice(labels);
    bytes
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Writes a data folder with official MNIST file names; `compressed` adds `.gz`.
pub fn write_data_folder(
    dir: &Path,
    train: &LabeledImages,
    test: &LabeledImages,
    compressed: bool,
) {
    std::fs::create_dir_all(dir).unwrap();
    let write = |name: &str, bytes: Vec<u8>| {
        let (name, bytes) = if compressed {
            (format!("{name}.gz"), gzip(&bytes))
        } else {
            (name.to_owned(), bytes)
        };
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    write("train-images-idx3-ubyte", idx_images_bytes(&train.images));
    write("train-labels-idx1-ubyte", idx_labels_bytes(&train.labels));
    write("t10k-images-idx3-ubyte", idx_images_bytes(&test.images));
    write("t10k-labels-idx1-ubyte", idx_labels_bytes(&test.labels));
}

/// Returns a small valid experiment over `data_path`, with `grid` as its grid table.
pub fn experiment_text(data_path: &str, grid: &str) -> String {
    format!(
        r#"name = "tiny"

[datasets.shapes]
path = "{data_path}"

[models.logistic]
kind = "logistic"

[models.mlp]
kind = "mlp"
hidden = [32]

[models.lenet]
kind = "lenet"

[optimizers.sgd]
kind = "sgd"

[optimizers.adam]
kind = "adam"

[training]
batch_size = 32
max_epochs = 2
eval_every = 0.5

[convergence]
metric = "val_accuracy"
target = 0.9

{grid}
"#
    )
}

pub const SMALL_GRID: &str = r#"[grid]
models = ["logistic", "mlp"]
datasets = ["shapes"]
optimizers = ["sgd"]
lr = [0.001, 0.1, 50.0]
seeds = [1, 2]
"#;
