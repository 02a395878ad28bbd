//! The one output layer: progress on a terminal (quiet without one, as under cron), human text
//! to stderr, machine output to stdout. Log lines go through [`print_line`] so they never tear
//! a progress bar.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

static ACTIVE_BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Prints one line on stderr, above the progress bar if one is showing.
pub fn print_line(line: &str) {
    let bar = ACTIVE_BAR.lock().ok().and_then(|b| b.clone());
    match bar {
        Some(bar) => bar.suspend(|| eprintln!("{line}")),
        None => {
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }
}

/// The one-line error every command prints before a non-zero exit.
pub fn error(message: &dyn std::fmt::Display) {
    print_line(&format!("error: {message}"));
}

pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Progress of a long phase: a spinner with counts on a terminal, nothing otherwise.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// Visible only when stderr is a terminal and `enabled`.
    pub fn start(phase: &str, enabled: bool) -> Progress {
        if !(enabled && stderr_is_terminal()) {
            return Progress::hidden();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{spinner} {prefix} [{elapsed}] {pos} objects {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_prefix(phase.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut active) = ACTIVE_BAR.lock() {
            *active = Some(bar.clone());
        }
        Progress { bar }
    }

    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
        }
    }

    pub fn object_saved(&self) {
        self.bar.inc(1);
    }

    pub fn set_queue(&self, _len: usize) {}

    pub fn set_current(&self, object_type: &str, parent_id: &str) {
        if !self.bar.is_hidden() {
            self.bar
                .set_message(format!("· {object_type} under {parent_id}"));
        }
    }

    pub fn set_message(&self, message: String) {
        self.bar.set_message(message);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
        if let Ok(mut active) = ACTIVE_BAR.lock() {
            *active = None;
        }
    }
}
