use clap::Parser;

use sweep::cli::{Cli, Command};
use sweep::commands;

fn main() {
    // Die quietly on a closed pipe (`sweep --dry-run FILE | head`), as Unix tools do,
    // instead of panicking in println!.
    // SAFETY: called before any other thread starts; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    if let Err(error) = commands::install_stop_handler() {
        eprintln!(
            "warning: Ctrl-C will stop the sweep at once, without writing reports: {error:#}"
        );
    }
    let result = match &cli.command {
        Some(Command::Find(args)) => commands::find::run(args),
        Some(Command::Report(args)) => commands::report::run(args),
        Some(Command::Slurm(args)) => commands::slurm::run(args),
        None => commands::sweep::run(&cli.run, cli.dry_run),
    };
    let code = result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        commands::EXIT_RUN_FAILED
    });
    std::process::exit(code);
}
