//! ApiFetchProjectHosts (fetchers.md §3.6): hosts from the admin project's availability zones,
//! with their OS details (SSH), hypervisor id and IP (Nova API + `compute_nodes`) and the
//! `Network` type from the Neutron agents table.

use super::{has_error_status, objects_in};
use crate::access::metrics;
use crate::doc::{id_string, str_field, truthy, Object};
use crate::fetchers::db::parse_json_text;
use crate::fetchers::{FetchError, Fetcher, ScanContext};
use async_trait::async_trait;
use bson::{Bson, Document};
use serde_json::Value;

/// Spelling (`ARCHITECURE`) as the original sends it.
pub const OS_DETAILS_COMMAND: &str = "cat /etc/os-release && echo \"ARCHITECURE=`arch`\"";

const COMPUTE_NODE_IP_SQL: &str =
    "SELECT host_ip AS ip_address FROM nova.compute_nodes WHERE hypervisor_hostname = %s";
const NETWORK_AGENTS_SQL: &str = "SELECT DISTINCT host, host AS id, configurations \
     FROM {neutron}.agents WHERE agent_type IN ('Metadata agent', 'DHCP agent', 'L3 agent')";

/// `/etc/os-release` keys → field names of `OS`.
const OS_KEYS: [(&str, &str); 5] = [
    ("NAME", "name"),
    ("VERSION", "version"),
    ("ID", "ID"),
    ("ID_LIKE", "ID_LIKE"),
    ("ARCHITECURE", "architecure"),
];

/// Per-host requests (OS details, compute node IPs) in flight at once.
const QUERIES_IN_FLIGHT: usize = 8;

pub struct ApiFetchProjectHosts;

#[async_trait]
impl Fetcher for ApiFetchProjectHosts {
    /// `parent_id` is a project name; only the admin project has hosts.
    async fn get(&self, parent_id: &str, ctx: &ScanContext) -> Result<Vec<Object>, FetchError> {
        let api = ctx.api().await?;
        if parent_id != api.admin_project() {
            return Ok(Vec::new());
        }
        let db = ctx.db().await?;
        let mut all = Vec::new();
        for region in api.regions() {
            let nova = api.region_url(&region.name, "nova")?;
            let zones = api
                .get_as_admin(&format!("{nova}/os-availability-zone/detail"))
                .await?;
            let mut hosts = hosts_from_zones(&zones);
            add_os_details(&mut hosts, ctx).await;
            let hypervisors = api.get_as_admin(&format!("{nova}/os-hypervisors")).await?;
            // Without hypervisors the original returns the hosts as they are.
            if let Some(matches) = hypervisor_matches(&hosts, &hypervisors) {
                let queries = matches
                    .iter()
                    .map(|found| db.query(COMPUTE_NODE_IP_SQL, Some(&found.hypervisor_hostname)))
                    .collect();
                let answers = metrics::branches(queries, QUERIES_IN_FLIGHT).await;
                for (found, rows) in matches.into_iter().zip(answers) {
                    let rows = rows?;
                    let Some(host) = hosts.get_mut(found.host_index) else {
                        continue;
                    };
                    host.insert("os_id", found.os_id);
                    rows.into_iter().for_each(|row| host.extend(row));
                }
                let agents = db.query(NETWORK_AGENTS_SQL, None).await?;
                add_network_agents(&mut hosts, &agents)?;
            }
            all.extend(hosts);
        }
        Ok(all)
    }
}

/// Runs the OS-details command on every host. An SSH failure only costs that host its `OS`
/// (Quirk Q10: the original crashes here).
async fn add_os_details(hosts: &mut [Object], ctx: &ScanContext) {
    let cli = match ctx.cli().await {
        Ok(cli) => cli,
        Err(e) => {
            log::warn!("no OS details for hosts: {e}");
            return;
        }
    };
    let names: Vec<String> = hosts
        .iter()
        .map(|host| str_field(host, "id").unwrap_or("").to_string())
        .collect();
    let outputs = metrics::branches(
        names
            .iter()
            .filter(|name| !name.is_empty())
            .map(|name| cli.run(OS_DETAILS_COMMAND, Some(name)))
            .collect(),
        QUERIES_IN_FLIGHT,
    )
    .await;
    let named = hosts
        .iter_mut()
        .zip(&names)
        .filter(|(_, name)| !name.is_empty());
    for ((host, name), output) in named.zip(outputs) {
        match output {
            Ok(output) => {
                if let Some(os) = os_details(&output) {
                    host.insert("OS", os);
                }
            }
            Err(e) => log::warn!("no OS details for host {name}: {e}"),
        }
    }
}

/// `OS` from the command's output; `None` when none of the keys is present.
pub fn os_details(output: &str) -> Option<Document> {
    let mut os = Document::new();
    for (key, field) in OS_KEYS {
        let prefix = format!("{key}=");
        if let Some(line) = output.lines().find(|line| line.starts_with(&prefix)) {
            os.insert(field, line[prefix.len()..].trim_matches('"'));
        }
    }
    (!os.is_empty()).then_some(os)
}

/// Hosts of the zones answer, in order of first appearance. A host listed in several zones
/// is one object whose host types are merged.
pub fn hosts_from_zones(answer: &Value) -> Vec<Object> {
    let mut hosts: Vec<Object> = Vec::new();
    if has_error_status(answer) {
        return hosts;
    }
    for zone in objects_in(answer, "availabilityZoneInfo").unwrap_or_default() {
        let zone_name = str_field(&zone, "zoneName").unwrap_or("").to_string();
        let Ok(zone_hosts) = zone.get_document("hosts") else {
            continue;
        };
        for (name, services) in zone_hosts {
            let services = services.as_document().cloned().unwrap_or_default();
            let index = match hosts.iter().position(|h| str_field(h, "id") == Some(name)) {
                Some(index) => index,
                None => {
                    hosts.push(new_host(name, &zone_name, &services));
                    hosts.len() - 1
                }
            };
            for (service, host_type) in [
                ("nova-conductor", "Controller"),
                ("nova-compute", "Compute"),
            ] {
                if service_is_up(&services, service) {
                    add_host_type(&mut hosts[index], host_type, &zone_name);
                }
            }
        }
    }
    hosts
}

fn new_host(name: &str, zone: &str, services: &Document) -> Object {
    let mut host = Object::new();
    host.insert("id", name);
    host.insert("host", name);
    host.insert("name", name);
    host.insert("zone", zone);
    host.insert("parent_type", "availability_zone");
    host.insert("parent_id", zone);
    host.insert("services", services.clone());
    host.insert("host_type", Bson::Array(Vec::new()));
    host
}

fn service_is_up(services: &Document, service: &str) -> bool {
    services
        .get_document(service)
        .is_ok_and(|s| truthy(s.get("available")) && truthy(s.get("active")))
}

/// Appends `host_type` when missing; a new `Compute` type also moves the host to `zone`.
fn add_host_type(host: &mut Object, host_type: &str, zone: &str) {
    let mut types = match host.get("host_type") {
        Some(Bson::Array(types)) => types.clone(),
        _ => Vec::new(),
    };
    if types.iter().any(|t| t.as_str() == Some(host_type)) {
        return;
    }
    types.push(Bson::String(host_type.to_string()));
    host.insert("host_type", types);
    if host_type == "Compute" {
        host.insert("zone", zone);
        host.insert("parent_id", zone);
    }
}

/// A hypervisor of the `os-hypervisors` answer that belongs to a known host.
#[derive(Debug, Clone, PartialEq)]
pub struct HypervisorMatch {
    pub host_index: usize,
    pub os_id: String,
    /// The full name, as the `compute_nodes` query needs it.
    pub hypervisor_hostname: String,
}

/// `None` when the answer has an error status or no `hypervisors` (the original then stops).
/// A name with a `.` that is not a known host is tried without its domain; unknown names are
/// skipped.
pub fn hypervisor_matches(hosts: &[Object], answer: &Value) -> Option<Vec<HypervisorMatch>> {
    if has_error_status(answer) {
        return None;
    }
    let hypervisors = objects_in(answer, "hypervisors")?;
    let index_of = |name: &str| hosts.iter().position(|h| str_field(h, "id") == Some(name));
    let matches = hypervisors
        .iter()
        .filter_map(|hypervisor| {
            let full = str_field(hypervisor, "hypervisor_hostname")?;
            let short = match full.split_once('.') {
                Some((short, _)) if index_of(full).is_none() => short,
                _ => full,
            };
            Some(HypervisorMatch {
                host_index: index_of(short)?,
                os_id: hypervisor.get("id").and_then(id_string).unwrap_or_default(),
                hypervisor_hostname: full.to_string(),
            })
        })
        .collect();
    Some(matches)
}

/// Hosts running a Metadata, DHCP or L3 agent get type `Network` and the agent's parsed
/// `configurations` as `config` (the last row of a host wins).
pub fn add_network_agents(hosts: &mut [Object], rows: &[Object]) -> Result<(), FetchError> {
    for row in rows {
        let name = str_field(row, "host").unwrap_or("");
        let Some(host) = hosts.iter_mut().find(|h| str_field(h, "id") == Some(name)) else {
            log::info!("network agent host '{name}' is not a known host, skipped");
            continue;
        };
        let config = parse_json_text(
            row.get("configurations"),
            &format!("agents.configurations of host {name}"),
        )?;
        host.insert("config", config);
        let zone = str_field(host, "zone").unwrap_or("").to_string();
        add_host_type(host, "Network", &zone);
    }
    Ok(())
}
