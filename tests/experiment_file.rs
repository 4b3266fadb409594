//! The experiment file is read strictly: every bad input is rejected before
//! training with its file, line, column, key path, value and what is accepted.

mod common;

use std::path::Path;

use sweep::experiment::{Experiment, ModelKind, OptimizerKind, Validation};

fn base() -> String {
    common::experiment_text("data", common::SMALL_GRID)
}

fn parse(text: &str) -> Result<Experiment, String> {
    Experiment::parse_str(text, Path::new("exp/tiny.toml")).map_err(|e| e.to_string())
}

#[test]
fn valid_file_parses() {
    let experiment = parse(&base()).unwrap();
    assert_eq!(experiment.name, "tiny");
    assert_eq!(
        experiment.datasets[0].path,
        Path::new("exp/data"),
        "paths are relative to the file"
    );
    assert_eq!(experiment.datasets[0].validation, Validation::TestSplit);
    assert_eq!(experiment.datasets[0].classes, 10);
    assert_eq!(
        experiment.model("mlp").kind,
        ModelKind::Mlp { hidden: vec![32] }
    );
    assert_eq!(
        experiment.optimizer("adam").kind,
        OptimizerKind::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8
        }
    );
    assert_eq!(experiment.grid.lrs, vec![0.001, 0.1, 50.0]);
    assert_eq!(experiment.grid.seeds, vec![1, 2]);
    assert_eq!(experiment.divergence.loss_factor, 4.0);
}

#[test]
fn shipped_experiments_parse() {
    for entry in
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments")).unwrap()
    {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            if let Err(error) = Experiment::load(&path) {
                panic!("{error}");
            }
        }
    }
}

#[test]
fn range_expands_in_file() {
    let text = base().replace(
        "lr = [0.001, 0.1, 50.0]",
        "lr = \"1e-4 to 10, 3 per decade\"",
    );
    let experiment = parse(&text).unwrap();
    assert_eq!(experiment.grid.lrs.len(), 16);
    assert!((experiment.grid.lrs[15] - 10.0).abs() < 1e-12);
}

/// One bad input: a replacement in the valid file and fragments the message must contain.
struct Case {
    name: &'static str,
    from: &'static str,
    to: &'static str,
    expected: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "syntax error",
        from: "batch_size = 32",
        to: "batch_size = = 32",
        expected: &["exp/tiny.toml:23:", "invalid TOML"],
    },
    Case {
        name: "unknown key with suggestion",
        from: "batch_size = 32",
        to: "batch_sise = 32",
        expected: &[
            "exp/tiny.toml:23:1",
            "`training.batch_sise`",
            "unknown key `batch_sise`",
            "did you mean `batch_size`?",
        ],
    },
    Case {
        name: "unknown top-level table",
        from: "[training]",
        to: "[trainig]\nbatch_size = 1\n[training]",
        expected: &[
            "exp/tiny.toml:22:2",
            "unknown key `trainig`",
            "did you mean `training`?",
        ],
    },
    Case {
        name: "wrong type",
        from: "batch_size = 32",
        to: "batch_size = \"32\"",
        expected: &[
            "exp/tiny.toml:23:14",
            "`training.batch_size`",
            "invalid type: string \"32\", expected an integer",
        ],
    },
    Case {
        name: "wrong type in list",
        from: "seeds = [1, 2]",
        to: "seeds = [1, \"two\"]",
        expected: &["`grid.seeds[1]`", "invalid type: string \"two\""],
    },
    Case {
        name: "missing table",
        from: "[convergence]\nmetric = \"val_accuracy\"\ntarget = 0.9",
        to: "",
        expected: &["missing field `convergence`"],
    },
    Case {
        name: "zero learning rate",
        from: "lr = [0.001, 0.1, 50.0]",
        to: "lr = [0.001, 0.0]",
        expected: &[
            "`grid.lr`",
            "learning rate 0 is not a finite positive number",
            "expected a list of positive",
        ],
    },
    Case {
        name: "negative learning rate",
        from: "lr = [0.001, 0.1, 50.0]",
        to: "lr = [-0.1]",
        expected: &["`grid.lr`", "-0.1"],
    },
    Case {
        name: "non-finite learning rate",
        from: "lr = [0.001, 0.1, 50.0]",
        to: "lr = [nan]",
        expected: &["`grid.lr`", "NaN is not a finite positive number"],
    },
    Case {
        name: "reversed range",
        from: "lr = [0.001, 0.1, 50.0]",
        to: "lr = \"10 to 1e-4, 3 per decade\"",
        expected: &["`grid.lr`", "range is reversed: 10 is above 0.0001"],
    },
    Case {
        name: "malformed range",
        from: "lr = [0.001, 0.1, 50.0]",
        to: "lr = \"1e-4..10\"",
        expected: &["`grid.lr`", "invalid range \"1e-4..10\"", "3 per decade"],
    },
    Case {
        name: "empty learning rate list",
        from: "lr = [0.001, 0.1, 50.0]",
        to: "lr = []",
        expected: &["`grid.lr`", "empty"],
    },
    Case {
        name: "empty model list",
        from: "models = [\"logistic\", \"mlp\"]",
        to: "models = []",
        expected: &["`grid.models`", "the list of models is empty"],
    },
    Case {
        name: "empty seeds",
        from: "seeds = [1, 2]",
        to: "seeds = []",
        expected: &["`grid.seeds`", "the list of seeds is empty"],
    },
    Case {
        name: "duplicate seed",
        from: "seeds = [1, 2]",
        to: "seeds = [1, 1]",
        expected: &["`grid.seeds[1]`", "seed 1 is listed twice"],
    },
    Case {
        name: "duplicate model in grid",
        from: "models = [\"logistic\", \"mlp\"]",
        to: "models = [\"mlp\", \"mlp\"]",
        expected: &["`grid.models[1]`", "model \"mlp\" is listed twice"],
    },
    Case {
        name: "duplicate model table",
        from: "[models.lenet]",
        to: "[models.mlp]",
        expected: &["invalid TOML", "duplicate"],
    },
    Case {
        name: "undeclared model with suggestion",
        from: "models = [\"logistic\", \"mlp\"]",
        to: "models = [\"logistic\", \"mpl\"]",
        expected: &[
            "`grid.models[1]`",
            "unknown model \"mpl\"",
            "did you mean \"mlp\"?",
            "declared models: \"lenet\", \"logistic\", \"mlp\"",
        ],
    },
    Case {
        name: "undeclared dataset",
        from: "datasets = [\"shapes\"]",
        to: "datasets = [\"mnist\"]",
        expected: &[
            "`grid.datasets[0]`",
            "unknown dataset \"mnist\"",
            "declared datasets: \"shapes\"",
        ],
    },
    Case {
        name: "unknown optimizer kind",
        from: "kind = \"adam\"",
        to: "kind = \"adagrad\"",
        expected: &[
            "`optimizers.adam.kind`",
            "unknown optimizer kind \"adagrad\"",
            "\"sgd\", \"momentum\" or \"adam\"",
        ],
    },
    Case {
        name: "unknown model kind",
        from: "kind = \"lenet\"",
        to: "kind = \"resnet\"",
        expected: &[
            "`models.lenet.kind`",
            "unknown model kind \"resnet\"",
            "\"logistic\", \"mlp\", \"lenet\" or \"parameters\"",
        ],
    },
    Case {
        name: "option of another optimizer kind",
        from: "kind = \"sgd\"",
        to: "kind = \"sgd\"\nbeta1 = 0.5",
        expected: &["`optimizers.sgd.beta1`", "does not apply to kind = \"sgd\""],
    },
    Case {
        name: "mlp without layers",
        from: "hidden = [32]",
        to: "hidden = []",
        expected: &["`models.mlp.hidden`", "non-empty list of layer sizes"],
    },
    Case {
        name: "zero layer size",
        from: "hidden = [32]",
        to: "hidden = [32, 0]",
        expected: &["`models.mlp.hidden[1]`", "invalid layer size 0"],
    },
    Case {
        name: "zero batch size",
        from: "batch_size = 32",
        to: "batch_size = 0",
        expected: &[
            "exp/tiny.toml:23:14",
            "`training.batch_size`",
            "invalid batch size 0; expected an integer from 1",
        ],
    },
    Case {
        name: "eval interval above max epochs",
        from: "eval_every = 0.5",
        to: "eval_every = 3.0",
        expected: &[
            "`training.eval_every`",
            "invalid value 3",
            "at most max_epochs",
        ],
    },
    Case {
        name: "accuracy target above one",
        from: "target = 0.9",
        to: "target = 90",
        expected: &[
            "`convergence.target`",
            "invalid value 90",
            "an accuracy in (0, 1]",
        ],
    },
    Case {
        name: "unknown metric",
        from: "metric = \"val_accuracy\"",
        to: "metric = \"accuracy\"",
        expected: &[
            "`convergence.metric`",
            "unknown metric \"accuracy\"",
            "\"val_accuracy\", \"val_loss\", \"train_loss\"",
        ],
    },
    Case {
        name: "divergence factor too small",
        from: "[grid]",
        to: "[divergence]\nloss_factor = 0.5\n[grid]",
        expected: &[
            "`divergence.loss_factor`",
            "invalid value 0.5; expected a number above 1",
        ],
    },
    Case {
        name: "bad validation split",
        from: "path = \"data\"",
        to: "path = \"data\"\nvalidation = \"val\"",
        expected: &[
            "`datasets.shapes.validation`",
            "invalid value \"val\"",
            "\"test\" or a held-out fraction",
        ],
    },
    Case {
        name: "bad validation fraction",
        from: "path = \"data\"",
        to: "path = \"data\"\nvalidation = 1.5",
        expected: &["`datasets.shapes.validation`", "invalid fraction 1.5"],
    },
    Case {
        name: "too few classes",
        from: "path = \"data\"",
        to: "path = \"data\"\nclasses = 1",
        expected: &[
            "`datasets.shapes.classes`",
            "invalid class count 1; expected an integer from 2 to 256",
        ],
    },
    Case {
        name: "invalid experiment name",
        from: "name = \"tiny\"",
        to: "name = \"../escape\"",
        expected: &["exp/tiny.toml:1:8", "`name`", "invalid name \"../escape\""],
    },
    Case {
        name: "unknown finder method",
        from: "[grid]",
        to: "[finder]\nmethods = [\"valley\", \"steepest\"]\n[grid]",
        expected: &[
            "`finder.methods[1]`",
            "unknown method \"steepest\"",
            "\"lightning_steep\"",
        ],
    },
    Case {
        name: "finder end below start",
        from: "[grid]",
        to: "[finder]\nstart_lr = 1e-3\nend_lr = 1e-4\n[grid]",
        expected: &["`finder.end_lr`", "end_lr = 0.0001", "above start_lr"],
    },
    Case {
        name: "finder smoothing out of range",
        from: "[grid]",
        to: "[finder]\nbeta = 1.0\n[grid]",
        expected: &["`finder.beta`", "beta = 1", "[0, 1)"],
    },
    Case {
        name: "finder iterations too few",
        from: "[grid]",
        to: "[finder]\nnum_it = 1\n[grid]",
        expected: &["`finder.num_it`", "invalid iteration count 1"],
    },
    Case {
        name: "finder unknown key",
        from: "[grid]",
        to: "[finder]\nnum_iter = 50\n[grid]",
        expected: &["`finder.num_iter`", "did you mean `num_it`?"],
    },
];

#[test]
fn bad_inputs_are_rejected_with_location() {
    let base = base();
    let mut failures = Vec::new();
    for case in CASES {
        assert!(
            base.contains(case.from),
            "case {:?}: base text lacks {:?}",
            case.name,
            case.from
        );
        let text = base.replacen(case.from, case.to, 1);
        match parse(&text) {
            Ok(_) => failures.push(format!("{}: accepted", case.name)),
            Err(message) => {
                for fragment in case.expected {
                    if !message.contains(fragment) {
                        failures.push(format!(
                            "{}: message lacks {fragment:?}:\n{message}",
                            case.name
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = base()
        .replace("batch_size = 32", "batch_size = 0")
        .replace("seeds = [1, 2]", "seeds = []");
    let message = parse(&text).unwrap_err();
    assert!(message.contains("(2 problems)"), "{message}");
    assert!(message.contains("`training.batch_size`"), "{message}");
    assert!(message.contains("`grid.seeds`"), "{message}");
}

#[test]
fn error_shows_source_line() {
    let text = base().replace("batch_size = 32", "batch_size = -4");
    let message = parse(&text).unwrap_err();
    assert!(message.contains("23 | batch_size = -4"), "{message}");
    assert!(message.contains("   |              ^^"), "{message}");
}

#[test]
fn zero_epochs_is_one_problem() {
    let text = base().replace("max_epochs = 2", "max_epochs = 0");
    let message = parse(&text).unwrap_err();
    assert!(message.contains("(1 problem)"), "{message}");
    assert!(message.contains("`training.max_epochs`"), "{message}");
}

#[test]
fn dataset_location_points_at_path() {
    let experiment = parse(&base()).unwrap();
    assert_eq!(
        experiment.location(&["datasets", "shapes", "path"]),
        "exp/tiny.toml:4:8"
    );
    assert_eq!(experiment.location(&["nothing"]), "exp/tiny.toml");
}
