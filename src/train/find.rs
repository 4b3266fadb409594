//! The learning-rate range test on a libtorch model: the training side of
//! `crate::finder`, which contains the schedule, smoothing, stop rule and
//! suggestions.

use tch::nn::{self, VarStore};
use tch::Tensor;

use crate::data::tensors::Dataset;
use crate::finder::{FinderSettings, RangeTest, Step};
use crate::runner::cancel;
use crate::train::{init, model, FinderOutcome};

/// Copies of every parameter, to put the model back as it was.
pub struct Snapshot(Vec<(String, Tensor)>);

impl Snapshot {
    pub fn take(vs: &VarStore) -> Snapshot {
        let _guard = tch::no_grad_guard();
        let mut saved: Vec<(String, Tensor)> = vs
            .variables()
            .into_iter()
            .map(|(name, tensor)| (name, tensor.copy()))
            .collect();
        saved.sort_by(|a, b| a.0.cmp(&b.0));
        Snapshot(saved)
    }

    /// Checks that two snapshots hold the same parameters with bit-identical values.
    pub fn equals(&self, other: &Snapshot) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|((name, a), (other_name, b))| name == other_name && a.equal(b))
    }

    /// Copies the saved values back into the same tensors.
    pub fn restore(&self, vs: &VarStore) {
        let _guard = tch::no_grad_guard();
        let variables = vs.variables();
        for (name, saved) in &self.0 {
            let mut tensor = variables[name].shallow_clone();
            tensor.copy_(saved);
        }
    }
}

/// Runs the range test on `net` and leaves its weights exactly as they were.
///
/// Batches come from the seed's shuffled order, the same order its training
/// runs start with, for as many epochs as `num_it` needs. The optimizer
/// accumulates state (momentum, Adam moments) during the test, so the caller
/// drops it: a fresh optimizer is the exact state a training run starts from.
pub fn range_test(
    net: &nn::Sequential,
    vs: &VarStore,
    optimizer: &mut nn::Optimizer,
    data: &Dataset,
    settings: FinderSettings,
    seed: u64,
    batch_size: usize,
    observe: &mut dyn FnMut(f64, f64),
) -> anyhow::Result<FinderOutcome> {
    let snapshot = Snapshot::take(vs);
    let mut test = RangeTest::new(settings)?;
    let samples = data.train_len();
    let mut shuffle = init::generator(seed, init::SHUFFLE_STREAM);
    let mut order: Vec<i64> = (0..samples as i64).collect();

    'epochs: while test.next_lr().is_some() {
        if samples == 0 {
            test.stop_out_of_data();
            break;
        }
        rand::seq::SliceRandom::shuffle(order.as_mut_slice(), &mut shuffle);
        let permutation = Tensor::from_slice(&order);
        for start in (0..samples).step_by(batch_size) {
            let Some(lr) = test.next_lr() else {
                break 'epochs;
            };
            optimizer.set_lr(lr);
            let len = batch_size.min(samples - start) as i64;
            let indices = permutation.narrow(0, start as i64, len);
            let images = data.train_images.index_select(0, &indices);
            let labels = data.train_labels.index_select(0, &indices);
            let batch_loss = model::forward(net, &images).cross_entropy_for_logits(&labels);
            optimizer.backward_step(&batch_loss);
            let loss = batch_loss.double_value(&[]);
            observe(lr, loss);
            cancel::check()?;
            if let Step::Stop(_) = test.record(loss) {
                break 'epochs;
            }
        }
    }

    snapshot.restore(vs);
    let stop_reason = test
        .stop_reason()
        .expect("the loop ends only after the test stops");
    Ok(FinderOutcome {
        points: test.points().to_vec(),
        stop_reason,
    })
}
