//! Optimizers of the experiment file, mapped onto tch's.

use tch::nn::{self, OptimizerConfig};

use crate::experiment::{OptimizerKind, OptimizerSpec};

pub fn build(spec: &OptimizerSpec, vs: &nn::VarStore, lr: f64) -> anyhow::Result<nn::Optimizer> {
    let optimizer = match spec.kind {
        OptimizerKind::Sgd => nn::Sgd {
            wd: spec.weight_decay,
            ..Default::default()
        }
        .build(vs, lr)?,
        OptimizerKind::Momentum { momentum, nesterov } => nn::Sgd {
            momentum,
            dampening: 0.0,
            wd: spec.weight_decay,
            nesterov,
        }
        .build(vs, lr)?,
        OptimizerKind::Adam { beta1, beta2, eps } => nn::Adam {
            beta1,
            beta2,
            eps,
            wd: spec.weight_decay,
            amsgrad: false,
        }
        .build(vs, lr)?,
    };
    Ok(optimizer)
}
