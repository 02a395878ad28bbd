//! The graph a full scan builds, checked against the lab's model on every lab shape: the
//! instance–vNIC links are exactly the model's instance ports, and each instance's clique starts
//! with its own vNICs and goes on to the next hop of its mechanism driver. (How far a clique
//! reaches beyond that is decided by the clique types. The shipped `ANY` instance type stops at
//! the OTEP on OVS+VXLAN (no `otep-vconnector` link), at the vConnector on LXB (no vEdges, so no
//! `vconnector-vedge`) and at the vEdge on VPP+VLAN (no OTEPs), as the original does; clique types
//! that reach the networks: tests/links_lab_counts.rs.)

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;
#[path = "common/scan.rs"]
mod scan;

use bson::Document;
use calipso::lab::model::{LabSizes, MechanismDriver, TypeDriver};
use lab::Lab;
use mongo::TestDb;
use scan::{prepare, scan};
use std::collections::BTreeSet;

fn check_instance_cliques(tag: &str, mechanism_driver: MechanismDriver, type_driver: TypeDriver) {
    let sizes = LabSizes {
        seed: 5,
        hosts: 3,
        instances: 6,
        mechanism_driver,
        type_driver,
    };
    let lab = Lab::start_with(sizes, &[]);
    let db = TestDb::new(tag);
    prepare(&db, &lab, "inventory");
    let out = scan(&db, "inventory", &["-l", "WARNING"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let inventory = db.docs("inventory");
    let cliques = db.docs("cliques");
    let links = db.docs("links");

    let instance_vnic: Vec<&Document> = links
        .iter()
        .filter(|l| l.get_str("link_type") == Ok("instance-vnic"))
        .collect();
    let model_ports: usize = lab.model.instances.iter().map(|i| i.port_ids.len()).sum();
    assert_eq!(
        instance_vnic.len(),
        model_ports,
        "one instance-vnic link per instance port of the model"
    );

    for instance in &lab.model.instances {
        let clique_links = scan::instance_clique_links(&inventory, &cliques, &instance.uuid);
        let own_vnics: BTreeSet<&str> = clique_links
            .iter()
            .filter(|l| {
                l.get_str("link_type") == Ok("instance-vnic")
                    && l.get_str("source_id") == Ok(instance.uuid.as_str())
            })
            .filter_map(|l| l.get_str("target_id").ok())
            .collect();
        assert_eq!(
            own_vnics.len(),
            instance.port_ids.len(),
            "{}: its vNICs start the chain",
            instance.display_name
        );
        // The chain goes on past the vNICs to the vConnector (the ANY instance type's next hop;
        // on VPP the bridge domain, matched by the vhost-user interface's MAC).
        let next_hop = "vnic-vconnector";
        assert!(
            clique_links
                .iter()
                .any(|l| l.get_str("link_type") == Ok(next_hop)
                    && l.get_str("source_id").is_ok_and(|s| own_vnics.contains(s))),
            "{}: no {next_hop} link in its clique",
            instance.display_name
        );
    }
}
#[test]
fn ovs_vxlan_instance_cliques_start_at_their_vnics() {
    check_instance_cliques("cl_ovs", MechanismDriver::Ovs, TypeDriver::Vxlan);
}

#[test]
fn linux_bridge_vlan_instance_cliques_start_at_their_vnics() {
    check_instance_cliques("cl_lxb", MechanismDriver::Lxb, TypeDriver::Vlan);
}

#[test]
fn vpp_vlan_instance_cliques_start_at_their_vnics() {
    check_instance_cliques("cl_vpp", MechanismDriver::Vpp, TypeDriver::Vlan);
}
