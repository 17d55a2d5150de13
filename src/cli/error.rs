//! The command line's one error type, and the one place errors become exit codes and the
//! one `puzi: …` line on stderr (as in ripgrep). Subcommands return `Result<(), CliError>`
//! and never exit on their own.
//!
//! Exit status: 0 success, 1 the command ran and failed, 2 bad configuration or usage.

use crate::app::StartError;
use crate::config::ConfigError;
use std::fmt::Display;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The config file cannot be read or is invalid.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The keys or clients the config describes cannot be set up.
    #[error("{0}")]
    Setup(StartError),
    /// Bad usage: an input named on the command line cannot be read or used.
    #[error("{0}")]
    Usage(String),
    /// The shop cannot start.
    #[error("{0}")]
    Start(#[from] StartError),
    /// The command ran and failed.
    #[error("{0}")]
    Failed(String),
    /// Checks failed; their report is already printed.
    #[error("some checks failed")]
    Reported,
}

impl CliError {
    /// An input file named on the command line cannot be read (usage).
    pub fn input(path: &Path, e: impl Display) -> CliError {
        CliError::Usage(format!("{}: {e}", path.display()))
    }

    /// An output file cannot be written (failure).
    pub fn output(path: &Path, e: impl Display) -> CliError {
        CliError::Failed(format!("{}: {e}", path.display()))
    }
}

/// The exit status for an error.
pub fn exit_code(e: &CliError) -> u8 {
    match e {
        CliError::Config(_) | CliError::Setup(_) | CliError::Usage(_) => 2,
        CliError::Start(_) | CliError::Failed(_) | CliError::Reported => 1,
    }
}

/// Prints the error's one line (unless the command already reported) and gives the status.
pub fn finish(result: Result<(), CliError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !matches!(e, CliError::Reported) {
                eprintln!("puzi: {e}");
            }
            ExitCode::from(exit_code(&e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_and_usage_exit_2_failures_exit_1() {
        let config = ConfigError {
            file: "f".into(),
            key: "k".into(),
            problem: "p".into(),
        };
        assert_eq!(exit_code(&CliError::Config(config)), 2);
        assert_eq!(
            exit_code(&CliError::Setup(StartError::Wechat("x".into()))),
            2
        );
        assert_eq!(exit_code(&CliError::input(Path::new("a"), "gone")), 2);
        assert_eq!(
            exit_code(&CliError::Start(StartError::Wechat("x".into()))),
            1
        );
        assert_eq!(exit_code(&CliError::output(Path::new("a"), "full")), 1);
        assert_eq!(exit_code(&CliError::Failed("x".into())), 1);
        assert_eq!(exit_code(&CliError::Reported), 1);
        assert_eq!(
            CliError::input(Path::new("a.csv"), "gone").to_string(),
            "a.csv: gone"
        );
    }
}
