//! Our side of `scripts/check-finder-fastai`, which compares this module with
//! fastai and Lightning. The script writes the cases as JSON, runs this
//! ignored test with `SWEEP_FINDER_CROSSCHECK_IN` and `_OUT` naming the input
//! and output files, and compares the output with the reference results.
//!
//! Floats travel as strings in Rust's and Python's shortest round-trip form, so
//! they arrive bit for bit and NaN and infinities survive the JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{suggest, FinderSettings, Method, RangeTest, Step};

#[derive(Deserialize)]
struct Case {
    name: String,
    settings: FinderSettings,
    /// Raw batch losses, fed to `RangeTest` until it stops.
    raw_losses: Vec<String>,
    /// The learning rates and smoothed losses that fastai recorded for the
    /// same raw losses.
    reference_lrs: Vec<String>,
    reference_losses: Vec<String>,
}

#[derive(Serialize)]
struct Outcome {
    name: String,
    stop_reason: String,
    lrs: Vec<String>,
    smoothed_losses: Vec<String>,
    /// Suggestions from our recorded curve, by method name.
    own: BTreeMap<String, Suggestion>,
    /// Suggestions from fastai's recorded curve, by method name.
    on_reference: BTreeMap<String, Suggestion>,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Suggestion {
    Lr(String),
    Error(String),
}

fn parse_floats(values: &[String], case: &str) -> Vec<f64> {
    values
        .iter()
        .map(|value| {
            value
                .parse()
                .unwrap_or_else(|_| panic!("case {case}: invalid float {value:?}"))
        })
        .collect()
}

fn format_floats(values: &[f64]) -> Vec<String> {
    values.iter().map(|value| format!("{value:?}")).collect()
}

fn suggestions(lrs: &[f64], losses: &[f64], num_it: usize) -> BTreeMap<String, Suggestion> {
    Method::ALL
        .into_iter()
        .map(|method| {
            let suggestion = match suggest(method, lrs, losses, num_it) {
                Ok(lr) => Suggestion::Lr(format!("{lr:?}")),
                Err(error) => Suggestion::Error(error.to_string()),
            };
            (method.to_string(), suggestion)
        })
        .collect()
}

fn run_case(case: &Case) -> Outcome {
    let mut test =
        RangeTest::new(case.settings).unwrap_or_else(|error| panic!("case {}: {error}", case.name));
    let raw_losses = parse_floats(&case.raw_losses, &case.name);
    let mut stop_reason = None;
    for &loss in &raw_losses {
        if let Step::Stop(reason) = test.record(loss) {
            stop_reason = Some(reason);
            break;
        }
    }
    let stop_reason = stop_reason.unwrap_or_else(|| test.stop_out_of_data());

    let reference_lrs = parse_floats(&case.reference_lrs, &case.name);
    let reference_losses = parse_floats(&case.reference_losses, &case.name);
    let num_it = case.settings.num_it;
    Outcome {
        name: case.name.clone(),
        stop_reason: stop_reason.to_string(),
        lrs: format_floats(&test.lrs()),
        smoothed_losses: format_floats(&test.smoothed_losses()),
        own: suggestions(&test.lrs(), &test.smoothed_losses(), num_it),
        on_reference: suggestions(&reference_lrs, &reference_losses, num_it),
    }
}

#[test]
#[ignore = "run by scripts/check-finder-fastai"]
fn crosscheck_cases_from_file() {
    let input = std::env::var("SWEEP_FINDER_CROSSCHECK_IN").expect(
        "set SWEEP_FINDER_CROSSCHECK_IN to the cases file written by scripts/check-finder-fastai",
    );
    let output = std::env::var("SWEEP_FINDER_CROSSCHECK_OUT")
        .expect("set SWEEP_FINDER_CROSSCHECK_OUT to the file for our results");

    let text = std::fs::read_to_string(&input)
        .unwrap_or_else(|error| panic!("failed to read {input}: {error}"));
    let cases: Vec<Case> = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("invalid cases in {input}: {error}"));
    let outcomes: Vec<Outcome> = cases.iter().map(run_case).collect();
    let json = serde_json::to_string_pretty(&outcomes).expect("outcomes serialize to JSON");
    std::fs::write(&output, json)
        .unwrap_or_else(|error| panic!("failed to write {output}: {error}"));
}
