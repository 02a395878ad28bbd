//! The lab's fixed address plan.

/// Management network of the hosts.
pub fn management_ip(host_index: usize) -> String {
    format!("10.0.0.{}", 11 + host_index)
}

/// Data (tunnel) network of the hosts.
pub fn tunnel_ip(host_index: usize) -> String {
    format!("192.168.2.{}", 11 + host_index)
}

/// A /24 as its three leading octets.
#[derive(Debug, Clone)]
pub struct Net24(pub String);

impl Net24 {
    pub fn tenant(project_index: usize) -> Net24 {
        Net24(format!("172.16.{}", 10 + project_index))
    }

    /// Devstack's default public network.
    pub fn public() -> Net24 {
        Net24("172.24.4".into())
    }

    pub fn cidr(&self) -> String {
        format!("{}.0/24", self.0)
    }

    pub fn ip(&self, last: usize) -> String {
        format!("{}.{}", self.0, last)
    }
}
