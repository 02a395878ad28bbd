//! Deterministic identifiers in the formats OpenStack uses.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub struct IdGen {
    rng: ChaCha8Rng,
}

impl IdGen {
    pub fn new(seed: u64) -> Self {
        use rand::SeedableRng;
        IdGen {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A version-4 UUID (`8673c48a-f137-4497-b25d-08b7b218fd17`).
    pub fn uuid(&mut self) -> String {
        let mut b: [u8; 16] = self.rng.gen();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex(&b);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    /// A Keystone id: 32 hex digits.
    pub fn hex32(&mut self) -> String {
        let b: [u8; 16] = self.rng.gen();
        hex(&b)
    }

    /// A Neutron-style MAC in the `fa:16:3e` OUI.
    pub fn mac(&mut self) -> String {
        let b: [u8; 3] = self.rng.gen();
        format!("fa:16:3e:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2])
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
