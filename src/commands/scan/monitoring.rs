//! The scan's monitoring steps (monitoring.md §1, §5.5): the setup manager and server setup at
//! scan start, the object hooks, `--monitoring_setup_only`'s re-tracking and the deployment
//! after the phases.

use super::{setup, Failure, ScanArgs};
use crate::config::Environment;
use crate::monitoring::{Manager, Provision};
use crate::store::Store;

/// A manager when the environment supports monitoring, its server setup done. A server setup
/// without its required fields ends the run (exit 1).
pub async fn start(
    args: &ScanArgs,
    store: &Store,
    env: &Environment,
) -> Result<Option<Manager>, Failure> {
    if !store
        .is_feature_supported(env, "monitoring")
        .await
        .map_err(setup)?
    {
        if args.monitoring_setup_only {
            log::warn!("monitoring is not supported for environment {}", env.name);
        }
        return Ok(None);
    }
    let mut manager = Manager::new(store.clone(), env.clone());
    if manager.provision() == Provision::None && args.monitoring_setup_only {
        log::info!("Monitoring config setup skipped: provision is None");
    }
    manager.server_setup().await.map_err(setup)?;
    Ok(Some(manager))
}

/// Hooks (or the stored configs with `--monitoring_setup_only`), then the deployment unless a
/// single phase was asked for. False when something failed.
pub async fn finish(args: &ScanArgs, manager: &mut Manager) -> Result<bool, Failure> {
    if args.monitoring_setup_only {
        manager.track_stored_configs().await.map_err(setup)?;
    } else if !args.cliques_only {
        manager.run_hooks().await.map_err(setup)?;
    }
    let mut ok = manager.errors() == 0;
    if !(args.inventory_only || args.links_only || args.cliques_only) {
        ok &= manager.deploy().await;
    }
    Ok(ok)
}
