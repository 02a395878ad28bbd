//! End to end: a real `calipso-lab up --daemon`, then the real `calipso db init`, `env import`
//! and `scan` against it, and the inventory read back with the mongodb crate and compared with
//! the lab's model: for OVS+VXLAN (with a bond), Linux bridge+VLAN and VPP.
//!
//! Labs share one MariaDB and take turns through its lock. `CALIPSO_LAB_MYSQL` (a
//! `mysql://root@host:port` URL) points the labs of this file at another MariaDB.

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;

use bson::{Bson, Document};
use calipso::lab::model::{host_nics, LabSizes, MechanismDriver, Model, TypeDriver};
use lab::Lab;
use mongo::TestDb;
use std::collections::BTreeMap;
use std::process::Command;

const CALIPSO: &str = env!("CARGO_BIN_EXE_calipso");

struct Scanned {
    lab: Lab,
    db: TestDb,
    inventory: Vec<Document>,
}

fn calipso(args: &[&str]) -> (bool, String) {
    let out = Command::new(CALIPSO)
        .args(args)
        .output()
        .expect("run calipso");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn scan(tag: &str, driver: MechanismDriver, type_driver: TypeDriver) -> Scanned {
    let sizes = LabSizes {
        seed: 7,
        hosts: 3,
        instances: 4,
        mechanism_driver: driver,
        type_driver,
    };
    let mysql = std::env::var("CALIPSO_LAB_MYSQL").ok();
    let extra: Vec<&str> = match &mysql {
        Some(url) => vec!["--mysql", url.as_str()],
        None => vec![],
    };
    let lab = Lab::start_with(sizes, &extra);
    let db = TestDb::new(tag);
    let (ok, text) = calipso(&["db", "init", "-m", db.conf()]);
    assert!(ok, "db init: {text}");
    let env_file = lab.path().join("environment.json");
    let env_file = env_file.to_str().unwrap();
    let (ok, text) = calipso(&["env", "import", "--replace", "-m", db.conf(), env_file]);
    assert!(ok, "env import: {text}");
    let (ok, text) = calipso(&["scan", "-m", db.conf(), "-e", "lab", "--no-progress"]);
    assert!(ok, "scan failed:\n{text}");
    assert!(text.contains("status: ok"), "{text}");
    let problems: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("SshError") || l.contains("WARNING"))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let inventory = db.docs("inventory");
    Scanned { lab, db, inventory }
}

impl Scanned {
    fn model(&self) -> &Model {
        &self.lab.model
    }

    fn of_type(&self, t: &str) -> Vec<&Document> {
        self.inventory
            .iter()
            .filter(|d| d.get_str("type") == Ok(t))
            .collect()
    }

    fn per_host(&self, t: &str) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for d in self.of_type(t) {
            *counts
                .entry(d.get_str("host").unwrap_or("").to_string())
                .or_default() += 1;
        }
        counts
    }

    fn one(&self, t: &str, id: &str) -> &Document {
        self.of_type(t)
            .into_iter()
            .find(|d| d.get_str("id") == Ok(id))
            .unwrap_or_else(|| panic!("no {t} {id}"))
    }

    fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for d in &self.inventory {
            *counts
                .entry(d.get_str("type").unwrap_or("").to_string())
                .or_default() += 1;
        }
        counts
    }

    /// Checks shared by every driver: instances, vServices with their vNICs, agents.
    fn check_common(&self) {
        let m = self.model();
        assert_eq!(self.of_type("instance").len(), m.instances.len());
        let dhcp: Vec<_> = m
            .ports
            .iter()
            .filter(|p| p.device_owner == "network:dhcp")
            .collect();
        let gateway = &m.gateway().name;
        assert_eq!(self.of_type("vservice").len(), dhcp.len() + m.routers.len());
        for port in &dhcp {
            self.one("vservice", &format!("{gateway}-qdhcp-{}", port.network_id));
        }
        for router in &m.routers {
            let vs = self.one("vservice", &format!("{gateway}-qrouter-{}", router.id));
            assert_eq!(
                vs.get_str("name").unwrap(),
                format!("qrouter-{}", router.name)
            );
        }
        // One vNIC per instance port and per namespace port, with the port's MAC.
        assert_eq!(self.of_type("vnic").len(), m.ports.len());
        for vnic in self.of_type("vnic") {
            let mac = vnic.get_str("mac_address").unwrap();
            let port = m
                .ports
                .iter()
                .find(|p| p.mac_address == mac)
                .unwrap_or_else(|| panic!("vnic {vnic} has no port"));
            assert_eq!(vnic.get_str("host").unwrap(), port.host);
            if vnic.get_str("vnic_type") == Ok("vservice_vnic") {
                let ip = &port.fixed_ips[0].ip_address;
                assert_eq!(vnic.get_str("IP Address").unwrap(), ip, "{vnic}");
                assert_eq!(vnic.get_str("network").unwrap(), port.network_id);
            } else if m.sizes.mechanism_driver != MechanismDriver::Vpp {
                assert_eq!(vnic.get_str("name").unwrap(), port.tap_name());
            }
        }
        let mut per_host = BTreeMap::new();
        for port in &m.ports {
            *per_host.entry(port.host.clone()).or_default() += 1;
        }
        assert_eq!(self.per_host("vnic"), per_host);
        let agents = self.of_type("network_agent");
        assert_eq!(agents.len(), m.agents.len());
        for agent in &m.agents {
            self.one("network_agent", &format!("{}-{}", agent.binary, agent.id));
        }
    }

    /// host_pnic of OVS/LXB hosts: the NICs of `ls /sys/class/net` plus the bond.
    fn check_linux_pnics(&self) {
        let m = self.model();
        let mut expected = BTreeMap::new();
        let mut bonds = 0;
        for host in &m.hosts {
            let nics = host_nics(m, host);
            expected.insert(
                host.name.clone(),
                nics.physical.len() + usize::from(nics.bond.is_some()),
            );
            let pnics: Vec<_> = self
                .of_type("host_pnic")
                .into_iter()
                .filter(|p| p.get_str("host") == Ok(host.name.as_str()))
                .collect();
            let named = |name: &str| {
                *pnics
                    .iter()
                    .find(|p| p.get_str("name") == Ok(name))
                    .unwrap_or_else(|| panic!("{} has no pnic {name}", host.name))
            };
            let mgmt = named(&nics.management);
            assert_eq!(mgmt.get_str("IP Address").unwrap(), host.management_ip);
            if let Some((bond, slaves)) = &nics.bond {
                bonds += 1;
                let b = named(bond);
                assert_eq!(b.get_bool("EtherChannel"), Ok(true));
                let members = b.get_document("members").unwrap();
                let names: Vec<&String> = members.keys().collect();
                assert_eq!(names, slaves.iter().collect::<Vec<_>>());
                for slave in slaves {
                    let s = named(slave);
                    assert_eq!(s.get_bool("EtherChannel"), Ok(true), "{s}");
                    assert_eq!(
                        s.get_str("EtherChannel Master").unwrap(),
                        b.get_str("id").unwrap()
                    );
                }
            }
            // The bond fetcher keeps no `ip address` text; plain NICs do.
            if m.sizes.type_driver.is_tunnel() && nics.bond.is_none() {
                assert!(
                    named(&nics.data)
                        .get_str("data")
                        .unwrap()
                        .contains(&host.tunnel_ip),
                    "data address on {}",
                    nics.data
                );
            }
        }
        assert!(bonds >= 1, "no host with a bond");
        assert_eq!(self.per_host("host_pnic"), expected);
    }
}

fn tag(vedge: &Document, port: &str) -> Option<String> {
    let ports = vedge.get_document("ports").ok()?;
    let p = ports.get_document(port).ok()?;
    p.get_str("tag").ok().map(String::from)
}

#[test]
fn ovs_vxlan_scan_matches_the_model() {
    let s = scan("hosts_ovs", MechanismDriver::Ovs, TypeDriver::Vxlan);
    let m = s.model();
    eprintln!("OVS/VXLAN inventory: {:?}", s.counts());
    s.check_common();
    s.check_linux_pnics();
    // One qbr per instance port; its interfaces are the qvb and tap of the port.
    let instance_ports: Vec<_> = m
        .ports
        .iter()
        .filter(|p| p.device_owner.starts_with("compute:"))
        .collect();
    assert_eq!(s.of_type("vconnector").len(), instance_ports.len());
    for port in &instance_ports {
        let short = &port.id[..11];
        let vc = s
            .of_type("vconnector")
            .into_iter()
            .find(|v| v.get_str("bridge_name") == Ok(format!("qbr{short}").as_str()))
            .unwrap_or_else(|| panic!("no qbr for {}", port.id));
        assert_eq!(vc.get_str("host").unwrap(), port.host);
        let names: Vec<&str> = vc
            .get_array("interfaces_names")
            .unwrap()
            .iter()
            .filter_map(Bson::as_str)
            .collect();
        assert_eq!(names, [format!("qvb{short}"), port.tap_name()]);
        let tap = vc
            .get_document("interfaces")
            .unwrap()
            .get_document(port.tap_name())
            .unwrap();
        assert_eq!(tap.get_str("mac_address").unwrap(), port.mac_address);
    }
    // One vEdge per host; qvo ports tagged; br-tun tunnels to every other host.
    assert_eq!(s.of_type("vedge").len(), m.hosts.len());
    for host in &m.hosts {
        let agent = m
            .agents
            .iter()
            .find(|a| a.host == host.name && a.agent_type == "Open vSwitch agent")
            .unwrap();
        let vedge = s.one("vedge", &agent.id);
        assert_eq!(vedge.get_str("name").unwrap(), format!("{}-OVS", host.name));
        for port in instance_ports.iter().filter(|p| p.host == host.name) {
            let qvo = format!("qvo{}", &port.id[..11]);
            assert!(tag(vedge, &qvo).is_some(), "{qvo} untagged in {vedge}");
        }
        // br-tun's ports: the patch to br-int, its own port, a tunnel to every other host.
        let ports = vedge.get_document("tunnel_ports").unwrap();
        let tunnels: Vec<&Document> = ports
            .iter()
            .filter(|(name, _)| name.starts_with("vxlan-"))
            .map(|(_, t)| t.as_document().unwrap())
            .collect();
        assert_eq!(ports.len(), tunnels.len() + 2);
        let mut remotes: Vec<&str> = tunnels
            .iter()
            .map(|t| {
                let options = t.get_document("options").unwrap();
                assert_eq!(options.get_str("local_ip").unwrap(), host.tunnel_ip);
                options.get_str("remote_ip").unwrap()
            })
            .collect();
        remotes.sort_unstable();
        let mut others: Vec<&str> = m
            .hosts
            .iter()
            .filter(|h| h.name != host.name)
            .map(|h| h.tunnel_ip.as_str())
            .collect();
        others.sort_unstable();
        assert_eq!(remotes, others);
        let otep = s.one("otep", &format!("{}-otep", host.name));
        assert_eq!(otep.get_str("ip_address").unwrap(), host.tunnel_ip);
        assert_eq!(otep.get_str("overlay_type").unwrap(), "vxlan");
        let data_nic = host_nics(m, host).data;
        assert_eq!(
            otep.get_str("vconnector").unwrap(),
            format!("{}-{data_nic}", host.name)
        );
    }
    assert_eq!(s.of_type("otep").len(), m.hosts.len());
    // Instance vNICs plug into the qbr bridges.
    for vnic in s.of_type("vnic") {
        if vnic.get_str("vnic_type") == Ok("instance_vnic") {
            let name = vnic.get_str("name").unwrap();
            assert_eq!(
                vnic.get_str("source_bridge").unwrap(),
                format!("qbr{}", &name[3..])
            );
        }
    }
    drop(s.db);
}

#[test]
fn linux_bridge_vlan_scan_matches_the_model() {
    let s = scan("hosts_lxb", MechanismDriver::Lxb, TypeDriver::Vlan);
    let m = s.model();
    eprintln!("LXB/VLAN inventory: {:?}", s.counts());
    s.check_common();
    s.check_linux_pnics();
    assert!(s.of_type("vedge").is_empty());
    assert!(s.of_type("otep").is_empty());
    let mut expected = BTreeMap::new();
    for host in &m.hosts {
        let nics = host_nics(m, host);
        let networks: Vec<_> = m
            .networks
            .iter()
            .filter(|n| {
                m.ports
                    .iter()
                    .any(|p| p.host == host.name && p.network_id == n.id)
            })
            .collect();
        expected.insert(host.name.clone(), networks.len());
        for network in networks {
            let bridge = network.bridge.clone().unwrap();
            assert_eq!(bridge, format!("brq{}", &network.id[..11]));
            let vc = s
                .of_type("vconnector")
                .into_iter()
                .find(|v| {
                    v.get_str("host") == Ok(host.name.as_str())
                        && v.get_str("bridge_name") == Ok(bridge.as_str())
                })
                .unwrap_or_else(|| panic!("no {bridge} on {}", host.name));
            let names: Vec<&str> = vc
                .get_array("interfaces_names")
                .unwrap()
                .iter()
                .filter_map(Bson::as_str)
                .collect();
            let uplink = match network.segmentation_id {
                Some(vlan) if !network.external => format!("{}.{vlan}", nics.data),
                _ => nics.external.clone(),
            };
            assert!(
                names.contains(&uplink.as_str()),
                "{uplink} not in {names:?}"
            );
            for port in m
                .ports
                .iter()
                .filter(|p| p.host == host.name && p.network_id == network.id)
            {
                assert!(names.contains(&port.tap_name().as_str()), "{names:?}");
            }
            let mappings = vc
                .get_document("configurations")
                .unwrap()
                .get_document("interface_mappings")
                .unwrap();
            assert_eq!(mappings.get_str("physnet1").unwrap(), nics.data);
        }
    }
    assert_eq!(s.per_host("vconnector"), expected);
    drop(s.db);
}

#[test]
fn vpp_scan_matches_the_model() {
    let s = scan("hosts_vpp", MechanismDriver::Vpp, TypeDriver::Vlan);
    let m = s.model();
    eprintln!("VPP/VLAN inventory: {:?}", s.counts());
    s.check_common();
    assert!(s.of_type("otep").is_empty());
    let mut pnics = BTreeMap::new();
    let mut vconnectors = BTreeMap::new();
    for host in &m.hosts {
        let vedge = s.one("vedge", &format!("{}-VPP", host.name));
        assert!(vedge.get_str("binary").unwrap().starts_with("vpp v"));
        let ports = vedge.get_document("ports").unwrap();
        let instance_ports = m
            .ports
            .iter()
            .filter(|p| p.host == host.name && p.device_owner.starts_with("compute:"))
            .count();
        let vhost = ports
            .keys()
            .filter(|k| k.starts_with("VirtualEthernet"))
            .count();
        assert_eq!(vhost, instance_ports, "{}", host.name);
        let networks: Vec<_> = m
            .networks
            .iter()
            .filter(|n| {
                m.ports
                    .iter()
                    .any(|p| p.host == host.name && p.network_id == n.id)
            })
            .collect();
        // Two NICs plus one VLAN sub-interface per tenant network.
        let tenant = networks.iter().filter(|n| !n.external).count();
        pnics.insert(host.name.clone(), 2 + tenant);
        vconnectors.insert(host.name.clone(), networks.len());
        for network in networks.iter().filter(|n| !n.external) {
            let bd = network.segmentation_id.unwrap();
            let vc = s.one("vconnector", &format!("{}-vconnector-{bd}", host.name));
            let names: Vec<&str> = vc
                .get_array("interfaces_names")
                .unwrap()
                .iter()
                .filter_map(Bson::as_str)
                .collect();
            assert!(names.contains(&format!("GigabitEthernet0/8/0.{bd}").as_str()));
        }
        let data = s.one(
            "host_pnic",
            &format!("{}-pnic-GigabitEthernet0/8/0", host.name),
        );
        assert!(data.get_str("mac_address").is_ok(), "{data}");
    }
    assert_eq!(s.per_host("host_pnic"), pnics);
    assert_eq!(s.per_host("vconnector"), vconnectors);
    assert_eq!(s.of_type("vedge").len(), m.hosts.len());
    // VPP vNIC names carry the instance name, the VIF type and the MAC.
    for vnic in s.of_type("vnic") {
        if vnic.get_str("vnic_type") == Ok("instance_vnic") {
            let name = vnic.get_str("name").unwrap();
            let mac = vnic.get_str("mac_address").unwrap();
            assert!(name.ends_with(&format!("-vhostuser-{mac}")), "{name}");
        }
    }
    drop(s.db);
}

#[test]
fn linux_bridge_vxlan_scan_finds_the_tunnel_endpoints() {
    let s = scan("hosts_lxbx", MechanismDriver::Lxb, TypeDriver::Vxlan);
    let m = s.model();
    eprintln!("LXB/VXLAN inventory: {:?}", s.counts());
    s.check_common();
    s.check_linux_pnics();
    // One OTEP per vxlan-<VNI> device: per host, per tenant network with ports there.
    let mut expected = 0;
    for host in &m.hosts {
        for network in m.networks.iter().filter(|n| !n.external) {
            if !m
                .ports
                .iter()
                .any(|p| p.host == host.name && p.network_id == network.id)
            {
                continue;
            }
            expected += 1;
            let vni = network.segmentation_id.unwrap();
            let otep = s.one("otep", &format!("{}-otep-vxlan-{vni}", host.name));
            assert_eq!(otep.get_str("ip_address").unwrap(), host.tunnel_ip);
            assert_eq!(otep.get_str("overlay_type").unwrap(), "vxlan");
            assert_eq!(otep.get_str("state").unwrap(), "UP");
            let dst = otep.get_str("bridge dst").unwrap();
            let remote = dst.split(' ').next().unwrap();
            let remote_host = m.hosts.iter().find(|h| h.tunnel_ip == remote).unwrap();
            assert_ne!(remote_host.name, host.name);
            assert!(m
                .ports
                .iter()
                .any(|p| p.host == remote_host.name && p.network_id == network.id));
        }
    }
    assert_eq!(s.of_type("otep").len(), expected);
    drop(s.db);
}
