//! Calipso: discovers the virtual networking of an OpenStack cloud and keeps it in MongoDB.
//!
//! Data flow: `config` (mongo.conf, environment documents) → `access` (OpenStack API, MySQL,
//! SSH) → `fetchers` (one per scanned object kind) → `scanner` (the metadata-driven tree walk) →
//! `store` (the only module that talks to MongoDB) → `links` → `cliques`; `commands` wires them
//! to the `calipso` binary. `lab` is the simulated cloud behind `calipso-lab`; it never imports
//! the scanner's parsers.

pub mod access;
pub mod cli;
pub mod cliques;
pub mod commands;
pub mod config;
pub mod doc;
pub mod fetchers;
pub mod lab;
pub mod links;
pub mod listen;
pub mod logging;
pub mod monitoring;
pub mod output;
pub mod scanner;
pub mod secret;
pub mod serialized;
pub mod store;
