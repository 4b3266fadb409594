//! Turns the raw file into an [`Experiment`], collecting every problem with
//! its key path so that the user can fix them all in one pass.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::{ConfigError, Problem};
use super::locate::{render, Locator, Segment};
use super::schema::*;
use super::*;

const MODEL_KINDS: &str =
    "\"logistic\", \"mlp\", \"lenet\" or \"parameters\" (for quadratic datasets)";
const OPTIMIZER_KINDS: &str = "\"sgd\", \"momentum\" or \"adam\"";

/// Collects problems and locates them in the file.
struct Checker<'a> {
    locator: &'a Locator,
    problems: Vec<Problem>,
}

fn key(name: &str) -> Segment {
    Segment::Key(name.to_owned())
}

fn path(keys: &[&str]) -> Vec<Segment> {
    keys.iter().map(|k| key(k)).collect()
}

impl Checker<'_> {
    fn report(&mut self, at: &[Segment], message: String) {
        let span = self.locator.span(at, false);
        self.problems.push(Problem {
            key: render(at),
            message,
            span,
        });
    }

    /// Checks a number: `accepted` describes the valid range for the message.
    fn number(&mut self, at: &[&str], value: f64, valid: bool, accepted: &str) -> f64 {
        if !valid || !value.is_finite() {
            self.report(
                &path(at),
                format!("invalid value {value}; expected {accepted}"),
            );
        }
        value
    }

    fn count(&mut self, at: &[Segment], value: i64, min: i64, max: i64, what: &str) -> usize {
        if value < min || value > max {
            let range = if max == i64::MAX {
                format!("at least {min}")
            } else {
                format!("from {min} to {max}")
            };
            self.report(
                at,
                format!("invalid {what} {value}; expected an integer {range}"),
            );
        }
        value.max(0) as usize
    }

    /// Checks that each grid entry names a declared table, once.
    fn references(&mut self, list: &str, names: &[String], declared: &[String], kind: &str) {
        if names.is_empty() {
            self.report(
                &path(&["grid", list]),
                format!("the list of {kind}s is empty; name at least one declared {kind}"),
            );
        }
        for (i, name) in names.iter().enumerate() {
            let at = vec![key("grid"), key(list), Segment::Index(i)];
            if names[..i].contains(name) {
                self.report(&at, format!("{kind} \"{name}\" is listed twice"));
            } else if !declared.contains(name) {
                let known = if declared.is_empty() {
                    format!("no {kind}s are declared; add a [{list}.{name}] table")
                } else {
                    let mut text = format!("declared {kind}s: {}", quoted(declared));
                    if let Some(close) = closest(name, declared) {
                        text = format!("did you mean \"{close}\"? {text}");
                    }
                    text
                };
                self.report(&at, format!("unknown {kind} \"{name}\"; {known}"));
            }
        }
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Finds the candidate closest to `name` by edit distance, if it is close enough to be a typo.
pub(crate) fn closest<'a>(name: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(distance, c)| *distance <= (c.len() / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c.as_str())
}

fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Parses and checks the file text.
pub fn parse(text: &str, file: &Path) -> Result<Experiment, ConfigError> {
    let locator = Locator::new(text);
    let raw = deserialize(text, &locator)
        .map_err(|problem| ConfigError::new(file, text, vec![problem]))?;
    let mut checker = Checker {
        locator: &locator,
        problems: Vec::new(),
    };
    let mut experiment = check(raw, file, &mut checker);
    experiment.source = text.to_owned();
    if checker.problems.is_empty() {
        Ok(experiment)
    } else {
        Err(ConfigError::new(file, text, checker.problems))
    }
}

/// Deserializes strictly; the first syntax or type error becomes a located problem.
fn deserialize(text: &str, locator: &Locator) -> Result<RawExperiment, Problem> {
    let deserializer = toml::Deserializer::parse(text).map_err(|error| Problem {
        key: String::new(),
        message: format!("invalid TOML: {}", error.message().trim()),
        span: error.span(),
    })?;
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let at: Vec<Segment> = error
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Map { key } => Some(Segment::Key(key.clone())),
                serde_path_to_error::Segment::Seq { index } => Some(Segment::Index(*index)),
                _ => None,
            })
            .collect();
        let inner = error.into_inner();
        let mut message = plain_types(inner.message().trim());
        let unknown_key = message.starts_with("unknown field");
        if unknown_key {
            message = suggest_field(&message);
        }
        let span = locator.span(&at, unknown_key).or_else(|| inner.span());
        Problem {
            key: render(&at),
            message,
            span,
        }
    })
}

/// Rewrites serde's Rust type names in a message as TOML readers know them:
/// "expected i64" becomes "expected an integer".
fn plain_types(message: &str) -> String {
    [
        ("expected i64", "expected an integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected f64", "expected a number"),
        ("expected a sequence", "expected a list"),
        ("expected a map", "expected a table"),
        ("invalid type: sequence", "invalid type: list"),
        ("invalid type: map", "invalid type: table"),
    ]
    .iter()
    .fold(message.to_owned(), |text, (rust, toml)| {
        text.replace(rust, toml)
    })
}

/// Adds "did you mean" to serde's "unknown field `x`, expected one of `a`, `b`".
fn suggest_field(message: &str) -> String {
    let names: Vec<String> = message
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    let Some((unknown, accepted)) = names.split_first() else {
        return message.to_owned();
    };
    let message = message
        .replacen("unknown field", "unknown key", 1)
        .replacen("expected", "accepted keys:", 1);
    match closest(unknown, accepted) {
        Some(close) => format!("{message}; did you mean `{close}`?"),
        None => message,
    }
}

fn check(raw: RawExperiment, file: &Path, c: &mut Checker) -> Experiment {
    let name = match raw.name {
        Some(name) => {
            if !is_valid_name(&name) {
                c.report(&path(&["name"]), format!("invalid name \"{name}\"; expected letters, digits, '_', '-' or '.' (it names the results folder)"));
            }
            name
        }
        None => file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "experiment".into()),
    };
    let base = file.parent().unwrap_or(Path::new("."));
    let datasets: Vec<DatasetSpec> = raw
        .datasets
        .into_iter()
        .map(|(name, d)| check_dataset(name, d, base, c))
        .collect();
    let models: Vec<ModelSpec> = raw
        .models
        .into_iter()
        .map(|(name, m)| check_model(name, m, c))
        .collect();
    let optimizers: Vec<OptimizerSpec> = raw
        .optimizers
        .into_iter()
        .map(|(name, o)| check_optimizer(name, o, c))
        .collect();
    let declared = [
        ("datasets", datasets_names(&datasets)),
        ("models", model_names(&models)),
        ("optimizers", optimizer_names(&optimizers)),
    ];
    for (table, names) in &declared {
        for name in names.iter().filter(|n| !is_valid_name(n)) {
            c.report(
                &path(&[table, name]),
                format!("invalid name \"{name}\"; expected letters, digits, '_', '-' or '.'"),
            );
        }
    }
    let training = check_training(raw.training, c);
    let convergence = check_convergence(raw.convergence, c);
    let loss_factor = raw.divergence.loss_factor.unwrap_or(4.0);
    c.number(
        &["divergence", "loss_factor"],
        loss_factor,
        loss_factor > 1.0,
        "a number above 1 (the default is 4)",
    );
    let finder = check_finder(raw.finder, c);
    let scenarios = check_scenarios(raw.scenarios, c);
    let grid = check_grid(raw.grid, &datasets, &models, &optimizers, c);
    check_pairs(&grid, &datasets, &models, &convergence, c);
    Experiment {
        name,
        file: file.to_path_buf(),
        source: String::new(),
        datasets,
        models,
        optimizers,
        training,
        convergence,
        divergence: DivergenceSpec { loss_factor },
        finder,
        scenarios,
        grid,
    }
}

fn datasets_names(datasets: &[DatasetSpec]) -> Vec<String> {
    datasets.iter().map(|d| d.name.clone()).collect()
}

fn model_names(models: &[ModelSpec]) -> Vec<String> {
    models.iter().map(|m| m.name.clone()).collect()
}

fn optimizer_names(optimizers: &[OptimizerSpec]) -> Vec<String> {
    optimizers.iter().map(|o| o.name.clone()).collect()
}

fn check_dataset(name: String, raw: RawDataset, base: &Path, c: &mut Checker) -> DatasetSpec {
    let at = |field: &str| vec![key("datasets"), key(&name), key(field)];
    let kind = match raw.kind.as_deref().unwrap_or("idx") {
        "idx" => DatasetKind::Idx,
        "quadratic" => DatasetKind::Quadratic(check_quadratic(&name, &raw, c)),
        other => {
            c.report(&at("kind"), format!("unknown dataset kind \"{other}\"; expected \"idx\" (the default) or \"quadratic\""));
            DatasetKind::Idx
        }
    };
    let given: [(&str, bool); 9] = [
        ("path", raw.path.is_some()),
        ("validation", raw.validation.is_some()),
        ("classes", raw.classes.is_some()),
        ("train_limit", raw.train_limit.is_some()),
        ("val_limit", raw.val_limit.is_some()),
        ("curvatures", raw.curvatures.is_some()),
        ("start", raw.start.is_some()),
        ("noise", raw.noise.is_some()),
        ("steps_per_epoch", raw.steps_per_epoch.is_some()),
    ];
    let quadratic_keys = ["curvatures", "start", "noise", "steps_per_epoch"];
    for (field, present) in given {
        let is_quadratic_key = quadratic_keys.contains(&field);
        let applies = matches!(kind, DatasetKind::Quadratic(_)) == is_quadratic_key;
        if present && !applies {
            let kind_name = if is_quadratic_key {
                "\"idx\""
            } else {
                "\"quadratic\""
            };
            c.report(
                &at(field),
                format!("`{field}` does not apply to datasets of kind {kind_name}"),
            );
        }
    }
    let raw_path = raw.path.clone().unwrap_or_default();
    if matches!(kind, DatasetKind::Idx) && raw_path.trim().is_empty() {
        c.report(
            &at("path"),
            "missing or empty data folder path; expected a folder with IDX files".into(),
        );
    }
    let validation = match raw.validation {
        None => Validation::TestSplit,
        Some(RawValidation::Split(split)) if split == "test" => Validation::TestSplit,
        Some(RawValidation::Split(split)) => {
            c.report(&at("validation"), format!("invalid value \"{split}\"; expected \"test\" or a held-out fraction of the training set such as 0.1"));
            Validation::TestSplit
        }
        Some(RawValidation::Fraction(fraction)) => {
            if !(fraction > 0.0 && fraction < 1.0) {
                c.report(
                    &at("validation"),
                    format!(
                        "invalid fraction {fraction}; expected a number between 0 and 1, exclusive"
                    ),
                );
            }
            Validation::Holdout(fraction)
        }
    };
    let classes = c.count(
        &at("classes"),
        raw.classes.unwrap_or(10),
        2,
        256,
        "class count",
    );
    let train_limit = raw.train_limit.map(|limit| {
        c.count(
            &at("train_limit"),
            limit,
            1,
            i64::MAX,
            "training sample limit",
        )
    });
    let val_limit = raw.val_limit.map(|limit| {
        c.count(
            &at("val_limit"),
            limit,
            1,
            i64::MAX,
            "validation sample limit",
        )
    });
    DatasetSpec {
        path: base.join(&raw_path),
        name,
        kind,
        validation,
        classes,
        train_limit,
        val_limit,
        target: raw.target,
    }
}

fn check_model(name: String, raw: RawModel, c: &mut Checker) -> ModelSpec {
    let at = |field: &str| vec![key("models"), key(&name), key(field)];
    let kind = match raw.kind.as_str() {
        "logistic" => ModelKind::Logistic,
        "lenet" => ModelKind::Lenet,
        "parameters" => ModelKind::Parameters,
        "mlp" => {
            let hidden = raw.hidden.clone().unwrap_or_default();
            if hidden.is_empty() {
                c.report(&at("hidden"), "an \"mlp\" model needs `hidden`, a non-empty list of layer sizes such as [128]".into());
            }
            let sizes = hidden
                .iter()
                .enumerate()
                .map(|(i, size)| {
                    let mut position = at("hidden");
                    position.push(Segment::Index(i));
                    c.count(&position, *size, 1, 1 << 20, "layer size")
                })
                .collect();
            ModelKind::Mlp { hidden: sizes }
        }
        other => {
            c.report(
                &at("kind"),
                format!("unknown model kind \"{other}\"; expected {MODEL_KINDS}"),
            );
            ModelKind::Logistic
        }
    };
    if raw.hidden.is_some() && !matches!(kind, ModelKind::Mlp { .. }) && raw.kind != "mlp" {
        c.report(
            &at("hidden"),
            format!(
                "`hidden` applies only to kind = \"mlp\", not \"{}\"",
                raw.kind
            ),
        );
    }
    ModelSpec { name, kind }
}

fn check_optimizer(name: String, raw: RawOptimizer, c: &mut Checker) -> OptimizerSpec {
    let at = |field: &str| vec![key("optimizers"), key(&name), key(field)];
    let keys_of = |kind: &str| -> &'static [&'static str] {
        match kind {
            "momentum" => &["momentum", "nesterov"],
            "adam" => &["beta1", "beta2", "eps"],
            _ => &[],
        }
    };
    let given: [(&str, bool); 5] = [
        ("momentum", raw.momentum.is_some()),
        ("nesterov", raw.nesterov.is_some()),
        ("beta1", raw.beta1.is_some()),
        ("beta2", raw.beta2.is_some()),
        ("eps", raw.eps.is_some()),
    ];
    let known_kind = matches!(raw.kind.as_str(), "sgd" | "momentum" | "adam");
    for (field, present) in given {
        if present && known_kind && !keys_of(&raw.kind).contains(&field) {
            c.report(
                &at(field),
                format!("`{field}` does not apply to kind = \"{}\"", raw.kind),
            );
        }
    }
    let mut unit = |field: &str, value: f64, closed_low: bool| {
        let valid = if closed_low {
            (0.0..1.0).contains(&value)
        } else {
            value > 0.0 && value < 1.0
        };
        let accepted = if closed_low {
            "a number in [0, 1)"
        } else {
            "a number in (0, 1)"
        };
        c.number(&["optimizers", &name, field], value, valid, accepted)
    };
    let kind = match raw.kind.as_str() {
        "sgd" => OptimizerKind::Sgd,
        "momentum" => OptimizerKind::Momentum {
            momentum: unit("momentum", raw.momentum.unwrap_or(0.9), false),
            nesterov: raw.nesterov.unwrap_or(false),
        },
        "adam" => OptimizerKind::Adam {
            beta1: unit("beta1", raw.beta1.unwrap_or(0.9), true),
            beta2: unit("beta2", raw.beta2.unwrap_or(0.999), true),
            eps: {
                let eps = raw.eps.unwrap_or(1e-8);
                c.number(
                    &["optimizers", &name, "eps"],
                    eps,
                    eps > 0.0,
                    "a positive number",
                )
            },
        },
        other => {
            c.report(
                &at("kind"),
                format!("unknown optimizer kind \"{other}\"; expected {OPTIMIZER_KINDS}"),
            );
            OptimizerKind::Sgd
        }
    };
    let weight_decay = raw.weight_decay.unwrap_or(0.0);
    c.number(
        &["optimizers", &name, "weight_decay"],
        weight_decay,
        weight_decay >= 0.0,
        "a number of at least 0",
    );
    OptimizerSpec {
        name,
        kind,
        weight_decay,
    }
}

fn check_training(raw: RawTraining, c: &mut Checker) -> TrainingSpec {
    let batch_size = c.count(
        &path(&["training", "batch_size"]),
        raw.batch_size,
        1,
        1 << 24,
        "batch size",
    );
    let max_epochs = c.number(
        &["training", "max_epochs"],
        raw.max_epochs,
        raw.max_epochs > 0.0,
        "a positive number of epochs",
    );
    let eval_every = c.number(
        &["training", "eval_every"],
        raw.eval_every,
        // Compared with max_epochs only when max_epochs itself is valid, so
        // that one bad value gives one problem.
        raw.eval_every > 0.0 && (raw.max_epochs <= 0.0 || raw.eval_every <= raw.max_epochs),
        "a positive fraction of an epoch, at most max_epochs, such as 0.25",
    );
    TrainingSpec {
        batch_size,
        max_epochs,
        eval_every,
    }
}

fn check_convergence(raw: RawConvergence, c: &mut Checker) -> ConvergenceSpec {
    let metric = match raw.metric.as_str() {
        "val_accuracy" => Metric::ValAccuracy,
        "val_loss" => Metric::ValLoss,
        "train_loss" => Metric::TrainLoss,
        other => {
            let names: Vec<String> = Metric::NAMES.iter().map(|n| n.to_string()).collect();
            c.report(
                &path(&["convergence", "metric"]),
                format!("unknown metric \"{other}\"; expected {}", quoted(&names)),
            );
            Metric::ValAccuracy
        }
    };
    let target = raw.target;
    if metric == Metric::ValAccuracy {
        c.number(
            &["convergence", "target"],
            target,
            target > 0.0 && target <= 1.0,
            "an accuracy in (0, 1] for metric \"val_accuracy\"",
        );
    } else {
        c.number(
            &["convergence", "target"],
            target,
            target >= 0.0,
            "a loss of at least 0",
        );
    }
    ConvergenceSpec {
        metric,
        target,
        stop_at_target: raw.stop_at_target.unwrap_or(true),
    }
}

fn check_grid(
    raw: RawGrid,
    datasets: &[DatasetSpec],
    models: &[ModelSpec],
    optimizers: &[OptimizerSpec],
    c: &mut Checker,
) -> GridSpec {
    c.references("models", &raw.models, &model_names(models), "model");
    c.references(
        "datasets",
        &raw.datasets,
        &datasets_names(datasets),
        "dataset",
    );
    c.references(
        "optimizers",
        &raw.optimizers,
        &optimizer_names(optimizers),
        "optimizer",
    );
    let lrs = raw.lr.expand().unwrap_or_else(|problem| {
        c.report(
            &path(&["grid", "lr"]),
            format!("{problem}; expected {}", rates::ACCEPTED),
        );
        Vec::new()
    });
    if raw.seeds.is_empty() {
        c.report(
            &path(&["grid", "seeds"]),
            "the list of seeds is empty; expected at least one seed such as [0]".into(),
        );
    }
    let mut seeds = Vec::new();
    let mut seen = BTreeMap::new();
    for (i, seed) in raw.seeds.iter().enumerate() {
        let at = vec![key("grid"), key("seeds"), Segment::Index(i)];
        if *seed < 0 {
            c.report(
                &at,
                format!("invalid seed {seed}; expected an integer of at least 0"),
            );
        } else if seen.insert(*seed, i).is_some() {
            c.report(&at, format!("seed {seed} is listed twice"));
        } else {
            seeds.push(*seed as u64);
        }
    }
    GridSpec {
        models: raw.models,
        datasets: raw.datasets,
        optimizers: raw.optimizers,
        lrs,
        seeds,
    }
}

fn check_finder(raw: RawFinder, c: &mut Checker) -> FinderSpec {
    let defaults = FinderSettings::default();
    let num_it = raw.num_it.map_or(defaults.num_it, |n| {
        c.count(
            &path(&["finder", "num_it"]),
            n,
            2,
            1 << 24,
            "iteration count",
        )
    });
    let settings = FinderSettings {
        start_lr: raw.start_lr.unwrap_or(defaults.start_lr),
        end_lr: raw.end_lr.unwrap_or(defaults.end_lr),
        num_it,
        beta: raw.beta.unwrap_or(defaults.beta),
        diverge_factor: raw.diverge_factor.unwrap_or(defaults.diverge_factor),
    };
    if let Err(error) = settings.validate() {
        // The message reads "invalid finder setting end_lr = 0.1: ...", so the key follows "setting".
        let message = error.to_string();
        let field = message
            .split(" = ")
            .next()
            .unwrap_or_default()
            .rsplit(' ')
            .next()
            .unwrap_or_default();
        let detail = message
            .split_once("setting ")
            .map_or(message.as_str(), |(_, rest)| rest);
        c.report(&path(&["finder", field]), format!("invalid value {detail}"));
    }
    let names = raw
        .methods
        .unwrap_or_else(|| Method::ALL.iter().map(|m| m.to_string()).collect());
    if names.is_empty() {
        c.report(
            &path(&["finder", "methods"]),
            format!(
                "the list of methods is empty; expected some of {}",
                method_names()
            ),
        );
    }
    let mut methods = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let at = vec![key("finder"), key("methods"), Segment::Index(i)];
        match name.parse::<Method>() {
            Ok(method) if methods.contains(&method) => {
                c.report(&at, format!("method \"{name}\" is listed twice"))
            }
            Ok(method) => methods.push(method),
            Err(_) => c.report(
                &at,
                format!("unknown method \"{name}\"; expected {}", method_names()),
            ),
        }
    }
    let band_factor = raw.band_factor.unwrap_or(2.0);
    c.number(
        &["finder", "band_factor"],
        band_factor,
        band_factor >= 1.0,
        "a factor of at least 1 (the default is 2)",
    );
    FinderSpec {
        enabled: raw.enabled.unwrap_or(true),
        settings,
        methods,
        train_suggestions: raw.train_suggestions.unwrap_or(true),
        band_factor,
    }
}

fn method_names() -> String {
    let names: Vec<String> = Method::ALL.iter().map(|m| m.to_string()).collect();
    quoted(&names)
}

fn check_quadratic(name: &str, raw: &RawDataset, c: &mut Checker) -> QuadraticSpec {
    let at = |field: &str| vec![key("datasets"), key(name), key(field)];
    let curvatures = raw.curvatures.clone().unwrap_or_else(|| vec![1.0]);
    if curvatures.is_empty() {
        c.report(&at("curvatures"), "the list of curvatures is empty; expected positive numbers such as [1.0] or [1, 4, 10]".into());
    }
    for (i, curvature) in curvatures.iter().enumerate() {
        if !(curvature.is_finite() && *curvature > 0.0) {
            let mut position = at("curvatures");
            position.push(Segment::Index(i));
            c.report(
                &position,
                format!("invalid curvature {curvature}; expected a finite number above 0"),
            );
        }
    }
    let start = raw.start.unwrap_or(1.0);
    c.number(
        &["datasets", name, "start"],
        start,
        start != 0.0,
        "a non-zero starting offset from the minimum",
    );
    let noise = raw.noise.unwrap_or(0.0);
    c.number(
        &["datasets", name, "noise"],
        noise,
        noise >= 0.0,
        "a standard deviation of at least 0",
    );
    let steps = raw.steps_per_epoch.unwrap_or(1);
    let steps_per_epoch = c.count(&at("steps_per_epoch"), steps, 1, 1 << 20, "step count");
    QuadraticSpec {
        curvatures,
        start,
        noise,
        steps_per_epoch,
    }
}

fn check_scenarios(raw: RawScenarios, c: &mut Checker) -> ScenarioSpec {
    let converging_factor = raw.converging_factor.unwrap_or(2.0);
    c.number(
        &["scenarios", "converging_factor"],
        converging_factor,
        converging_factor >= 1.0,
        "a factor of at least 1 (the default is 2)",
    );
    let overshoot_share = raw.overshoot_share.unwrap_or(0.5);
    c.number(
        &["scenarios", "overshoot_share"],
        overshoot_share,
        overshoot_share > 0.0 && overshoot_share <= 1.0,
        "a share in (0, 1] (the default is 0.5)",
    );
    ScenarioSpec {
        converging_factor,
        overshoot_share,
    }
}

/// Checks that every model of the grid trains on at least one of its datasets
/// and the reverse, because the grid skips pairs that do not fit, such as a
/// network on a quadratic bowl. Also checks that the metric and any
/// per-dataset targets exist for them, since a quadratic bowl has no accuracy.
fn check_pairs(
    grid: &GridSpec,
    datasets: &[DatasetSpec],
    models: &[ModelSpec],
    convergence: &ConvergenceSpec,
    c: &mut Checker,
) {
    let listed_datasets: Vec<&DatasetSpec> = grid
        .datasets
        .iter()
        .filter_map(|n| datasets.iter().find(|d| &d.name == n))
        .collect();
    let listed_models: Vec<&ModelSpec> = grid
        .models
        .iter()
        .filter_map(|n| models.iter().find(|m| &m.name == n))
        .collect();
    for (i, name) in grid.models.iter().enumerate() {
        let Some(model) = listed_models.iter().find(|m| &m.name == name) else {
            continue;
        };
        if !listed_datasets.iter().any(|d| d.fits(&model.kind)) {
            let wanted = if model.kind == ModelKind::Parameters {
                "a quadratic dataset"
            } else {
                "an IDX dataset"
            };
            c.report(&[key("grid"), key("models"), Segment::Index(i)], format!("model \"{name}\" has no dataset to train on; it needs {wanted} in grid.datasets"));
        }
    }
    for (i, name) in grid.datasets.iter().enumerate() {
        let Some(dataset) = listed_datasets.iter().find(|d| &d.name == name) else {
            continue;
        };
        if !listed_models.iter().any(|m| dataset.fits(&m.kind)) {
            let wanted = if matches!(dataset.kind, DatasetKind::Quadratic(_)) {
                "a model of kind \"parameters\""
            } else {
                "a network model"
            };
            c.report(
                &[key("grid"), key("datasets"), Segment::Index(i)],
                format!(
                    "dataset \"{name}\" has no model to train; it needs {wanted} in grid.models"
                ),
            );
        }
        if let Some(target) = dataset.target {
            let valid = if convergence.metric.higher_is_better() {
                target > 0.0 && target <= 1.0
            } else {
                target >= 0.0
            };
            c.number(
                &["datasets", name, "target"],
                target,
                valid,
                "a target for the metric of [convergence]",
            );
        }
        if matches!(dataset.kind, DatasetKind::Quadratic(_))
            && convergence.metric == Metric::ValAccuracy
        {
            c.report(&path(&["convergence", "metric"]), format!("dataset \"{name}\" is a quadratic bowl, which has no accuracy; expected \"train_loss\" or \"val_loss\""));
        }
    }
}
