//! Fetchers: one per kind of discovered object, named in `scanners.json` and found through
//! [`registry`]. A fetcher gets the id of the object being scanned and returns plain objects;
//! it never writes to the store (the scanner does, spec scanner.md §6).

pub mod aci;
pub mod api;
pub mod cli;
pub mod context;
pub mod db;
pub mod folder;
pub mod kube;
pub mod registry;

use crate::doc::Object;
use async_trait::async_trait;

pub use context::ScanContext;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// An SSH failure: recorded, the scan goes on and ends "errors detected".
    #[error(transparent)]
    Ssh(#[from] crate::access::cli::SshError),
    #[error(transparent)]
    Api(#[from] crate::access::api::ApiError),
    #[error(transparent)]
    Db(#[from] crate::access::db::DbError),
    #[error(transparent)]
    Aci(#[from] crate::access::aci::AciError),
    #[error(transparent)]
    Kube(#[from] crate::access::kube::KubeError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// Output or data that the fetcher cannot make sense of (names the source).
    #[error("{0}")]
    Data(String),
}

impl FetchError {
    pub fn is_ssh(&self) -> bool {
        matches!(self, FetchError::Ssh(_))
    }
}

#[async_trait]
pub trait Fetcher: Send + Sync {
    /// Objects found under the scanned object whose id (or name, for projects) is `parent_id`.
    async fn get(&self, parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError>;
}

/// The host id a host-level fetcher works on: its folder id cut at the **last** `-`
/// (`node-5.cisco.com-vconnectors` → `node-5.cisco.com`).
pub fn host_of_folder(folder_id: &str) -> &str {
    folder_id
        .rsplit_once('-')
        .map_or(folder_id, |(host, _)| host)
}

/// The dynamic-folder fields of fetchers.md §1.4 (`set_folder_parent`).
pub fn set_folder_parent(
    obj: &mut Object,
    object_type: &str,
    master_parent_type: &str,
    master_parent_id: &str,
    parent_objects_name: Option<&str>,
    parent_text: Option<&str>,
) {
    let plural = parent_objects_name.map_or_else(|| format!("{object_type}s"), str::to_string);
    obj.insert("type", object_type);
    obj.insert("master_parent_type", master_parent_type);
    obj.insert("master_parent_id", master_parent_id);
    obj.insert("parent_type", format!("{plural}_folder"));
    obj.insert("parent_id", format!("{master_parent_id}-{plural}"));
    obj.insert(
        "parent_text",
        parent_text.map_or_else(|| crate::doc::capitalize(&plural), str::to_string),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_suffix_is_cut_at_the_last_dash() {
        assert_eq!(
            host_of_folder("node-5.cisco.com-vconnectors"),
            "node-5.cisco.com"
        );
        assert_eq!(host_of_folder("nodash"), "nodash");
    }

    #[test]
    fn folder_parent_defaults() {
        let mut o = Object::new();
        set_folder_parent(&mut o, "port", "network", "N", None, None);
        assert_eq!(o.get_str("parent_type").unwrap(), "ports_folder");
        assert_eq!(o.get_str("parent_id").unwrap(), "N-ports");
        assert_eq!(o.get_str("parent_text").unwrap(), "Ports");
    }
}
