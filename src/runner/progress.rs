//! Progress display. Workers send [`Event`]s; one reporter thread owns the
//! indicatif bars (on a terminal) or prints plain lines (otherwise), so
//! parallel runs never interleave their output.

use std::io::IsTerminal;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Without a terminal, a line listing the busy workers is printed this often.
const PLAIN_HEARTBEAT: Duration = Duration::from_secs(30);

pub enum Event {
    Started {
        worker: usize,
        label: String,
    },
    /// The current state of a busy worker's run, such as `epoch 1.25, val_accuracy 0.9012`.
    Progress {
        worker: usize,
        status: String,
    },
    Finished {
        worker: usize,
        label: String,
        result: String,
    },
    Warning(String),
}

/// The receiving end of the progress events.
pub struct Reporter {
    sender: Sender<Event>,
    thread: JoinHandle<()>,
}

impl Reporter {
    /// Starts the reporter for `total` runs on `workers` workers.
    pub fn start(title: &str, total: usize, workers: usize) -> Reporter {
        let title = title.to_owned();
        let (sender, receiver) = channel();
        let terminal = std::io::stderr().is_terminal();
        let thread = std::thread::spawn(move || {
            if terminal {
                show_bars(receiver, &title, total, workers)
            } else {
                show_lines(receiver, &title, total, workers)
            }
        });
        Reporter { sender, thread }
    }

    pub fn sender(&self) -> Sender<Event> {
        self.sender.clone()
    }

    /// Waits until every event has been shown and the bars are cleared.
    pub fn finish(self) {
        drop(self.sender);
        let _ = self.thread.join();
    }
}

fn show_bars(receiver: Receiver<Event>, title: &str, total: usize, workers: usize) {
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    let template =
        format!("{title}: [{{elapsed_precise}}] {{bar:30}} {{pos}}/{{len}} runs, ETA {{eta}}");
    let style = ProgressStyle::with_template(&template).expect("the progress template is valid");
    let sweep = multi.add(ProgressBar::new(total as u64).with_style(style));
    let worker_style =
        ProgressStyle::with_template("  {prefix} {msg}").expect("the worker template is valid");
    let lines: Vec<ProgressBar> = (0..workers)
        .map(|i| {
            multi.add(
                ProgressBar::new(1)
                    .with_style(worker_style.clone())
                    .with_prefix(format!("#{i}")),
            )
        })
        .collect();
    let mut labels = vec![String::new(); workers];
    sweep.enable_steady_tick(Duration::from_millis(500));
    for event in receiver {
        match event {
            Event::Started { worker, label } => {
                if let Some(line) = lines.get(worker) {
                    line.set_message(format!("{label}: starting"));
                }
                if let Some(slot) = labels.get_mut(worker) {
                    *slot = label;
                }
            }
            Event::Progress { worker, status } => {
                if let (Some(line), Some(label)) = (lines.get(worker), labels.get(worker)) {
                    line.set_message(format!("{label}: {status}"));
                }
            }
            Event::Finished {
                worker,
                label,
                result,
            } => {
                sweep.inc(1);
                multi.suspend(|| eprintln!("{label}: {result}"));
                if let Some(line) = lines.get(worker) {
                    line.set_message("idle");
                }
            }
            Event::Warning(text) => multi.suspend(|| eprintln!("warning: {text}")),
        }
    }
    for line in lines {
        line.finish_and_clear();
    }
    sweep.finish_and_clear();
}

fn show_lines(receiver: Receiver<Event>, title: &str, total: usize, workers: usize) {
    let started = Instant::now();
    let mut labels = vec![String::new(); workers];
    let mut statuses = vec![String::new(); workers];
    let mut done = 0;
    let mut last_heartbeat = Instant::now();
    loop {
        match receiver.recv_timeout(PLAIN_HEARTBEAT) {
            Ok(Event::Started { worker, label }) => {
                if let Some(slot) = labels.get_mut(worker) {
                    *slot = label;
                }
            }
            Ok(Event::Progress { worker, status }) => {
                if let Some(slot) = statuses.get_mut(worker) {
                    *slot = status;
                }
            }
            Ok(Event::Finished {
                worker,
                label,
                result,
            }) => {
                done += 1;
                let seconds = started.elapsed().as_secs_f64();
                eprintln!("[{title} {done}/{total} {seconds:.0}s] {label}: {result}");
                if let (Some(label), Some(status)) =
                    (labels.get_mut(worker), statuses.get_mut(worker))
                {
                    label.clear();
                    status.clear();
                }
            }
            Ok(Event::Warning(text)) => eprintln!("warning: {text}"),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if last_heartbeat.elapsed() >= PLAIN_HEARTBEAT {
            last_heartbeat = Instant::now();
            let running: Vec<String> = labels
                .iter()
                .zip(&statuses)
                .filter(|(label, _)| !label.is_empty())
                .map(|(label, status)| format!("{label}: {status}"))
                .collect();
            let seconds = started.elapsed().as_secs_f64();
            eprintln!(
                "[{title} {done}/{total} {seconds:.0}s] running: {}",
                running.join("; ")
            );
        }
    }
}
