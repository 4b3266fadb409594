//! Charts as standalone SVG text and a self-contained HTML report page.
//!
//! Everything here is a pure function from plain data to a `String`: no
//! libtorch, no file I/O, no dependencies beyond the standard library. The
//! caller converts its records into the input structs and writes the output.
//!
//! - [`charts`]: the four report charts ([`finder_curve`], [`epochs_vs_lr`],
//!   [`scenario_losses`], [`parameter_path`]).
//! - [`html`]: [`report_page`], which inlines the charts with tables and text.
//! - [`chart`]: the chart builder they are made with, for other charts.
//! - [`scale`] and [`svg`]: ticks, number labels, XML escaping and markers.

pub mod chart;
pub mod charts;
pub mod html;
pub mod scale;
pub mod svg;

#[cfg(test)]
mod demo;
#[cfg(test)]
mod xml_check;

pub use charts::{
    epochs_vs_lr, finder_curve, parameter_path, scenario_losses, EpochsVsLr, FinderCurve, GridRun,
    LossCurve, ParameterPath, ParameterRun, RunStatus, ScenarioLosses, Suggestion,
};
pub use html::{report_page, Figure, Section, Table};
