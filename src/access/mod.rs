//! Access layers: how Calipso speaks to the cloud. `api` (Keystone, Nova, Neutron over HTTP),
//! `db` (the OpenStack MySQL databases), `cli` (SSH commands through the gateway host), `aci` (the APIC REST API), `kube` (the Kubernetes API).

pub mod aci;
pub mod amqp;
pub mod api;
pub mod cli;
pub mod db;
pub mod kube;
pub mod metrics;
