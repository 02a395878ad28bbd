//! The lab's fixed address plan.

/// Management network of the hosts.
pub fn management_ip(host_index: usize) -> String {
    format!("10.0.0.{}", 11 + host_index)
}

/// Data (tunnel) network of the hosts.
pub fn tunnel_ip(host_index: usize) -> String {
    format!("192.168.2.{}", 11 + host_index)
}

/// An IPv4 block of at most a /16, aligned on its third octet.
#[derive(Debug, Clone)]
pub struct Net {
    a: u8,
    b: u8,
    c: u8,
    prefix: u8,
}

impl Net {
    /// A demo project's network: a /20, room for about 4,000 instances.
    pub fn tenant(project_index: usize) -> Net {
        Net {
            a: 172,
            b: 16,
            c: 16 * (project_index as u8 + 1),
            prefix: 20,
        }
    }

    /// Devstack's default public network.
    pub fn public() -> Net {
        Net {
            a: 172,
            b: 24,
            c: 4,
            prefix: 24,
        }
    }

    pub fn cidr(&self) -> String {
        format!("{}.{}.{}.0/{}", self.a, self.b, self.c, self.prefix)
    }

    /// The `index`-th address of the block (0 is the network address).
    pub fn ip(&self, index: usize) -> String {
        format!(
            "{}.{}.{}.{}",
            self.a,
            self.b,
            self.c as usize + index / 256,
            index % 256
        )
    }

    /// Index of the last address before the broadcast address.
    pub fn last_host(&self) -> usize {
        (1usize << (32 - self.prefix)) - 2
    }
}

/// The prefix length of a `a.b.c.d/len` CIDR (24 when it has none).
pub fn prefix_len(cidr: &str) -> u8 {
    cidr.rsplit_once('/')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or(24)
}
