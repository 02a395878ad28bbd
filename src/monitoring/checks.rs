//! The object hook (monitoring.md §4.3): a `host` gets its client files, the other handled
//! objects and links add checks to their host's `client.json`.

use super::templates::{prepare, Values};
use super::{Manager, MonitoringError, Provision};
use crate::doc::str_field;
use bson::{doc, Bson, Document};

/// Object types (and the one link type) the hook handles, in the order a run visits them.
pub const HANDLED_TYPES: [&str; 8] = [
    "host",
    "otep",
    "vedge",
    "host_pnic",
    "vnic",
    "vconnector",
    "vservice",
    "instance",
];
pub const HANDLED_LINK: &str = "vnic-vconnector";

/// `:` ⇒ `---..58..---`, `/` ⇒ `---..47..---` (check names are Sensu names).
pub fn enc(s: &str) -> String {
    s.replace(':', "---..58..---").replace('/', "---..47..---")
}

/// One check to add: placeholder values, template check type, target host.
struct CheckRequest {
    values: Values,
    check_type: String,
    host: Option<String>,
}

fn missing(field: &str) -> MonitoringError {
    MonitoringError::Object(format!("missing field {field}"))
}

fn required<'a>(o: &'a Document, field: &str) -> Result<&'a str, MonitoringError> {
    str_field(o, field).ok_or_else(|| missing(field))
}

impl Manager {
    /// `create_setup(o)` for one inventory object or link; failures are logged and counted.
    pub async fn object_hook(&mut self, o: &Document) {
        if self.provision() == Provision::None {
            return;
        }
        let key = str_field(o, "type")
            .or_else(|| str_field(o, "link_type"))
            .unwrap_or("")
            .to_string();
        let result = match key.as_str() {
            "host" => self.host_setup(o).await,
            k if HANDLED_TYPES.contains(&k) || k == HANDLED_LINK => self.check_setup(&key, o).await,
            _ => return,
        };
        if let Err(e) = result {
            let id = str_field(o, "id")
                .map(String::from)
                .or_else(|| {
                    Some(format!(
                        "{}-{}",
                        str_field(o, "source_id")?,
                        str_field(o, "target_id")?
                    ))
                })
                .unwrap_or_default();
            self.error(format!("monitoring setup failed for {key} {id}: {e}"));
        }
    }

    async fn check_setup(&mut self, key: &str, o: &Document) -> Result<(), MonitoringError> {
        for request in self.check_requests(key, o).await? {
            let mut values = self.settings.block_values.clone();
            values.extend(request.values);
            values.insert("objtype".into(), key.to_string());
            if let Some(host) = str_field(o, "host") {
                let found = self.store.get_by_id(&self.env.name, host).await?;
                if let Some(ip) = found.as_ref().and_then(|h| str_field(h, "ip_address")) {
                    values.insert("client_ip".into(), ip.to_string());
                }
            }
            let template = format!("client_check_{}.json", request.check_type);
            let env_doc = self.env.doc.clone();
            let fragment = prepare(&self.store, &env_doc, &template, "client", &values).await?;
            let target = match request.host {
                Some(h) => h,
                None => required(o, "host")?.to_string(),
            };
            self.add_checks(&target, fragment).await?;
        }
        Ok(())
    }

    /// The checks of `fragment` replace same-named ones in the target's `client.json`.
    async fn add_checks(
        &mut self,
        target: &str,
        fragment: Option<Document>,
    ) -> Result<(), MonitoringError> {
        let env = self.env.name.clone();
        let current = self
            .store
            .monitoring_config(&env, target, "client.json")
            .await?;
        let mut config = current.unwrap_or_default();
        let mut checks = config.get_document("checks").cloned().unwrap_or_default();
        if let Some(Ok(new)) = fragment.as_ref().map(|f| f.get_document("checks")) {
            for (name, check) in new {
                checks.insert(name.clone(), check.clone());
            }
        }
        config.insert("checks", checks);
        let subdir = format!("host/{target}");
        self.write_config(target, "client.json", Some(config), &subdir, false)
            .await
    }

    fn driver_variant(&self, base: &str) -> String {
        let vpp = self.env.mechanism_drivers().iter().any(|d| d == "VPP");
        format!("{base}_{}", if vpp { "vpp" } else { "ovs" })
    }

    async fn check_requests(
        &self,
        key: &str,
        o: &Document,
    ) -> Result<Vec<CheckRequest>, MonitoringError> {
        let id = str_field(o, "id").unwrap_or("");
        let single = |check_type: &str, pairs: &[(&str, &str)]| {
            let mut values: Values = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            values.insert("objid".into(), enc(id));
            vec![CheckRequest {
                values,
                check_type: check_type.to_string(),
                host: None,
            }]
        };
        Ok(match key {
            "otep" => otep_requests(o)?,
            "vedge" => single(&self.driver_variant("vedge"), &[]),
            "host_pnic" => single(
                &self.driver_variant("host_pnic"),
                &[("local_name", required(o, "local_name")?)],
            ),
            "vnic" => single("vnic", &[("vnictype", required(o, "vnic_type")?)]),
            "vconnector" => single(
                &self.driver_variant("vconnector"),
                &[("name", str_field(o, "name").unwrap_or(""))],
            ),
            "vservice" => single(
                "vservice",
                &[
                    ("local_service_id", required(o, "local_service_id")?),
                    ("service_type", required(o, "service_type")?),
                ],
            ),
            "vnic-vconnector" => vec![self.link_request(o).await?],
            "instance" => self.instance_requests(o).await?,
            _ => Vec::new(),
        })
    }

    async fn link_request(&self, link: &Document) -> Result<CheckRequest, MonitoringError> {
        let env = &self.env.name;
        let vnic_id = str_field(link, "source_id").unwrap_or("");
        let vnic = self.store.get_by_id(env, vnic_id).await?.ok_or_else(|| {
            MonitoringError::Object("could not find vnic for vnic-vconnector link".into())
        })?;
        let mac = str_field(&vnic, "mac_address").ok_or_else(|| {
            MonitoringError::Object(format!("could not find MAC address in vNIC: {vnic_id}"))
        })?;
        let target_id = str_field(link, "target_id").unwrap_or("");
        let vconnector = self.store.get_by_id(env, target_id).await?.ok_or_else(|| {
            MonitoringError::Object("could not find vconnector for vnic-vconnector link".into())
        })?;
        let values: Values = [
            ("linktype", "vnic-vconnector".to_string()),
            ("fromobjid", enc(vnic_id)),
            ("toobjid", target_id.to_string()),
            (
                "bridge",
                str_field(&vconnector, "object_name")
                    .unwrap_or("")
                    .to_string(),
            ),
            ("mac_address", mac.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Ok(CheckRequest {
            values,
            check_type: "link_vnic-vconnector".into(),
            host: Some(required(link, "host")?.to_string()),
        })
    }

    /// One request per instance vNIC whose network has a service; pairs accumulate in the
    /// service host's existing check (fix: the original kept only the last vNIC).
    async fn instance_requests(
        &self,
        instance: &Document,
    ) -> Result<Vec<CheckRequest>, MonitoringError> {
        let env = self.env.name.clone();
        let id_path = required(instance, "id_path")?;
        let id = required(instance, "id")?;
        let check_name = format!("instance_{}", enc(id));
        let vnics = self
            .store
            .find_objects(doc! {
                "environment": &env, "type": "vnic", "vnic_type": "instance_vnic",
                "id_path": Bson::RegularExpression(bson::Regex {
                    pattern: format!("^{id_path}/"),
                    options: String::new(),
                }),
            })
            .await?;
        let mut requests = Vec::new();
        let mut pairs_by_host: Vec<(String, Vec<String>)> = Vec::new();
        for vnic in vnics {
            let Some(network) = vnic.get("network").filter(|n| !matches!(n, Bson::Null)) else {
                continue;
            };
            let services = self
                .store
                .find_objects(
                    doc! {"environment": &env, "type": "vservice", "network": network.clone()},
                )
                .await?;
            let Some(service) = services
                .iter()
                .find(|s| str_field(s, "service_type") == Some("dhcp"))
                .or(services.first())
            else {
                continue;
            };
            let host = required(service, "host")?.to_string();
            let pair = format!(
                "{},{}",
                required(service, "local_service_id")?,
                required(&vnic, "mac_address")?.to_lowercase()
            );
            let index = match pairs_by_host.iter().position(|(h, _)| *h == host) {
                Some(i) => i,
                None => {
                    let existing = self.existing_pairs(&host, &check_name).await?;
                    pairs_by_host.push((host.clone(), existing));
                    pairs_by_host.len() - 1
                }
            };
            let pairs = &mut pairs_by_host[index].1;
            if pairs.contains(&pair) {
                continue;
            }
            pairs.push(pair);
            let values: Values = [
                ("objid".to_string(), enc(id)),
                ("services_and_vnics".to_string(), pairs.join(";")),
            ]
            .into();
            requests.push(CheckRequest {
                values,
                check_type: "instance".into(),
                host: Some(host),
            });
        }
        Ok(requests)
    }

    /// Pairs of an existing instance check: the command after the first `.py` and one
    /// character, split on `;`.
    async fn existing_pairs(
        &self,
        host: &str,
        check: &str,
    ) -> Result<Vec<String>, MonitoringError> {
        let config = self
            .store
            .monitoring_config(&self.env.name, host, "client.json")
            .await?;
        let command = config
            .as_ref()
            .and_then(|c| c.get_document("checks").ok())
            .and_then(|c| c.get_document(check).ok())
            .and_then(|c| str_field(c, "command").map(String::from));
        Ok(command
            .and_then(|c| {
                c.split_once(".py")
                    .map(|(_, rest)| rest.chars().skip(1).collect::<String>())
            })
            .map(|rest| {
                rest.split(';')
                    .filter(|p| !p.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default())
    }
}

fn otep_requests(o: &Document) -> Result<Vec<CheckRequest>, MonitoringError> {
    let ports = o.get_document("ports").map_err(|_| missing("ports"))?;
    let id = str_field(o, "id").unwrap_or("");
    let mut requests = Vec::new();
    for (name, port) in ports {
        let Some(port) = port.as_document() else {
            continue;
        };
        if !matches!(str_field(port, "type"), Some("vxlan" | "gre")) {
            continue;
        }
        let options = port
            .get_document("options")
            .map_err(|_| missing("options"))?;
        let port_name = str_field(port, "name").unwrap_or(name);
        let values: Values = [
            ("objid", id),
            ("portid", port_name),
            ("otep_src_ip", required(options, "local_ip")?),
            ("otep_dest_ip", required(options, "remote_ip")?),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        requests.push(CheckRequest {
            values,
            check_type: "otep".into(),
            host: None,
        });
    }
    Ok(requests)
}
