//! Neutron (networking API v2.0): networks, subnets, ports, routers, agents, with the usual
//! `?field=value` list filters and the single-object forms.

use super::auth::{delay, require_token};
use super::errors::{json_response, neutron_error};
use super::state::ApiState;
use crate::lab::model::{vif_details, Agent, Model, Network, Port, Router as LabRouter, Subnet};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{middleware, Router};
use chrono::Utc;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// (collection, singular, Neutron's not-found type name)
const RESOURCES: [(&str, &str, &str); 7] = [
    ("networks", "network", "NetworkNotFound"),
    ("subnets", "subnet", "SubnetNotFound"),
    ("ports", "port", "PortNotFound"),
    ("routers", "router", "RouterNotFound"),
    ("agents", "agent", "AgentNotFound"),
    ("floatingips", "floatingip", "FloatingIPNotFound"),
    ("security-groups", "security_group", "SecurityGroupNotFound"),
];

pub fn router(state: Arc<ApiState>) -> Router {
    let api = Router::new()
        .route("/v2.0/{collection}", get(list))
        .route("/v2.0/{collection}/{id}", get(show))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/", get(versions))
        .merge(api)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), delay))
        .with_state(state)
}

async fn not_found() -> Response {
    neutron_error(
        StatusCode::NOT_FOUND,
        "HTTPNotFound",
        "The resource could not be found.",
    )
}

async fn versions(State(state): State<Arc<ApiState>>) -> Response {
    let href = state.url(state.ports.neutron, "/v2.0/");
    json_response(
        StatusCode::OK,
        json!({"versions": [{"status": "CURRENT", "id": "v2.0", "links": [{"href": href, "rel": "self"}]}]}),
    )
}

/// Every object of a collection, rendered. `None` for an unknown collection.
fn render_all(model: &Model, collection: &str) -> Option<Vec<Value>> {
    let rendered = match collection {
        "networks" => model.networks.iter().map(|n| network(model, n)).collect(),
        "subnets" => model.subnets.iter().map(|s| subnet(model, s)).collect(),
        "ports" => model.ports.iter().map(|p| port(model, p)).collect(),
        "routers" => model
            .routers
            .iter()
            .map(|r| router_json(model, r))
            .collect(),
        "agents" => model.agents.iter().map(|a| agent(model, a)).collect(),
        // The lab has neither floating IPs nor security groups (its ports name none).
        "floatingips" | "security-groups" => vec![],
        _ => return None,
    };
    Some(rendered)
}

/// Neutron list filters: each query key (except paging/sorting/fields) must equal the field.
fn matches(object: &Value, filters: &[(String, String)]) -> bool {
    let mut by_key: HashMap<&str, Vec<&str>> = HashMap::new();
    for (k, v) in filters {
        if !matches!(
            k.as_str(),
            "fields" | "limit" | "marker" | "page_reverse" | "sort_key" | "sort_dir"
        ) {
            by_key.entry(k).or_default().push(v);
        }
    }
    by_key.iter().all(|(key, wanted)| {
        let actual = match &object[*key] {
            Value::String(s) => s.clone(),
            Value::Null => return false,
            other => other.to_string(),
        };
        // Booleans are accepted as `true`/`True`/`1`, as Neutron's converters do.
        wanted.iter().any(|w| {
            *w == actual
                || (object[*key].is_boolean()
                    && matches!(
                        (actual.as_str(), w.to_ascii_lowercase().as_str()),
                        ("true", "true" | "1") | ("false", "false" | "0")
                    ))
        })
    })
}

async fn list(
    State(state): State<Arc<ApiState>>,
    Path(collection): Path<String>,
    Query(filters): Query<Vec<(String, String)>>,
) -> Response {
    let Some(all) = render_all(&state.model(), &collection) else {
        return not_found().await;
    };
    let selected: Vec<Value> = all.into_iter().filter(|o| matches(o, &filters)).collect();
    json_response(StatusCode::OK, json!({ collection: selected }))
}

async fn show(
    State(state): State<Arc<ApiState>>,
    Path((collection, id)): Path<(String, String)>,
) -> Response {
    let Some((_, singular, not_found_type)) = RESOURCES.iter().find(|r| r.0 == collection) else {
        return not_found().await;
    };
    let all = render_all(&state.model(), &collection).unwrap_or_default();
    match all.into_iter().find(|o| o["id"] == id.as_str()) {
        Some(object) => json_response(StatusCode::OK, json!({ *singular: object })),
        None => {
            let kind = capitalized(singular);
            neutron_error(
                StatusCode::NOT_FOUND,
                not_found_type,
                &format!("{kind} {id} could not be found."),
            )
        }
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

fn timestamp(model: &Model) -> String {
    model.created_at.replace(' ', "T") + "Z"
}

pub(crate) fn network(model: &Model, n: &Network) -> Value {
    let ts = timestamp(model);
    let mut v = json!({
        "admin_state_up": true,
        "availability_zone_hints": [],
        "availability_zones": ["nova"],
        "created_at": ts,
        "description": "",
        "id": n.id,
        "ipv4_address_scope": null,
        "ipv6_address_scope": null,
        "mtu": n.mtu,
        "name": n.name,
        "port_security_enabled": true,
        "project_id": n.project_id,
        "provider:network_type": n.network_type,
        "provider:physical_network": n.physical_network,
        "provider:segmentation_id": n.segmentation_id,
        "revision_number": 3,
        "router:external": n.external,
        "shared": n.shared,
        "status": "ACTIVE",
        "subnets": n.subnet_ids,
        "tags": [],
        "tenant_id": n.project_id,
        "updated_at": ts
    });
    if n.external {
        v["is_default"] = json!(false);
    }
    v
}

pub(crate) fn subnet(model: &Model, s: &Subnet) -> Value {
    let ts = timestamp(model);
    json!({
        "allocation_pools": [{"start": s.allocation_start, "end": s.allocation_end}],
        "cidr": s.cidr,
        "created_at": ts,
        "description": "",
        "dns_nameservers": s.dns_nameservers,
        "enable_dhcp": s.enable_dhcp,
        "gateway_ip": s.gateway_ip,
        "host_routes": [],
        "id": s.id,
        "ip_version": 4,
        "ipv6_address_mode": null,
        "ipv6_ra_mode": null,
        "name": s.name,
        "network_id": s.network_id,
        "project_id": s.project_id,
        "revision_number": 2,
        "service_types": [],
        "subnetpool_id": null,
        "tags": [],
        "tenant_id": s.project_id,
        "updated_at": ts
    })
}

pub(crate) fn port(model: &Model, p: &Port) -> Value {
    let ts = timestamp(model);
    let fixed_ips: Vec<Value> = p
        .fixed_ips
        .iter()
        .map(|f| json!({"subnet_id": f.subnet_id, "ip_address": f.ip_address}))
        .collect();
    json!({
        "admin_state_up": true,
        "allowed_address_pairs": [],
        "binding:host_id": p.host,
        "binding:profile": {},
        "binding:vif_details": vif_details(model.sizes.mechanism_driver, &p.id),
        "binding:vif_type": p.vif_type,
        "binding:vnic_type": "normal",
        "created_at": ts,
        "description": "",
        "device_id": p.device_id,
        "device_owner": p.device_owner,
        "extra_dhcp_opts": [],
        "fixed_ips": fixed_ips,
        "id": p.id,
        "mac_address": p.mac_address,
        "name": p.name,
        "network_id": p.network_id,
        "port_security_enabled": !p.device_owner.starts_with("network:"),
        "project_id": p.project_id,
        "revision_number": 6,
        "security_groups": [],
        "status": p.status,
        "tags": [],
        "tenant_id": p.project_id,
        "updated_at": ts
    })
}

pub(crate) fn router_json(model: &Model, r: &LabRouter) -> Value {
    let ts = timestamp(model);
    let gateway_ips: Vec<Value> = model
        .port(&r.gw_port_id)
        .map(|p| {
            p.fixed_ips
                .iter()
                .map(|f| json!({"subnet_id": f.subnet_id, "ip_address": f.ip_address}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "admin_state_up": true,
        "availability_zone_hints": [],
        "availability_zones": ["nova"],
        "created_at": ts,
        "description": "",
        "distributed": false,
        "external_gateway_info": {
            "enable_snat": true,
            "external_fixed_ips": gateway_ips,
            "network_id": r.external_network_id
        },
        "flavor_id": null,
        "ha": false,
        "id": r.id,
        "name": r.name,
        "project_id": r.project_id,
        "revision_number": 4,
        "routes": [],
        "status": "ACTIVE",
        "tags": [],
        "tenant_id": r.project_id,
        "updated_at": ts
    })
}

fn agent(model: &Model, a: &Agent) -> Value {
    let now = Utc::now().format("%Y-%m-%d %H:%M:%S").to_string();
    json!({
        "admin_state_up": true,
        "agent_type": a.agent_type,
        "alive": true,
        "availability_zone": a.availability_zone,
        "binary": a.binary,
        "configurations": a.configurations,
        "created_at": model.created_at,
        "description": null,
        "heartbeat_timestamp": now,
        "host": a.host,
        "id": a.id,
        "load": 0,
        "resources_synced": null,
        "started_at": model.created_at,
        "topic": a.topic
    })
}
