use clap::Parser;

use sweep::cli::{Cli, Command};
use sweep::commands;

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Find(args)) => commands::find::run(args),
        None => commands::sweep::run(&cli.run, cli.dry_run),
    };
    let code = result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        commands::EXIT_RUN_FAILED
    });
    std::process::exit(code);
}
