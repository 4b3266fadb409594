//! The subcommands; each returns the process exit code.

pub mod sweep;

/// Exit codes: 0 when every run finished, 1 when a run or the sweep failed,
/// 2 when the experiment file, the data or the options are invalid.
pub const EXIT_RUN_FAILED: i32 = 1;
pub const EXIT_INVALID_INPUT: i32 = 2;
