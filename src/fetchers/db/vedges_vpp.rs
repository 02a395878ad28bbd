//! DbFetchVedgesVpp (fetchers.md §3.14): the VPP vEdge of a host, from `vppctl` (no SQL).

use crate::doc::Object;
use crate::fetchers::cli::common::{host_with_type, run_lines};
use crate::fetchers::{host_of_folder, FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::{doc, Document};

pub struct DbFetchVedgesVpp;

/// `binary`: the first line of `vppctl show ver` up to its second space.
pub fn binary(version_lines: &[String]) -> String {
    let first = version_lines.first().map(String::as_str).unwrap_or("");
    first.splitn(3, ' ').take(2).collect::<Vec<_>>().join(" ")
}

/// Ports of `vppctl show int`: every non-empty line not starting with a space gives
/// `{name, id, state}` keyed by name.
pub fn ports(int_lines: &[String]) -> Document {
    let mut ports = Document::new();
    for line in int_lines {
        if line.is_empty() || line.starts_with(' ') {
            continue;
        }
        let t: Vec<&str> = line.split_whitespace().collect();
        let mut port = Document::new();
        for (key, i) in [("name", 0), ("id", 1), ("state", 2)] {
            if let Some(v) = t.get(i) {
                port.insert(key, *v);
            }
        }
        if let Some(name) = t.first() {
            ports.insert(*name, port);
        }
    }
    ports
}

pub fn vedge(host: &str, binary: String, ports: Document) -> Object {
    doc! {
        "host": host,
        "id": format!("{host}-VPP"),
        "name": format!("VPP-{host}"),
        "agent_type": "VPP",
        "binary": binary,
        "ports": ports,
    }
}

#[async_trait]
impl Fetcher for DbFetchVedgesVpp {
    async fn get(&self, folder_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let host = host_of_folder(folder_id);
        // runs on every host, before the host check (Quirk Q15)
        let version = run_lines(ctx, "vppctl show ver", host).await?;
        if host_with_type(ctx, host, &["Network", "Compute"], "DbFetchVedgesVpp")
            .await?
            .is_none()
        {
            return Ok(Vec::new());
        }
        let int_lines = run_lines(ctx, "vppctl show int", host).await?;
        Ok(vec![vedge(host, binary(&version), ports(&int_lines))])
    }
}
