//! Broken data files stop the sweep before training, with the file, what is
//! wrong and what was expected, and leave existing results untouched.

mod common;

use std::path::Path;
use std::process::Command;

/// One broken data folder: how to break it and a fragment of the expected message.
struct Case {
    name: &'static str,
    damage: fn(&Path),
    expected: &'static [&'static str],
}

fn labels(dir: &Path) -> std::path::PathBuf {
    dir.join("train-labels-idx1-ubyte")
}

fn images(dir: &Path) -> std::path::PathBuf {
    dir.join("train-images-idx3-ubyte")
}

fn edit(path: &Path, change: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = std::fs::read(path).unwrap();
    change(&mut bytes);
    std::fs::write(path, bytes).unwrap();
}

const CASES: &[Case] = &[
    Case {
        name: "missing folder",
        damage: |dir| std::fs::remove_dir_all(dir).unwrap(),
        expected: &["data folder not found", "shapes"],
    },
    Case {
        name: "missing file",
        damage: |dir| std::fs::remove_file(labels(dir)).unwrap(),
        expected: &["no train labels file", "Tried: train-labels-idx1-ubyte"],
    },
    Case {
        name: "wrong magic number",
        damage: |dir| edit(&images(dir), |b| b[3] = 1),
        expected: &[
            "invalid magic number 0x00000801",
            "train-images-idx3-ubyte",
            "expected 0x00000803",
        ],
    },
    Case {
        name: "labels file where images belong",
        damage: |dir| std::fs::copy(labels(dir), images(dir)).map(|_| ()).unwrap(),
        expected: &["invalid magic number", "looks like an IDX labels file"],
    },
    Case {
        name: "wrong dimensions",
        damage: |dir| edit(&images(dir), |b| b[3] = 4),
        expected: &["wrong number of dimensions", "declares 4", "has 3"],
    },
    Case {
        name: "truncated images",
        damage: |dir| edit(&images(dir), |b| b.truncate(b.len() - 10)),
        expected: &[
            "truncated data",
            "train-images-idx3-ubyte",
            "320 images of 16x16 pixels",
        ],
    },
    Case {
        name: "label count differs",
        damage: |dir| {
            edit(&labels(dir), |b| {
                b.truncate(b.len() - 1);
                b[4..8].copy_from_slice(&319u32.to_be_bytes());
            })
        },
        expected: &["image and label counts differ", "320 images", "319 labels"],
    },
    Case {
        name: "label out of range",
        damage: |dir| edit(&labels(dir), |b| b[8 + 5] = 9),
        expected: &["label 9 at index 5", "expected a label below 6"],
    },
    Case {
        name: "corrupt gzip",
        damage: |dir| {
            let gzip = common::gzip(&std::fs::read(labels(dir)).unwrap());
            std::fs::remove_file(labels(dir)).unwrap();
            let mut broken = gzip.clone();
            let middle = broken.len() / 2;
            broken[middle] ^= 0xff;
            broken.truncate(broken.len() - 4);
            std::fs::write(dir.join("train-labels-idx1-ubyte.gz"), broken).unwrap();
        },
        expected: &["gzip", "train-labels-idx1-ubyte.gz"],
    },
];

#[test]
fn broken_data_is_rejected_before_training() {
    let mut failures = Vec::new();
    for case in CASES {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("shapes");
        common::write_data_folder(
            &data,
            &common::synthetic(320, 6, 1),
            &common::synthetic(96, 6, 2),
            false,
        );
        let text = common::experiment_text("shapes", common::SMALL_GRID)
            .replace("path = \"shapes\"", "path = \"shapes\"\nclasses = 6");
        std::fs::write(dir.path().join("tiny.toml"), text).unwrap();
        let previous = dir.path().join("results/tiny/runs.csv");
        std::fs::create_dir_all(previous.parent().unwrap()).unwrap();
        std::fs::write(&previous, "results of an earlier sweep").unwrap();
        (case.damage)(&data);

        let output = Command::new(env!("CARGO_BIN_EXE_sweep"))
            .current_dir(dir.path())
            .arg("tiny.toml")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.code() != Some(2) {
            failures.push(format!(
                "{}: exit status {:?}\n{stderr}",
                case.name,
                output.status.code()
            ));
        }
        for fragment in case.expected {
            if !stderr.contains(fragment) {
                failures.push(format!(
                    "{}: message lacks {fragment:?}:\n{stderr}",
                    case.name
                ));
            }
        }
        if stderr.contains("panicked") {
            failures.push(format!("{}: panic\n{stderr}", case.name));
        }
        if std::fs::read_to_string(&previous).unwrap() != "results of an earlier sweep" {
            failures.push(format!("{}: earlier results were overwritten", case.name));
        }
        if dir.path().join("results/tiny/records").exists() {
            failures.push(format!(
                "{}: records folder created before the data was checked",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
