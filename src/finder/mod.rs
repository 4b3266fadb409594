//! The learning-rate range test (fastai's `lr_find`) and its suggestions.
//!
//! This module contains only the arithmetic, with no libtorch in it. The
//! training loop gets each batch's learning rate from a `RangeTest`
//! (`next_lr`), trains the batch and passes back its raw loss (`record`) until
//! the returned `Step` is `Stop`. `suggest` then turns the recorded curve into
//! a learning rate.
//!
//! The defaults, smoothing, stop rule, trimming and suggestion methods
//! reproduce fastai 2.8 `Learner.lr_find`, except where a doc comment says
//! otherwise (stopping on NaN, divergence for zero and negative losses, and
//! curves without a usable suggestion).

mod methods;
mod range_test;
mod schedule;
mod suggest;

#[cfg(test)]
mod crosscheck;

pub use methods::{SLIDE_ADJUST, SLIDE_LR_DIFF, SLIDE_THRESHOLD};
pub use range_test::{CurvePoint, RangeTest, Step, StopReason};
pub use schedule::{lr_at, FinderSettings, InvalidSettings};
pub use suggest::{
    fastai_window, lightning_window, suggest, Method, NoSuggestion, UnknownMethod, Window,
    FASTAI_SKIP_END, LIGHTNING_SKIP_BEGIN, LIGHTNING_SKIP_END,
};
