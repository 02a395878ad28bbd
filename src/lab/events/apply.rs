//! Applying a [`LabEvent`]: change a copy of the model, bring MariaDB in line, swap the copy in,
//! publish. Changes run one at a time.

use super::notify::{notification, Notifier, Service};
use super::{neutron, nova, ports, routers, subnets, LabEvent, Refused};
use crate::lab::live::LiveModel;
use crate::lab::model::ids::IdGen;
use crate::lab::model::{Model, Project, Subnet};
use crate::lab::sql::{self, MysqlTarget};
use serde_json::Value;
use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::sync::Arc;
use tokio::sync::Mutex;

/// What a change announces: the service and host that publish it, its type and payload, and the
/// project of the request context.
pub struct Change {
    pub service: Service,
    pub host: String,
    pub event_type: &'static str,
    pub project_id: String,
    pub payload: Value,
}

/// The event side of a running lab.
pub struct LabEvents {
    live: LiveModel,
    /// MariaDB and the heartbeat the schemas were filled with (none with --no-mysql).
    sql: Option<(MysqlTarget, String)>,
    notifier: Notifier,
    ids: Mutex<IdGen>,
}

impl LabEvents {
    pub fn new(live: LiveModel, sql: Option<(MysqlTarget, String)>, notifier: Notifier) -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(7);
        LabEvents {
            live,
            sql,
            notifier,
            ids: Mutex::new(IdGen::new(seed)),
        }
    }

    /// Applies `event` and returns the notifications it published, in order (oslo v2
    /// envelopes; booting or deleting an instance also announces its Neutron port).
    pub async fn apply(&self, event: &LabEvent) -> Result<Vec<Value>, Refused> {
        let mut ids = self.ids.lock().await;
        let old = self.live.current();
        let mut new = (*old).clone();
        let changes = changes(&mut new, &mut ids, event)?;
        sql::pin_standard_attr_ids(&mut new);
        let new = Arc::new(new);
        if let Some((target, heartbeat)) = &self.sql {
            let (t, hb, o, n) = (target.clone(), heartbeat.clone(), old.clone(), new.clone());
            tokio::task::spawn_blocking(move || sql::sync(&t, &o, &n, &hb))
                .await
                .map_err(|e| Refused(format!("updating MariaDB: {e}")))?
                .map_err(|e| Refused(e.to_string()))?;
        }
        self.live.replace(new.clone());
        let mut sent = Vec::new();
        for change in &changes {
            let envelope = notification(&new, change, &mut ids);
            self.notifier
                .publish(change.service, &envelope)
                .await
                .map_err(|e| Refused(format!("applied, but publishing failed: {e}")))?;
            sent.push(envelope);
        }
        Ok(sent)
    }
}

fn changes(model: &mut Model, ids: &mut IdGen, event: &LabEvent) -> Result<Vec<Change>, Refused> {
    use LabEvent::*;
    let one = match event {
        InstanceCreate {
            name,
            host,
            network,
        } => return nova::create(model, ids, name, host.as_deref(), network.as_deref()),
        InstanceUpdate { id, name } => nova::rename(model, id, name),
        InstanceDelete { id } => return nova::delete(model, id),
        NetworkCreate { name, project } => neutron::network_create(model, ids, name, project),
        NetworkUpdate { id, name } => neutron::network_rename(model, id, name),
        NetworkDelete { id } => neutron::network_delete(model, id),
        SubnetCreate {
            network,
            name,
            cidr,
            no_dhcp,
        } => subnets::subnet_create(model, ids, network, name, cidr, !no_dhcp),
        SubnetUpdate { id, name, dhcp } => {
            subnets::subnet_update(model, ids, id, name.as_deref(), *dhcp)
        }
        SubnetDelete { id } => subnets::subnet_delete(model, id),
        PortCreate { network, name } => ports::port_create(model, ids, network, name),
        PortUpdate { id, name } => ports::port_rename(model, id, name),
        PortDelete { id } => ports::port_delete(model, id),
        RouterCreate { name, project } => routers::router_create(model, ids, name, project),
        RouterUpdate { id, name } => routers::router_rename(model, id, name),
        RouterDelete { id } => routers::router_delete(model, id),
        RouterInterfaceAdd { router, subnet } => routers::interface_add(model, ids, router, subnet),
        RouterInterfaceRemove { router, subnet } => {
            routers::interface_remove(model, router, subnet)
        }
    };
    one.map(|c| vec![c])
}

/// A project by name or id; `demo` when not given.
pub fn project<'a>(model: &'a Model, wanted: &Option<String>) -> Result<&'a Project, Refused> {
    let wanted = wanted.as_deref().unwrap_or("demo");
    model
        .project(wanted)
        .or_else(|| model.project_by_name(wanted))
        .ok_or_else(|| Refused(format!("no project '{wanted}'")))
}

pub fn nonempty(what: &str, name: &str) -> Result<(), Refused> {
    if name.trim().is_empty() {
        return Err(Refused(format!("the {what} name must not be empty")));
    }
    Ok(())
}

fn parse_ip(text: &str) -> Result<u32, Refused> {
    text.parse::<Ipv4Addr>()
        .map(u32::from)
        .map_err(|_| Refused(format!("'{text}' is not an IPv4 address")))
}

/// The first address of the subnet's allocation pool no port holds, as Neutron's IPAM picks it.
pub fn free_ip(model: &Model, subnet: &Subnet) -> Result<String, Refused> {
    let used: HashSet<&str> = model
        .ports
        .iter()
        .flat_map(|p| p.fixed_ips.iter())
        .filter(|f| f.subnet_id == subnet.id)
        .map(|f| f.ip_address.as_str())
        .collect();
    let (start, end) = (
        parse_ip(&subnet.allocation_start)?,
        parse_ip(&subnet.allocation_end)?,
    );
    (start..=end)
        .map(|n| Ipv4Addr::from(n).to_string())
        .find(|ip| !used.contains(ip.as_str()))
        .ok_or_else(|| {
            Refused(format!(
                "no more IP addresses available on subnet {}",
                subnet.id
            ))
        })
}

/// Gateway, first and last pool address of `a.b.c.d/len`.
pub fn subnet_plan(cidr: &str) -> Result<(String, String, String, String), Refused> {
    let bad = || {
        Refused(format!(
            "--cidr '{cidr}' is not an IPv4 a.b.c.d/len with 8 <= len <= 29"
        ))
    };
    let (addr, len) = cidr.split_once('/').ok_or_else(bad)?;
    let len: u32 = len.parse().map_err(|_| bad())?;
    if !(8..=29).contains(&len) {
        return Err(bad());
    }
    let mask = u32::MAX << (32 - len);
    let base = parse_ip(addr).map_err(|_| bad())? & mask;
    let last = base | !mask;
    let ip = |n: u32| Ipv4Addr::from(n).to_string();
    Ok((
        format!("{}/{len}", ip(base)),
        ip(base + 1),
        ip(base + 2),
        ip(last - 1),
    ))
}

/// Recomputes Nova's network-info cache of the instances owning a port on `network_id`
/// (Nova refreshes it on Neutron's network-changed events).
pub fn refresh_network_info(model: &mut Model, network_id: &str) {
    let affected: Vec<usize> = model
        .instances
        .iter()
        .enumerate()
        .filter(|(_, i)| {
            i.port_ids
                .iter()
                .any(|p| model.port(p).is_some_and(|p| p.network_id == network_id))
        })
        .map(|(k, _)| k)
        .collect();
    for k in affected {
        let ports: Vec<_> = model.instances[k]
            .port_ids
            .iter()
            .filter_map(|id| model.port(id))
            .collect();
        let info = crate::lab::model::network_info(model, &ports);
        model.instances[k].network_info = info;
    }
}
