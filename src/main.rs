use clap::Parser;

use sweep::cli::Cli;
use sweep::commands;

fn main() {
    let cli = Cli::parse();
    let code = match commands::sweep::run(&cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            commands::EXIT_RUN_FAILED
        }
    };
    std::process::exit(code);
}
