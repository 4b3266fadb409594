//! Errors in an experiment file, located by file, line and column.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in an experiment file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Dotted key path such as `grid.lr` or `models.mlp.hidden[1]`; empty for syntax errors.
    pub key: String,
    /// The problem, with the bad value and the accepted values.
    pub message: String,
    /// Byte range in the file, when it could be located.
    pub span: Option<Range<usize>>,
}

/// Every problem found in one experiment file, rendered with file:line:column
/// and the offending source line.
#[derive(Debug)]
pub struct ConfigError {
    pub file: PathBuf,
    pub source_text: String,
    pub problems: Vec<Problem>,
}

/// Errors that stop an experiment before anything runs.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read experiment file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(ConfigError),
}

impl std::error::Error for ConfigError {}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

impl ConfigError {
    pub fn new(file: &Path, source_text: &str, problems: Vec<Problem>) -> Self {
        ConfigError {
            file: file.to_path_buf(),
            source_text: source_text.to_owned(),
            problems,
        }
    }

    fn write_problem(&self, f: &mut fmt::Formatter, problem: &Problem) -> fmt::Result {
        let file = self.file.display();
        let Some(span) = &problem.span else {
            return if problem.key.is_empty() {
                writeln!(f, "{file}: {}", problem.message)
            } else {
                writeln!(f, "{file}: `{}`: {}", problem.key, problem.message)
            };
        };
        let (line, column) = line_column(&self.source_text, span.start);
        if problem.key.is_empty() {
            writeln!(f, "{file}:{line}:{column}: {}", problem.message)?;
        } else {
            writeln!(
                f,
                "{file}:{line}:{column}: `{}`: {}",
                problem.key, problem.message
            )?;
        }
        let source_line = self.source_text.lines().nth(line - 1).unwrap_or("");
        let width = line.to_string().len();
        let end_column = if self.source_text[span.clone()].contains('\n') {
            source_line.chars().count() + 1
        } else {
            column + self.source_text[span.clone()].chars().count()
        };
        let marks = "^".repeat(end_column.saturating_sub(column).max(1));
        writeln!(f, "{:width$} |", "")?;
        writeln!(f, "{line} | {source_line}")?;
        writeln!(f, "{:width$} | {:pad$}{marks}", "", "", pad = column - 1)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let count = self.problems.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        writeln!(
            f,
            "invalid experiment file {} ({count} {noun}):",
            self.file.display()
        )?;
        for problem in &self.problems {
            self.write_problem(f, problem)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one() {
        let text = "a = 1\nbb = 'é2'\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let offset = text.find('2').unwrap();
        assert_eq!(line_column(text, offset), (2, 8));
    }

    #[test]
    fn display_points_at_value() {
        let text = "[grid]\nlr = -1\n";
        let start = text.find("-1").unwrap();
        let error = ConfigError::new(
            Path::new("x.toml"),
            text,
            vec![Problem {
                key: "grid.lr".into(),
                message: "bad".into(),
                span: Some(start..start + 2),
            }],
        );
        let shown = error.to_string();
        assert!(shown.contains("x.toml:2:6: `grid.lr`: bad"), "{shown}");
        assert!(shown.contains("2 | lr = -1"), "{shown}");
        assert!(shown.contains("  |      ^^"), "{shown}");
    }
}
