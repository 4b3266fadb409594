//! `sweep`: learning-rate sweeps on libtorch.
//!
//! The modules follow the pipeline: an experiment file is parsed and validated
//! (`experiment`), expanded into a grid of runs (`grid`), each run trains on
//! data loaded once (`data`, `train`) on a rayon pool (`runner`), every finished
//! run is stored as a record (`records`), and the reports are built from the
//! records (`report`). `finder` holds the learning-rate range test.

pub mod data;
pub mod experiment;
pub mod finder;
pub mod grid;
pub mod train;
pub mod records;
pub mod report;
pub mod runner;
pub mod cli;
pub mod commands;
