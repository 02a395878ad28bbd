//! Changes to a running lab's topology, as an operator would make them through Nova and Neutron,
//! each followed by the notification the real service publishes on the message bus.
//!
//! `calipso-lab event --dir D <kind> ...` sends a [`LabEvent`] to the lab's control endpoint
//! ([`control`]); the lab applies it to a copy of its model ([`apply`], [`nova`], [`neutron`], [`subnets`], [`ports`], [`routers`]),
//! rewrites the MariaDB tables that changed, swaps the copy in (HTTP APIs and host commands read
//! it from the next request on), then publishes the notification ([`notify`]).

mod apply;
pub mod control;
mod neutron;
pub mod notify;
mod nova;
mod ports;
mod routers;
mod subnets;

pub use control::{send, ControlServer};
pub use notify::Exchanges;

use clap::Subcommand;
use serde::{Deserialize, Serialize};

/// One change. Names and ids are those the lab's APIs show.
#[derive(Debug, Clone, Subcommand, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LabEvent {
    /// Boot an instance with one port (`port.create.end`, `compute.instance.create.end`).
    InstanceCreate {
        #[arg(long)]
        name: String,
        /// Compute host (default: the first one).
        #[arg(long)]
        host: Option<String>,
        /// Network id (default: the first tenant network with a subnet).
        #[arg(long)]
        network: Option<String>,
    },
    /// Rename an instance (`compute.instance.update`).
    InstanceUpdate {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
    },
    /// Delete an instance and its ports (`port.delete.end`, `compute.instance.delete.end`).
    InstanceDelete {
        #[arg(long)]
        id: String,
    },
    /// Create a tenant network without subnets (`network.create.end`).
    NetworkCreate {
        #[arg(long)]
        name: String,
        /// Owner project, name or id (default: demo).
        #[arg(long)]
        project: Option<String>,
    },
    /// Rename a network (`network.update.end`).
    NetworkUpdate {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
    },
    /// Delete a network without ports other than DHCP (`network.delete.end`).
    NetworkDelete {
        #[arg(long)]
        id: String,
    },
    /// Add an IPv4 subnet; with DHCP the network node's DHCP port gets an address
    /// (`subnet.create.end`).
    SubnetCreate {
        #[arg(long)]
        network: String,
        #[arg(long)]
        name: String,
        /// `a.b.c.d/len`, 8 ≤ len ≤ 29.
        #[arg(long)]
        cidr: String,
        #[arg(long)]
        no_dhcp: bool,
    },
    /// Rename a subnet and/or turn its DHCP on or off (`subnet.update.end`).
    SubnetUpdate {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: Option<String>,
        /// `true` or `false`.
        #[arg(long)]
        dhcp: Option<bool>,
    },
    /// Delete a subnet no port but the DHCP port uses (`subnet.delete.end`).
    SubnetDelete {
        #[arg(long)]
        id: String,
    },
    /// Create an unbound port on a network (`port.create.end`).
    PortCreate {
        #[arg(long)]
        network: String,
        #[arg(long)]
        name: String,
    },
    /// Rename a port (`port.update.end`).
    PortUpdate {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
    },
    /// Delete an unbound or instance port (`port.delete.end`).
    PortDelete {
        #[arg(long)]
        id: String,
    },
    /// Create a router with its gateway on the external network (`router.create.end`).
    RouterCreate {
        #[arg(long)]
        name: String,
        /// Owner project, name or id (default: demo).
        #[arg(long)]
        project: Option<String>,
    },
    /// Rename a router (`router.update.end`).
    RouterUpdate {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
    },
    /// Delete a router without interfaces (`router.delete.end`).
    RouterDelete {
        #[arg(long)]
        id: String,
    },
    /// Attach a subnet to a router on the subnet's gateway address (`router.interface.create`).
    RouterInterfaceAdd {
        #[arg(long)]
        router: String,
        #[arg(long)]
        subnet: String,
    },
    /// Detach a subnet from a router (`router.interface.delete`).
    RouterInterfaceRemove {
        #[arg(long)]
        router: String,
        #[arg(long)]
        subnet: String,
    },
}

/// A change the lab refuses, as the API would (unknown id, object in use, bad CIDR).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

pub use apply::LabEvents;
