//! `sweep`: learning-rate sweeps on libtorch.
//!
//! The modules follow the pipeline. An experiment file is parsed and validated
//! (`experiment`) and expanded into a grid of runs (`grid`). Each run trains on
//! data loaded once (`data`, `train`) on a rayon pool (`runner`). Every finished
//! run is stored as a record (`records`), and the reports are built from the
//! records (`report`). `finder` contains the learning-rate range test.

pub mod cli;
pub mod commands;
pub mod data;
pub mod experiment;
pub mod finder;
pub mod grid;
pub mod plot;
pub mod records;
pub mod report;
pub mod runner;
pub mod shard;
pub mod train;
