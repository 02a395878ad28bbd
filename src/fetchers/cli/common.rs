//! Helpers shared by the host-level fetchers (CLI ones and the three DB-named ones that also
//! run commands): inventory look-ups, host-type conditions, command lines, JSON columns.

use crate::access::cli::parse::split_output_lines;
use crate::access::metrics;
use crate::doc::{str_field, Object};
use crate::fetchers::{FetchError, ScanContext};
use bson::{doc, Bson};

/// The inventory host document `host_id` of this environment, if stored.
pub async fn find_host(ctx: &ScanContext, host_id: &str) -> Result<Option<Object>, FetchError> {
    ctx.host(host_id).await
}

/// Inventory objects of one type on one host (`host` field).
pub async fn find_on_host(
    ctx: &ScanContext,
    object_type: &str,
    host_id: &str,
) -> Result<Vec<Object>, FetchError> {
    Ok(ctx
        .store
        .find_objects(doc! {"environment": &ctx.env.name, "type": object_type, "host": host_id})
        .await?)
}

/// Does the host's `host_type` list contain one of `wanted`?
pub fn has_host_type(host: &Object, wanted: &[&str]) -> bool {
    match host.get("host_type") {
        Some(Bson::Array(types)) => types
            .iter()
            .any(|t| t.as_str().is_some_and(|t| wanted.contains(&t))),
        _ => false,
    }
}

/// The host document when it exists and has one of `wanted` host types; otherwise logs why
/// the fetcher returns nothing.
pub async fn host_with_type(
    ctx: &ScanContext,
    host_id: &str,
    wanted: &[&str],
    fetcher: &str,
) -> Result<Option<Object>, FetchError> {
    match find_host(ctx, host_id).await? {
        None => {
            log::warn!("{fetcher}: host {host_id} is not in the inventory");
            Ok(None)
        }
        Some(host) if has_host_type(&host, wanted) => Ok(Some(host)),
        Some(_) => {
            log::debug!("{fetcher}: host {host_id} is not one of {wanted:?}, skipped");
            Ok(None)
        }
    }
}

/// A command's output lines on `host` (as `run_fetch_lines` splits them).
pub async fn run_lines(
    ctx: &ScanContext,
    cmd: &str,
    host: &str,
) -> Result<Vec<String>, FetchError> {
    Ok(ctx.cli().await?.run_lines(cmd, Some(host)).await?)
}

/// A command's whole output on `host`.
pub async fn run(ctx: &ScanContext, cmd: &str, host: &str) -> Result<String, FetchError> {
    Ok(ctx.cli().await?.run(cmd, Some(host)).await?)
}

/// Independent commands of one fetch in flight at once on one host (the gateway's session pool
/// holds 8 sessions; more would only queue).
const COMMANDS_IN_FLIGHT: usize = 8;

/// Several independent commands on `host`, sent concurrently; outputs in command order. The
/// first failing command (in that order) is the error, as if they had run one after another.
pub async fn run_all(
    ctx: &ScanContext,
    cmds: &[String],
    host: &str,
) -> Result<Vec<String>, FetchError> {
    let cli = ctx.cli().await?;
    let outputs = metrics::branches(
        cmds.iter().map(|cmd| cli.run(cmd, Some(host))).collect(),
        COMMANDS_IN_FLIGHT,
    )
    .await;
    Ok(outputs.into_iter().collect::<Result<Vec<_>, _>>()?)
}

/// `run_all` with each output split into lines as `run_lines` splits it.
pub async fn run_all_lines(
    ctx: &ScanContext,
    cmds: &[String],
    host: &str,
) -> Result<Vec<Vec<String>>, FetchError> {
    Ok(run_all(ctx, cmds, host)
        .await?
        .iter()
        .map(|output| split_output_lines(output))
        .collect())
}

/// A JSON text column (`configurations`) parsed into BSON; other values are kept as they are.
pub fn parse_json_column(value: &Bson, what: &str) -> Result<Bson, FetchError> {
    match value {
        Bson::String(text) => serde_json::from_str::<serde_json::Value>(text)
            .map(|v| crate::doc::json_to_bson(&v))
            .map_err(|e| FetchError::Data(format!("{what}: invalid JSON: {e}"))),
        other => Ok(other.clone()),
    }
}

/// A string field or "" (for building ids from optional fields).
pub fn text<'a>(obj: &'a Object, key: &str) -> &'a str {
    str_field(obj, key).unwrap_or("")
}

/// `lines[i]` with the leading-space count, for indentation-structured outputs.
pub fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Interface blocks of `ip address show` / `ip link show` output: (interface name, lines of
/// the block). The name is the second `:`-separated field of a header line (`2: eth0: <...`),
/// stripped; lines before the first header are ignored.
pub fn interface_blocks(lines: &[String]) -> Vec<(String, Vec<String>)> {
    let header = once_cell::sync::Lazy::force(&INTERFACE_HEADER);
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    for line in lines {
        if let Some(c) = header.captures(line) {
            blocks.push((c[1].trim().to_string(), vec![line.clone()]));
        } else if let Some((_, block)) = blocks.last_mut() {
            block.push(line.clone());
        }
    }
    blocks
}

static INTERFACE_HEADER: once_cell::sync::Lazy<regex::Regex> =
    once_cell::sync::Lazy::new(|| regex::Regex::new(r"^\d+:\s*([^:]+):").expect("static regex"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_types_and_json_columns() {
        let host = doc! {"host_type": ["Controller", "Network"]};
        assert!(has_host_type(&host, &["Network", "Compute"]));
        assert!(!has_host_type(&host, &["Compute"]));
        assert!(!has_host_type(&doc! {}, &["Compute"]));
        let parsed = parse_json_column(&Bson::String("{\"a\": [1]}".into()), "x").unwrap();
        assert_eq!(parsed, Bson::Document(doc! {"a": [1]}));
        assert!(
            parse_json_column(&Bson::String("{".into()), "agents.configurations")
                .unwrap_err()
                .to_string()
                .contains("agents.configurations")
        );
    }

    #[test]
    fn blocks_split_at_numbered_headers() {
        let lines: Vec<String> = ["junk", "1: lo: <UP>", "  a", "2: eth0@if3: <B>", "  b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let blocks = interface_blocks(&lines);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[1].0, "eth0@if3");
        assert_eq!(blocks[1].1.len(), 2);
    }
}
