//! `calipso-lab` command line: `up`, `down`, `model`, `event`.

use crate::lab::model::{self, LabSizes, MechanismDriver, TypeDriver};
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "calipso-lab",
    about = "A simulated OpenStack cloud (Keystone, Nova, Neutron, MariaDB, SSH) for scanners"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Built once per run: the size difference between the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the lab; runs until SIGINT/SIGTERM (or in the background with --daemon).
    Up(UpArgs),
    /// Stop the lab whose pid is in <dir>/lab.pid.
    Down(DownArgs),
    /// Print the topology model as JSON.
    Model(SizeArgs),
    /// Change the running lab's topology and publish the OpenStack notification of the change.
    Event(EventArgs),
}

#[derive(Debug, Clone, Args)]
pub struct EventArgs {
    #[arg(long, default_value = ".lab")]
    pub dir: PathBuf,
    #[command(subcommand)]
    pub event: crate::lab::events::LabEvent,
}

#[derive(Debug, Clone, Args)]
pub struct SizeArgs {
    /// Seed of every generated id, MAC and name.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of hosts: one controller + network node, the rest compute nodes (1 = all-in-one).
    #[arg(long, default_value_t = 3)]
    pub hosts: usize,
    /// Number of instances, spread round robin over the compute hosts.
    #[arg(long, default_value_t = 4)]
    pub instances: usize,
    /// L2 plugin: Open vSwitch, Linux bridge or VPP.
    #[arg(long, value_enum, default_value_t = MechanismDriver::Ovs)]
    pub mechanism_driver: MechanismDriver,
    /// Tenant network segmentation.
    #[arg(long, value_enum, default_value_t = TypeDriver::Vxlan)]
    pub type_driver: TypeDriver,
}

impl SizeArgs {
    pub fn sizes(&self) -> LabSizes {
        LabSizes {
            seed: self.seed,
            hosts: self.hosts,
            instances: self.instances,
            mechanism_driver: self.mechanism_driver,
            type_driver: self.type_driver,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct UpArgs {
    #[command(flatten)]
    pub sizes: SizeArgs,
    /// Directory for environment.json, mongo.conf, lab.json, keys, pid and log.
    #[arg(long, default_value = ".lab")]
    pub dir: PathBuf,
    /// Address every service listens on (and the host in the catalog URLs).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Keystone public API (tokens; written to environment.json).
    #[arg(long, default_value_t = 5000)]
    pub keystone_port: u16,
    /// Keystone admin API (tenants, projects; the catalog's identity adminURL).
    #[arg(long, default_value_t = 35357)]
    pub keystone_admin_port: u16,
    /// Nova API (the catalog's compute URLs).
    #[arg(long, default_value_t = 8774)]
    pub nova_port: u16,
    /// Neutron API (the catalog's network URLs).
    #[arg(long, default_value_t = 9696)]
    pub neutron_port: u16,
    /// SSH gateway (user calipso; written to the CLI section as `port`).
    #[arg(long, default_value_t = 2222)]
    pub ssh_port: u16,
    /// Do not start the SSH server (environment.json still has a CLI section).
    #[arg(long)]
    pub no_ssh: bool,
    /// MariaDB the lab owns the nova/neutron/keystone schemas of (as an administrator).
    #[arg(long, default_value = "mysql://root@127.0.0.1:3306")]
    pub mysql: String,
    /// Serve HTTP and SSH only: no schemas, no MariaDB lock, no mysql section (for tests of the
    /// APIs while another lab owns the MariaDB).
    #[arg(long)]
    pub no_mysql: bool,
    /// Wait for another lab to release the MariaDB schemas instead of failing.
    #[arg(long)]
    pub wait_lock: bool,
    /// MongoDB written into mongo.conf (host:port).
    #[arg(long, default_value = "127.0.0.1:27017")]
    pub mongo: String,
    /// Database (and auth_db) written into mongo.conf.
    #[arg(long, default_value = "calipso")]
    pub mongo_db: String,
    /// RabbitMQ written into the AMQP section of environment.json (host:port; user guest).
    #[arg(long, default_value = "127.0.0.1:5672")]
    pub amqp: String,
    /// Nova's control exchange: where instance notifications are published.
    #[arg(long, default_value = "nova")]
    pub nova_exchange: String,
    /// Neutron's control exchange: where network, subnet, port and router notifications go.
    #[arg(long, default_value = "neutron")]
    pub neutron_exchange: String,
    /// Environment name in environment.json.
    #[arg(long, default_value = "lab")]
    pub env_name: String,
    /// Distribution in environment.json (default: one supported_environments lists for the
    /// mechanism driver: RDO for OVS and LXB, Devstack for VPP).
    #[arg(long, default_value = "")]
    pub distribution: String,
    /// Distribution version (default: Mitaka, with the default distribution).
    #[arg(long, default_value = "")]
    pub distribution_version: String,
    /// Also simulate a Cisco APIC (HTTPS) for the fabric under the hosts, and enable ACI in
    /// environment.json (`aci_enabled`, an `ACI` section).
    #[arg(long)]
    pub aci: bool,
    /// APIC HTTPS port (the `ACI` section's host gets `:port` unless it is 443).
    #[arg(long, default_value_t = 443)]
    pub aci_port: u16,
    /// Also serve a Kubernetes API (HTTPS, bearer token) listing namespaces, and write
    /// environment-kubernetes.json (a Kubernetes environment `<env-name>-k8s`).
    #[arg(long)]
    pub kubernetes: bool,
    /// Kubernetes API port.
    #[arg(long, default_value_t = 6443)]
    pub kube_port: u16,
    /// Make a host misbehave (repeatable): HOST:KIND[:COMMAND-PREFIX], KIND one of hang,
    /// garbage, truncated, sudo-refused, unreachable; the prefix limits it to the commands (as run after
    /// sudo) starting with it, e.g. `node-2:hang:virsh dumpxml`.
    #[arg(long = "fault", value_name = "HOST:KIND[:COMMAND-PREFIX]")]
    pub faults: Vec<crate::lab::host_commands::faults::Fault>,
    /// Delay added to every HTTP request and SSH command.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Run in the background: log to <dir>/lab.log, return once every port answers.
    #[arg(long)]
    pub daemon: bool,
    /// Stop when this process exits (used by tests).
    #[arg(long, hide = true)]
    pub watch_pid: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct DownArgs {
    #[arg(long, default_value = ".lab")]
    pub dir: PathBuf,
}

/// Runs one subcommand; what it prints for the user goes to `out`.
pub async fn run(cli: Cli, out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    match cli.command {
        Command::Model(sizes) => {
            let model = model::build(sizes.sizes())?;
            writeln!(out, "{}", serde_json::to_string_pretty(&model)?)?;
            Ok(())
        }
        Command::Event(args) => {
            // One line per published notification (oslo v2 envelope), in publication order.
            for notification in crate::lab::events::send(&args.dir, &args.event).await? {
                writeln!(out, "{notification}")?;
            }
            Ok(())
        }
        Command::Down(args) => {
            let message = crate::lab::daemon::down(&args.dir).await?;
            writeln!(out, "{message}")?;
            Ok(())
        }
        Command::Up(args) if args.daemon => {
            let summary = crate::lab::daemon::start_in_background(&args).await?;
            writeln!(out, "{summary}")?;
            Ok(())
        }
        Command::Up(args) => {
            let lab = crate::lab::up::start(&args).await?;
            writeln!(out, "{}", lab.summary())?;
            out.flush()?;
            lab.run_until_stopped(args.watch_pid).await;
            Ok(())
        }
    }
}
