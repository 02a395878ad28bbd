//! Misbehaving hosts, chosen at `calipso-lab up --fault HOST:KIND[:COMMAND-PREFIX]`: what a
//! real cloud does to a scanner when a host breaks. Each kind reproduces what the real programs
//! print, so a scanner meets the same bytes it would meet in the field:
//!
//! - `hang`: the command never answers (the reply is held until the client gives up);
//! - `garbage`: the command's output is cut short and followed by binary, non-UTF-8 bytes
//!   (a dying disk, a tool crashing mid-write);
//! - `truncated`: the output stops in the middle of a line (a tool killed while writing);
//! - `sudo-refused`: `sudo` wants a password it cannot read (sudo 1.8 without a tty), exit 1;
//! - `unreachable`: the `ssh <host>` hop cannot connect (`No route to host`), exit 255. Like
//!   OpenSSH, the hop prints nothing with `-q` (its errors are log messages `-q` silences).
//!
//! A fault without a command prefix hits every command on the host; with one, only the
//! commands (as run after `sudo`) that start with it.

use rand::{Rng, SeedableRng};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Hang,
    Garbage,
    Truncated,
    SudoRefused,
    Unreachable,
}

impl FaultKind {
    const NAMES: [(&'static str, FaultKind); 5] = [
        ("hang", FaultKind::Hang),
        ("garbage", FaultKind::Garbage),
        ("truncated", FaultKind::Truncated),
        ("sudo-refused", FaultKind::SudoRefused),
        ("unreachable", FaultKind::Unreachable),
    ];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub host: String,
    pub kind: FaultKind,
    pub command_prefix: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FaultSpecError {
    #[error("--fault '{0}': expected HOST:KIND[:COMMAND-PREFIX]")]
    Shape(String),
    #[error(
        "--fault '{0}': unknown kind '{1}' (hang, garbage, truncated, sudo-refused, unreachable)"
    )]
    Kind(String, String),
    #[error("--fault '{0}': an unreachable host fails every command, it takes no command prefix")]
    UnreachablePrefix(String),
    #[error("--fault {0}:...: the lab has no host '{0}' (hosts: {1})")]
    UnknownHost(String, String),
}

impl FromStr for Fault {
    type Err = FaultSpecError;

    fn from_str(text: &str) -> Result<Fault, FaultSpecError> {
        let mut parts = text.splitn(3, ':');
        let host = parts.next().unwrap_or("").trim();
        let kind_name = parts.next().unwrap_or("").trim();
        if host.is_empty() || kind_name.is_empty() {
            return Err(FaultSpecError::Shape(text.into()));
        }
        let kind = FaultKind::NAMES
            .iter()
            .find(|(name, _)| *name == kind_name)
            .map(|(_, kind)| *kind)
            .ok_or_else(|| FaultSpecError::Kind(text.into(), kind_name.into()))?;
        let command_prefix = parts.next().map(str::trim).filter(|p| !p.is_empty());
        if kind == FaultKind::Unreachable && command_prefix.is_some() {
            return Err(FaultSpecError::UnreachablePrefix(text.into()));
        }
        Ok(Fault {
            host: host.to_string(),
            kind,
            command_prefix: command_prefix.map(str::to_string),
        })
    }
}

/// The faults of one lab.
#[derive(Debug, Clone, Default)]
pub struct Faults(Vec<Fault>);

impl Faults {
    /// Faults whose hosts must be among `hosts` (the model's host names).
    pub fn new(faults: Vec<Fault>, hosts: &[&str]) -> Result<Faults, FaultSpecError> {
        for f in &faults {
            if !hosts.contains(&f.host.as_str()) {
                return Err(FaultSpecError::UnknownHost(
                    f.host.clone(),
                    hosts.join(", "),
                ));
            }
        }
        Ok(Faults(faults))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fault of one of `kinds` that hits `command` (the words after `sudo`) on `host`.
    pub fn hit(&self, host: &str, command: &str, kinds: &[FaultKind]) -> Option<FaultKind> {
        self.0
            .iter()
            .find(|f| {
                f.host == host
                    && kinds.contains(&f.kind)
                    && f.command_prefix
                        .as_deref()
                        .is_none_or(|p| command.starts_with(p))
            })
            .map(|f| f.kind)
    }

    pub fn unreachable(&self, host: &str) -> bool {
        self.hit(host, "", &[FaultKind::Unreachable]).is_some()
    }
}

/// What sudo 1.8 prints when it needs a password and has no terminal to ask it on (the case of
/// `ssh <host> sudo <cmd>` for a user without NOPASSWD).
pub const SUDO_REFUSAL: &str = "sudo: no tty present and no askpass program specified\n";

/// OpenSSH's connect error (a log line: CR LF, silenced by `-q`).
pub fn no_route(host: &str, port: &str) -> String {
    format!("ssh: connect to host {host} port {port}: No route to host\r\n")
}

/// `output` spoiled by a `garbage` or `truncated` fault, the same way for the same `seed`.
pub fn spoil(kind: FaultKind, output: &[u8], seed: &str) -> Vec<u8> {
    let seed = seed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    match kind {
        FaultKind::Truncated => truncate(output, &mut rng),
        _ => garble(output, &mut rng),
    }
}

/// Cut inside a line (never right after a newline, never inside a UTF-8 sequence).
fn truncate(output: &[u8], rng: &mut rand_chacha::ChaCha8Rng) -> Vec<u8> {
    let inside_line =
        |p: &usize| output[*p - 1] != b'\n' && output[*p] != b'\n' && (output[*p] & 0xc0) != 0x80;
    let cuts: Vec<usize> = (1..output.len()).filter(inside_line).collect();
    if cuts.is_empty() {
        return Vec::new();
    }
    output[..cuts[rng.gen_range(0..cuts.len())]].to_vec()
}

/// The output cut at a seeded place, then 32–95 seeded random bytes; always invalid UTF-8
/// (0xff never occurs in UTF-8).
fn garble(output: &[u8], rng: &mut rand_chacha::ChaCha8Rng) -> Vec<u8> {
    let keep = if output.is_empty() {
        0
    } else {
        rng.gen_range(0..output.len())
    };
    let mut garbled = output[..keep].to_vec();
    garbled.push(0xff);
    let junk = rng.gen_range(32..96);
    garbled.extend((0..junk).map(|_| rng.gen::<u8>()));
    garbled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_bad_ones_are_named() {
        let f: Fault = "node-2:hang:virsh dumpxml".parse().unwrap();
        assert_eq!(f.kind, FaultKind::Hang);
        assert_eq!(f.command_prefix.as_deref(), Some("virsh dumpxml"));
        let f: Fault = "node-2:sudo-refused".parse().unwrap();
        assert_eq!((f.kind, f.command_prefix), (FaultKind::SudoRefused, None));
        assert!(matches!(
            "node-2".parse::<Fault>(),
            Err(FaultSpecError::Shape(_))
        ));
        assert!(matches!(
            "node-2:explode".parse::<Fault>(),
            Err(FaultSpecError::Kind(_, _))
        ));
        assert!(matches!(
            "node-2:unreachable:ls".parse::<Fault>(),
            Err(FaultSpecError::UnreachablePrefix(_))
        ));
        let err = Faults::new(vec!["ghost:hang".parse().unwrap()], &["a", "b"]).unwrap_err();
        assert!(err.to_string().contains("no host 'ghost' (hosts: a, b)"));
    }

    #[test]
    fn prefixes_select_commands() {
        let faults = Faults::new(
            vec![
                "a:garbage:brctl".parse().unwrap(),
                "b:unreachable".parse().unwrap(),
            ],
            &["a", "b"],
        )
        .unwrap();
        let kinds = [FaultKind::Garbage, FaultKind::Hang];
        assert_eq!(
            faults.hit("a", "brctl show", &kinds),
            Some(FaultKind::Garbage)
        );
        assert_eq!(faults.hit("a", "virsh list", &kinds), None);
        assert_eq!(faults.hit("b", "brctl show", &kinds), None);
        assert!(faults.unreachable("b") && !faults.unreachable("a"));
    }

    #[test]
    fn garbage_is_cut_output_then_invalid_utf8() {
        let real = b"bridge name\tbridge id\n";
        let g = spoil(FaultKind::Garbage, real, "a brctl show");
        assert_eq!(g, spoil(FaultKind::Garbage, real, "a brctl show"), "seeded");
        assert!(std::str::from_utf8(&g).is_err());
        let cut = g.iter().position(|b| *b == 0xff).unwrap();
        assert_eq!(&g[..cut], &real[..cut]);
        assert!(std::str::from_utf8(&spoil(FaultKind::Garbage, b"", "x")).is_err());
    }

    #[test]
    fn truncation_stops_inside_a_line() {
        let real = "<domain>\n  <name>é</name>\n</domain>\n".as_bytes();
        for seed in ["a", "b", "c", "d"] {
            let t = spoil(FaultKind::Truncated, real, seed);
            let text = std::str::from_utf8(&t).unwrap();
            assert!(!t.is_empty() && t.len() < real.len() && !text.ends_with('\n'));
            assert!(real.starts_with(&t));
        }
        assert!(spoil(FaultKind::Truncated, b"\n", "x").is_empty());
    }
}
