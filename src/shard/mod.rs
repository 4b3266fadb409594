//! Splitting one grid across the tasks of a job array, and the files that let
//! `sweep report` merge what the tasks stored.
//!
//! The shard rule: the range tests and the grid runs are numbered in the
//! order that `--dry-run` lists them, range tests first. Range test i (in the
//! order model, dataset, optimizer, seed) has position i, and grid run j (in
//! the order model, dataset, optimizer, rate, seed) has position F + j, where
//! F is the number of range tests. Shard K of N runs the range tests and grid
//! runs whose position modulo N is K, and the runs at the suggestions of its
//! own range tests. A suggestion run has the model, dataset, optimizer and
//! seed of its range test and needs that test's record, so keeping it in the
//! test's shard means that no shard waits for another.

pub mod env;
pub mod lock;
pub mod manifest;

use std::collections::HashMap;
use std::fmt;

use crate::experiment::Experiment;
use crate::grid::{self, FinderRun, Run, Suggested};
use crate::records::FinderRecord;

pub use env::{choose, Choice};
pub use lock::FolderLock;
pub use manifest::{Manifest, Scope};

/// Shard `index` of `count`, numbered from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Checks that `count` is at least 1 and `index` is below it.
    pub fn new(index: usize, count: usize) -> Result<Shard, String> {
        if count == 0 {
            return Err("the shard count must be at least 1".to_owned());
        }
        if index >= count {
            return Err(format!(
                "shard {index}/{count} does not exist: shards are numbered 0 to {} (K must be below N)",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// Returns true when the run at `position` belongs to this shard.
    pub fn owns(&self, position: usize) -> bool {
        position % self.count == self.index
    }
}

/// Parses `K/N`, the value of `--shard`.
pub fn parse_shard(text: &str) -> Result<Shard, String> {
    let invalid = || {
        format!("invalid shard \"{text}\"; expected K/N with whole numbers 0 <= K < N, such as 0/4")
    };
    let (index, count) = text.trim().split_once('/').ok_or_else(invalid)?;
    let index: usize = index.trim().parse().map_err(|_| invalid())?;
    let count: usize = count.trim().parse().map_err(|_| invalid())?;
    Shard::new(index, count)
}

/// Parses a shard or task count of at least 1, the value of `--shard-count`
/// and `--tasks`.
pub fn parse_shard_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(count) if count >= 1 => Ok(count),
        _ => Err(format!(
            "invalid count \"{text}\"; expected a whole number of 1 or more"
        )),
    }
}

/// Returns the position of the grid run with `grid_index` when the grid has
/// `finder_count` range tests: range tests come first.
pub fn grid_run_position(grid_index: usize, finder_count: usize) -> usize {
    finder_count + grid_index
}

/// Keeps the range tests and grid runs of `shard`, or all of them when
/// `shard` is `None`. `finders` and `runs` must be the whole lists of
/// [`grid::finder_runs`] and [`grid::expand`], in their order.
pub fn select(
    shard: Option<Shard>,
    finders: Vec<FinderRun>,
    runs: Vec<Run>,
) -> (Vec<FinderRun>, Vec<Run>) {
    let Some(shard) = shard else {
        return (finders, runs);
    };
    let finder_count = finders.len();
    let finders = finders
        .into_iter()
        .enumerate()
        .filter(|(position, _)| shard.owns(*position))
        .map(|(_, run)| run)
        .collect();
    let runs = runs
        .into_iter()
        .enumerate()
        .filter(|(index, _)| shard.owns(grid_run_position(*index, finder_count)))
        .map(|(_, run)| run)
        .collect();
    (finders, runs)
}

/// Lists the training runs at the suggestions of the range tests in
/// `records`: for each of `finder_runs` that has a record, one run per
/// suggestion, in method order, numbered from `first_index`. Returns none when
/// the experiment does not train suggestions. `sweep` and `sweep report` both
/// use it, so that they expect the same runs.
pub fn suggestion_runs(
    experiment: &Experiment,
    finder_runs: &[FinderRun],
    records: &[FinderRecord],
    first_index: usize,
) -> Vec<Run> {
    if !experiment.finder.train_suggestions {
        return Vec::new();
    }
    let by_id: HashMap<&str, &FinderRecord> =
        records.iter().map(|r| (r.run_id.as_str(), r)).collect();
    let methods = &experiment.finder.methods;
    let suggested: Vec<Suggested> = finder_runs
        .iter()
        .filter_map(|run| by_id.get(run.id.as_str()).map(|record| (run, *record)))
        .flat_map(|(run, record)| {
            methods.iter().filter_map(move |&method| {
                record.suggestion(method).map(|lr| Suggested {
                    finder: run,
                    method,
                    lr,
                })
            })
        })
        .collect();
    grid::suggestion_runs(experiment, &suggested, first_index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_shard_accepts_and_rejects() {
        let cases: &[(&str, Result<(usize, usize), &str>)] = &[
            ("0/1", Ok((0, 1))),
            ("0/4", Ok((0, 4))),
            ("3/4", Ok((3, 4))),
            (" 2 / 5 ", Ok((2, 5))),
            (
                "4/4",
                Err("shard 4/4 does not exist: shards are numbered 0 to 3"),
            ),
            ("7/2", Err("shard 7/2 does not exist")),
            ("0/0", Err("the shard count must be at least 1")),
            ("1", Err("invalid shard \"1\"; expected K/N")),
            ("", Err("invalid shard \"\"")),
            ("a/2", Err("invalid shard \"a/2\"")),
            ("1/b", Err("invalid shard \"1/b\"")),
            ("-1/2", Err("invalid shard \"-1/2\"")),
            ("1.0/2", Err("invalid shard \"1.0/2\"")),
            ("1/2/3", Err("invalid shard \"1/2/3\"")),
            ("1-2", Err("invalid shard \"1-2\"")),
        ];
        for (text, expected) in cases {
            match (parse_shard(text), expected) {
                (Ok(shard), Ok((index, count))) => {
                    assert_eq!((shard.index, shard.count), (*index, *count), "{text:?}")
                }
                (Err(message), Err(part)) => {
                    assert!(message.contains(part), "{text:?}: {message}")
                }
                (result, expected) => panic!("{text:?}: got {result:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn owns_is_position_modulo_count() {
        let cases: &[(usize, usize, &[usize])] = &[
            (0, 1, &[0, 1, 2, 3, 4, 5, 6]),
            (0, 2, &[0, 2, 4, 6]),
            (1, 2, &[1, 3, 5]),
            (2, 3, &[2, 5]),
            (6, 7, &[6]),
            (3, 8, &[3]),
        ];
        for (index, count, owned) in cases {
            let shard = Shard::new(*index, *count).unwrap();
            let positions: Vec<usize> = (0..7).filter(|p| shard.owns(*p)).collect();
            assert_eq!(&positions, owned, "shard {shard}");
        }
    }

    #[test]
    fn every_position_has_exactly_one_shard() {
        for count in 1..6 {
            for position in 0..20 {
                let owners = (0..count)
                    .filter(|&index| Shard::new(index, count).unwrap().owns(position))
                    .count();
                assert_eq!(owners, 1, "position {position} of {count} shards");
            }
        }
    }

    #[test]
    fn grid_runs_follow_range_tests() {
        assert_eq!(grid_run_position(0, 0), 0);
        assert_eq!(grid_run_position(0, 4), 4);
        assert_eq!(grid_run_position(5, 4), 9);
    }
}
