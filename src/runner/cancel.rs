//! Graceful stop on Ctrl-C (SIGINT) or SIGTERM: no new run starts, runs in
//! flight stop at their next evaluation (range tests at their next batch) and
//! are not stored, and the reports are written from the runs that finished.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// The error of a run that stopped because a stop was requested; such a run
/// has no record, so the next start runs it again.
#[derive(Debug, thiserror::Error)]
#[error("interrupted before it finished")]
pub struct Interrupted;

/// Installs the signal handler. A second signal ends the process at once with status 130.
pub fn install_handler() -> anyhow::Result<()> {
    ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            eprintln!(
                "\nstopping now; runs in flight are lost and will run again on the next start"
            );
            std::process::exit(130);
        }
        eprintln!("\nstopping: no new runs start, runs in flight stop at their next evaluation (press Ctrl-C again to stop at once)");
    })?;
    Ok(())
}

pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Returns `Err(Interrupted)` once a stop has been requested.
pub fn check() -> Result<(), Interrupted> {
    if stop_requested() {
        Err(Interrupted)
    } else {
        Ok(())
    }
}
