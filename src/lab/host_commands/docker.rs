//! `docker exec` into the service containers of a Cisco VIM (Mercury) host, as the scanner's
//! Mercury command translation sends it (fetchers.md §2.4): the command runs on the same host;
//! each agent's container sees its own namespaces only.

use super::{run_line, Context, Output};

/// Container name prefixes (the suffix is the distribution version, e.g. `_10209`).
const CONTAINERS: [&str; 4] = [
    "neutron_l3_agent_",
    "neutron_dhcp_agent_",
    "novalibvirt_",
    "ovs_vswitch_",
];

pub fn docker(ctx: &Context, args: &[String]) -> Output {
    let Some(("exec", rest)) = args.split_first().map(|(a, r)| (a.as_str(), r)) else {
        return Output::fail("docker: the lab only runs 'docker exec'\n", 1);
    };
    let mut words = rest.iter();
    let container =
        loop {
            match words.next().map(String::as_str) {
                Some("--user" | "-u" | "-w" | "--workdir" | "-e" | "--env") => {
                    words.next();
                }
                Some(flag) if flag.starts_with('-') => {}
                Some(name) => break name,
                None => return Output::fail(
                    "\"docker exec\" requires at least 2 arguments.\nSee 'docker exec --help'.\n",
                    1,
                ),
            }
        };
    let Some(prefix) = CONTAINERS.iter().find(|p| container.starts_with(*p)) else {
        return Output::fail(format!("Error: No such container: {container}\n"), 1);
    };
    let command: Vec<&str> = words.map(String::as_str).collect();
    if command.is_empty() {
        return Output::fail(
            "\"docker exec\" requires at least 2 arguments.\nSee 'docker exec --help'.\n",
            1,
        );
    }
    let mut out = run_line(
        ctx.model,
        ctx.faults,
        ctx.host,
        &command.join(" "),
        ctx.stdin,
    );
    if command.starts_with(&["ip", "netns", "list"]) {
        let own = match *prefix {
            "neutron_l3_agent_" => "qrouter-",
            "neutron_dhcp_agent_" => "qdhcp-",
            _ => "",
        };
        out.stdout = out
            .stdout
            .lines()
            .filter(|l| l.starts_with(own))
            .map(|l| format!("{l}\n"))
            .collect();
    }
    out
}
