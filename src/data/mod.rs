//! Image classification data in the IDX format of MNIST and its relatives.
//!
//! `idx` reads one IDX file (raw or gzip-compressed), and `folder` finds and
//! loads the images and labels of a train or test split in a data folder.

pub mod folder;
pub mod idx;
pub mod tensors;

use std::path::PathBuf;

pub use folder::{load_split, split_files, LabeledImages, Split};
pub use idx::{read_images, read_labels, IdxImages, IdxKind};

/// Error from reading IDX files or a data folder. Every message names the file
/// or folder involved.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("IDX file not found: {}", .path.display())]
    FileNotFound { path: PathBuf },

    #[error("failed to read {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "corrupt or truncated gzip data in {}: {source}. The file starts with the gzip \
         magic bytes 1f 8b but does not decompress. Fetch it again",
        .path.display()
    )]
    Gzip {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is empty{}, expected an IDX {kind} file", .path.display(),
        if *.decompressed { " after gzip decompression" } else { "" })]
    Empty {
        path: PathBuf,
        kind: IdxKind,
        /// Whether the file was gzip-compressed and decompressed to nothing.
        decompressed: bool,
    },

    #[error(
        "truncated header in {}: an IDX {kind} header is {expected} bytes, found {found}",
        .path.display()
    )]
    TruncatedHeader {
        path: PathBuf,
        kind: IdxKind,
        expected: usize,
        found: usize,
    },

    #[error(
        "invalid magic number 0x{found:08x} in {}, expected 0x{expected:08x} for an IDX {kind} file. {note}",
        .path.display()
    )]
    WrongMagic {
        path: PathBuf,
        kind: IdxKind,
        found: u32,
        expected: u32,
        /// Explanation of the found magic number, such as the IDX kind or compression it suggests.
        note: String,
    },

    #[error(
        "unsupported data type 0x{type_code:02x} ({type_name}) in {}, expected 0x08 (unsigned byte)",
        .path.display()
    )]
    UnsupportedType {
        path: PathBuf,
        type_code: u8,
        type_name: &'static str,
    },

    #[error(
        "wrong number of dimensions in {}: the magic number 0x{magic:08x} declares {found}, \
         an IDX {kind} file has {expected}",
        .path.display()
    )]
    WrongDimensions {
        path: PathBuf,
        kind: IdxKind,
        found: u8,
        expected: u8,
        magic: u32,
    },

    #[error(
        "invalid header in {}: it declares {declared}, more bytes than this machine can address",
        .path.display()
    )]
    SizeOverflow { path: PathBuf, declared: String },

    #[error(
        "truncated data in {}: the header declares {declared}, so {expected} bytes are expected \
         after the {header_len}-byte header, found {found}",
        .path.display()
    )]
    TruncatedData {
        path: PathBuf,
        /// The sizes from the header, such as "60000 images of 28x28 pixels".
        declared: String,
        header_len: usize,
        expected: u64,
        found: u64,
    },

    #[error(
        "{trailing} trailing bytes in {}: the header declares {declared}, so {expected} bytes are \
         expected after the {header_len}-byte header, found {found}",
        .path.display(),
        found = .expected + .trailing
    )]
    TrailingBytes {
        path: PathBuf,
        declared: String,
        header_len: usize,
        expected: u64,
        trailing: u64,
    },

    #[error(
        "data folder not found: {}. Expected a folder with the IDX files of the train and test splits",
        .dir.display()
    )]
    FolderNotFound { dir: PathBuf },

    #[error(
        "{} is not a folder. Expected a folder with the IDX files of the train and test splits",
        .dir.display()
    )]
    NotAFolder { dir: PathBuf },

    #[error("no {split} {kind} file in {}. Tried: {}", .dir.display(), .tried.join(", "))]
    SplitFileNotFound {
        dir: PathBuf,
        split: Split,
        kind: IdxKind,
        /// File names looked for, in order of preference.
        tried: Vec<String>,
    },

    #[error(
        "image and label counts differ: {} has {images} images, {} has {labels} labels",
        .images_path.display(), .labels_path.display()
    )]
    CountMismatch {
        images_path: PathBuf,
        labels_path: PathBuf,
        images: usize,
        labels: usize,
    },

    #[error(
        "label {label} at index {index} in {} is out of range: expected a label below {classes}, \
         the number of classes",
        .path.display()
    )]
    LabelOutOfRange {
        path: PathBuf,
        index: usize,
        label: u8,
        classes: usize,
    },
}
