//! What a fetcher may use during one scan: the environment, the inventory (read-only by
//! convention) and the access layers, each opened on first use and shared for the whole run.

use super::FetchError;
use crate::access::{
    aci::AciAccess, api::ApiAccess, cli::CliAccess, db::DbAccess, kube::KubeAccess,
};
use crate::config::Environment;
use crate::doc::Object;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Rows of one query, shared by the fetchers that ask for them.
type SharedRows = Arc<OnceCell<Arc<Vec<Object>>>>;

/// An object a fetcher found on the way that belongs elsewhere in the tree (the ACI fetchers'
/// switches, under the region): the scanner saves it, with `parent`, before the fetcher's own
/// results.
#[derive(Debug, Clone)]
pub struct Aside {
    pub object_type: String,
    pub object: Object,
    pub parent: Object,
}

pub struct ScanContext {
    pub env: Environment,
    pub store: Store,
    api: OnceCell<ApiAccess>,
    db: OnceCell<DbAccess>,
    cli: OnceCell<CliAccess>,
    /// Answers of queries that do not depend on the parent (the original repeats them for
    /// every parent), read once per scanner run; `start_run` forgets them.
    rows_of_run: Mutex<HashMap<&'static str, SharedRows>>,
    /// Host documents read in this run (every host-level fetcher of every instance and vNIC
    /// looks its host up; no fetcher changes a host); `start_run` forgets them.
    hosts_of_run: Mutex<HashMap<String, Object>>,
    aci: OnceCell<AciAccess>,
    kube: OnceCell<KubeAccess>,
    aside: Mutex<Vec<Aside>>,
}

impl ScanContext {
    pub fn new(env: Environment, store: Store) -> Self {
        ScanContext {
            env,
            store,
            api: OnceCell::new(),
            db: OnceCell::new(),
            cli: OnceCell::new(),
            rows_of_run: Mutex::new(HashMap::new()),
            hosts_of_run: Mutex::new(HashMap::new()),
            aci: OnceCell::new(),
            kube: OnceCell::new(),
            aside: Mutex::new(Vec::new()),
        }
    }

    /// A scanner run starts: queries answered once per run are asked again from now on (a
    /// long-lived context, as the listener's, must not serve the previous run's rows).
    pub fn start_run(&self) {
        if let Ok(mut rows) = self.rows_of_run.lock() {
            rows.clear();
        }
        if let Ok(mut hosts) = self.hosts_of_run.lock() {
            hosts.clear();
        }
    }

    /// The inventory host `host_id` of this environment; a host found once is not read again
    /// in this run (one not found yet is asked again: it may be saved later in the run).
    pub async fn host(&self, host_id: &str) -> Result<Option<Object>, FetchError> {
        if let Some(host) = self
            .hosts_of_run
            .lock()
            .ok()
            .and_then(|h| h.get(host_id).cloned())
        {
            return Ok(Some(host));
        }
        let filter = bson::doc! {"environment": &self.env.name, "type": "host", "id": host_id};
        let found = self.store.find_object(filter).await?;
        if let (Some(host), Ok(mut hosts)) = (&found, self.hosts_of_run.lock()) {
            hosts.insert(host_id.to_string(), host.clone());
        }
        Ok(found)
    }

    /// The rows of a query without parameters, queried once per run however many fetches ask.
    pub async fn rows_once(&self, sql: &'static str) -> Result<Arc<Vec<Object>>, FetchError> {
        let cell = match self.rows_of_run.lock() {
            Ok(mut rows) => rows.entry(sql).or_default().clone(),
            Err(_) => SharedRows::default(), // poisoned: just query
        };
        let rows = cell
            .get_or_try_init(|| async {
                Ok::<_, FetchError>(Arc::new(self.db().await?.query(sql, None).await?))
            })
            .await?;
        Ok(rows.clone())
    }

    /// Hands the scanner an object to save under `parent` (see [`Aside`]).
    pub fn save_aside(&self, object_type: &str, object: Object, parent: Object) {
        self.aside
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Aside {
                object_type: object_type.to_string(),
                object,
                parent,
            });
    }

    /// The objects handed over so far (for the scanner to save).
    pub fn take_aside(&self) -> Vec<Aside> {
        std::mem::take(&mut *self.aside.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The Kubernetes API of the `Kubernetes` section.
    pub async fn kube(&self) -> Result<&KubeAccess, FetchError> {
        Ok(self
            .kube
            .get_or_try_init(|| async { KubeAccess::new(&self.env) })
            .await?)
    }

    /// The APIC of the `ACI` section (logs in on the first query).
    pub async fn aci(&self) -> Result<&AciAccess, FetchError> {
        Ok(self
            .aci
            .get_or_try_init(|| async { AciAccess::new(&self.env) })
            .await?)
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
