//! The network of each model kind, built on a `VarStore`.

use tch::nn::{self, Module};

use crate::experiment::ModelKind;

/// Shape of one input image and the number of classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputShape {
    pub channels: i64,
    pub height: i64,
    pub width: i64,
    pub classes: i64,
}

impl InputShape {
    fn pixels(&self) -> i64 {
        self.channels * self.height * self.width
    }
}

/// Builds the network; inputs are `[batch, channels, height, width]` floats, outputs logits.
pub fn build(kind: &ModelKind, vs: &nn::Path, shape: InputShape) -> anyhow::Result<nn::Sequential> {
    let flat = shape.pixels();
    let net = match kind {
        ModelKind::Logistic => nn::seq()
            .add_fn(move |x| x.view([-1, flat]))
            .add(nn::linear(
                vs / "fc",
                flat,
                shape.classes,
                Default::default(),
            )),
        ModelKind::Mlp { hidden } => {
            let mut net = nn::seq().add_fn(move |x| x.view([-1, flat]));
            let mut inputs = flat;
            for (i, &size) in hidden.iter().enumerate() {
                let size = size as i64;
                net = net
                    .add(nn::linear(
                        vs / format!("fc{}", i + 1),
                        inputs,
                        size,
                        Default::default(),
                    ))
                    .add_fn(|x| x.relu());
                inputs = size;
            }
            net.add(nn::linear(
                vs / "out",
                inputs,
                shape.classes,
                Default::default(),
            ))
        }
        ModelKind::Lenet => lenet(vs, shape)?,
        ModelKind::Parameters => {
            anyhow::bail!("a model of kind \"parameters\" trains only on quadratic datasets")
        }
    };
    Ok(net)
}

/// LeNet-5 with ReLU and max pooling: conv 5x5 (6 maps, padding 2), pool,
/// conv 5x5 (16 maps), pool, then 120, 84 and `classes` units.
fn lenet(vs: &nn::Path, shape: InputShape) -> anyhow::Result<nn::Sequential> {
    // Padding 2 keeps the size through conv1; pool halves; conv2 trims 4; pool halves.
    let side = |size: i64| (size / 2 - 4) / 2;
    let (height, width) = (side(shape.height), side(shape.width));
    if height < 1 || width < 1 {
        anyhow::bail!(
            "model kind \"lenet\" needs images of at least 12x12 pixels, got {}x{}",
            shape.height,
            shape.width
        );
    }
    let conv = |padding| nn::ConvConfig {
        padding,
        ..Default::default()
    };
    let features = 16 * height * width;
    Ok(nn::seq()
        .add(nn::conv2d(vs / "conv1", shape.channels, 6, 5, conv(2)))
        .add_fn(|x| x.relu().max_pool2d_default(2))
        .add(nn::conv2d(vs / "conv2", 6, 16, 5, conv(0)))
        .add_fn(move |x| x.relu().max_pool2d_default(2).view([-1, features]))
        .add(nn::linear(vs / "fc1", features, 120, Default::default()))
        .add_fn(|x| x.relu())
        .add(nn::linear(vs / "fc2", 120, 84, Default::default()))
        .add_fn(|x| x.relu())
        .add(nn::linear(
            vs / "fc3",
            84,
            shape.classes,
            Default::default(),
        )))
}

/// Number of trainable parameters, for messages and tests.
pub fn parameter_count(vs: &nn::VarStore) -> i64 {
    vs.trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum()
}

/// Runs the network; kept here so callers need not import `Module`.
pub fn forward(net: &nn::Sequential, input: &tch::Tensor) -> tch::Tensor {
    net.forward(input)
}
