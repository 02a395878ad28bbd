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
            ProgressStyle::with_template("{spinner} {prefix} [{elapsed}] {pos} objects {wide_msg}")
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

    pub fn objects_saved(&self, count: u64) {
        self.bar.inc(count);
    }

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

/// Machine output: one JSON document per line on stdout.
pub fn print_json(value: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}

/// Rows as left-aligned columns separated by two spaces (last column unpadded).
pub fn aligned(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if c + 1 == row.len() {
                    cell.clone()
                } else {
                    format!("{cell:<width$}", width = widths[c])
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::aligned;

    #[test]
    fn columns_are_aligned_and_lines_not_padded() {
        let rows = vec![
            vec!["a".to_string(), "bb".to_string(), "c".to_string()],
            vec!["long".to_string(), "b".to_string(), "".to_string()],
        ];
        assert_eq!(aligned(&rows), "a     bb  c\nlong  b\n");
    }
}
