//! Seeded weight initialisation, independent of libtorch's process-global
//! generator so that a run's numbers do not depend on other runs in the process.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::{nn::VarStore, Tensor};

/// Stream of the run's seed used for weights; shuffling uses another stream.
pub const WEIGHT_STREAM: u64 = 1;
pub const SHUFFLE_STREAM: u64 = 2;

/// A generator for one purpose of one seed.
pub fn generator(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Fills every parameter from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the
/// distribution PyTorch's default init gives `Linear` and `Conv2d` weights and
/// biases (kaiming_uniform with a = sqrt(5)). Parameters are visited in name
/// order, so the same seed and model give the same weights.
pub fn initialize(vs: &VarStore, seed: u64) {
    let mut rng = generator(seed, WEIGHT_STREAM);
    let variables = vs.variables();
    let mut names: Vec<&String> = variables.keys().collect();
    names.sort();
    let _guard = tch::no_grad_guard();
    for name in names {
        let mut tensor = variables[name].shallow_clone();
        let fan_in = fan_in(&variables, name);
        let bound = 1.0 / (fan_in as f64).sqrt();
        let count = tensor.numel();
        let values: Vec<f32> = (0..count)
            .map(|_| rng.random_range(-bound..bound) as f32)
            .collect();
        let source = Tensor::from_slice(&values).view(tensor.size().as_slice());
        tensor.copy_(&source);
    }
}

/// Inputs per output unit: from the weight's shape, or for a bias from its
/// layer's weight (`fc1.bias` uses `fc1.weight`).
fn fan_in(variables: &std::collections::HashMap<String, Tensor>, name: &str) -> i64 {
    let weight_name = match name.strip_suffix("bias") {
        Some(prefix) => format!("{prefix}weight"),
        None => name.to_owned(),
    };
    let shape = variables
        .get(&weight_name)
        .map(|w| w.size())
        .unwrap_or_default();
    shape.iter().skip(1).product::<i64>().max(1)
}
