//! What a fetcher may use during one scan: the environment, the inventory (read-only by
//! convention) and the access layers, each opened on first use and shared for the whole run.

use super::FetchError;
use crate::access::{api::ApiAccess, cli::CliAccess, db::DbAccess};
use crate::config::Environment;
use crate::store::Store;
use tokio::sync::OnceCell;

pub struct ScanContext {
    pub env: Environment,
    pub store: Store,
    api: OnceCell<ApiAccess>,
    db: OnceCell<DbAccess>,
    cli: OnceCell<CliAccess>,
}

impl ScanContext {
    pub fn new(env: Environment, store: Store) -> Self {
        ScanContext {
            env,
            store,
            api: OnceCell::new(),
            db: OnceCell::new(),
            cli: OnceCell::new(),
        }
    }

    /// The OpenStack API, authenticated for the admin project on first use.
    pub async fn api(&self) -> Result<&ApiAccess, FetchError> {
        Ok(self
            .api
            .get_or_try_init(|| ApiAccess::connect(&self.env))
            .await?)
    }

    /// The OpenStack databases, connected (and the Neutron schema found) on first use.
    pub async fn db(&self) -> Result<&DbAccess, FetchError> {
        Ok(self
            .db
            .get_or_try_init(|| DbAccess::connect(&self.env))
            .await?)
    }

    /// SSH to the hosts through the environment's CLI gateway.
    pub async fn cli(&self) -> Result<&CliAccess, FetchError> {
        Ok(self
            .cli
            .get_or_try_init(|| async { CliAccess::new(&self.env) })
            .await?)
    }

    /// Drops the SSH output cache: a long-lived context (the listener's) must see the hosts as
    /// they are now, not as they were up to 60 s ago.
    pub fn forget_cached_output(&self) {
        if let Some(cli) = self.cli.get() {
            cli.clear_cache();
        }
    }
}
