//! Log records go to stderr as `<local time> <LEVEL>: <message>` and, once a store is attached,
//! to the `messages` collection in the original's document shape (scan-cli.md §8).
//!
//! `-l` sets the level of both for the whole run; `RUST_LOG`, when set, refines what reaches
//! stderr (e.g. `RUST_LOG=calipso::access=debug`). Known secrets are masked in every line.

use crate::store::{Logical, Store};
use bson::{doc, Bson, Document};
use log::{Level, LevelFilter, Log, Metadata, Record};
use std::sync::{Mutex, OnceLock, RwLock};
use tokio::sync::mpsc;

/// Records with this target are the original's "console logger": stderr only.
pub const CONSOLE_ONLY: &str = "calipso::store";

struct Context {
    level: LevelFilter,
    environment: Option<String>,
    origin: Option<(Option<String>, String)>,
    secrets: Vec<String>,
    sink: Option<mpsc::UnboundedSender<Document>>,
}

static CONTEXT: RwLock<Context> = RwLock::new(Context {
    level: LevelFilter::Info,
    environment: None,
    origin: None,
    secrets: Vec::new(),
    sink: None,
});
static SINK_TASK: Mutex<Option<tokio::task::JoinHandle<()>>> = Mutex::new(None);
static LOGGER: OnceLock<CalipsoLogger> = OnceLock::new();

struct CalipsoLogger {
    rust_log: Option<env_filter::Filter>,
}

/// Parses a level name as the original accepts it (any case).
pub fn parse_level(name: &str) -> Option<LevelFilter> {
    match name.to_ascii_uppercase().as_str() {
        "DEBUG" => Some(LevelFilter::Debug),
        "INFO" => Some(LevelFilter::Info),
        "WARNING" => Some(LevelFilter::Warn),
        "ERROR" | "CRITICAL" => Some(LevelFilter::Error),
        _ => None,
    }
}

/// `init` from a level name as `-l` gives it; the error is the one line to print.
pub fn init_by_name(name: &str) -> Result<(), String> {
    let level = parse_level(name).ok_or_else(|| {
        format!("invalid log level '{name}': use DEBUG, INFO, WARNING, ERROR or CRITICAL")
    })?;
    init(level);
    Ok(())
}

/// Installs the logger (once per process) and sets the run's level.
pub fn init(level: LevelFilter) {
    let logger = LOGGER.get_or_init(|| CalipsoLogger {
        rust_log: std::env::var("RUST_LOG")
            .ok()
            .map(|spec| env_filter::Builder::new().parse(&spec).build()),
    });
    if let Ok(mut ctx) = CONTEXT.write() {
        ctx.level = level;
    }
    let max = logger
        .rust_log
        .as_ref()
        .map_or(level, |f| f.filter().max(level));
    let _ = log::set_logger(logger);
    log::set_max_level(max);
}

/// Masks these values in every later log line and message.
pub fn add_secrets(secrets: impl IntoIterator<Item = String>) {
    if let Ok(mut ctx) = CONTEXT.write() {
        ctx.secrets
            .extend(secrets.into_iter().filter(|s| s.len() >= 3));
    }
}

/// Sets the environment and origin fields of later `messages` records.
pub fn set_context(environment: &str, origin_id: Option<String>, origin_type: &str) {
    if let Ok(mut ctx) = CONTEXT.write() {
        ctx.environment = Some(environment.to_string());
        ctx.origin = Some((origin_id, origin_type.to_string()));
    }
}

/// Forgets the environment and origin of the last run (a daemon between requests).
pub fn clear_context() {
    if let Ok(mut ctx) = CONTEXT.write() {
        ctx.environment = None;
        ctx.origin = None;
    }
}

/// Starts copying records to the store's `messages` collection.
pub fn attach_messages(store: &Store) {
    let (tx, rx) = mpsc::unbounded_channel();
    let collection = store.collection(Logical::Messages);
    let task = tokio::spawn(drain_messages(collection, rx));
    if let Ok(mut ctx) = CONTEXT.write() {
        ctx.sink = Some(tx);
    }
    if let Ok(mut slot) = SINK_TASK.lock() {
        *slot = Some(task);
    }
}

/// Writes every pending record to `messages` and detaches the store.
pub async fn flush() {
    if let Ok(mut ctx) = CONTEXT.write() {
        ctx.sink = None;
    }
    let task = SINK_TASK.lock().ok().and_then(|mut t| t.take());
    if let Some(task) = task {
        let _ = task.await;
    }
}

async fn drain_messages(
    collection: mongodb::Collection<Document>,
    mut rx: mpsc::UnboundedReceiver<Document>,
) {
    let mut failed = false;
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
            if batch.len() >= 500 {
                break;
            }
        }
        if failed {
            continue;
        }
        if let Err(e) = collection.insert_many(batch).await {
            failed = true;
            crate::output::print_line(&format!(
                "WARNING: cannot write log records to collection {}: {}",
                collection.name(),
                e.to_string().lines().next().unwrap_or_default()
            ));
        }
    }
}

impl Log for CalipsoLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        let level = CONTEXT.read().map_or(LevelFilter::Info, |c| c.level);
        match &self.rust_log {
            Some(filter) => {
                filter.enabled(metadata)
                    || (is_ours(metadata.target()) && metadata.level() <= level)
            }
            None => {
                let limit = if is_ours(metadata.target()) {
                    level
                } else {
                    LevelFilter::Warn.min(level)
                };
                metadata.level() <= limit
            }
        }
    }

    fn log(&self, record: &Record) {
        let stderr_wanted = self.enabled(record.metadata());
        let Ok(ctx) = CONTEXT.read() else { return };
        let message = mask(&ctx.secrets, record.args().to_string());
        let now = chrono::Local::now();
        let line = format!(
            "{} {}: {message}",
            now.format("%Y-%m-%d %H:%M:%S,%3f"),
            level_name(record.level())
        );
        let to_messages = is_ours(record.target())
            && !record.target().starts_with(CONSOLE_ONLY)
            && record.level() <= ctx.level;
        if to_messages {
            if let Some(sink) = &ctx.sink {
                let _ = sink.send(message_document(&ctx, record.level(), &line));
            }
        }
        drop(ctx);
        if stderr_wanted {
            crate::output::print_line(&line);
        }
    }

    fn flush(&self) {}
}

/// `text` with every known secret replaced by `********`, for output that bypasses the logger.
pub fn redact(text: &str) -> String {
    match CONTEXT.read() {
        Ok(ctx) => mask(&ctx.secrets, text.to_string()),
        Err(_) => text.to_string(),
    }
}

fn mask(secrets: &[String], mut text: String) -> String {
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), "********");
        }
    }
    text
}

fn is_ours(target: &str) -> bool {
    target == "calipso" || target.starts_with("calipso::")
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "ERROR",
        Level::Warn => "WARNING",
        Level::Info => "INFO",
        Level::Debug | Level::Trace => "DEBUG",
    }
}

fn message_document(ctx: &Context, level: Level, line: &str) -> Document {
    let now = chrono::Utc::now();
    let since_epoch = now.signed_duration_since(chrono::DateTime::UNIX_EPOCH);
    let days = since_epoch.num_days();
    let seconds = since_epoch.num_seconds() - days * 86_400;
    let micros = since_epoch.num_microseconds().unwrap_or(0) % 1_000_000;
    let mut d = doc! {
        "id": format!("{days}.{seconds}.{micros}"),
        "environment": ctx.environment.clone().map_or(Bson::Null, Bson::String),
        "source_system": "Calipso",
        "related_object": Bson::Null,
        "related_object_type": Bson::Null,
        "display_context": Bson::Null,
        "level": match level { Level::Error => "error", Level::Warn => "warn", _ => "info" },
        "message": line,
        "timestamp": bson::DateTime::from_chrono(now),
        "received_timestamp": Bson::Null,
        "finished_timestamp": Bson::Null,
        "viewed": false,
    };
    if let Some((origin_id, origin_type)) = &ctx.origin {
        d.insert(
            "origin_id",
            origin_id.clone().map_or(Bson::Null, Bson::String),
        );
        d.insert("origin_type", origin_type.as_str());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_names_as_the_original_accepts_them() {
        assert_eq!(parse_level("debug"), Some(LevelFilter::Debug));
        assert_eq!(parse_level("Warning"), Some(LevelFilter::Warn));
        assert_eq!(parse_level("CRITICAL"), Some(LevelFilter::Error));
        assert_eq!(parse_level("WARN"), None);
        assert_eq!(parse_level("notset"), None);
    }
}
