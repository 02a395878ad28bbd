//! Nova (compute API v2 and v2.1): availability zones, hypervisors and their servers, servers.

use super::auth::{delay, require_token};
use super::errors::{json_response, nova_fault};
use super::state::{ApiState, IssuedToken};
use crate::lab::model::{Host, Instance, Model};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{middleware, Extension, Router};
use chrono::Utc;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

pub fn router(state: Arc<ApiState>) -> Router {
    let api = Router::new()
        .route("/{tenant}/os-availability-zone", get(zones))
        .route("/{tenant}/os-availability-zone/detail", get(zones_detail))
        .route("/{tenant}/os-hypervisors", get(hypervisors))
        .route(
            "/{tenant}/os-hypervisors/{pattern}/servers",
            get(hypervisor_servers),
        )
        .route("/{tenant}/servers/detail", get(servers_detail))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/", get(versions))
        .nest("/v2", api.clone())
        .nest("/v2.1", api)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), delay))
        .with_state(state)
}

async fn not_found() -> Response {
    nova_fault(StatusCode::NOT_FOUND, "The resource could not be found.")
}

async fn versions(State(state): State<Arc<ApiState>>) -> Response {
    let link = |path: &str| json!([{"rel": "self", "href": state.url(state.ports.nova, path)}]);
    json_response(
        StatusCode::OK,
        json!({"versions": [
            {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
             "updated": "2011-01-21T11:33:21Z", "links": link("/v2/")},
            {"id": "v2.1", "status": "CURRENT", "version": "2.42", "min_version": "2.1",
             "updated": "2013-07-23T11:33:21Z", "links": link("/v2.1/")}
        ]}),
    )
}

/// Nova refuses a URL whose project id is not the token's project.
fn check_tenant(tenant: &str, token: &IssuedToken) -> Result<(), Box<Response>> {
    if tenant == token.project_id {
        return Ok(());
    }
    Err(Box::new(nova_fault(
        StatusCode::BAD_REQUEST,
        &format!(
            "Malformed request URL: URL's project_id '{tenant}' doesn't match Context's project_id '{}'",
            token.project_id
        ),
    )))
}

fn ok(body: Value) -> Response {
    json_response(StatusCode::OK, body)
}

async fn zones(
    State(state): State<Arc<ApiState>>,
    Extension(token): Extension<IssuedToken>,
    Path(tenant): Path<String>,
) -> Response {
    if let Err(e) = check_tenant(&tenant, &token) {
        return *e;
    }
    // The plain list hides the internal zone and the hosts.
    let list: Vec<Value> = state
        .model()
        .availability_zones
        .iter()
        .filter(|z| z.name != "internal")
        .map(|z| json!({"zoneName": z.name, "zoneState": {"available": true}, "hosts": null}))
        .collect();
    ok(json!({"availabilityZoneInfo": list}))
}

async fn zones_detail(
    State(state): State<Arc<ApiState>>,
    Extension(token): Extension<IssuedToken>,
    Path(tenant): Path<String>,
) -> Response {
    if let Err(e) = check_tenant(&tenant, &token) {
        return *e;
    }
    let updated_at = Utc::now().format("%Y-%m-%dT%H:%M:%S.000000").to_string();
    let list: Vec<Value> = state
        .model()
        .availability_zones
        .iter()
        .map(|zone| {
            let mut hosts = Map::new();
            for entry in &zone.hosts {
                let services: Map<String, Value> = entry
                    .services
                    .iter()
                    .map(|s| {
                        let status =
                            json!({"available": true, "active": true, "updated_at": updated_at});
                        (s.clone(), status)
                    })
                    .collect();
                hosts.insert(entry.host.clone(), Value::Object(services));
            }
            json!({"zoneName": zone.name, "zoneState": {"available": true}, "hosts": hosts})
        })
        .collect();
    ok(json!({"availabilityZoneInfo": list}))
}

fn hypervisor(host: &Host) -> Map<String, Value> {
    let mut h = Map::new();
    h.insert("hypervisor_hostname".into(), json!(host.name));
    h.insert("id".into(), json!(host.hypervisor_id));
    h.insert("state".into(), json!("up"));
    h.insert("status".into(), json!("enabled"));
    h
}

async fn hypervisors(
    State(state): State<Arc<ApiState>>,
    Extension(token): Extension<IssuedToken>,
    Path(tenant): Path<String>,
) -> Response {
    if let Err(e) = check_tenant(&tenant, &token) {
        return *e;
    }
    let list: Vec<Value> = state
        .model()
        .compute_hosts()
        .map(|h| Value::Object(hypervisor(h)))
        .collect();
    ok(json!({"hypervisors": list}))
}

/// `<pattern>` matches hypervisor host names containing it; `servers` is omitted when empty.
async fn hypervisor_servers(
    State(state): State<Arc<ApiState>>,
    Extension(token): Extension<IssuedToken>,
    Path((tenant, pattern)): Path<(String, String)>,
) -> Response {
    if let Err(e) = check_tenant(&tenant, &token) {
        return *e;
    }
    let model = &state.model();
    let list: Vec<Value> = model
        .compute_hosts()
        .filter(|h| h.name.contains(&pattern))
        .map(|h| {
            let mut entry = hypervisor(h);
            let servers: Vec<Value> = model
                .instances_on(&h.name)
                .map(|i| json!({"name": i.libvirt_name, "uuid": i.uuid}))
                .collect();
            if !servers.is_empty() {
                entry.insert("servers".into(), Value::Array(servers));
            }
            Value::Object(entry)
        })
        .collect();
    if list.is_empty() {
        return nova_fault(
            StatusCode::NOT_FOUND,
            &format!("No hypervisor matching '{pattern}' could be found."),
        );
    }
    ok(json!({"hypervisors": list}))
}

async fn servers_detail(
    State(state): State<Arc<ApiState>>,
    Extension(token): Extension<IssuedToken>,
    Path(tenant): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(e) = check_tenant(&tenant, &token) {
        return *e;
    }
    // The lab's only user is an admin, so `all_tenants` is always allowed.
    let all_tenants = query
        .get("all_tenants")
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | ""));
    let model = &state.model();
    let list: Vec<Value> = model
        .instances
        .iter()
        .filter(|i| all_tenants || i.project_id == token.project_id)
        .map(|i| server(&state, model, i))
        .collect();
    ok(json!({"servers": list}))
}

fn addresses(model: &Model, instance: &Instance) -> Map<String, Value> {
    let mut addresses = Map::new();
    for port in instance.port_ids.iter().filter_map(|id| model.port(id)) {
        let label = model
            .network(&port.network_id)
            .map(|n| n.name.clone())
            .unwrap_or_default();
        let entries: Vec<Value> = port
            .fixed_ips
            .iter()
            .map(|ip| {
                json!({"OS-EXT-IPS-MAC:mac_addr": port.mac_address, "version": 4,
                       "addr": ip.ip_address, "OS-EXT-IPS:type": "fixed"})
            })
            .collect();
        addresses.insert(label, Value::Array(entries));
    }
    addresses
}

fn server(state: &ApiState, model: &Model, i: &Instance) -> Value {
    let created = model.created_at.replace(' ', "T") + "Z";
    let self_link = state.url(
        state.ports.nova,
        &format!("/v2/{}/servers/{}", i.project_id, i.uuid),
    );
    json!({
        "id": i.uuid,
        "name": i.display_name,
        "status": "ACTIVE",
        "tenant_id": i.project_id,
        "user_id": super::catalog::user_id(state),
        "hostId": "",
        "addresses": addresses(model, i),
        "flavor": {"id": "1", "links": []},
        "image": {"id": "", "links": []},
        "metadata": {},
        "created": created,
        "updated": created,
        "accessIPv4": "",
        "accessIPv6": "",
        "key_name": null,
        "config_drive": "",
        "progress": 0,
        "links": [{"rel": "self", "href": self_link}],
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": i.availability_zone,
        "OS-EXT-SRV-ATTR:host": i.host,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": i.host,
        "OS-EXT-SRV-ATTR:instance_name": i.libvirt_name,
        "OS-EXT-STS:power_state": 1,
        "OS-EXT-STS:task_state": null,
        "OS-EXT-STS:vm_state": "active",
        "OS-SRV-USG:launched_at": model.created_at.replace(' ', "T") + ".000000",
        "OS-SRV-USG:terminated_at": null,
        "os-extended-volumes:volumes_attached": [],
        "security_groups": [{"name": "default"}]
    })
}
