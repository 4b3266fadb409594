//! Reader for IDX files, the format of MNIST and its relatives.
//!
//! An IDX file starts with a 4-byte magic number: two zero bytes, a data type
//! code (0x08 for unsigned bytes) and the number of dimensions. One big-endian
//! u32 per dimension follows, then the data in row-major order. Images files
//! have 3 dimensions (count, rows, columns) and labels files have 1 (count).
//! Files are read raw or gzip-compressed, detected by the gzip magic bytes
//! 1f 8b and not by the file name.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::DataError;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const UNSIGNED_BYTE: u8 = 0x08;

/// Kind of IDX file that the reader expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdxKind {
    Images,
    Labels,
}

impl IdxKind {
    /// Number of dimensions declared in the magic number.
    fn dimensions(self) -> u8 {
        match self {
            IdxKind::Images => 3,
            IdxKind::Labels => 1,
        }
    }

    /// Magic number of an unsigned-byte file of this kind: 0x00000803 or 0x00000801.
    pub fn magic(self) -> u32 {
        (u32::from(UNSIGNED_BYTE) << 8) | u32::from(self.dimensions())
    }

    /// Header length in bytes: the magic number and one u32 per dimension.
    fn header_len(self) -> usize {
        4 + 4 * usize::from(self.dimensions())
    }

    fn other(self) -> IdxKind {
        match self {
            IdxKind::Images => IdxKind::Labels,
            IdxKind::Labels => IdxKind::Images,
        }
    }
}

impl fmt::Display for IdxKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdxKind::Images => "images",
            IdxKind::Labels => "labels",
        })
    }
}

/// Greyscale images of one size, as stored in an IDX images file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    /// Pixel bytes, image after image, each image row-major: `count * rows * cols` bytes.
    pub pixels: Vec<u8>,
}

impl IdxImages {
    /// Number of pixels in one image (`rows * cols`).
    pub fn pixels_per_image(&self) -> usize {
        self.rows * self.cols
    }

    /// Returns the pixels of image `index`, or `None` past the last image.
    pub fn image(&self, index: usize) -> Option<&[u8]> {
        if index >= self.count {
            return None;
        }
        let len = self.pixels_per_image();
        let start = index.checked_mul(len)?;
        self.pixels.get(start..start.checked_add(len)?)
    }
}

/// Reads an IDX images file (magic 0x00000803), raw or gzip-compressed.
pub fn read_images(path: &Path) -> Result<IdxImages, DataError> {
    let (sizes, pixels) = read_idx(path, IdxKind::Images)?;
    let [count, rows, cols] = sizes;
    Ok(IdxImages {
        count,
        rows,
        cols,
        pixels,
    })
}

/// Reads an IDX labels file (magic 0x00000801), raw or gzip-compressed.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, DataError> {
    let (_, labels) = read_idx(path, IdxKind::Labels)?;
    Ok(labels)
}

/// Reads an unsigned-byte IDX file of the given kind and returns its sizes
/// (count, rows, cols for images and count, 0, 0 for labels) and its data.
///
/// The data is read up to the length that the header declares plus one byte,
/// and the buffer grows only as data arrives. A header that declares more data
/// than the file contains therefore fails as truncated without a large allocation.
fn read_idx(path: &Path, kind: IdxKind) -> Result<([usize; 3], Vec<u8>), DataError> {
    let mut input = IdxInput::open(path)?;
    let header_len = kind.header_len();
    let mut header = [0u8; 16];
    let header = &mut header[..header_len];
    let found = input.read_up_to(header)?;

    if found == 0 {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            kind,
            decompressed: input.gzip,
        });
    }
    if found < 4 {
        return Err(truncated_header(path, kind, found));
    }
    check_magic(path, kind, [header[0], header[1], header[2], header[3]])?;
    if found < header_len {
        return Err(truncated_header(path, kind, found));
    }

    let mut sizes = [0usize; 3];
    let mut data_len = Some(1u64);
    for (dimension, size) in header[4..].chunks_exact(4).zip(sizes.iter_mut()) {
        let value = u32::from_be_bytes([dimension[0], dimension[1], dimension[2], dimension[3]]);
        *size = value as usize;
        data_len = data_len.and_then(|len| len.checked_mul(u64::from(value)));
    }
    let declared = describe_sizes(kind, &sizes);
    // The limit passed to the reader below is data_len + 1, so u64::MAX is excluded too.
    let data_len = data_len.filter(|&len| len < u64::MAX && usize::try_from(len).is_ok());
    let Some(data_len) = data_len else {
        return Err(DataError::SizeOverflow {
            path: path.to_path_buf(),
            declared,
        });
    };

    let mut data = Vec::new();
    input.read_to_end_limited(&mut data, data_len + 1)?;
    let found = data.len() as u64;
    if found < data_len {
        return Err(DataError::TruncatedData {
            path: path.to_path_buf(),
            declared,
            header_len,
            expected: data_len,
            found,
        });
    }
    if found > data_len {
        let trailing = 1 + input.count_remaining()?;
        return Err(DataError::TrailingBytes {
            path: path.to_path_buf(),
            declared,
            header_len,
            expected: data_len,
            trailing,
        });
    }
    Ok((sizes, data))
}

fn truncated_header(path: &Path, kind: IdxKind, found: usize) -> DataError {
    DataError::TruncatedHeader {
        path: path.to_path_buf(),
        kind,
        expected: kind.header_len(),
        found,
    }
}

/// Checks the magic number: two zero bytes, unsigned bytes, and the number of
/// dimensions of `kind`.
fn check_magic(path: &Path, kind: IdxKind, bytes: [u8; 4]) -> Result<(), DataError> {
    let found = u32::from_be_bytes(bytes);
    let expected = kind.magic();
    if found == expected {
        return Ok(());
    }
    let wrong_magic = |note: String| DataError::WrongMagic {
        path: path.to_path_buf(),
        kind,
        found,
        expected,
        note,
    };

    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(wrong_magic(describe_non_idx(bytes)));
    }
    let [_, _, type_code, dimensions] = bytes;
    if type_code != UNSIGNED_BYTE {
        return Err(DataError::UnsupportedType {
            path: path.to_path_buf(),
            type_code,
            type_name: type_name(type_code),
        });
    }
    let other = kind.other();
    if dimensions == other.dimensions() {
        return Err(wrong_magic(format!(
            "This looks like an IDX {other} file (magic 0x{:08x}).",
            other.magic()
        )));
    }
    Err(DataError::WrongDimensions {
        path: path.to_path_buf(),
        kind,
        found: dimensions,
        expected: kind.dimensions(),
        magic: found,
    })
}

/// Explains a magic number whose first two bytes are not zero.
fn describe_non_idx(bytes: [u8; 4]) -> String {
    let format = match bytes {
        [b'B', b'Z', b'h', _] => Some("bzip2"),
        [0xfd, b'7', b'z', b'X'] => Some("xz"),
        [0x28, 0xb5, 0x2f, 0xfd] => Some("zstd"),
        [b'P', b'K', 3, 4] => Some("zip"),
        _ => None,
    };
    match format {
        Some(format) => format!(
            "This looks like a {format}-compressed file. Decompress it first \
             (only gzip is read directly)."
        ),
        None => "This is not an IDX file, because an IDX magic number starts with two zero bytes."
            .to_string(),
    }
}

/// Names an IDX data type code.
fn type_name(code: u8) -> &'static str {
    match code {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0b => "16-bit integer",
        0x0c => "32-bit integer",
        0x0d => "32-bit float",
        0x0e => "64-bit float",
        _ => "not an IDX data type",
    }
}

fn describe_sizes(kind: IdxKind, sizes: &[usize; 3]) -> String {
    match kind {
        IdxKind::Images => format!("{} images of {}x{} pixels", sizes[0], sizes[1], sizes[2]),
        IdxKind::Labels => format!("{} labels", sizes[0]),
    }
}

/// Decompressed byte stream of an IDX file, with errors mapped to `DataError`.
struct IdxInput<'a> {
    path: &'a Path,
    reader: Box<dyn Read + 'a>,
    gzip: bool,
}

impl<'a> IdxInput<'a> {
    fn open(path: &'a Path) -> Result<Self, DataError> {
        let file = File::open(path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => DataError::FileNotFound {
                path: path.to_path_buf(),
            },
            _ => DataError::Io {
                path: path.to_path_buf(),
                source,
            },
        })?;
        let mut file = BufReader::new(file);

        // The first two bytes are read to choose the decoder and then put back
        // in front of the rest of the file.
        let mut start = [0u8; 2];
        let start_len = read_up_to(&mut file, &mut start).map_err(|source| DataError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let gzip = start[..start_len] == GZIP_MAGIC;
        let stream = io::Cursor::new(start[..start_len].to_vec()).chain(file);

        let reader: Box<dyn Read> = if gzip {
            Box::new(MultiGzDecoder::new(stream))
        } else {
            Box::new(stream)
        };
        Ok(IdxInput { path, reader, gzip })
    }

    /// Fills `buf` unless the stream ends first, and returns the number of bytes read.
    fn read_up_to(&mut self, buf: &mut [u8]) -> Result<usize, DataError> {
        read_up_to(&mut self.reader, buf).map_err(|error| self.read_error(error))
    }

    /// Appends at most `limit` bytes to `data`.
    fn read_to_end_limited(&mut self, data: &mut Vec<u8>, limit: u64) -> Result<(), DataError> {
        match (&mut self.reader).take(limit).read_to_end(data) {
            Ok(_) => Ok(()),
            Err(error) => Err(self.read_error(error)),
        }
    }

    /// Reads the rest of the stream without storing it and returns its length.
    fn count_remaining(&mut self) -> Result<u64, DataError> {
        io::copy(&mut self.reader, &mut io::sink()).map_err(|error| self.read_error(error))
    }

    /// Maps a read error to `Gzip` when the decoder rejected the data and to `Io` otherwise.
    fn read_error(&self, source: io::Error) -> DataError {
        let path = self.path.to_path_buf();
        let decoding_error = matches!(
            source.kind(),
            io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
        );
        if self.gzip && decoding_error {
            DataError::Gzip { path, source }
        } else {
            DataError::Io { path, source }
        }
    }
}

/// Fills `buf` unless the stream ends first, and returns the number of bytes read.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;
    use std::path::PathBuf;
    use tempfile::TempDir;

    const IMAGES: u32 = 0x0000_0803;
    const LABELS: u32 = 0x0000_0801;

    /// Builds an IDX file: magic number, sizes as big-endian u32, then the data.
    fn idx_bytes(magic: u32, sizes: &[u32], data: &[u8]) -> Vec<u8> {
        let mut bytes = magic.to_be_bytes().to_vec();
        for size in sizes {
            bytes.extend_from_slice(&size.to_be_bytes());
        }
        bytes.extend_from_slice(data);
        bytes
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn write_file(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Three 2x4 images with distinct pixel values.
    fn sample_pixels() -> Vec<u8> {
        (0..24).map(|i| i * 10).collect()
    }

    /// Asserts that the message names the file and contains every fragment.
    fn assert_message(error: &DataError, path: &Path, fragments: &[&str]) {
        let message = error.to_string();
        let shown_path = path.display().to_string();
        assert!(
            message.contains(&shown_path),
            "path {shown_path} missing from: {message}"
        );
        for fragment in fragments {
            assert!(
                message.contains(fragment),
                "{fragment:?} missing from: {message}"
            );
        }
    }

    #[test]
    fn raw_images_round_trip() {
        let dir = TempDir::new().unwrap();
        let path = write_file(
            &dir,
            "images",
            &idx_bytes(IMAGES, &[3, 2, 4], &sample_pixels()),
        );

        let images = read_images(&path).unwrap();

        assert_eq!(images.count, 3);
        assert_eq!(images.rows, 2);
        assert_eq!(images.cols, 4);
        assert_eq!(images.pixels, sample_pixels());
        assert_eq!(images.image(1), Some(&sample_pixels()[8..16]));
        assert_eq!(images.image(3), None);
    }

    #[test]
    fn raw_labels_round_trip() {
        let dir = TempDir::new().unwrap();
        let path = write_file(&dir, "labels", &idx_bytes(LABELS, &[4], &[7, 2, 1, 0]));

        assert_eq!(read_labels(&path).unwrap(), vec![7, 2, 1, 0]);
    }

    #[test]
    fn gzip_round_trip_detected_by_content() {
        let dir = TempDir::new().unwrap();
        // Neither name says gzip, so only the magic bytes can select the decoder.
        let images_bytes = gzip(&idx_bytes(IMAGES, &[3, 2, 4], &sample_pixels()));
        let images_path = write_file(&dir, "images-idx3-ubyte", &images_bytes);
        let labels_bytes = gzip(&idx_bytes(LABELS, &[3], &[5, 0, 4]));
        let labels_path = write_file(&dir, "labels-idx1-ubyte", &labels_bytes);

        let images = read_images(&images_path).unwrap();

        assert_eq!((images.count, images.rows, images.cols), (3, 2, 4));
        assert_eq!(images.pixels, sample_pixels());
        assert_eq!(read_labels(&labels_path).unwrap(), vec![5, 0, 4]);
    }

    #[test]
    fn raw_file_named_gz_reads_raw() {
        let dir = TempDir::new().unwrap();
        let path = write_file(&dir, "labels.gz", &idx_bytes(LABELS, &[2], &[1, 9]));

        assert_eq!(read_labels(&path).unwrap(), vec![1, 9]);
    }

    #[test]
    fn concatenated_gzip_members_read_whole() {
        let dir = TempDir::new().unwrap();
        let bytes = idx_bytes(LABELS, &[4], &[3, 1, 4, 1]);
        let mut members = gzip(&bytes[..6]);
        members.extend(gzip(&bytes[6..]));
        let path = write_file(&dir, "labels.gz", &members);

        assert_eq!(read_labels(&path).unwrap(), vec![3, 1, 4, 1]);
    }

    #[test]
    fn empty_set_is_valid() {
        let dir = TempDir::new().unwrap();
        let path = write_file(&dir, "images", &idx_bytes(IMAGES, &[0, 28, 28], &[]));

        let images = read_images(&path).unwrap();

        assert_eq!((images.count, images.rows, images.cols), (0, 28, 28));
        assert!(images.pixels.is_empty());
    }

    #[test]
    fn labels_file_read_as_images() {
        let dir = TempDir::new().unwrap();
        let path = write_file(&dir, "labels", &idx_bytes(LABELS, &[16], &[1; 16]));

        let error = read_images(&path).unwrap_err();

        assert!(matches!(error, DataError::WrongMagic { .. }), "{error:?}");
        assert_message(
            &error,
            &path,
            &[
                "invalid magic number 0x00000801",
                "expected 0x00000803 for an IDX images file",
                "looks like an IDX labels file",
            ],
        );
    }

    #[test]
    fn images_file_read_as_labels() {
        let dir = TempDir::new().unwrap();
        let path = write_file(
            &dir,
            "images",
            &idx_bytes(IMAGES, &[3, 2, 4], &sample_pixels()),
        );

        let error = read_labels(&path).unwrap_err();

        assert!(matches!(error, DataError::WrongMagic { .. }), "{error:?}");
        assert_message(
            &error,
            &path,
            &[
                "0x00000803",
                "expected 0x00000801 for an IDX labels file",
                "looks like an IDX images file",
            ],
        );
    }

    #[test]
    fn non_idx_file_rejected() {
        let dir = TempDir::new().unwrap();
        let path = write_file(&dir, "page.html", b"<html><body>Not Found</body></html>");

        let error = read_images(&path).unwrap_err();

        assert!(matches!(error, DataError::WrongMagic { .. }), "{error:?}");
        assert_message(&error, &path, &["0x3c68746d", "not an IDX file"]);
    }

    #[test]
    fn bzip2_file_identified() {
        let dir = TempDir::new().unwrap();
        let path = write_file(&dir, "images.bz2", b"BZh91AY&SY rest of a bzip2 stream");

        let error = read_images(&path).unwrap_err();

        assert_message(&error, &path, &["bzip2-compressed", "Decompress it first"]);
    }

    #[test]
    fn wrong_dimension_count_rejected() {
        let dir = TempDir::new().unwrap();
        let path = write_file(
            &dir,
            "images",
            &idx_bytes(0x0000_0802, &[3, 8], &sample_pixels()),
        );

        let error = read_images(&path).unwrap_err();

        assert!(
            matches!(error, DataError::WrongDimensions { .. }),
            "{error:?}"
        );
        assert_message(
            &error,
            &path,
            &[
                "wrong number of dimensions",
                "0x00000802 declares 2",
                "IDX images file has 3",
            ],
        );
    }

    #[test]
    fn float_data_type_rejected() {
        let dir = TempDir::new().unwrap();
        let path = write_file(&dir, "images", &idx_bytes(0x0000_0d03, &[1, 1, 1], &[0; 4]));

        let error = read_images(&path).unwrap_err();

        assert!(
            matches!(error, DataError::UnsupportedType { .. }),
            "{error:?}"
        );
        assert_message(
            &error,
            &path,
            &[
                "data type 0x0d (32-bit float)",
                "expected 0x08 (unsigned byte)",
            ],
        );
    }

    #[test]
    fn truncated_data_rejected() {
        let dir = TempDir::new().unwrap();
        let bytes = idx_bytes(IMAGES, &[3, 2, 4], &sample_pixels()[..20]);
        let path = write_file(&dir, "images", &bytes);

        let error = read_images(&path).unwrap_err();

        assert!(
            matches!(error, DataError::TruncatedData { .. }),
            "{error:?}"
        );
        assert_message(
            &error,
            &path,
            &[
                "truncated data",
                "3 images of 2x4 pixels",
                "24 bytes are expected after the 16-byte header, found 20",
            ],
        );
    }

    #[test]
    fn truncated_labels_in_gzip_rejected() {
        let dir = TempDir::new().unwrap();
        let path = write_file(
            &dir,
            "labels.gz",
            &gzip(&idx_bytes(LABELS, &[10], &[1, 2, 3])),
        );

        let error = read_labels(&path).unwrap_err();

        assert_message(
            &error,
            &path,
            &[
                "10 labels",
                "10 bytes are expected after the 8-byte header, found 3",
            ],
        );
    }

    #[test]
    fn truncated_header_rejected() {
        let dir = TempDir::new().unwrap();
        let path = write_file(&dir, "images", &idx_bytes(IMAGES, &[60000, 28], &[]));

        let error = read_images(&path).unwrap_err();

        assert!(
            matches!(error, DataError::TruncatedHeader { .. }),
            "{error:?}"
        );
        assert_message(
            &error,
            &path,
            &[
                "truncated header",
                "IDX images header is 16 bytes, found 12",
            ],
        );
    }

    #[test]
    fn trailing_bytes_rejected() {
        let dir = TempDir::new().unwrap();
        let mut data = sample_pixels();
        data.extend_from_slice(&[0; 5]);
        let path = write_file(&dir, "images", &idx_bytes(IMAGES, &[3, 2, 4], &data));

        let error = read_images(&path).unwrap_err();

        assert!(
            matches!(error, DataError::TrailingBytes { .. }),
            "{error:?}"
        );
        assert_message(
            &error,
            &path,
            &[
                "5 trailing bytes",
                "24 bytes are expected after the 16-byte header, found 29",
            ],
        );
    }

    #[test]
    fn corrupt_gzip_rejected() {
        let dir = TempDir::new().unwrap();
        let mut bytes = gzip(&idx_bytes(IMAGES, &[3, 2, 4], &sample_pixels()));
        // Damage the stored CRC-32, which sits just before the 4-byte length at the end.
        let crc_start = bytes.len() - 8;
        bytes[crc_start] ^= 0xff;
        let path = write_file(&dir, "images.gz", &bytes);

        let error = read_images(&path).unwrap_err();

        assert!(matches!(error, DataError::Gzip { .. }), "{error:?}");
        assert_message(&error, &path, &["corrupt or truncated gzip data"]);
    }

    #[test]
    fn cut_gzip_stream_rejected() {
        let dir = TempDir::new().unwrap();
        let bytes = gzip(&idx_bytes(IMAGES, &[3, 2, 4], &sample_pixels()));
        let path = write_file(&dir, "images.gz", &bytes[..bytes.len() - 10]);

        let error = read_images(&path).unwrap_err();

        assert!(matches!(error, DataError::Gzip { .. }), "{error:?}");
        assert_message(&error, &path, &["corrupt or truncated gzip data"]);
    }

    #[test]
    fn gzip_magic_without_gzip_data_rejected() {
        let dir = TempDir::new().unwrap();
        let path = write_file(&dir, "images", &[0x1f, 0x8b, 0, 0, 8, 3, 0, 0, 0, 1]);

        let error = read_images(&path).unwrap_err();

        assert!(matches!(error, DataError::Gzip { .. }), "{error:?}");
        assert_message(&error, &path, &["gzip data", "1f 8b"]);
    }

    #[test]
    fn empty_file_rejected() {
        let dir = TempDir::new().unwrap();
        let path = write_file(&dir, "labels", &[]);

        let error = read_labels(&path).unwrap_err();

        assert!(matches!(error, DataError::Empty { .. }), "{error:?}");
        assert_message(&error, &path, &["is empty, expected an IDX labels file"]);
    }

    #[test]
    fn empty_gzip_rejected() {
        let dir = TempDir::new().unwrap();
        let path = write_file(&dir, "labels.gz", &gzip(&[]));

        let error = read_labels(&path).unwrap_err();

        assert_message(&error, &path, &["is empty after gzip decompression"]);
    }

    #[test]
    fn missing_file_rejected() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("train-images-idx3-ubyte");

        let error = read_images(&path).unwrap_err();

        assert!(matches!(error, DataError::FileNotFound { .. }), "{error:?}");
        assert_message(&error, &path, &["IDX file not found"]);
    }

    #[test]
    fn folder_as_file_rejected() {
        let dir = TempDir::new().unwrap();

        let error = read_images(dir.path()).unwrap_err();

        assert!(matches!(error, DataError::Io { .. }), "{error:?}");
        assert_message(&error, dir.path(), &["failed to read"]);
    }

    #[test]
    fn overflowing_sizes_rejected() {
        let dir = TempDir::new().unwrap();
        let path = write_file(&dir, "images", &idx_bytes(IMAGES, &[u32::MAX; 3], &[0; 64]));

        let error = read_images(&path).unwrap_err();

        assert!(matches!(error, DataError::SizeOverflow { .. }), "{error:?}");
        assert_message(
            &error,
            &path,
            &[
                "4294967295 images of 4294967295x4294967295 pixels",
                "more bytes than",
            ],
        );
    }

    #[test]
    fn huge_declared_size_fails_without_allocating() {
        let dir = TempDir::new().unwrap();
        // Declares about 18 EB (2^32 images of 2^16 x 2^16 bytes, in u64 range)
        // on 64 bytes of data. Allocating the declared size would abort the test.
        let sizes = [u32::MAX, 65535, 65535];
        let path = write_file(&dir, "images", &idx_bytes(IMAGES, &sizes, &[0; 64]));

        let error = read_images(&path).unwrap_err();

        assert!(
            matches!(error, DataError::TruncatedData { .. }),
            "{error:?}"
        );
        assert_message(&error, &path, &["found 64"]);
    }

    #[test]
    fn every_prefix_fails_cleanly() {
        let dir = TempDir::new().unwrap();
        let raw = idx_bytes(IMAGES, &[3, 2, 4], &sample_pixels());
        let compressed = gzip(&raw);

        for (name, bytes) in [("raw", &raw), ("gzip", &compressed)] {
            for len in 0..bytes.len() {
                let path = write_file(&dir, name, &bytes[..len]);
                let result = read_images(&path);
                assert!(result.is_err(), "{name} prefix of {len} bytes was accepted");
            }
        }
    }
}
