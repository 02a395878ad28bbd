//! `calipso listen --all` (listen.md §2.2–2.3): one `calipso listen -e ENV` child process per
//! environment with `listen: true` and `scanned: true`, started, stopped and restarted (with
//! back-off) as those flags change. Each child writes its own `operational` status.

use crate::store::{Logical, Store};
use bson::doc;
use std::collections::HashMap;
use std::time::Duration;
use tokio::process::{Child, Command};
use tokio::sync::watch;
use tokio::time::Instant;

pub struct SupervisorOptions {
    /// The `calipso` executable.
    pub exe: std::path::PathBuf,
    /// Arguments after `listen -e ENV` (mongo config, inventory, log level, …).
    pub child_args: Vec<String>,
    pub interval: Duration,
}

struct Listener {
    child: Option<Child>,
    crashes: u32,
    restart_at: Instant,
}

pub async fn supervise(
    store: &Store,
    opts: &SupervisorOptions,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), String> {
    log::info!(
        "Started EventManager with following configuration:\nCollection: {}\nPolling interval: {} second(s)",
        store.names().physical(Logical::EnvironmentsConfig),
        opts.interval.as_secs_f64()
    );
    let mut listeners: HashMap<String, Listener> = HashMap::new();
    loop {
        let wanted = match eligible(store).await {
            Ok(names) => names,
            Err(e) => {
                // MongoDB briefly away: keep the running listeners, look again next round.
                log::error!("cannot read the environments to listen to: {e}");
                listeners.keys().cloned().collect()
            }
        };
        for (name, l) in listeners.iter_mut() {
            if !wanted.contains(name) {
                if let Some(child) = l.child.take() {
                    log::info!("Stopping event listener '{name}'");
                    stop_child(child).await;
                }
            }
        }
        listeners.retain(|name, _| wanted.contains(name));
        for name in &wanted {
            let l = listeners.entry(name.clone()).or_insert(Listener {
                child: None,
                crashes: 0,
                restart_at: Instant::now(),
            });
            if let Some(child) = l.child.as_mut() {
                match child.try_wait() {
                    Ok(None) => continue,
                    Ok(Some(status)) => {
                        l.child = None;
                        if !status.success() {
                            l.crashes += 1;
                            let delay = (10 * u64::from(l.crashes)).min(600);
                            log::error!("event listener '{name}' exited with {status}; restarting in {delay} s");
                            l.restart_at = Instant::now() + Duration::from_secs(delay);
                        }
                    }
                    Err(e) => log::error!("event listener '{name}': {e}"),
                }
            }
            if l.child.is_none() && Instant::now() >= l.restart_at {
                log::info!("Starting event listener '{name}'");
                let spawned = Command::new(&opts.exe)
                    .arg("listen")
                    .arg("-e")
                    .arg(name)
                    .args(&opts.child_args)
                    .kill_on_drop(true)
                    .spawn();
                match spawned {
                    Ok(child) => l.child = Some(child),
                    Err(e) => log::error!("cannot start event listener '{name}': {e}"),
                }
            }
        }
        tokio::select! {
            _ = super::consumer::shutdown_requested(&mut shutdown) => break,
            _ = tokio::time::sleep(opts.interval) => {}
        }
    }
    for (name, l) in listeners.iter_mut() {
        if let Some(child) = l.child.take() {
            log::info!("Stopping event listener '{name}'");
            stop_child(child).await;
        }
    }
    Ok(())
}

/// Environments to listen to: `scanned` and `listen` true, listening supported.
async fn eligible(store: &Store) -> Result<Vec<String>, crate::store::StoreError> {
    let docs = store
        .find(
            Logical::EnvironmentsConfig,
            doc! {"scanned": true, "listen": true},
        )
        .await?;
    let mut out = Vec::new();
    for d in docs {
        let Ok(name) = d.get_str("name").map(String::from) else {
            continue;
        };
        let supported = match crate::config::Environment::from_document(d) {
            Ok(env) => store.is_feature_supported(&env, "listening").await?,
            Err(_) => false,
        };
        if supported {
            out.push(name);
        } else {
            log::error!("Listening is not supported for env '{name}'");
            super::set_operational(store, &name, "error").await;
        }
    }
    Ok(out)
}

/// SIGTERM, then SIGKILL after 5 s.
async fn stop_child(mut child: Child) {
    if let Some(pid) = child.id() {
        // SAFETY: plain kill(2) on the pid of a child we spawned and still own.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
    }
    if tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .is_err()
    {
        let _ = child.kill().await;
    }
}
