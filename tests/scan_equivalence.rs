//! Concurrency changes nothing: on every lab shape, a scan with `--jobs 1` (one subtree at a
//! time, the original's order) and a scan with the default concurrency write the same
//! inventory, links and cliques, ignoring ids and timestamps.

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;
#[path = "common/scan.rs"]
mod scan;

use calipso::lab::model::{LabSizes, MechanismDriver, TypeDriver};
use lab::Lab;
use mongo::TestDb;
use scan::{comparable, comparable_cliques, comparable_links, prepare, scan};

fn same_documents_with_one_job_and_many(
    tag: &str,
    mechanism_driver: MechanismDriver,
    type_driver: TypeDriver,
) {
    let sizes = LabSizes {
        seed: 3,
        hosts: 4,
        instances: 8,
        mechanism_driver,
        type_driver,
    };
    let lab = Lab::start_with(sizes, &[]);
    let db = TestDb::new(tag);
    for (inventory, jobs) in [("sequential", "1"), ("concurrent", "32")] {
        prepare(&db, &lab, inventory);
        let out = scan(&db, inventory, &["--jobs", jobs, "-l", "WARNING"]);
        assert_eq!(out.code, 0, "--jobs {jobs}: {}", out.stderr);
        assert!(
            out.stderr.contains("status: ok"),
            "--jobs {jobs}: {}",
            out.stderr
        );
    }
    let one = db.docs("sequential");
    let many = db.docs("concurrent");
    assert!(one.len() > 50, "a real inventory: {}", one.len());
    assert_eq!(
        comparable(one.clone()),
        comparable(many.clone()),
        "inventory differs"
    );
    assert_eq!(
        comparable_links(db.docs("sequential_links")),
        comparable_links(db.docs("concurrent_links")),
        "links differ"
    );
    assert_eq!(
        comparable_cliques(db.docs("sequential_cliques"), &one),
        comparable_cliques(db.docs("concurrent_cliques"), &many),
        "cliques differ"
    );
}

#[test]
fn ovs_vxlan() {
    same_documents_with_one_job_and_many("eq_ovs", MechanismDriver::Ovs, TypeDriver::Vxlan);
}

#[test]
fn linux_bridge_vlan() {
    same_documents_with_one_job_and_many("eq_lxb", MechanismDriver::Lxb, TypeDriver::Vlan);
}

#[test]
fn vpp_vlan() {
    same_documents_with_one_job_and_many("eq_vpp", MechanismDriver::Vpp, TypeDriver::Vlan);
}

/// `--links_only` and then `--cliques_only` rebuild, from the stored inventory, the links and
/// cliques a full scan wrote.
#[test]
fn links_only_and_cliques_only_rebuild_what_a_full_scan_wrote() {
    let lab = Lab::start(&[]);
    let db = TestDb::new("eq_phases");
    prepare(&db, &lab, "inventory");
    let out = scan(&db, "inventory", &["-l", "WARNING"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let inventory = db.docs("inventory");
    let links = comparable_links(db.docs("links"));
    let cliques = comparable_cliques(db.docs("cliques"), &inventory);
    assert!(!links.is_empty() && !cliques.is_empty());

    for phase in ["--links_only", "--cliques_only"] {
        let out = scan(&db, "inventory", &[phase, "--clear", "-l", "WARNING"]);
        assert_eq!(out.code, 0, "{phase}: {}", out.stderr);
    }
    assert_eq!(
        comparable_links(db.docs("links")),
        links,
        "--links_only wrote other links"
    );
    assert_eq!(
        comparable_cliques(db.docs("cliques"), &db.docs("inventory")),
        cliques,
        "--cliques_only wrote other cliques"
    );
}
