//! Every handled event type end to end on a lab: full scan → `calipso listen` → the lab changes
//! its topology and publishes the notification OpenStack would (`calipso-lab event`) → the
//! listener applies it → a fresh full scan of the changed lab into another `-y` collection must
//! hold the same inventory, links and cliques (timestamps and `_id`s aside).

#[path = "common/lab.rs"]
mod lab;
#[path = "common/mongo.rs"]
mod mongo;
#[path = "common/scan.rs"]
mod scan;

mod listen_lab;

use calipso::lab::model::{LabSizes, MechanismDriver, TypeDriver};
use listen_lab::Rig;

fn assert_same(rig: &Rig, fresh: &str, after: &str) {
    assert_differences(rig, fresh, after, &[]);
}

/// The listened collection differs from a fresh scan exactly by `expected` (quirks listen.md
/// keeps), one line per difference as `Rig::differences` words them.
fn assert_differences(rig: &Rig, fresh: &str, after: &str, expected: &[String]) {
    let lines = rig.differences(fresh);
    assert!(
        lines == expected,
        "after {after}, listened vs fresh scan:\n{}\nexpected:\n{}\nlistener log tail:\n{}",
        lines.join("\n"),
        expected.join("\n"),
        tail(&rig.listener_log())
    );
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn id(n: &serde_json::Value, object: &str) -> String {
    n["payload"][object]["id"].as_str().unwrap().to_string()
}

#[test]
fn network_subnet_and_port_events() {
    let mut rig = Rig::new("netev");
    rig.listen();
    let net = id(
        &rig.applied(&["network-create", "--name", "ev-net"]),
        "network",
    );
    let subnet = id(
        &rig.applied(&[
            "subnet-create",
            "--network",
            &net,
            "--name",
            "ev-subnet",
            "--cidr",
            "10.77.0.0/24",
        ]),
        "subnet",
    );
    let port = id(
        &rig.applied(&["port-create", "--network", &net, "--name", "ev-port"]),
        "port",
    );
    assert_same(&rig, "invb1", "network, subnet and port create");

    rig.applied(&["network-update", "--id", &net, "--name", "ev-net-2"]);
    rig.applied(&["subnet-update", "--id", &subnet, "--name", "ev-subnet-2"]);
    rig.applied(&["port-update", "--id", &port, "--name", "ev-port-2"]);
    // listen.md §5.5 EventPortUpdate (kept): the status is derived from admin_state_up, so the
    // unbound port Neutron reports DOWN is stored ACTIVE until the next scan.
    let status =
        format!(r#"inventory ("port", "{port}"): status: "ACTIVE" / Some(String("DOWN"))"#);
    assert_differences(
        &rig,
        "invb2",
        "network, subnet and port update",
        std::slice::from_ref(&status),
    );

    // DHCP off: the DHCP vService, port and vNIC go; on again: they come back (new port).
    rig.applied(&["subnet-update", "--id", &subnet, "--dhcp", "false"]);
    assert_differences(
        &rig,
        "invb2off",
        "subnet DHCP off",
        std::slice::from_ref(&status),
    );
    rig.applied(&["subnet-update", "--id", &subnet, "--dhcp", "true"]);
    // The DHCP port comes from a rescan of the region's ports, which also re-reads the renamed
    // port's status: nothing differs any more.
    assert_same(&rig, "invb2on", "subnet DHCP on");

    rig.applied(&["port-delete", "--id", &port]);
    rig.applied(&["subnet-delete", "--id", &subnet]);
    rig.applied(&["network-delete", "--id", &net]);
    assert_same(&rig, "invb3", "port, subnet and network delete");
}

#[test]
fn instance_events() {
    let mut rig = Rig::new("vmev");
    rig.listen();
    let host = rig.lab.model.compute_hosts().nth(1).unwrap().name.clone();
    let created = rig.applied(&["instance-create", "--name", "ev-vm", "--host", &host]);
    let vm = created["payload"]["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_same(&rig, "invb1", "instance create");

    rig.applied(&["instance-update", "--id", &vm, "--name", "ev-vm-2"]);
    assert_same(&rig, "invb2", "instance update");

    rig.applied(&["instance-delete", "--id", &vm]);
    assert_same(&rig, "invb3", "instance delete");
}

/// Events queued while the listener is down reach it as one batch, where updates of different
/// ports and of instances on different hosts run together (listen.md §1.6 as we extend it):
/// the result must still be what applying them one by one gives — the last update of an object
/// wins, and an event that is not independent (a create) keeps its place in the order.
#[test]
fn queued_burst_applies_like_one_by_one() {
    let mut rig = Rig::new("burst");
    rig.listen();
    rig.stop_listener();
    let model = rig.lab.model.clone();
    let mut hosts = model.compute_hosts().map(|h| h.name.clone());
    let (host_a, host_b) = (hosts.next().unwrap(), hosts.next().unwrap());
    let on = |host: &str| -> Vec<String> {
        model
            .instances
            .iter()
            .filter(|i| i.host == host)
            .map(|i| i.uuid.clone())
            .collect()
    };
    let (on_a, on_b) = (on(&host_a), on(&host_b));
    assert!(
        on_a.len() >= 2 && !on_b.is_empty(),
        "lab shape: two instances on {host_a}"
    );
    let port_of = |vm: &str| {
        model
            .instances
            .iter()
            .find(|i| i.uuid == vm)
            .unwrap()
            .port_ids[0]
            .clone()
    };
    let mut sent = Vec::new();
    let mut send = |args: &[&str]| sent.extend(rig.event(args));
    for round in 0..3 {
        for (k, vm) in [&on_a[0], &on_a[1], &on_b[0]].into_iter().enumerate() {
            // Round 2 gives the two instances of host A the same name (a name_path prefix case).
            let name = if round == 2 && k < 2 {
                "burst-twin".to_string()
            } else {
                format!("burst-{k}-{round}")
            };
            send(&["instance-update", "--id", vm, "--name", &name]);
            send(&[
                "port-update",
                "--id",
                &port_of(vm),
                "--name",
                &format!("bp-{k}-{round}"),
            ]);
        }
        if round == 1 {
            send(&["instance-create", "--name", "burst-new", "--host", &host_b]);
        }
    }
    // Created and deleted in the same batch: the batch's one graph refresh (after both) must
    // leave what a refresh after each leaves.
    let gone = rig.event(&["instance-create", "--name", "burst-gone", "--host", &host_a]);
    let gone_id = gone.last().unwrap()["payload"]["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    sent.extend(gone);
    sent.extend(rig.event(&["instance-delete", "--id", &gone_id]));
    rig.listen();
    for n in &sent {
        rig.wait_applied(n);
    }
    assert_same(&rig, "invburst", "a queued burst of updates and a create");
}

#[test]
fn router_and_router_interface_events() {
    let mut rig = Rig::new("rtev");
    rig.listen();
    let router = id(
        &rig.applied(&["router-create", "--name", "ev-router"]),
        "router",
    );
    let net = id(
        &rig.applied(&["network-create", "--name", "ev-rnet"]),
        "network",
    );
    let subnet = id(
        &rig.applied(&[
            "subnet-create",
            "--network",
            &net,
            "--name",
            "ev-rsubnet",
            "--cidr",
            "10.78.0.0/24",
        ]),
        "subnet",
    );
    rig.applied(&[
        "router-interface-add",
        "--router",
        &router,
        "--subnet",
        &subnet,
    ]);
    assert_same(&rig, "invb1", "router create and interface add");

    rig.applied(&["router-update", "--id", &router, "--name", "ev-router-2"]);
    // listen.md §5.6 EventRouterUpdate (kept): with a gateway the handler copies the payload's
    // `routes` into the router vService, which the scan (the Neutron routers row) has not.
    let vservice = format!("{}-qrouter-{router}", rig.lab.model.gateway().name);
    let routes = format!(r#"inventory ("vservice", "{vservice}"): routes: [] / None"#);
    assert_differences(&rig, "invb2", "router update", &[routes]);

    rig.applied(&[
        "router-interface-remove",
        "--router",
        &router,
        "--subnet",
        &subnet,
    ]);
    rig.applied(&["router-delete", "--id", &router]);
    assert_same(&rig, "invb3", "router interface remove and router delete");
}

/// Instance and DHCP subnet events on the other mechanism drivers: Linux bridge (a bridge per
/// network, shared by its ports) and VPP (vhost-user interfaces, no OVS bridges).
#[test]
fn instance_and_subnet_events_on_linux_bridge_and_vpp() {
    for (driver, types) in [
        (MechanismDriver::Lxb, TypeDriver::Vlan),
        (MechanismDriver::Vpp, TypeDriver::Vxlan),
    ] {
        let sizes = LabSizes {
            mechanism_driver: driver,
            type_driver: types,
            ..lab::default_sizes()
        };
        let mut rig = Rig::with_sizes("drvev", sizes);
        rig.listen();
        let what = format!("{driver:?}/{types:?}");
        let net = id(
            &rig.applied(&["network-create", "--name", "drv-net"]),
            "network",
        );
        let subnet = id(
            &rig.applied(&[
                "subnet-create",
                "--network",
                &net,
                "--name",
                "drv-subnet",
                "--cidr",
                "10.79.0.0/24",
            ]),
            "subnet",
        );
        let vm = rig.applied(&["instance-create", "--name", "drv-vm", "--network", &net]);
        let vm = vm["payload"]["instance_id"].as_str().unwrap().to_string();
        assert_same(
            &rig,
            "invb1",
            &format!("{what}: network, DHCP subnet, instance create"),
        );

        rig.applied(&["instance-delete", "--id", &vm]);
        rig.applied(&["subnet-delete", "--id", &subnet]);
        rig.applied(&["network-delete", "--id", &net]);
        assert_same(
            &rig,
            "invb2",
            &format!("{what}: instance, subnet, network delete"),
        );
    }
}
