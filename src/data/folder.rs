//! The train and test splits of a data folder laid out like the MNIST
//! distribution: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
//! `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each raw or gzip-compressed.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::idx::{read_images, read_labels, IdxImages, IdxKind};
use super::DataError;

/// Train or test split of a data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    Train,
    Test,
}

impl Split {
    /// Prefix of the split's file names in the MNIST distribution.
    pub fn file_prefix(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "t10k",
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Split::Train => "train",
            Split::Test => "test",
        })
    }
}

/// Images with one class label per image, in the same order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabeledImages {
    pub images: IdxImages,
    pub labels: Vec<u8>,
}

/// Finds the images and labels files of `split` in `dir` and returns their
/// paths, in that order.
///
/// For each file the official name (`train-images-idx3-ubyte`) is tried before
/// the dotted name that some mirrors use (`train-images.idx3-ubyte`), each raw
/// before `.gz`. The first existing file wins.
pub fn split_files(dir: &Path, split: Split) -> Result<(PathBuf, PathBuf), DataError> {
    check_folder(dir)?;
    let images = find_file(dir, split, IdxKind::Images)?;
    let labels = find_file(dir, split, IdxKind::Labels)?;
    Ok((images, labels))
}

/// Reads the images and labels of `split` from `dir` and checks that there is
/// one label per image and that every label is below `classes`.
pub fn load_split(dir: &Path, split: Split, classes: usize) -> Result<LabeledImages, DataError> {
    let (images_path, labels_path) = split_files(dir, split)?;
    let images = read_images(&images_path)?;
    let labels = read_labels(&labels_path)?;

    if labels.len() != images.count {
        return Err(DataError::CountMismatch {
            images_path,
            labels_path,
            images: images.count,
            labels: labels.len(),
        });
    }
    let out_of_range = labels
        .iter()
        .enumerate()
        .find(|&(_, &label)| usize::from(label) >= classes);
    if let Some((index, &label)) = out_of_range {
        return Err(DataError::LabelOutOfRange {
            path: labels_path,
            index,
            label,
            classes,
        });
    }
    Ok(LabeledImages { images, labels })
}

fn check_folder(dir: &Path) -> Result<(), DataError> {
    match fs::metadata(dir) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(DataError::NotAFolder {
            dir: dir.to_path_buf(),
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Err(DataError::FolderNotFound {
            dir: dir.to_path_buf(),
        }),
        Err(source) => Err(DataError::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

fn find_file(dir: &Path, split: Split, kind: IdxKind) -> Result<PathBuf, DataError> {
    let tried = candidate_names(split, kind);
    for name in &tried {
        let path = dir.join(name);
        if path.is_file() {
            return Ok(path);
        }
    }
    Err(DataError::SplitFileNotFound {
        dir: dir.to_path_buf(),
        split,
        kind,
        tried,
    })
}

/// File names accepted for one file of a split, in order of preference.
fn candidate_names(split: Split, kind: IdxKind) -> Vec<String> {
    let prefix = split.file_prefix();
    let (kind_name, format) = match kind {
        IdxKind::Images => ("images", "idx3-ubyte"),
        IdxKind::Labels => ("labels", "idx1-ubyte"),
    };
    let official = format!("{prefix}-{kind_name}-{format}");
    let dotted = format!("{prefix}-{kind_name}.{format}");
    vec![
        official.clone(),
        format!("{official}.gz"),
        dotted.clone(),
        format!("{dotted}.gz"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;
    use tempfile::TempDir;

    fn idx_bytes(magic: u32, sizes: &[u32], data: &[u8]) -> Vec<u8> {
        let mut bytes = magic.to_be_bytes().to_vec();
        for size in sizes {
            bytes.extend_from_slice(&size.to_be_bytes());
        }
        bytes.extend_from_slice(data);
        bytes
    }

    fn images_bytes(count: u32) -> Vec<u8> {
        let pixels: Vec<u8> = (0..count * 4).map(|i| i as u8).collect();
        idx_bytes(0x0000_0803, &[count, 2, 2], &pixels)
    }

    fn labels_bytes(labels: &[u8]) -> Vec<u8> {
        idx_bytes(0x0000_0801, &[labels.len() as u32], labels)
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn split_files_finds_official_names() {
        let dir = TempDir::new().unwrap();
        let train_images = write(dir.path(), "train-images-idx3-ubyte", &[]);
        let train_labels = write(dir.path(), "train-labels-idx1-ubyte", &[]);
        let test_images = write(dir.path(), "t10k-images-idx3-ubyte", &[]);
        let test_labels = write(dir.path(), "t10k-labels-idx1-ubyte", &[]);

        let train = split_files(dir.path(), Split::Train).unwrap();
        let test = split_files(dir.path(), Split::Test).unwrap();

        assert_eq!(train, (train_images, train_labels));
        assert_eq!(test, (test_images, test_labels));
    }

    #[test]
    fn split_files_finds_gz_and_dotted_names() {
        let dir = TempDir::new().unwrap();
        let images = write(dir.path(), "t10k-images.idx3-ubyte", &[]);
        let labels = write(dir.path(), "t10k-labels-idx1-ubyte.gz", &[]);

        assert_eq!(
            split_files(dir.path(), Split::Test).unwrap(),
            (images, labels)
        );

        let dotted_gz = write(dir.path(), "train-images.idx3-ubyte.gz", &[]);
        write(dir.path(), "train-labels.idx1-ubyte", &[]);

        assert_eq!(split_files(dir.path(), Split::Train).unwrap().0, dotted_gz);
    }

    #[test]
    fn split_files_prefers_raw_official_name() {
        let dir = TempDir::new().unwrap();
        for name in [
            "train-images.idx3-ubyte.gz",
            "train-images.idx3-ubyte",
            "train-images-idx3-ubyte.gz",
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
        ] {
            write(dir.path(), name, &[]);
        }

        let (images, _) = split_files(dir.path(), Split::Train).unwrap();

        assert_eq!(images, dir.path().join("train-images-idx3-ubyte"));
    }

    #[test]
    fn split_files_skips_folder_with_file_name() {
        let dir = TempDir::new().unwrap();
        fs::create_dir(dir.path().join("train-images-idx3-ubyte")).unwrap();
        let images = write(dir.path(), "train-images-idx3-ubyte.gz", &[]);
        write(dir.path(), "train-labels-idx1-ubyte", &[]);

        assert_eq!(split_files(dir.path(), Split::Train).unwrap().0, images);
    }

    #[test]
    fn missing_file_lists_tried_names() {
        let dir = TempDir::new().unwrap();
        write(dir.path(), "t10k-images-idx3-ubyte.gz", &[]);

        let error = split_files(dir.path(), Split::Test).unwrap_err();
        let message = error.to_string();

        assert!(
            matches!(error, DataError::SplitFileNotFound { .. }),
            "{error:?}"
        );
        assert!(message.contains("no test labels file in"), "{message}");
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
        assert!(
            message.contains(
                "Tried: t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz, \
                 t10k-labels.idx1-ubyte, t10k-labels.idx1-ubyte.gz"
            ),
            "{message}"
        );
    }

    #[test]
    fn missing_folder_rejected() {
        let dir = TempDir::new().unwrap();
        let missing = dir.path().join("mnist");

        let error = split_files(&missing, Split::Train).unwrap_err();
        let message = error.to_string();

        assert!(
            matches!(error, DataError::FolderNotFound { .. }),
            "{error:?}"
        );
        assert!(message.contains("data folder not found"), "{message}");
        assert!(
            message.contains(&missing.display().to_string()),
            "{message}"
        );
    }

    #[test]
    fn file_as_folder_rejected() {
        let dir = TempDir::new().unwrap();
        let file = write(dir.path(), "mnist", b"not a folder");

        let error = split_files(&file, Split::Train).unwrap_err();
        let message = error.to_string();

        assert!(matches!(error, DataError::NotAFolder { .. }), "{error:?}");
        assert!(message.contains("is not a folder"), "{message}");
        assert!(message.contains(&file.display().to_string()), "{message}");
    }

    #[test]
    fn load_split_reads_both_files() {
        let dir = TempDir::new().unwrap();
        write(
            dir.path(),
            "train-images-idx3-ubyte.gz",
            &gzip(&images_bytes(3)),
        );
        write(
            dir.path(),
            "train-labels-idx1-ubyte",
            &labels_bytes(&[2, 0, 1]),
        );

        let split = load_split(dir.path(), Split::Train, 3).unwrap();

        assert_eq!(split.images.count, 3);
        assert_eq!((split.images.rows, split.images.cols), (2, 2));
        assert_eq!(split.images.image(2), Some(&[8u8, 9, 10, 11][..]));
        assert_eq!(split.labels, vec![2, 0, 1]);
    }

    #[test]
    fn load_split_rejects_count_mismatch() {
        let dir = TempDir::new().unwrap();
        let images = write(dir.path(), "t10k-images-idx3-ubyte", &images_bytes(3));
        let labels = write(dir.path(), "t10k-labels-idx1-ubyte", &labels_bytes(&[1, 2]));

        let error = load_split(dir.path(), Split::Test, 10).unwrap_err();
        let message = error.to_string();

        assert!(
            matches!(error, DataError::CountMismatch { .. }),
            "{error:?}"
        );
        assert!(
            message.contains(&format!("{} has 3 images", images.display())),
            "{message}"
        );
        assert!(
            message.contains(&format!("{} has 2 labels", labels.display())),
            "{message}"
        );
    }

    #[test]
    fn load_split_reports_first_bad_label() {
        let dir = TempDir::new().unwrap();
        write(dir.path(), "train-images-idx3-ubyte", &images_bytes(4));
        let labels = write(
            dir.path(),
            "train-labels-idx1-ubyte",
            &labels_bytes(&[9, 10, 12, 3]),
        );

        let error = load_split(dir.path(), Split::Train, 10).unwrap_err();
        let message = error.to_string();

        assert!(
            matches!(error, DataError::LabelOutOfRange { .. }),
            "{error:?}"
        );
        assert!(message.contains("label 10 at index 1"), "{message}");
        assert!(message.contains(&labels.display().to_string()), "{message}");
        assert!(message.contains("expected a label below 10"), "{message}");
    }

    #[test]
    fn load_split_returns_reader_errors() {
        let dir = TempDir::new().unwrap();
        let images = write(
            dir.path(),
            "train-images-idx3-ubyte",
            &labels_bytes(&[1, 2]),
        );
        write(
            dir.path(),
            "train-labels-idx1-ubyte",
            &labels_bytes(&[1, 2]),
        );

        let error = load_split(dir.path(), Split::Train, 10).unwrap_err();

        assert!(matches!(error, DataError::WrongMagic { .. }), "{error:?}");
        assert!(error.to_string().contains(&images.display().to_string()));
    }

    fn class_counts(labels: &[u8]) -> Vec<usize> {
        let mut counts = vec![0; 10];
        for &label in labels {
            counts[usize::from(label)] += 1;
        }
        counts
    }

    /// Loads the data sets that `scripts/fetch-data data` writes. Run with
    /// `cargo test --lib data:: -- --ignored` after fetching.
    #[test]
    #[ignore = "needs the data sets in ./data from scripts/fetch-data"]
    fn fetched_data_sets_load() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");

        let mnist = root.join("mnist");
        let train = load_split(&mnist, Split::Train, 10).unwrap();
        let test = load_split(&mnist, Split::Test, 10).unwrap();
        assert_eq!((train.images.rows, train.images.cols), (28, 28));
        assert_eq!((test.images.rows, test.images.cols), (28, 28));
        assert_eq!(
            class_counts(&train.labels),
            [835, 940, 826, 860, 817, 720, 845, 892, 787, 815]
        );
        assert_eq!(
            class_counts(&test.labels),
            [166, 187, 165, 172, 163, 143, 169, 178, 157, 163]
        );
        // Round-robin order puts one sample of each class, 0 to 9, first.
        assert_eq!(train.labels[..10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(test.labels[..10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

        let fashion = root.join("fashion-mnist");
        let train = load_split(&fashion, Split::Train, 10).unwrap();
        let test = load_split(&fashion, Split::Test, 10).unwrap();
        assert_eq!((train.images.rows, train.images.cols), (28, 28));
        assert_eq!((test.images.rows, test.images.cols), (28, 28));
        assert_eq!(class_counts(&train.labels), [6000; 10]);
        assert_eq!(class_counts(&test.labels), [1000; 10]);
        // Both files of the Debian package start with a sample of class 9.
        assert_eq!(train.labels[0], 9);
        assert_eq!(test.labels[0], 9);
    }
}
