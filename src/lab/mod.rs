//! The simulated OpenStack cloud behind `calipso-lab`. It never imports the scanner's parsers.
pub mod ssh_server;
