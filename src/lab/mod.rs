//! The simulated OpenStack cloud behind `calipso-lab`. It never imports the scanner's parsers.
//!
//! `model` is the single source of truth; `http` (Keystone, Nova, Neutron), `sql` (MariaDB
//! schemas) and `host_commands` (SSH command output) render views of it; `files` writes what a
//! scanner needs to reach the lab; `up`, `daemon` and `cli` run it.
pub mod aci;
pub mod cli;
pub mod daemon;
pub mod events;
pub mod files;
pub mod host_commands;
pub mod http;
pub mod kube;
pub mod live;
pub mod model;
pub mod process;
pub mod sql;
pub mod ssh_server;
pub mod tls;
pub mod up;
