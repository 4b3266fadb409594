//! Choosing the shard from `--shard`, or from the variables that Slurm job
//! arrays and Kubernetes Indexed Jobs set in each task's environment.

use std::fmt;

use super::Shard;

/// The index of a Slurm array task, and the array's first index, step and size.
pub const SLURM_ID: &str = "SLURM_ARRAY_TASK_ID";
pub const SLURM_MIN: &str = "SLURM_ARRAY_TASK_MIN";
pub const SLURM_STEP: &str = "SLURM_ARRAY_TASK_STEP";
pub const SLURM_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
/// The index of a pod of a Kubernetes Indexed Job, from 0 to completions - 1.
pub const KUBERNETES_INDEX: &str = "JOB_COMPLETION_INDEX";
/// The shard count, for environments that set only an index (Kubernetes).
pub const SHARD_COUNT: &str = "SWEEP_SHARD_COUNT";

/// A chosen shard and where its numbers came from, for the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub shard: Shard,
    /// The option or variables that gave the shard, such as `--shard 1/4`.
    pub source: String,
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "shard {} (from {})", self.shard, self.source)
    }
}

/// Chooses the shard: `--shard` (`flag`) wins; otherwise a Slurm array
/// task's variables, then `JOB_COMPLETION_INDEX` with the count from
/// `--shard-count` (`count_flag`) or `SWEEP_SHARD_COUNT`. Returns `None` when
/// nothing selects a shard, so the whole grid runs. `var` reads one
/// environment variable; an empty value counts as unset.
///
/// Slurm's index is `(SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) /
/// SLURM_ARRAY_TASK_STEP`, so arrays numbered from 1 or in steps work too.
/// An explicit count must equal `SLURM_ARRAY_TASK_COUNT` when both are set.
pub fn choose(
    flag: Option<Shard>,
    count_flag: Option<usize>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<Choice>, String> {
    let var = |name: &str| var(name).filter(|value| !value.trim().is_empty());
    if let Some(shard) = flag {
        return Ok(Some(Choice {
            shard,
            source: format!("--shard {shard}"),
        }));
    }
    // The count from --shard-count or SWEEP_SHARD_COUNT, with its source.
    let explicit_count = || -> Result<Option<(usize, String)>, String> {
        if let Some(count) = count_flag {
            return Ok(Some((count, format!("--shard-count {count}"))));
        }
        match var(SHARD_COUNT) {
            Some(text) => {
                let count = parse_number(SHARD_COUNT, &text)?;
                Ok(Some((count, format!("{SHARD_COUNT}={count}"))))
            }
            None => Ok(None),
        }
    };

    if let Some(id_text) = var(SLURM_ID) {
        let id = parse_number(SLURM_ID, &id_text)?;
        let min = var(SLURM_MIN)
            .map(|text| parse_number(SLURM_MIN, &text))
            .transpose()?;
        let step = var(SLURM_STEP)
            .map(|text| parse_number(SLURM_STEP, &text))
            .transpose()?
            .unwrap_or(1);
        let array_count = var(SLURM_COUNT)
            .map(|text| parse_number(SLURM_COUNT, &text))
            .transpose()?;
        let mut source = format!("{SLURM_ID}={id}");
        if let Some(min) = min {
            source += &format!(", {SLURM_MIN}={min}");
        }
        if step != 1 {
            source += &format!(", {SLURM_STEP}={step}");
        }
        let count = match (explicit_count()?, array_count) {
            (Some((count, given)), Some(array_count)) if count != array_count => {
                return Err(format!(
                    "{given} does not match {SLURM_COUNT}={array_count}; \
                     when only some tasks of an array are submitted again, pass --shard K/N instead"
                ));
            }
            (Some((count, given)), _) => {
                source += &format!(", {given}");
                count
            }
            (None, Some(array_count)) => {
                source += &format!(", {SLURM_COUNT}={array_count}");
                array_count
            }
            (None, None) => {
                return Err(format!(
                    "{SLURM_ID}={id} is set but {SLURM_COUNT} is not; pass --shard K/N or --shard-count N"
                ));
            }
        };
        let min = min.unwrap_or(0);
        if step == 0 {
            return Err(format!(
                "invalid {SLURM_STEP}=0; expected a step of at least 1"
            ));
        }
        if id < min || (id - min) % step != 0 {
            return Err(format!(
                "{SLURM_ID}={id} is not in the array that starts at {min} with step {step}; pass --shard K/N"
            ));
        }
        let shard = Shard::new((id - min) / step, count).map_err(|error| {
            format!(
                "{error} ({source}); the array must be a contiguous range such as --array=0-{}, or pass --shard K/N",
                count.saturating_sub(1)
            )
        })?;
        return Ok(Some(Choice { shard, source }));
    }

    if let Some(index_text) = var(KUBERNETES_INDEX) {
        let index = parse_number(KUBERNETES_INDEX, &index_text)?;
        let Some((count, given)) = explicit_count()? else {
            return Err(format!(
                "{KUBERNETES_INDEX}={index} is set but the shard count is not; \
                 pass --shard-count N or set {SHARD_COUNT}=N, with N the Job's completions"
            ));
        };
        let source = format!("{KUBERNETES_INDEX}={index}, {given}");
        let shard = Shard::new(index, count).map_err(|error| format!("{error} ({source})"))?;
        return Ok(Some(Choice { shard, source }));
    }

    if let Some(count) = count_flag {
        return Err(format!(
            "--shard-count {count} needs a shard index, but neither {SLURM_ID} nor {KUBERNETES_INDEX} is set; pass --shard K/N"
        ));
    }
    Ok(None)
}

fn parse_number(name: &str, text: &str) -> Result<usize, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("invalid {name}=\"{text}\"; expected a whole number of 0 or more"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One environment, the options, and the expected shard and source, or a
    /// part of the expected error.
    struct Case {
        env: &'static [(&'static str, &'static str)],
        flag: Option<(usize, usize)>,
        count_flag: Option<usize>,
        expected: Result<Option<((usize, usize), &'static str)>, &'static str>,
    }

    fn run(case: &Case) -> Result<Option<Choice>, String> {
        let flag = case
            .flag
            .map(|(index, count)| Shard::new(index, count).unwrap());
        choose(flag, case.count_flag, |name| {
            case.env
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn choose_from_options_and_environment() {
        let slurm_second_of_four = &[
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        let cases = [
            Case {
                env: &[],
                flag: None,
                count_flag: None,
                expected: Ok(None),
            },
            Case {
                env: &[],
                flag: Some((1, 3)),
                count_flag: None,
                expected: Ok(Some(((1, 3), "--shard 1/3"))),
            },
            // The option wins over the environment.
            Case {
                env: slurm_second_of_four,
                flag: Some((2, 3)),
                count_flag: None,
                expected: Ok(Some(((2, 3), "--shard 2/3"))),
            },
            Case {
                env: slurm_second_of_four,
                flag: None,
                count_flag: None,
                expected: Ok(Some((
                    (1, 4),
                    "SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_MIN=0, SLURM_ARRAY_TASK_COUNT=4",
                ))),
            },
            // An array numbered from 1 (--array=1-4).
            Case {
                env: &[
                    ("SLURM_ARRAY_TASK_ID", "4"),
                    ("SLURM_ARRAY_TASK_MIN", "1"),
                    ("SLURM_ARRAY_TASK_COUNT", "4"),
                ],
                flag: None,
                count_flag: None,
                expected: Ok(Some((
                    (3, 4),
                    "SLURM_ARRAY_TASK_ID=4, SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_COUNT=4",
                ))),
            },
            // An array in steps (--array=10-16:2).
            Case {
                env: &[
                    ("SLURM_ARRAY_TASK_ID", "14"),
                    ("SLURM_ARRAY_TASK_MIN", "10"),
                    ("SLURM_ARRAY_TASK_STEP", "2"),
                    ("SLURM_ARRAY_TASK_COUNT", "4"),
                ],
                flag: None,
                count_flag: None,
                expected: Ok(Some((
                    (2, 4),
                    "SLURM_ARRAY_TASK_ID=14, SLURM_ARRAY_TASK_MIN=10, SLURM_ARRAY_TASK_STEP=2, SLURM_ARRAY_TASK_COUNT=4",
                ))),
            },
            Case {
                env: &[
                    ("SLURM_ARRAY_TASK_ID", "13"),
                    ("SLURM_ARRAY_TASK_MIN", "10"),
                    ("SLURM_ARRAY_TASK_STEP", "2"),
                    ("SLURM_ARRAY_TASK_COUNT", "4"),
                ],
                flag: None,
                count_flag: None,
                expected: Err("SLURM_ARRAY_TASK_ID=13 is not in the array that starts at 10 with step 2"),
            },
            // Without SLURM_ARRAY_TASK_MIN the offset is 0.
            Case {
                env: &[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "3")],
                flag: None,
                count_flag: None,
                expected: Ok(Some(((2, 3), "SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=3"))),
            },
            Case {
                env: &[
                    ("SLURM_ARRAY_TASK_ID", "2"),
                    ("SLURM_ARRAY_TASK_MIN", "3"),
                    ("SLURM_ARRAY_TASK_COUNT", "3"),
                ],
                flag: None,
                count_flag: None,
                expected: Err("SLURM_ARRAY_TASK_ID=2 is not in the array that starts at 3"),
            },
            // A sparse array (--array=0,5) gives an index beyond the count.
            Case {
                env: &[
                    ("SLURM_ARRAY_TASK_ID", "5"),
                    ("SLURM_ARRAY_TASK_MIN", "0"),
                    ("SLURM_ARRAY_TASK_COUNT", "2"),
                ],
                flag: None,
                count_flag: None,
                expected: Err("shard 5/2 does not exist"),
            },
            Case {
                env: &[("SLURM_ARRAY_TASK_ID", "1")],
                flag: None,
                count_flag: None,
                expected: Err("SLURM_ARRAY_TASK_ID=1 is set but SLURM_ARRAY_TASK_COUNT is not"),
            },
            Case {
                env: &[("SLURM_ARRAY_TASK_ID", "1")],
                flag: None,
                count_flag: Some(2),
                expected: Ok(Some(((1, 2), "SLURM_ARRAY_TASK_ID=1, --shard-count 2"))),
            },
            // A resubmitted task (sbatch --array=1) reports a count of 1.
            Case {
                env: &[
                    ("SLURM_ARRAY_TASK_ID", "1"),
                    ("SLURM_ARRAY_TASK_MIN", "1"),
                    ("SLURM_ARRAY_TASK_COUNT", "1"),
                ],
                flag: None,
                count_flag: Some(2),
                expected: Err("--shard-count 2 does not match SLURM_ARRAY_TASK_COUNT=1"),
            },
            Case {
                env: &[("SLURM_ARRAY_TASK_ID", "x1"), ("SLURM_ARRAY_TASK_COUNT", "2")],
                flag: None,
                count_flag: None,
                expected: Err("invalid SLURM_ARRAY_TASK_ID=\"x1\"; expected a whole number"),
            },
            Case {
                env: &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "-2")],
                flag: None,
                count_flag: None,
                expected: Err("invalid SLURM_ARRAY_TASK_COUNT=\"-2\""),
            },
            Case {
                env: &[
                    ("SLURM_ARRAY_TASK_ID", "0"),
                    ("SLURM_ARRAY_TASK_STEP", "0"),
                    ("SLURM_ARRAY_TASK_COUNT", "2"),
                ],
                flag: None,
                count_flag: None,
                expected: Err("invalid SLURM_ARRAY_TASK_STEP=0"),
            },
            // Empty values count as unset.
            Case {
                env: &[("SLURM_ARRAY_TASK_ID", ""), ("SLURM_ARRAY_TASK_COUNT", "2")],
                flag: None,
                count_flag: None,
                expected: Ok(None),
            },
            Case {
                env: &[("JOB_COMPLETION_INDEX", "2")],
                flag: None,
                count_flag: Some(3),
                expected: Ok(Some(((2, 3), "JOB_COMPLETION_INDEX=2, --shard-count 3"))),
            },
            Case {
                env: &[("JOB_COMPLETION_INDEX", "0"), ("SWEEP_SHARD_COUNT", "5")],
                flag: None,
                count_flag: None,
                expected: Ok(Some(((0, 5), "JOB_COMPLETION_INDEX=0, SWEEP_SHARD_COUNT=5"))),
            },
            // The option wins over SWEEP_SHARD_COUNT.
            Case {
                env: &[("JOB_COMPLETION_INDEX", "0"), ("SWEEP_SHARD_COUNT", "5")],
                flag: None,
                count_flag: Some(2),
                expected: Ok(Some(((0, 2), "JOB_COMPLETION_INDEX=0, --shard-count 2"))),
            },
            Case {
                env: &[("JOB_COMPLETION_INDEX", "3")],
                flag: None,
                count_flag: None,
                expected: Err("JOB_COMPLETION_INDEX=3 is set but the shard count is not"),
            },
            Case {
                env: &[("JOB_COMPLETION_INDEX", "3")],
                flag: None,
                count_flag: Some(3),
                expected: Err("shard 3/3 does not exist"),
            },
            Case {
                env: &[("JOB_COMPLETION_INDEX", "1"), ("SWEEP_SHARD_COUNT", "two")],
                flag: None,
                count_flag: None,
                expected: Err("invalid SWEEP_SHARD_COUNT=\"two\""),
            },
            Case {
                env: &[("JOB_COMPLETION_INDEX", "0"), ("SWEEP_SHARD_COUNT", "0")],
                flag: None,
                count_flag: None,
                expected: Err("the shard count must be at least 1"),
            },
            // Slurm wins over Kubernetes.
            Case {
                env: &[
                    ("JOB_COMPLETION_INDEX", "0"),
                    ("SLURM_ARRAY_TASK_ID", "1"),
                    ("SLURM_ARRAY_TASK_COUNT", "2"),
                ],
                flag: None,
                count_flag: None,
                expected: Ok(Some(((1, 2), "SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_COUNT=2"))),
            },
            // SWEEP_SHARD_COUNT alone selects nothing, but the option needs an index.
            Case {
                env: &[("SWEEP_SHARD_COUNT", "4")],
                flag: None,
                count_flag: None,
                expected: Ok(None),
            },
            Case {
                env: &[],
                flag: None,
                count_flag: Some(4),
                expected: Err("--shard-count 4 needs a shard index"),
            },
        ];
        for (number, case) in cases.iter().enumerate() {
            let context = format!("case {number}: env {:?}, flag {:?}", case.env, case.flag);
            match (run(case), &case.expected) {
                (Ok(None), Ok(None)) => {}
                (Ok(Some(choice)), Ok(Some(((index, count), source)))) => {
                    assert_eq!(
                        (choice.shard.index, choice.shard.count),
                        (*index, *count),
                        "{context}"
                    );
                    assert_eq!(choice.source, *source, "{context}");
                }
                (Err(message), Err(part)) => {
                    assert!(message.contains(part), "{context}: {message}")
                }
                (result, expected) => {
                    panic!("{context}: got {result:?}, expected {expected:?}")
                }
            }
        }
    }

    #[test]
    fn choice_names_its_source() {
        let choice = Choice {
            shard: Shard::new(1, 2).unwrap(),
            source: "SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_COUNT=2".to_owned(),
        };
        assert_eq!(
            choice.to_string(),
            "shard 1/2 (from SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_COUNT=2)"
        );
    }
}
