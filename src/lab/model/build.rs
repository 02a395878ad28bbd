//! Generates the [`Model`] from [`LabSizes`]: same sizes and seed, same model, byte for byte.

use super::addressing::{management_ip, tunnel_ip, Net};
use super::agents::agents_of;
use super::ids::IdGen;
use super::network_info::network_info;
use super::*;

#[derive(Debug, thiserror::Error)]
#[error("lab topology: {0}")]
pub struct ModelError(pub String);

pub const MAX_HOSTS: usize = 200;
/// Two demo /20 networks with about 4,000 free addresses each.
pub const MAX_INSTANCES: usize = 8000;
const DOMAIN: &str = "calipso.lab";
const DEMO_PROJECTS: [&str; 2] = ["demo", "alt_demo"];

pub fn build(sizes: LabSizes) -> Result<Model, ModelError> {
    validate(&sizes)?;
    let mut ids = IdGen::new(sizes.seed);
    let mut model = Model {
        sizes,
        region: "RegionOne".into(),
        projects: projects(&mut ids),
        admin_user_id: ids.hex32(),
        hosts: vec![],
        availability_zones: vec![],
        aggregates: vec![],
        networks: vec![],
        subnets: vec![],
        routers: vec![],
        ports: vec![],
        instances: vec![],
        agents: vec![],
        tunnel_endpoints: vec![],
        created_at: "2018-03-01 09:00:00".into(),
        standard_attr_ids: Default::default(),
    };
    model.hosts = hosts(&model.sizes);
    model.availability_zones = zones(&model.hosts);
    model.aggregates = vec![Aggregate {
        id: 1,
        uuid: ids.uuid(),
        name: "lab-compute".into(),
        availability_zone: "nova".into(),
        hosts: model.compute_hosts().map(|h| h.name.clone()).collect(),
    }];
    add_networks(&mut model, &mut ids);
    add_routers(&mut model, &mut ids);
    add_instances(&mut model, &mut ids);
    add_agents(&mut model, &mut ids);
    model.tunnel_endpoints = tunnel_endpoints(&model);
    Ok(model)
}

fn validate(sizes: &LabSizes) -> Result<(), ModelError> {
    if sizes.hosts == 0 || sizes.hosts > MAX_HOSTS {
        return Err(ModelError(format!(
            "--hosts must be between 1 and {MAX_HOSTS}, got {}",
            sizes.hosts
        )));
    }
    if sizes.instances > MAX_INSTANCES {
        return Err(ModelError(format!(
            "--instances must be at most {MAX_INSTANCES}, got {}",
            sizes.instances
        )));
    }
    if sizes.mechanism_driver == MechanismDriver::Lxb && sizes.type_driver == TypeDriver::Gre {
        return Err(ModelError(
            "the Linux bridge agent has no GRE support: use --type-driver vxlan or vlan".into(),
        ));
    }
    Ok(())
}

fn projects(ids: &mut IdGen) -> Vec<Project> {
    let mut list = vec![
        ("admin", "Bootstrap project for initializing the cloud."),
        ("services", "Tenant for the openstack services"),
    ];
    list.extend(DEMO_PROJECTS.iter().map(|n| (*n, "Demo project")));
    list.into_iter()
        .map(|(name, description)| Project {
            id: ids.hex32(),
            name: name.into(),
            description: description.into(),
            enabled: true,
            domain_id: "default".into(),
        })
        .collect()
}

fn ubuntu_xenial() -> OsRelease {
    OsRelease {
        name: "Ubuntu".into(),
        version: "16.04.4 LTS (Xenial Xerus)".into(),
        id: "ubuntu".into(),
        id_like: "debian".into(),
        pretty_name: "Ubuntu 16.04.4 LTS".into(),
        version_id: "16.04".into(),
        codename: "xenial".into(),
        architecture: "x86_64".into(),
    }
}

/// Host 1 is controller + network node; the others are compute nodes; one host is all-in-one.
fn hosts(sizes: &LabSizes) -> Vec<Host> {
    let all_in_one = sizes.hosts == 1;
    let mut next_hypervisor = 1;
    (0..sizes.hosts)
        .map(|i| {
            let compute = all_in_one || i > 0;
            let hypervisor_id = compute.then(|| {
                next_hypervisor += 1;
                next_hypervisor - 1
            });
            Host {
                name: format!("node-{}.{DOMAIN}", i + 1),
                controller: i == 0,
                network: i == 0,
                compute,
                management_ip: management_ip(i),
                tunnel_ip: tunnel_ip(i),
                hypervisor_id,
                os: ubuntu_xenial(),
            }
        })
        .collect()
}

fn zones(hosts: &[Host]) -> Vec<AvailabilityZone> {
    let internal = hosts
        .iter()
        .filter(|h| h.controller)
        .map(|h| ZoneService {
            host: h.name.clone(),
            services: ["nova-conductor", "nova-consoleauth", "nova-scheduler"]
                .map(String::from)
                .to_vec(),
        })
        .collect();
    let nova = hosts
        .iter()
        .filter(|h| h.compute)
        .map(|h| ZoneService {
            host: h.name.clone(),
            services: vec!["nova-compute".into()],
        })
        .collect();
    vec![
        AvailabilityZone {
            name: "internal".into(),
            hosts: internal,
        },
        AvailabilityZone {
            name: "nova".into(),
            hosts: nova,
        },
    ]
}

fn tenant_segment(model: &Model, index: usize) -> (String, Option<String>, Option<u32>, u32) {
    let t = model.sizes.type_driver;
    match t {
        TypeDriver::Vxlan => (t.name().into(), None, Some(1001 + index as u32), 1450),
        TypeDriver::Gre => (t.name().into(), None, Some(1001 + index as u32), 1458),
        TypeDriver::Vlan => (
            t.name().into(),
            Some("physnet1".into()),
            Some(101 + index as u32),
            1500,
        ),
    }
}

fn add_network(
    model: &mut Model,
    ids: &mut IdGen,
    project: &Project,
    name: &str,
    segment: (String, Option<String>, Option<u32>, u32),
    external: bool,
    net: Net,
) {
    let id = ids.uuid();
    let bridge = match model.sizes.mechanism_driver {
        MechanismDriver::Ovs => Some("br-int".to_string()),
        MechanismDriver::Lxb => Some(format!("brq{}", &id[..11])),
        MechanismDriver::Vpp => None,
    };
    let subnet = Subnet {
        id: ids.uuid(),
        name: format!("{name}-subnet"),
        network_id: id.clone(),
        project_id: project.id.clone(),
        cidr: net.cidr(),
        gateway_ip: net.ip(1),
        allocation_start: net.ip(2),
        allocation_end: net.ip(net.last_host()),
        enable_dhcp: !external,
        dns_nameservers: vec![],
    };
    let (network_type, physical_network, segmentation_id, mtu) = segment;
    model.networks.push(Network {
        id: id.clone(),
        name: name.into(),
        project_id: project.id.clone(),
        shared: false,
        external,
        network_type,
        physical_network,
        segmentation_id,
        mtu,
        subnet_ids: vec![subnet.id.clone()],
        bridge,
    });
    if subnet.enable_dhcp {
        let network_node = model.gateway().name.clone();
        // Neutron's DHCP device id: "dhcp" + a host-derived UUID + "-" + the network id.
        let device_id = format!("dhcp{}-{id}", ids.uuid());
        let port = new_port(
            model,
            ids,
            (&id, &subnet.id, net.ip(2)),
            &project.id,
            (device_id, "network:dhcp"),
            &network_node,
        );
        model.ports.push(port);
    }
    model.subnets.push(subnet);
}

pub(crate) fn new_port(
    model: &Model,
    ids: &mut IdGen,
    (network_id, subnet_id, ip): (&str, &str, String),
    project_id: &str,
    (device_id, device_owner): (String, &str),
    host: &str,
) -> Port {
    Port {
        id: ids.uuid(),
        name: String::new(),
        network_id: network_id.into(),
        project_id: project_id.into(),
        mac_address: ids.mac(),
        fixed_ips: vec![FixedIp {
            subnet_id: subnet_id.into(),
            ip_address: ip,
        }],
        device_id,
        device_owner: device_owner.into(),
        host: host.into(),
        vif_type: model.sizes.mechanism_driver.vif_type().into(),
        status: "ACTIVE".into(),
    }
}

fn add_networks(model: &mut Model, ids: &mut IdGen) {
    let admin = model.projects[0].clone();
    let public = ("flat".to_string(), Some("public".to_string()), None, 1500);
    add_network(model, ids, &admin, "public", public, true, Net::public());
    let demos: Vec<Project> = model.projects[2..].to_vec();
    for (k, project) in demos.iter().enumerate() {
        let segment = tenant_segment(model, k);
        let name = format!("{}-net", project.name);
        add_network(model, ids, project, &name, segment, false, Net::tenant(k));
    }
}

fn add_routers(model: &mut Model, ids: &mut IdGen) {
    let public = model.networks[0].clone();
    let node = model.gateway().name.clone();
    let demos: Vec<Project> = model.projects[2..].to_vec();
    for (k, project) in demos.iter().enumerate() {
        let router_id = ids.uuid();
        let gateway = new_port(
            model,
            ids,
            (&public.id, &public.subnet_ids[0], Net::public().ip(10 + k)),
            "",
            (router_id.clone(), "network:router_gateway"),
            &node,
        );
        let net = model.networks[k + 1].clone();
        let subnet = model.subnets[k + 1].clone();
        let interface = new_port(
            model,
            ids,
            (&net.id, &subnet.id, subnet.gateway_ip.clone()),
            &project.id,
            (router_id.clone(), "network:router_interface"),
            &node,
        );
        model.routers.push(Router {
            id: router_id,
            name: format!("{}-router", project.name),
            project_id: project.id.clone(),
            gw_port_id: gateway.id.clone(),
            external_network_id: public.id.clone(),
            host: node.clone(),
        });
        model.ports.push(gateway);
        model.ports.push(interface);
    }
}

fn add_instances(model: &mut Model, ids: &mut IdGen) {
    let computes: Vec<String> = model.compute_hosts().map(|h| h.name.clone()).collect();
    let demos = model.projects.len() - 2;
    let mut next_ip = vec![3usize; demos];
    for i in 0..model.sizes.instances {
        let k = i % demos;
        let project = model.projects[k + 2].clone();
        let net = model.networks[k + 1].clone();
        let subnet = model.subnets[k + 1].clone();
        let ip = Net::tenant(k).ip(next_ip[k]);
        next_ip[k] += 1;
        let uuid = ids.uuid();
        let host = computes[i % computes.len()].clone();
        let port = new_port(
            model,
            ids,
            (&net.id, &subnet.id, ip),
            &project.id,
            (uuid.clone(), "compute:nova"),
            &host,
        );
        let db_id = i as u32 + 1;
        let network_info = network_info(model, &[&port]);
        model.instances.push(Instance {
            uuid,
            display_name: format!("{}-vm-{}", project.name, i + 1),
            libvirt_name: format!("instance-{db_id:08x}"),
            db_id,
            host,
            project_id: project.id.clone(),
            availability_zone: "nova".into(),
            port_ids: vec![port.id.clone()],
            network_info,
        });
        model.ports.push(port);
    }
}

fn add_agents(model: &mut Model, ids: &mut IdGen) {
    let mut agents = Vec::new();
    for host in &model.hosts {
        for (agent_type, binary, topic, zone, configurations) in
            agents_of(model, host, host.network)
        {
            agents.push(Agent {
                id: ids.uuid(),
                agent_type: agent_type.into(),
                binary: binary.into(),
                topic: topic.into(),
                host: host.name.clone(),
                availability_zone: zone.map(String::from),
                configurations,
            });
        }
    }
    model.agents = agents;
}

fn tunnel_endpoints(model: &Model) -> Vec<TunnelEndpoint> {
    let sizes = &model.sizes;
    if !sizes.type_driver.is_tunnel() || sizes.mechanism_driver == MechanismDriver::Vpp {
        return vec![];
    }
    let vxlan = sizes.type_driver == TypeDriver::Vxlan;
    model
        .hosts
        .iter()
        .map(|h| TunnelEndpoint {
            ip_address: h.tunnel_ip.clone(),
            host: h.name.clone(),
            udp_port: vxlan.then_some(4789),
        })
        .collect()
}
