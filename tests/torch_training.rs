//! Real libtorch training on tiny data: networks learn, seeds reproduce, and
//! a run's numbers do not depend on other runs in the process.

mod common;

use std::path::Path;

use sweep::data::tensors::Dataset;
use sweep::experiment::Experiment;
use sweep::grid::{self, Run};
use sweep::records::RecordStore;
use sweep::runner::run_all;
use sweep::train::torch::TorchTrainer;
use sweep::train::{Job, Outcome, Status, Trainer};

/// Writes a synthetic data folder and returns an experiment over it and a trainer with its data loaded.
fn setup(grid: &str) -> (tempfile::TempDir, Experiment, TorchTrainer) {
    let dir = tempfile::tempdir().unwrap();
    let train = common::synthetic(640, 6, 1);
    let test = common::synthetic(192, 6, 2);
    common::write_data_folder(&dir.path().join("shapes"), &train, &test, true);
    let text = common::experiment_text("shapes", grid).replace("path = \"shapes\"", "path = \"shapes\"\nclasses = 6");
    let experiment = Experiment::parse_str(&text, &dir.path().join("tiny.toml")).unwrap();
    let dataset = Dataset::load(&experiment.datasets[0]).unwrap();
    (dir, experiment, TorchTrainer::new(vec![dataset]))
}

fn grid(models: &str, lrs: &str, seeds: &str) -> String {
    format!("[grid]\nmodels = {models}\ndatasets = [\"shapes\"]\noptimizers = [\"sgd\"]\nlr = {lrs}\nseeds = {seeds}\n")
}

fn train(trainer: &TorchTrainer, run: &Run) -> Outcome {
    trainer.prepare(run).unwrap().train(&mut |_| {}).unwrap()
}

fn json(outcome: &Outcome) -> String {
    serde_json::to_string(outcome).unwrap()
}

#[test]
fn models_learn_separable_shapes() {
    let (_dir, experiment, trainer) = setup(&grid("[\"logistic\", \"mlp\", \"lenet\"]", "[0.1]", "[1]"));
    for run in grid::expand(&experiment) {
        let outcome = train(&trainer, &run);
        let first = &outcome.evaluations[0];
        let last = outcome.last().unwrap();
        assert_eq!(outcome.status, Status::Converged, "{}: {outcome:?}", run.model.name);
        assert!(last.val_accuracy >= 0.9, "{}: accuracy {}", run.model.name, last.val_accuracy);
        assert!(last.val_loss < 0.5 * first.val_loss, "{}: loss {} -> {}", run.model.name, first.val_loss, last.val_loss);
        assert!(first.val_loss > 1.2, "initial loss near ln(6) = 1.79: {}", first.val_loss);
        assert!(first.val_loss < 2.5, "initial loss near ln(6) = 1.79: {}", first.val_loss);
    }
}

#[test]
fn same_seed_same_numbers() {
    let (_dir, experiment, trainer) = setup(&grid("[\"mlp\"]", "[0.001]", "[1, 2]"));
    let runs = grid::expand(&experiment);
    let first = train(&trainer, &runs[0]);
    let again = train(&trainer, &runs[0]);
    let other_seed = train(&trainer, &runs[1]);
    assert_eq!(json(&first), json(&again));
    assert_ne!(json(&first), json(&other_seed));
}

#[test]
fn numbers_do_not_depend_on_workers() {
    let (dir, experiment, trainer) = setup(&grid("[\"mlp\", \"lenet\"]", "[0.001, 0.1]", "[1, 2]"));
    let runs = grid::expand(&experiment);
    let store = RecordStore::open(&dir.path().join("records")).unwrap();
    let serial = run_all(&trainer, &runs, 1, &store).unwrap();
    let parallel = run_all(&trainer, &runs, 2, &store).unwrap();
    for (a, b) in serial.iter().zip(&parallel) {
        assert_eq!(json(&a.outcome), json(&b.outcome), "run {}", a.run_id);
    }
}

#[test]
fn huge_rate_stops_at_divergence() {
    let (_dir, experiment, trainer) = setup(&grid("[\"mlp\"]", "[1000.0]", "[1]"));
    let run = &grid::expand(&experiment)[0];
    let outcome = train(&trainer, run);
    assert_eq!(outcome.status, Status::Diverged, "{outcome:?}");
    let steps_per_epoch = 640 / 32;
    let last = outcome.last().unwrap();
    assert!(last.step < steps_per_epoch / 2, "stopped at step {} of {}", last.step, 2 * steps_per_epoch);
    assert!(outcome.note.unwrap().contains("loss"));
}

#[test]
fn tiny_rate_does_not_converge() {
    let (_dir, experiment, trainer) = setup(&grid("[\"logistic\"]", "[1e-6]", "[1]"));
    let run = &grid::expand(&experiment)[0];
    let outcome = train(&trainer, run);
    assert_eq!(outcome.status, Status::NotConverged);
    assert_eq!(outcome.epochs_to_converge, None);
    let epochs: Vec<f64> = outcome.evaluations.iter().map(|e| e.epoch).collect();
    assert_eq!(epochs, [0.0, 0.5, 1.0, 1.5, 2.0], "evaluated every half epoch up to max_epochs");
}

#[test]
fn mlp_learns_real_mnist_slice() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
    assert!(data.exists(), "{} is missing; run scripts/setup first", data.display());
    let text = format!(
        "[datasets.mnist]\npath = \"{}\"\ntrain_limit = 2000\n[models.mlp]\nkind = \"mlp\"\nhidden = [64]\n\
         [optimizers.sgd]\nkind = \"sgd\"\n[training]\nbatch_size = 32\nmax_epochs = 1\neval_every = 1.0\n\
         [convergence]\nmetric = \"val_accuracy\"\ntarget = 0.99\n[grid]\nmodels = [\"mlp\"]\ndatasets = [\"mnist\"]\n\
         optimizers = [\"sgd\"]\nlr = [0.1]\nseeds = [1]\n",
        data.display()
    );
    let experiment = Experiment::parse_str(&text, Path::new("mnist-slice.toml")).unwrap();
    let dataset = Dataset::load(&experiment.datasets[0]).unwrap();
    assert_eq!(dataset.train_len(), 2000);
    assert!(dataset.val_len() > 1500, "the test split of data/mnist");
    let trainer = TorchTrainer::new(vec![dataset]);
    let outcome = train(&trainer, &grid::expand(&experiment)[0]);
    let last = outcome.last().unwrap();
    assert!(last.val_accuracy > 0.8, "accuracy after one epoch on 2,000 digits: {}", last.val_accuracy);
}
