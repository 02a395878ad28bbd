//! The lab's topology: plain data, generated once from a seed and sizes. Every view the lab serves
//! (Keystone/Nova/Neutron JSON, MySQL rows, host command output) is rendered from this model, so
//! all of them agree on ids, names, MACs and addresses.

mod addressing;
mod agents;
mod build;
pub(crate) mod ids;
mod network_info;
mod nics;
pub use addressing::prefix_len;
pub use network_info::vif_details;
pub use nics::{host_nics, HostNics};

pub(crate) use build::new_port;
pub use build::{build, ModelError};
pub(crate) use network_info::network_info;

use serde::Serialize;
use serde_json::Value;

/// L2 plugin of the simulated cloud (environment `mechanism_drivers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum MechanismDriver {
    Ovs,
    Lxb,
    Vpp,
}

impl MechanismDriver {
    /// The value Calipso stores in `mechanism_drivers`.
    pub fn calipso_name(self) -> &'static str {
        match self {
            MechanismDriver::Ovs => "OVS",
            MechanismDriver::Lxb => "LXB",
            MechanismDriver::Vpp => "VPP",
        }
    }

    /// Neutron's `binding:vif_type` (and Nova's VIF `type`) for ports bound by this driver.
    pub fn vif_type(self) -> &'static str {
        match self {
            MechanismDriver::Ovs => "ovs",
            MechanismDriver::Lxb => "bridge",
            MechanismDriver::Vpp => "vhostuser",
        }
    }
}

/// Tenant network segmentation (environment `type_drivers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TypeDriver {
    Vxlan,
    Vlan,
    Gre,
}

impl TypeDriver {
    pub fn name(self) -> &'static str {
        match self {
            TypeDriver::Vxlan => "vxlan",
            TypeDriver::Vlan => "vlan",
            TypeDriver::Gre => "gre",
        }
    }

    /// Overlay types have tunnel endpoints (ml2_<type>_endpoints rows, tunneling_ip).
    pub fn is_tunnel(self) -> bool {
        !matches!(self, TypeDriver::Vlan)
    }
}

/// What the model is generated from.
#[derive(Debug, Clone, Serialize)]
pub struct LabSizes {
    pub seed: u64,
    pub hosts: usize,
    pub instances: usize,
    pub mechanism_driver: MechanismDriver,
    pub type_driver: TypeDriver,
}

#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub sizes: LabSizes,
    pub region: String,
    /// `admin`, `services`, then the demo projects.
    pub projects: Vec<Project>,
    /// Keystone id of the `admin` user (the owner of every instance).
    pub admin_user_id: String,
    pub hosts: Vec<Host>,
    pub availability_zones: Vec<AvailabilityZone>,
    pub aggregates: Vec<Aggregate>,
    pub networks: Vec<Network>,
    pub subnets: Vec<Subnet>,
    pub routers: Vec<Router>,
    pub ports: Vec<Port>,
    pub instances: Vec<Instance>,
    pub agents: Vec<Agent>,
    /// Rows of `ml2_<type>_endpoints` (empty for VLAN and for VPP).
    pub tunnel_endpoints: Vec<TunnelEndpoint>,
    /// Creation time of every object (`YYYY-MM-DD HH:MM:SS`, UTC).
    pub created_at: String,
    /// Neutron `standardattributes` ids once pinned by a running lab (`<table>:<object id>`);
    /// empty: numbered in row order.
    #[serde(skip)]
    pub standard_attr_ids: std::collections::HashMap<String, i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// 32 hex digits, as Keystone makes them.
    pub id: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub domain_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OsRelease {
    pub name: String,
    pub version: String,
    pub id: String,
    pub id_like: String,
    pub pretty_name: String,
    pub version_id: String,
    pub codename: String,
    pub architecture: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Host {
    /// The host name everywhere (AZ lists, agents, bindings, `uname -n`).
    pub name: String,
    pub controller: bool,
    pub network: bool,
    pub compute: bool,
    /// Management address (10.x): nova.compute_nodes.host_ip, metadata IP.
    pub management_ip: String,
    /// Data-network address (192.168.x), the tunnel endpoint.
    pub tunnel_ip: String,
    /// Nova hypervisor id (compute hosts only).
    pub hypervisor_id: Option<u32>,
    pub os: OsRelease,
}

#[derive(Debug, Clone, Serialize)]
pub struct ZoneService {
    pub host: String,
    pub services: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AvailabilityZone {
    pub name: String,
    pub hosts: Vec<ZoneService>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Aggregate {
    pub id: u32,
    pub uuid: String,
    pub name: String,
    pub availability_zone: String,
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Network {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub shared: bool,
    pub external: bool,
    pub network_type: String,
    pub physical_network: Option<String>,
    pub segmentation_id: Option<u32>,
    pub mtu: u32,
    pub subnet_ids: Vec<String>,
    /// Per-mechanism-driver bridge name (`br-int`, `brq<net id[..11]>`).
    pub bridge: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Subnet {
    pub id: String,
    pub name: String,
    pub network_id: String,
    pub project_id: String,
    pub cidr: String,
    pub gateway_ip: String,
    pub allocation_start: String,
    pub allocation_end: String,
    pub enable_dhcp: bool,
    pub dns_nameservers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Router {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub gw_port_id: String,
    pub external_network_id: String,
    /// The network node hosting it (L3 agent).
    pub host: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FixedIp {
    pub subnet_id: String,
    pub ip_address: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Port {
    pub id: String,
    pub name: String,
    pub network_id: String,
    pub project_id: String,
    pub mac_address: String,
    pub fixed_ips: Vec<FixedIp>,
    pub device_id: String,
    pub device_owner: String,
    /// binding:host_id
    pub host: String,
    pub vif_type: String,
    pub status: String,
}

impl Port {
    /// Linux device name Nova and the agents give the port: `tap` + 11 chars of the id.
    pub fn tap_name(&self) -> String {
        format!("tap{}", &self.id[..11])
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Instance {
    pub uuid: String,
    pub display_name: String,
    /// libvirt domain name, `instance-0000000N` (hex).
    pub libvirt_name: String,
    /// nova.instances.id, the number in the libvirt name.
    pub db_id: u32,
    pub host: String,
    pub project_id: String,
    pub availability_zone: String,
    pub port_ids: Vec<String>,
    /// Nova's network-info cache (instance_info_caches.network_info), consistent with `ports`.
    pub network_info: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Agent {
    pub id: String,
    pub agent_type: String,
    pub binary: String,
    pub topic: String,
    pub host: String,
    pub availability_zone: Option<String>,
    pub configurations: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct TunnelEndpoint {
    pub ip_address: String,
    pub host: String,
    /// ml2_vxlan_endpoints only.
    pub udp_port: Option<u16>,
}

impl Model {
    pub fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    pub fn project_by_name(&self, name: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.name == name)
    }

    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// The SSH gateway: the controller.
    pub fn gateway(&self) -> &Host {
        self.hosts
            .iter()
            .find(|h| h.controller)
            .unwrap_or(&self.hosts[0])
    }

    pub fn network(&self, id: &str) -> Option<&Network> {
        self.networks.iter().find(|n| n.id == id)
    }

    pub fn subnet(&self, id: &str) -> Option<&Subnet> {
        self.subnets.iter().find(|s| s.id == id)
    }

    pub fn port(&self, id: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.id == id)
    }

    pub fn compute_hosts(&self) -> impl Iterator<Item = &Host> {
        self.hosts.iter().filter(|h| h.compute)
    }

    pub fn instances_on<'a>(&'a self, host: &'a str) -> impl Iterator<Item = &'a Instance> + 'a {
        self.instances.iter().filter(move |i| i.host == host)
    }
}
