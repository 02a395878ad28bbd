//! The lab's OpenStack HTTP APIs over real HTTP (reqwest), checked against the model.

#[path = "common/lab.rs"]
mod lab;

use lab::Lab;
use reqwest::Client;
use reqwest::StatusCode;
use serde_json::{json, Value};

struct Api<'a> {
    lab: &'a Lab,
    http: Client,
}

impl<'a> Api<'a> {
    fn new(lab: &'a Lab) -> Self {
        Api {
            lab,
            http: Client::new(),
        }
    }

    async fn token_response(&self, project: &str, password: &str) -> (StatusCode, Value) {
        let body = json!({"auth": {"passwordCredentials": {"username": "admin", "password": password}, "tenantName": project}});
        let resp = self
            .http
            .post(self.lab.url(5000, "/v2.0/tokens"))
            .header("Accept", "application/json")
            .header("Content-Type", "application/json; charset=UTF-8")
            .json(&body)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.json().await.unwrap())
    }

    async fn token(&self, project: &str) -> Value {
        let (status, body) = self
            .token_response(project, &self.lab.conf("OpenStack", "pwd"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access"].clone()
    }

    async fn get(&self, url: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut req = self.http.get(url);
        if let Some(t) = token {
            req = req
                .header("X-Auth-Token", t)
                .header("X-Auth-Project-Id", "admin");
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let body =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{url}: not JSON: {text}"));
        (status, body)
    }

    async fn ok(&self, url: &str, token: &str) -> Value {
        let (status, body) = self.get(url, Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{url}: {body}");
        body
    }
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn keystone_tokens_catalog_and_projects() {
    let lab = Lab::start(&[]);
    let api = Api::new(&lab);
    let m = &lab.model;

    let (status, body) = api.token_response("admin", "wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], 401);
    assert!(body["error"]["title"].is_string() && body["error"]["message"].is_string());

    let access = api.token("admin").await;
    let token = &access["token"];
    assert!(token["id"].as_str().unwrap().len() > 20);
    assert_eq!(token["tenant"]["name"], "admin");
    assert_eq!(token["tenant"]["id"], m.projects[0].id.as_str());
    let expires = chrono::NaiveDateTime::parse_from_str(
        token["expires"].as_str().unwrap(),
        "%Y-%m-%dT%H:%M:%SZ",
    )
    .unwrap();
    assert!(
        expires > chrono::Utc::now().naive_utc(),
        "token expires in the future"
    );

    let catalog = access["serviceCatalog"].as_array().unwrap();
    let endpoint = |name: &str| {
        let service = catalog
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} in catalog"));
        assert!(service["type"].is_string());
        let e = &service["endpoints"][0];
        assert_eq!(e["region"], "RegionOne");
        assert!(e["id"].is_string());
        e.clone()
    };
    let b = &lab.bind;
    let tenant = &m.projects[0].id;
    assert_eq!(
        endpoint("nova")["adminURL"],
        format!("http://{b}:8774/v2/{tenant}")
    );
    assert_eq!(endpoint("neutron")["adminURL"], format!("http://{b}:9696"));
    assert_eq!(
        endpoint("keystone")["adminURL"],
        format!("http://{b}:35357/v2.0")
    );
    assert_eq!(
        endpoint("keystone")["publicURL"],
        format!("http://{b}:5000/v2.0")
    );
    for name in ["glance", "cinderv2"] {
        let url = endpoint(name)["adminURL"].as_str().unwrap().to_string();
        assert!(
            url.split("//").nth(1).unwrap().contains(':'),
            "{url} has an explicit port"
        );
    }

    let demo = api.token("demo").await;
    assert_eq!(demo["token"]["tenant"]["id"], m.projects[2].id.as_str());
    let (status, _) = api
        .token_response("no-such-project", &lab.conf("OpenStack", "pwd"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let id = token["id"].as_str().unwrap();
    for url in [
        lab.url(35357, "/v2.0/tenants"),
        lab.url(35357, "/v3/projects"),
    ] {
        let (status, body) = api.get(&url, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{url} without token");
        assert_eq!(body["error"]["code"], 401);
        let (status, _) = api.get(&url, Some("bogus-token")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let tenants = api.ok(&lab.url(35357, "/v2.0/tenants"), id).await;
    let names: Vec<&str> = tenants["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "services", "demo", "alt_demo"]);
    for t in tenants["tenants"].as_array().unwrap() {
        for key in ["id", "name", "description", "enabled"] {
            assert!(t.get(key).is_some(), "tenant {key}");
        }
    }
    let projects = api.ok(&lab.url(35357, "/v3/projects"), id).await;
    assert_eq!(projects["projects"].as_array().unwrap().len(), 4);
    assert!(projects["projects"][0]["name"].is_string());

    let (status, body) = api
        .get(&lab.url(5000, "/v2.0/nothing-here"), Some(id))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], 404);
}

#[tokio::test]
async fn nova_zones_hypervisors_and_servers() {
    let lab = Lab::start(&[]);
    let api = Api::new(&lab);
    let m = &lab.model;
    let access = api.token("admin").await;
    let token = access["token"]["id"].as_str().unwrap();
    let tenant = access["token"]["tenant"]["id"].as_str().unwrap();
    let nova = |path: &str| lab.url(8774, &format!("/v2/{tenant}{path}"));

    let (status, _) = api.get(&nova("/os-hypervisors"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let zones = api.ok(&nova("/os-availability-zone/detail"), token).await;
    let zones = zones["availabilityZoneInfo"].as_array().unwrap();
    let names: Vec<&str> = zones
        .iter()
        .map(|z| z["zoneName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["internal", "nova"]);
    let mut zone_hosts = Vec::new();
    for zone in zones {
        assert_eq!(zone["zoneState"]["available"], true);
        for (host, services) in zone["hosts"].as_object().unwrap() {
            zone_hosts.push(host.clone());
            for (_, state) in services.as_object().unwrap() {
                assert_eq!(state["available"], true);
                assert_eq!(state["active"], true);
                assert!(state["updated_at"].is_string());
            }
        }
    }
    let model_hosts: Vec<String> = m.hosts.iter().map(|h| h.name.clone()).collect();
    assert_eq!(sorted(zone_hosts), sorted(model_hosts));
    assert!(zones[0]["hosts"][&m.hosts[0].name]["nova-conductor"].is_object());
    assert!(zones[1]["hosts"][&m.hosts[1].name]["nova-compute"].is_object());

    // A project's own token works on its own tenant URL, not on another's.
    let demo = api.token("demo").await;
    let demo_token = demo["token"]["id"].as_str().unwrap();
    let demo_tenant = demo["token"]["tenant"]["id"].as_str().unwrap();
    let demo_zones = api
        .ok(
            &lab.url(
                8774,
                &format!("/v2/{demo_tenant}/os-availability-zone/detail"),
            ),
            demo_token,
        )
        .await;
    assert_eq!(
        demo_zones["availabilityZoneInfo"].as_array().unwrap().len(),
        2
    );
    let (status, _) = api
        .get(&nova("/os-availability-zone/detail"), Some(demo_token))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let hypervisors = api.ok(&nova("/os-hypervisors"), token).await;
    let list = hypervisors["hypervisors"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    for (h, host) in list.iter().zip(m.compute_hosts()) {
        assert_eq!(h["hypervisor_hostname"], host.name.as_str());
        assert!(h["id"].is_number());
    }

    for host in m.compute_hosts() {
        // Q4: the scanner builds this URL from the Keystone base URL, without the catalog.
        let url = lab.url(
            8774,
            &format!("/v2/{tenant}/os-hypervisors/{}/servers", host.name),
        );
        let body = api.ok(&url, token).await;
        let servers = body["hypervisors"][0]["servers"].as_array().unwrap();
        let got: Vec<(String, String)> = servers
            .iter()
            .map(|s| {
                (
                    s["uuid"].as_str().unwrap().into(),
                    s["name"].as_str().unwrap().into(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = m
            .instances_on(&host.name)
            .map(|i| (i.uuid.clone(), i.libvirt_name.clone()))
            .collect();
        assert_eq!(got, want);
    }
    let (status, body) = api
        .get(&nova("/os-hypervisors/no-such-host/servers"), Some(token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["itemNotFound"]["code"], 404);

    let v21 = api
        .ok(
            &lab.url(8774, &format!("/v2.1/{tenant}/os-hypervisors")),
            token,
        )
        .await;
    assert_eq!(v21, hypervisors);
    let servers = api
        .ok(
            &lab.url(8774, &format!("/v2/{demo_tenant}/servers/detail")),
            demo_token,
        )
        .await;
    let demo_instances = m
        .instances
        .iter()
        .filter(|i| i.project_id == demo_tenant)
        .count();
    assert_eq!(servers["servers"].as_array().unwrap().len(), demo_instances);
    assert!(servers["servers"][0]["OS-EXT-SRV-ATTR:instance_name"].is_string());
}

#[tokio::test]
async fn neutron_collections_objects_and_filters() {
    let lab = Lab::start(&[]);
    let api = Api::new(&lab);
    let m = &lab.model;
    let token_body = api.token("admin").await;
    let token = token_body["token"]["id"].as_str().unwrap();
    let neutron = |path: &str| lab.url(9696, path);

    let (status, body) = api.get(&neutron("/v2.0/networks"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let networks = api.ok(&neutron("/v2.0/networks"), token).await;
    let networks = &networks["networks"];
    assert_eq!(
        ids(networks),
        sorted(m.networks.iter().map(|n| n.id.clone()).collect())
    );
    for n in networks.as_array().unwrap() {
        for key in [
            "id",
            "name",
            "tenant_id",
            "project_id",
            "subnets",
            "admin_state_up",
            "status",
            "shared",
            "router:external",
            "provider:network_type",
            "provider:physical_network",
            "provider:segmentation_id",
            "mtu",
            "port_security_enabled",
        ] {
            assert!(n.get(key).is_some(), "network {key}");
        }
    }
    let subnets = api.ok(&neutron("/v2.0/subnets"), token).await;
    assert_eq!(
        ids(&subnets["subnets"]),
        sorted(m.subnets.iter().map(|s| s.id.clone()).collect())
    );
    let s0 = &subnets["subnets"][0];
    for key in [
        "cidr",
        "gateway_ip",
        "allocation_pools",
        "network_id",
        "enable_dhcp",
        "ip_version",
        "tenant_id",
    ] {
        assert!(s0.get(key).is_some(), "subnet {key}");
    }

    let ports = api.ok(&neutron("/v2.0/ports"), token).await;
    let ports = ports["ports"].as_array().unwrap();
    assert_eq!(ports.len(), m.ports.len());
    for instance in &m.instances {
        let vif = &instance.network_info[0];
        let port = ports
            .iter()
            .find(|p| p["id"] == vif["id"])
            .expect("instance port served");
        assert_eq!(port["mac_address"], vif["address"]);
        assert_eq!(port["device_id"], instance.uuid.as_str());
        assert_eq!(port["binding:host_id"], instance.host.as_str());
        assert_eq!(port["binding:vif_type"], "ovs");
        assert_eq!(port["device_owner"], "compute:nova");
        assert!(port["fixed_ips"][0]["ip_address"].is_string());
    }
    let dhcp = api
        .ok(&neutron("/v2.0/ports?device_owner=network:dhcp"), token)
        .await;
    assert_eq!(dhcp["ports"].as_array().unwrap().len(), 2);

    let routers = api.ok(&neutron("/v2.0/routers"), token).await;
    assert_eq!(
        ids(&routers["routers"]),
        sorted(m.routers.iter().map(|r| r.id.clone()).collect())
    );
    assert!(routers["routers"][0]["external_gateway_info"]["network_id"].is_string());

    let agents = api.ok(&neutron("/v2.0/agents"), token).await;
    let agents = agents["agents"].as_array().unwrap();
    assert_eq!(agents.len(), m.agents.len());
    let ovs = agents
        .iter()
        .find(|a| a["agent_type"] == "Open vSwitch agent")
        .unwrap();
    assert!(ovs["configurations"]["tunneling_ip"]
        .as_str()
        .unwrap()
        .starts_with("192.168."));
    for key in [
        "binary",
        "topic",
        "host",
        "alive",
        "admin_state_up",
        "heartbeat_timestamp",
    ] {
        assert!(ovs.get(key).is_some(), "agent {key}");
    }

    let net = &m.networks[1];
    let one = api
        .ok(&neutron(&format!("/v2.0/networks/{}", net.id)), token)
        .await;
    assert_eq!(one["network"]["id"], net.id.as_str());
    let port = &m.ports[0];
    let one = api
        .ok(&neutron(&format!("/v2.0/ports/{}", port.id)), token)
        .await;
    assert_eq!(one["port"]["mac_address"], port.mac_address.as_str());
    let (status, body) = api
        .get(
            &neutron("/v2.0/networks/00000000-0000-0000-0000-000000000000"),
            Some(token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["NeutronError"]["type"], "NetworkNotFound");
    let (status, body) = api.get(&neutron("/v2.0/unknown"), Some(token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["NeutronError"].is_object());
}

#[tokio::test]
async fn latency_delays_every_request() {
    let lab = Lab::start(&["--latency-ms", "300", "--no-ssh"]);
    let api = Api::new(&lab);
    let started = std::time::Instant::now();
    api.token("admin").await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}
