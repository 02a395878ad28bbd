//! The lab's MariaDB schemas, read as the scanner does: as `calipso_lab` with the generated
//! password, running the exact queries of fetchers.md §4.2.

#[path = "common/lab.rs"]
mod lab;

use lab::{lab_command, mysql_url, random_bind, Lab};
use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder, Row};

fn connect(lab: &Lab) -> Conn {
    let opts = OptsBuilder::new()
        .ip_or_hostname(Some(lab.conf("mysql", "host")))
        .tcp_port(lab.conf("mysql", "port").parse().unwrap())
        .user(Some(lab.conf("mysql", "user")))
        .pass(Some(lab.conf("mysql", "pwd")))
        .db_name(Some("nova"));
    Conn::new(opts).expect("connect as calipso_lab")
}

fn query(conn: &mut Conn, sql: &str) -> Vec<Row> {
    conn.query(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn strings(rows: &[Row], column: &str) -> Vec<String> {
    rows.iter()
        .map(|r| r.get::<String, _>(column).unwrap())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn scanner_queries_return_the_model() {
    let lab = Lab::start(&["--no-ssh"]);
    let m = &lab.model;
    let mut conn = connect(&lab);
    assert_eq!(lab.conf("mysql", "user"), "calipso_lab");

    let dbs = strings(&query(&mut conn, "SHOW DATABASES"), "Database");
    assert_eq!(
        dbs.iter().filter(|d| d.contains("neutron")).count(),
        1,
        "{dbs:?}"
    );
    for schema in ["nova", "keystone"] {
        assert!(dbs.iter().any(|d| d == schema));
    }

    for host in m.compute_hosts() {
        let sql = format!(
            "SELECT host_ip AS ip_address FROM nova.compute_nodes WHERE hypervisor_hostname = '{}'",
            host.name
        );
        assert_eq!(
            strings(&query(&mut conn, &sql), "ip_address"),
            vec![host.management_ip.clone()]
        );
    }

    let rows = query(&mut conn, "SELECT DISTINCT host, host AS id, configurations FROM neutron.agents WHERE agent_type IN ('Metadata agent', 'DHCP agent', 'L3 agent')");
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert_eq!(row.get::<String, _>("host").unwrap(), m.hosts[0].name);
        let config: String = row.get("configurations").unwrap();
        assert!(
            config.starts_with('{') && config.contains("\": "),
            "Python json.dumps style: {config}"
        );
        serde_json::from_str::<serde_json::Value>(&config).unwrap();
    }

    let rows = query(
        &mut conn,
        "SELECT id, name FROM nova.aggregates WHERE deleted = 0",
    );
    assert_eq!(rows.len(), 1);
    let aggregate_id: i64 = rows[0].get("id").unwrap();
    let aggregate_name: String = rows[0].get("name").unwrap();
    let sql = format!("SELECT CONCAT('aggregate-', a.name, '-', host) AS id, host AS name FROM nova.aggregate_hosts ah JOIN nova.aggregates a ON a.id = ah.aggregate_id WHERE ah.deleted = 0 AND aggregate_id = '{aggregate_id}'");
    let rows = query(&mut conn, &sql);
    let want: Vec<String> = m.compute_hosts().map(|h| h.name.clone()).collect();
    assert_eq!(sorted(strings(&rows, "name")), sorted(want.clone()));
    let ids: Vec<String> = want
        .iter()
        .map(|h| format!("aggregate-{aggregate_name}-{h}"))
        .collect();
    assert_eq!(sorted(strings(&rows, "id")), sorted(ids));

    let rows = query(&mut conn, "SELECT DISTINCT i.uuid AS id, i.display_name AS name, i.host AS host, host_ip AS ip_address, network_info, project_id, IF(p.name IS NULL, \"Unknown\", p.name) AS project FROM nova.instances i LEFT JOIN keystone.project p ON p.id = i.project_id JOIN nova.instance_info_caches ic ON i.uuid = ic.instance_uuid JOIN nova.compute_nodes cn ON i.node = cn.hypervisor_hostname WHERE i.deleted = 0");
    assert_eq!(rows.len(), m.instances.len());
    for row in &rows {
        let id: String = row.get("id").unwrap();
        let instance = m
            .instances
            .iter()
            .find(|i| i.uuid == id)
            .expect("instance in model");
        assert_eq!(row.get::<String, _>("name").unwrap(), instance.display_name);
        assert_eq!(row.get::<String, _>("host").unwrap(), instance.host);
        let host = m.host(&instance.host).unwrap();
        assert_eq!(
            row.get::<String, _>("ip_address").unwrap(),
            host.management_ip
        );
        let project = m.project(&instance.project_id).unwrap();
        assert_eq!(row.get::<String, _>("project").unwrap(), project.name);
        let info: serde_json::Value =
            serde_json::from_str(&row.get::<String, _>("network_info").unwrap()).unwrap();
        assert_eq!(info, instance.network_info);
    }

    for net in &m.networks {
        let sql = format!("SELECT name FROM neutron.networks WHERE id = '{}'", net.id);
        assert_eq!(
            strings(&query(&mut conn, &sql), "name"),
            vec![net.name.clone()]
        );
    }
    for router in &m.routers {
        let sql = format!("SELECT * FROM neutron.routers WHERE id = '{}'", router.id);
        let rows = query(&mut conn, &sql);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].get::<String, _>("gw_port_id").unwrap(),
            router.gw_port_id
        );
        assert_eq!(
            rows[0].get::<String, _>("project_id").unwrap(),
            router.project_id
        );
        assert_eq!(rows[0].get::<i64, _>("admin_state_up").unwrap(), 1);
    }

    for host in &m.hosts {
        let sql = format!(
            "SELECT * FROM neutron.agents WHERE host = '{}' AND agent_type = 'Open vSwitch agent'",
            host.name
        );
        let rows = query(&mut conn, &sql);
        assert_eq!(rows.len(), 1, "{}", host.name);
        let columns: Vec<String> = rows[0]
            .columns_ref()
            .iter()
            .map(|c| c.name_str().to_string())
            .collect();
        for c in [
            "id",
            "agent_type",
            "binary",
            "topic",
            "host",
            "admin_state_up",
            "created_at",
            "started_at",
            "heartbeat_timestamp",
            "description",
            "configurations",
            "load",
            "availability_zone",
        ] {
            assert!(columns.iter().any(|x| x == c), "agents.{c}");
        }
        let config: serde_json::Value =
            serde_json::from_str(&rows[0].get::<String, _>("configurations").unwrap()).unwrap();
        assert_eq!(config["tunneling_ip"], host.tunnel_ip.as_str());

        let sql = format!(
            "SELECT * FROM neutron.ml2_vxlan_endpoints WHERE host = '{}'",
            host.name
        );
        let rows = query(&mut conn, &sql);
        assert_eq!(strings(&rows, "ip_address"), vec![host.tunnel_ip.clone()]);
        assert_eq!(rows[0].get::<i64, _>("udp_port").unwrap(), 4789);
        let sql = format!(
            "SELECT udp_port FROM neutron.ml2_vxlan_endpoints WHERE host = '{}'",
            host.name
        );
        assert_eq!(query(&mut conn, &sql).len(), 1);

        let sql = format!("SELECT * FROM neutron.agents WHERE host = '{}'", host.name);
        let want = m.agents.iter().filter(|a| a.host == host.name).count();
        assert_eq!(query(&mut conn, &sql).len(), want);
    }

    let rows = query(&mut conn, "SELECT DISTINCT availability_zone, availability_zone AS id, COUNT(DISTINCT host) AS descendants FROM nova.instances WHERE availability_zone IS NOT NULL GROUP BY availability_zone");
    assert_eq!(strings(&rows, "id"), ["nova"]);
    assert_eq!(rows[0].get::<i64, _>("descendants").unwrap(), 2);
    let rows = query(&mut conn, "SELECT DISTINCT host, host AS id, configurations FROM neutron.agents WHERE agent_type = 'Metadata agent'");
    let config: serde_json::Value =
        serde_json::from_str(&rows[0].get::<String, _>("configurations").unwrap()).unwrap();
    assert_eq!(
        config["nova_metadata_ip"],
        m.hosts[0].management_ip.as_str()
    );

    let net = &m.networks[1];
    let sql = format!(
        "SELECT id FROM neutron.ports where network_id = '{}' AND device_owner LIKE \"%dhcp\"",
        net.id
    );
    assert_eq!(query(&mut conn, &sql).len(), 1);
    let sql = format!(
        "SELECT * FROM neutron.ports where network_id = '{}'",
        net.id
    );
    let want = m.ports.iter().filter(|p| p.network_id == net.id).count();
    assert_eq!(query(&mut conn, &sql).len(), want);

    // The scanner's account only reads.
    assert!(conn.query_drop("DELETE FROM nova.instances").is_err());
}

#[test]
fn lxb_vlan_lab_has_no_tunnel_endpoints() {
    let sizes = calipso::lab::model::LabSizes {
        mechanism_driver: calipso::lab::model::MechanismDriver::Lxb,
        type_driver: calipso::lab::model::TypeDriver::Vlan,
        ..lab::default_sizes()
    };
    let lab = Lab::start_with(sizes, &["--no-ssh"]);
    let mut conn = connect(&lab);
    assert!(query(&mut conn, "SELECT * FROM neutron.ml2_vxlan_endpoints").is_empty());
    let host = &lab.model.hosts[1].name;
    let sql = format!("SELECT configurations FROM neutron.agents WHERE agent_type=\"Linux bridge agent\" AND host = '{host}'");
    let rows = query(&mut conn, &sql);
    let config: serde_json::Value =
        serde_json::from_str(&rows[0].get::<String, _>("configurations").unwrap()).unwrap();
    assert!(config.get("tunneling_ip").is_none());
    assert!(config["interface_mappings"].is_object());
    assert_eq!(lab.env["mechanism_drivers"][0], "LXB");
    assert_eq!(lab.env["type_drivers"], "vlan");
}

#[test]
fn a_second_lab_on_the_same_mariadb_fails_at_once() {
    let first = Lab::start(&["--no-ssh"]);
    let dir = tempfile::tempdir().unwrap();
    let bind = random_bind();
    let started = std::time::Instant::now();
    let out = lab_command(&[
        "up",
        "--daemon",
        "--no-ssh",
        "--dir",
        dir.path().to_str().unwrap(),
        "--bind",
        &bind,
        "--mysql",
        &mysql_url(),
    ]);
    assert!(
        !out.status.success(),
        "second lab must not start while {} runs",
        first.bind
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let opts = mysql::Opts::from_url(&mysql_url()).unwrap();
    let lock = format!(
        "calipso-lab-mysql-{}-{}.lock",
        opts.get_ip_or_hostname(),
        opts.get_tcp_port()
    );
    assert!(stderr.contains(&lock), "{stderr}");
    assert!(stderr.contains("--wait-lock"), "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn files_hold_the_environment_and_secrets_privately() {
    use std::os::unix::fs::PermissionsExt;
    let lab = Lab::start(&[
        "--no-ssh",
        "--env-name",
        "lab-files",
        "--mongo",
        "127.0.0.1:27017",
        "--mongo-db",
        "calipso_labtest",
    ]);
    for name in ["environment.json", "mongo.conf", "lab.json"] {
        let mode = std::fs::metadata(lab.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    let env = &lab.env;
    assert_eq!(env["name"], "lab-files");
    assert_eq!(env["environment_type"], "OpenStack");
    assert_eq!(env["distribution"], "RDO");
    assert_eq!(env["distribution_version"], "Mitaka");
    assert_eq!(env["mechanism_drivers"], serde_json::json!(["OVS"]));
    assert_eq!(env["type_drivers"], "vxlan");
    assert_eq!(env["listen"], false);
    assert_eq!(lab.conf("OpenStack", "host"), lab.bind);
    assert_eq!(lab.conf("OpenStack", "port"), "5000");
    assert_eq!(lab.conf("OpenStack", "user"), "admin");
    assert_eq!(lab.conf("OpenStack", "admin_project"), "admin");
    assert_eq!(lab.conf("CLI", "user"), "calipso");
    assert_eq!(lab.conf("CLI", "port"), "2222");
    assert_eq!(lab.conf("AMQP", "user"), "guest");
    let conf = std::fs::read_to_string(lab.path().join("mongo.conf")).unwrap();
    assert_eq!(
        conf,
        "server 127.0.0.1\nport 27017\nauth_db calipso_labtest\n"
    );
    let parsed = calipso::config::MongoConf::parse(&lab.path().join("mongo.conf"), &conf).unwrap();
    assert_eq!(parsed.database, "calipso_labtest");
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(lab.path().join("lab.json")).unwrap())
            .unwrap();
    assert_eq!(info["ports"]["nova"], 8774);
    let pid = info["pid"].as_u64().unwrap();
    let pid_file = std::fs::read_to_string(lab.path().join("lab.pid")).unwrap();
    assert_eq!(pid_file.trim(), pid.to_string());
    let text = std::fs::read_to_string(lab.path().join("lab.json")).unwrap();
    assert!(
        !text.contains(&lab.conf("mysql", "pwd")),
        "no secret in lab.json"
    );
    assert!(!lab.summary.contains(&lab.conf("OpenStack", "pwd")));
    let log = std::fs::read_to_string(lab.path().join("lab.log")).unwrap();
    for secret in [
        lab.conf("OpenStack", "pwd"),
        lab.conf("mysql", "pwd"),
        lab.conf("CLI", "pwd"),
    ] {
        assert!(!log.contains(&secret), "no secret in lab.log");
    }

    let dir = lab.path().to_str().unwrap().to_string();
    let down = lab_command(&["down", "--dir", &dir]);
    assert!(down.status.success(), "{down:?}");
    assert!(!lab.path().join("lab.pid").exists());
    let again = lab_command(&["down", "--dir", &dir]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("no lab is running"));
}
