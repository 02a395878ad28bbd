//! What `up` leaves in the lab directory for a scanner: `environment.json` (an
//! `environments_config` document), `mongo.conf`, and `lab.json` (pid, ports, sizes; no secrets).
//! Files holding secrets are written with mode 0600.

use crate::lab::model::LabSizes;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub const ENVIRONMENT_FILE: &str = "environment.json";
pub const KUBE_ENVIRONMENT_FILE: &str = "environment-kubernetes.json";
pub const MONGO_CONF_FILE: &str = "mongo.conf";
pub const LAB_FILE: &str = "lab.json";
pub const PID_FILE: &str = "lab.pid";
pub const LOG_FILE: &str = "lab.log";
pub const CLIENT_KEY_FILE: &str = "id_lab";
pub const HOST_KEY_FILE: &str = "ssh_host_ed25519_key";

/// Everything the environment document says about how to reach the lab.
pub struct EnvironmentSpec<'a> {
    pub name: &'a str,
    pub distribution: &'a str,
    pub distribution_version: &'a str,
    pub sizes: &'a LabSizes,
    pub bind: &'a str,
    pub keystone_port: u16,
    pub admin_password: &'a Secret,
    pub mysql_host: &'a str,
    pub mysql_port: u16,
    pub mysql_user: &'a str,
    pub mysql_password: &'a Secret,
    /// False with --no-mysql: the document then has no mysql section.
    pub mysql_enabled: bool,
    pub ssh_port: u16,
    pub ssh_user: &'a str,
    pub ssh_password: &'a Secret,
    pub ssh_key: Option<&'a Path>,
    pub amqp_host: &'a str,
    pub amqp_port: u16,
    /// With --aci: the APIC's `host` (with `:port` unless 443) and admin password.
    pub aci: Option<(String, &'a Secret)>,
}

/// The distribution and version of the environment: the flags when given, else a pair that
/// `supported_environments` lists for the mechanism driver (none lists LXB: RDO/Mitaka, which
/// the scanner accepts with a warning).
fn distribution<'a>(spec: &EnvironmentSpec<'a>) -> (&'a str, &'a str) {
    let default = match spec.sizes.mechanism_driver {
        crate::lab::model::MechanismDriver::Vpp => "Devstack",
        _ => "RDO",
    };
    let name = Some(spec.distribution).filter(|d| !d.is_empty());
    let version = Some(spec.distribution_version).filter(|v| !v.is_empty());
    (name.unwrap_or(default), version.unwrap_or("Mitaka"))
}

/// The `environments_config` document, with ports as strings as the original stores them.
pub fn environment_document(spec: &EnvironmentSpec) -> Value {
    let (distribution, distribution_version) = distribution(spec);
    let mut cli = json!({
        "name": "CLI",
        "host": spec.bind,
        "port": spec.ssh_port.to_string(),
        "user": spec.ssh_user,
        "pwd": spec.ssh_password.expose()
    });
    if let Some(key) = spec.ssh_key {
        cli["key"] = json!(key.display().to_string());
    }
    let mut doc = json!({
        "name": spec.name,
        "type": "environment",
        "environment_type": "OpenStack",
        "distribution": distribution,
        "distribution_version": distribution_version,
        "mechanism_drivers": [spec.sizes.mechanism_driver.calipso_name()],
        "type_drivers": spec.sizes.type_driver.name(),
        "app_path": "/home/scan/calipso_prod/app",
        "listen": false,
        "scanned": false,
        "last_scanned": "",
        "operational": "stopped",
        "enable_monitoring": false,
        "aci_enabled": false,
        "configuration": [
            {
                "name": "OpenStack",
                "host": spec.bind,
                "port": spec.keystone_port.to_string(),
                "user": "admin",
                "pwd": spec.admin_password.expose(),
                "admin_project": "admin",
                "admin_token": ""
            },
            {
                "name": "mysql",
                "host": spec.mysql_host,
                "port": spec.mysql_port.to_string(),
                "user": spec.mysql_user,
                "pwd": spec.mysql_password.expose()
            },
            cli,
            {
                "name": "AMQP",
                "host": spec.amqp_host,
                "port": spec.amqp_port.to_string(),
                "user": "guest",
                "pwd": "guest"
            }
        ]
    });
    if !spec.mysql_enabled {
        if let Some(sections) = doc["configuration"].as_array_mut() {
            sections.retain(|s| s["name"] != "mysql");
        }
    }
    if let Some((host, password)) = &spec.aci {
        doc["aci_enabled"] = json!(true);
        if let Some(sections) = doc["configuration"].as_array_mut() {
            sections.push(json!({
                "name": "ACI",
                "host": host,
                "user": crate::lab::aci::ACI_USER,
                "pwd": password.expose()
            }));
        }
    }
    doc
}

/// The Kubernetes environment of `--kubernetes`: `<name>-k8s`, its API server and token, and the
/// same SSH gateway (both sections are mandatory for this environment type).
pub fn kubernetes_environment_document(spec: &EnvironmentSpec, port: u16, token: &Secret) -> Value {
    let mut doc = environment_document(spec);
    doc["name"] = json!(format!("{}-k8s", spec.name));
    doc["environment_type"] = json!("Kubernetes");
    doc["aci_enabled"] = json!(false);
    if let Some(sections) = doc["configuration"].as_array_mut() {
        sections.retain(|s| s["name"] == "CLI");
        sections.push(json!({
            "name": "Kubernetes",
            "host": spec.bind,
            "port": port.to_string(),
            "user": crate::lab::kube::KUBE_USER,
            "token": token.expose()
        }));
    }
    doc
}

/// `mongo.conf` in the original's `key value` format.
pub fn mongo_conf(server: &str, port: u16, database: &str) -> String {
    format!("server {server}\nport {port}\nauth_db {database}\n")
}

/// `lab.json`: where a running lab listens. No secrets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabInfo {
    pub pid: u32,
    pub bind: String,
    pub ports: LabPorts,
    pub mysql: Option<String>,
    pub sizes: Value,
    pub env_name: String,
    pub summary: String,
    /// Port of the control endpoint on `bind` (`calipso-lab event`).
    #[serde(default)]
    pub control_port: Option<u16>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabPorts {
    pub keystone_public: u16,
    pub keystone_admin: u16,
    pub nova: u16,
    pub neutron: u16,
    pub ssh: Option<u16>,
    #[serde(default)]
    pub aci: Option<u16>,
    #[serde(default)]
    pub kubernetes: Option<u16>,
}

impl LabPorts {
    pub fn all(&self) -> Vec<u16> {
        let mut ports = vec![
            self.keystone_public,
            self.keystone_admin,
            self.nova,
            self.neutron,
        ];
        ports.extend(self.ssh);
        ports.extend(self.aci);
        ports.extend(self.kubernetes);
        ports
    }
}

/// Writes `contents` to `path` with mode 0600, replacing it.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
}

pub fn write_json(path: &Path, value: &impl Serialize) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    write_private(path, format!("{text}\n").as_bytes())
}

pub fn read_lab_info(dir: &Path) -> Option<LabInfo> {
    let text = std::fs::read_to_string(dir.join(LAB_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

pub fn path_in(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}
