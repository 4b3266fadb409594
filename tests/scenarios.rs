//! The four-scenario labels agree with theory on quadratic bowls, and the
//! report page and plots are written.

use std::path::Path;

use sweep::experiment::Experiment;
use sweep::grid;
use sweep::records::RecordStore;
use sweep::report::csv_files::theory_agrees;
use sweep::report::scenario::Scenario;
use sweep::report::Reports;
use sweep::runner::{find_all, run_all, Reuse};
use sweep::train::torch::TorchTrainer;

/// Runs a bowl with curvatures `curvatures` over `lrs` and returns the reports.
fn sweep_bowl(
    curvatures: &str,
    steps_per_epoch: usize,
    target: f64,
    noise: f64,
    lrs: &str,
    dir: &Path,
) -> Reports {
    let text = format!(
        r#"name = "bowl"
[datasets.bowl]
kind = "quadratic"
curvatures = {curvatures}
start = 1.0
noise = {noise}
steps_per_epoch = {steps_per_epoch}
[models.w]
kind = "parameters"
[optimizers.sgd]
kind = "sgd"
[training]
batch_size = 1
max_epochs = 8
eval_every = 0.25
[convergence]
metric = "train_loss"
target = {target}
[grid]
models = ["w"]
datasets = ["bowl"]
optimizers = ["sgd"]
lr = {lrs}
seeds = [1, 2]
"#
    );
    let experiment = Experiment::parse_str(&text, Path::new("bowl.toml")).unwrap();
    let store = RecordStore::open(dir).unwrap();
    let trainer = TorchTrainer::new(Vec::new());
    let finders = find_all(
        &trainer,
        &grid::finder_runs(&experiment),
        &experiment.finder.methods,
        2,
        &store,
        Reuse::Nothing,
    )
    .unwrap();
    let runs = run_all(
        &trainer,
        &grid::expand(&experiment),
        2,
        &store,
        Reuse::Nothing,
    )
    .unwrap();
    Reports::build(&experiment, runs.records, finders.records)
}

fn label_of(reports: &Reports, lr: f64) -> Scenario {
    let record = reports
        .records
        .iter()
        .find(|r| r.lr == lr && r.seed == 1)
        .unwrap();
    reports.labels[&record.run_id]
}

#[test]
fn one_dimensional_bowl_matches_theory() {
    let dir = tempfile::tempdir().unwrap();
    let lrs = "[0.01, 0.1, 0.5, 0.9, 1.0, 1.2, 1.5, 1.9, 2.1, 2.5, 5.0]";
    let reports = sweep_bowl("[1.0]", 1, 1e-4, 0.0, lrs, dir.path());
    for record in &reports.records {
        let scenario = reports.labels[&record.run_id];
        assert!(
            theory_agrees(scenario, record.lr, 1.0),
            "lr {} labelled {scenario}",
            record.lr
        );
    }
    assert_eq!(
        label_of(&reports, 1.0),
        Scenario::Converging,
        "the one-step rate"
    );
    assert_eq!(label_of(&reports, 0.01), Scenario::Slow);
    assert_eq!(
        label_of(&reports, 0.5),
        Scenario::Slow,
        "seven steps against one"
    );
    assert_eq!(
        label_of(&reports, 1.5),
        Scenario::Oscillating,
        "converges, but overshooting"
    );
    assert_eq!(label_of(&reports, 1.9), Scenario::Oscillating);
    assert_eq!(label_of(&reports, 2.1), Scenario::Diverging);
    let best = reports.groups[0].best().unwrap();
    assert_eq!(best.lr, 1.0);
    assert_eq!(best.median_epochs, Some(1.0));
    assert!(
        reports.scenarios.iter().all(|row| row.blog_order_holds),
        "{:?}",
        reports.scenarios
    );
    assert_eq!(reports.scenarios.len(), 4);
}

#[test]
fn overshoot_alternates_sign() {
    let dir = tempfile::tempdir().unwrap();
    let reports = sweep_bowl("[2.0]", 1, 1e-6, 0.0, "[0.75]", dir.path());
    let path = reports.records[0].outcome.parameter_path.clone().unwrap();
    // a = 2, rate 0.75: w <- (1 - 1.5) w, so w halves and flips sign every step.
    assert_eq!(&path[..4], &[1.0, -0.5, 0.25, -0.125]);
}

#[test]
fn diagonal_bowl_follows_largest_curvature() {
    let dir = tempfile::tempdir().unwrap();
    let lrs = "[0.001, 0.01, 0.05, 0.08, 0.1, 0.12, 0.15, 0.19, 0.21, 0.3, 1.0]";
    let reports = sweep_bowl("[1.0, 4.0, 10.0]", 4, 1e-2, 0.0, lrs, dir.path());
    for record in &reports.records {
        let scenario = reports.labels[&record.run_id];
        assert!(
            theory_agrees(scenario, record.lr, 0.1),
            "lr {} labelled {scenario}",
            record.lr
        );
    }
    assert_eq!(label_of(&reports, 0.19), Scenario::Oscillating);
    assert_eq!(label_of(&reports, 0.21), Scenario::Diverging);
    assert_eq!(reports.theory_lr["bowl"], 0.1);
}

#[test]
fn noisy_gradients_still_diverge_above_two_over_a() {
    let dir = tempfile::tempdir().unwrap();
    let reports = sweep_bowl("[1.0]", 1, 1e-2, 0.01, "[0.1, 1.0, 2.5, 5.0]", dir.path());
    assert_eq!(label_of(&reports, 2.5), Scenario::Diverging);
    assert_eq!(label_of(&reports, 5.0), Scenario::Diverging);
    let seeds: Vec<_> = reports
        .records
        .iter()
        .filter(|r| r.lr == 0.1)
        .map(|r| r.outcome.parameter_path.clone().unwrap())
        .collect();
    assert_ne!(seeds[0], seeds[1], "each seed draws its own gradient noise");
}

#[test]
fn report_page_has_every_plot() {
    let dir = tempfile::tempdir().unwrap();
    let lrs = "[0.01, 0.5, 1.0, 1.5, 2.5]";
    let reports = sweep_bowl("[1.0]", 1, 1e-4, 0.0, lrs, dir.path());
    let page = reports.write_page(dir.path()).unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    for heading in [
        "Does the finder pick the fastest rate?",
        "Four scenarios",
        "w on bowl, sgd",
    ] {
        assert!(html.contains(heading), "page lacks {heading:?}");
    }
    assert_eq!(
        html.matches("<svg").count(),
        4,
        "finder, epochs, scenarios and path plots"
    );
    let links = html.matches("http").count();
    let namespaces = html.matches("http://www.w3.org/").count();
    assert_eq!(
        links, namespaces,
        "only XML namespaces, no external resources"
    );
    let plots: Vec<String> = std::fs::read_dir(dir.path().join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(plots.len(), 4, "{plots:?}");
    for prefix in ["finder-", "epochs-", "scenarios-", "path-"] {
        assert!(
            plots.iter().any(|p| p.starts_with(prefix)),
            "{prefix} plot missing from {plots:?}"
        );
    }
}
