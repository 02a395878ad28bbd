//! Command adaptation (fetchers.md §2.3 "Command adaptation", §2.4): what is actually sent over
//! the SSH connection for one logical command. Pure functions, so the exact strings are
//! table-tested against `expected/golden/cli/command_adaptation.json`.

/// Mercury (Cisco VIM) docker wrapping, searched in this order; the first key occurring anywhere
/// in the command wins. `<v>` stands for the distribution version.
const MERCURY_TRANSLATIONS: [(&str, &str); 10] = [
    (
        "ip netns list",
        "docker exec --user root neutron_l3_agent_<v> ip netns list;;;\
         docker exec --user root neutron_dhcp_agent_<v> ip netns list",
    ),
    (
        "ip netns exec qdhcp",
        "docker exec --user root neutron_dhcp_agent_<v> ip netns exec qdhcp",
    ),
    (
        "ip netns exec qrouter",
        "docker exec --user root neutron_l3_agent_<v> ip netns exec qrouter",
    ),
    ("virsh", "docker exec --user root novalibvirt_<v> virsh"),
    ("ip link", "docker exec --user root ovs_vswitch_<v> ip link"),
    (
        "ip -d link",
        "docker exec --user root ovs_vswitch_<v> ip -d link",
    ),
    (
        "bridge fdb show",
        "docker exec --user root ovs_vswitch_<v> bridge fdb show",
    ),
    ("brctl", "docker exec --user root ovs_vswitch_<v> brctl"),
    (
        "ovs-vsctl",
        "docker exec --user root ovs_vswitch_<v> ovs-vsctl",
    ),
    (
        "ovs-dpctl",
        "docker exec --user root ovs_vswitch_<v> ovs-dpctl",
    ),
];

/// Separator of several commands produced by one translation; their outputs are concatenated.
const COMMAND_SEPARATOR: &str = ";;;";

/// The distribution facts that change how commands are sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Distribution {
    /// `distribution == "Mercury"`: docker translation on, `sudo` off.
    pub mercury: bool,
    /// `distribution_version`, substituted for `<v>`.
    pub version: String,
}

impl Distribution {
    pub fn new(distribution: &str, version: &str) -> Self {
        Distribution {
            mercury: distribution == "Mercury",
            version: version.to_string(),
        }
    }
}

/// Step 1 of §2.3: the distribution translation (only Mercury has one). The key's first
/// occurrence is replaced by its translation.
pub fn translate(cmd: &str, dist: &Distribution) -> String {
    if !dist.mercury {
        return cmd.to_string();
    }
    match MERCURY_TRANSLATIONS
        .iter()
        .find(|(key, _)| cmd.contains(key))
    {
        Some((key, replacement)) => {
            cmd.replacen(key, &replacement.replace("<v>", &dist.version), 1)
        }
        None => cmd.to_string(),
    }
}

/// Steps 3 and 4 for one part: `sudo ` unless already there or Mercury, then the
/// `ssh <host>` hop when the target is not the gateway.
pub fn wrap(part: &str, dist: &Distribution, hop_to: Option<&str>) -> String {
    let with_sudo = if dist.mercury || part.starts_with("sudo ") {
        part.to_string()
    } else {
        format!("sudo {part}")
    };
    match hop_to {
        Some(host) => format!("ssh -q -o StrictHostKeyChecking=no {host} {with_sudo}"),
        None => with_sudo,
    }
}

/// Every command string sent for `cmd`, in order (their outputs are concatenated).
/// `hop_to` is the target host when it is not the gateway.
pub fn adapt(cmd: &str, dist: &Distribution, hop_to: Option<&str>) -> Vec<String> {
    translate(cmd, dist)
        .split(COMMAND_SEPARATOR)
        .map(|part| wrap(part, dist, hop_to))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn golden() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/expected/golden/cli/command_adaptation.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn adaptation_matches_the_golden_table() {
        let golden = golden();
        let rows = golden["rows"].as_array().unwrap();
        assert!(rows.len() >= 20);
        let mercury = Distribution::new("Mercury", "10209");
        let other = Distribution::new("Mirantis", "8.0");
        let cases: [(&str, &Distribution, Option<&str>); 4] = [
            ("mercury_10209_on_node", &mercury, Some("node-1")),
            ("mercury_10209_on_gateway", &mercury, None),
            ("other_dist_on_node", &other, Some("node-1")),
            ("other_dist_on_gateway", &other, None),
        ];
        for row in rows {
            let cmd = row["command"].as_str().unwrap();
            for (column, dist, hop) in cases {
                let expected: Vec<String> = row[column]
                    .as_array()
                    .unwrap_or_else(|| panic!("{cmd}: no {column}"))
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect();
                assert_eq!(adapt(cmd, dist, hop), expected, "{cmd} / {column}");
            }
        }
    }

    #[test]
    fn existing_sudo_is_not_doubled() {
        let d = Distribution::new("Canonical", "icehouse");
        assert_eq!(adapt("sudo ls", &d, None), vec!["sudo ls"]);
        assert_eq!(
            adapt("sudo ls", &d, Some("h")),
            vec!["ssh -q -o StrictHostKeyChecking=no h sudo ls"]
        );
    }

    #[test]
    fn first_table_key_wins_and_only_first_occurrence_is_replaced() {
        let d = Distribution::new("Mercury", "7");
        assert_eq!(
            translate("virsh list; virsh list", &d),
            "docker exec --user root novalibvirt_7 virsh list; virsh list"
        );
        assert_eq!(translate("uname -n", &d), "uname -n");
    }
}
