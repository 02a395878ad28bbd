//! Plumbing shared by the two request-serving daemons (`test-conn --daemon`, `scan-manager`):
//! collections opened by their plain names, the claim owner id, stop signals, and dates as
//! requesters store them.

use crate::config::MongoConf;
use crate::store::{Store, StoreError};
use bson::{Bson, Document};
use chrono::{DateTime, Utc};
use mongodb::Collection;
use std::time::Duration;
use tokio::sync::watch;

/// A collection named exactly `name`, whatever `-y` says (the daemons' `-c/-s/-e` options).
/// A store bound to the `-y` value `name` has `name` as its inventory collection, so this
/// reuses the store's connection checks and error texts.
pub async fn plain_collection(
    conf: &MongoConf,
    name: &str,
) -> Result<Collection<Document>, StoreError> {
    Ok(plain_store(conf).await?.plain_collection(name))
}

/// A store for collections addressed by their physical names (the `-y` rule does not apply).
pub async fn plain_store(conf: &MongoConf) -> Result<Store, StoreError> {
    Store::connect(conf, "inventory").await
}

/// `<hostname>:<pid>`, the `claimed_by` value of this process.
pub fn owner_id() -> String {
    format!("{}:{}", hostname(), std::process::id())
}

pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer outlives the call and its length is passed.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "localhost".into();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// Whether a process with this pid exists on this host.
pub fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Counts SIGINT/SIGTERM: 1 = finish the work in progress and stop, 2 = abort it.
#[derive(Clone)]
pub struct Stop {
    signals: watch::Receiver<u32>,
}

impl Stop {
    /// Starts listening for SIGINT and SIGTERM.
    pub fn listen() -> Stop {
        let (tx, rx) = watch::channel(0u32);
        tokio::spawn(async move {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            loop {
                let term_signal = async {
                    match term.as_mut() {
                        Some(t) => {
                            t.recv().await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term_signal => {}
                }
                let count = *tx.borrow() + 1;
                log::warn!(
                    "{}",
                    if count == 1 {
                        "stop requested: finishing the work in progress (signal again to abort it)"
                    } else {
                        "abort requested"
                    }
                );
                if tx.send(count).is_err() {
                    return;
                }
            }
        });
        Stop { signals: rx }
    }

    pub fn requested(&self) -> bool {
        *self.signals.borrow() >= 1
    }

    /// Sleeps `interval`, returning early when a stop is requested.
    pub async fn sleep(&mut self, interval: Duration) {
        let mut signals = self.signals.clone();
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = signals.wait_for(|n| *n >= 1) => {}
        }
    }

    /// Resolves when a second signal asks to abort the work in progress.
    pub async fn aborted(&self) {
        let mut signals = self.signals.clone();
        let _ = signals.wait_for(|n| *n >= 2).await;
    }
}

/// Polling interval in seconds, raised to the 0.1 s minimum.
pub fn interval(seconds: f64) -> Duration {
    Duration::from_secs_f64(if seconds.is_finite() {
        seconds.max(0.1)
    } else {
        0.1
    })
}

/// A requester's timestamp: a BSON date, or an ISO-8601 string (`Z`, `+0000`, `+00:00`, optional
/// fraction; without an offset it is taken as UTC). Anything else is `None`.
pub fn parse_timestamp(value: Option<&Bson>) -> Option<DateTime<Utc>> {
    match value? {
        Bson::DateTime(d) => Some(d.to_chrono()),
        Bson::String(s) => parse_iso(s.trim()),
        _ => None,
    }
}

fn parse_iso(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some(d.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(d) = DateTime::parse_from_str(text, format) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Some(d.and_utc());
        }
    }
    None
}

pub fn bson_now() -> Bson {
    Bson::DateTime(bson::DateTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_every_form_requesters_write() {
        let expected = "2017-05-17T11:00:17.939Z";
        for text in [
            "2017-05-17T11:00:17.939+0000",
            "2017-05-17T11:00:17.939Z",
            "2017-05-17T11:00:17.939+00:00",
            "2017-05-17T13:00:17.939+02:00",
            "2017-05-17T11:00:17.939",
        ] {
            let parsed = parse_timestamp(Some(&Bson::String(text.into()))).unwrap();
            assert_eq!(
                parsed.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                expected,
                "{text}"
            );
        }
        assert!(parse_timestamp(Some(&Bson::String("yesterday".into()))).is_none());
        assert!(parse_timestamp(Some(&Bson::Null)).is_none());
    }

    #[test]
    fn this_process_is_alive() {
        assert!(pid_alive(std::process::id()));
        assert!(!owner_id().is_empty());
    }
}
