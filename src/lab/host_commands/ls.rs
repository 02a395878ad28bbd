//! `ls` of the two directories a scan lists: `/sys/class/net` (devices as symlinks into
//! /sys/devices) and `/proc/net/bonding/` (one file per bond).

use super::ip::root_wiring;
use super::{Context, Output};

pub fn ls(ctx: &Context, args: &[String]) -> Output {
    let mut long = false;
    let mut paths = Vec::new();
    for arg in args {
        match arg.strip_prefix('-') {
            Some(flags) if !flags.is_empty() => long |= flags.contains('l'),
            _ => paths.push(arg.as_str()),
        }
    }
    let path = match paths.as_slice() {
        // The login's home directory is empty.
        [] => return Output::ok(""),
        [path] => *path,
        _ => return Output::fail("ls: the lab lists one directory at a time\n", 2),
    };
    let wiring = root_wiring(ctx);
    let mut names: Vec<(String, String)> = match path.trim_end_matches('/') {
        "/sys/class/net" => wiring
            .links
            .iter()
            .map(|l| {
                let target = match &l.kind {
                    super::wiring::Kind::Physical { slot } => {
                        format!("../../devices/{slot}/net/{}", l.name)
                    }
                    _ => format!("../../devices/virtual/net/{}", l.name),
                };
                (l.name.clone(), target)
            })
            .collect(),
        "/proc/net/bonding" => match &wiring.nics.bond {
            Some((bond, _)) => vec![(bond.clone(), String::new())],
            None => return no_such(path),
        },
        _ => return no_such(path),
    };
    names.sort();
    let date = listing_date(&ctx.model.created_at);
    let text: String = if long && path.starts_with("/sys/") {
        let mut out = "total 0\n".to_string();
        for (name, target) in &names {
            out.push_str(&format!(
                "lrwxrwxrwx 1 root root 0 {date} {name} -> {target}\n"
            ));
        }
        out
    } else if long {
        let mut out = "total 0\n".to_string();
        for (name, _) in &names {
            out.push_str(&format!("-r--r--r-- 1 root root 0 {date} {name}\n"));
        }
        out
    } else {
        names.iter().map(|(n, _)| format!("{n}\n")).collect()
    };
    Output::ok(text)
}

/// coreutils' wording on the lab hosts' release (no quotes around the name).
fn no_such(path: &str) -> Output {
    Output::fail(
        format!("ls: cannot access {path}: No such file or directory\n"),
        2,
    )
}

/// `2018-03-01 09:00:00` → `Mar  1 09:00`, ls's recent-file format.
fn listing_date(created_at: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = created_at
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .unwrap_or(&"Jan");
    let day = created_at
        .get(8..10)
        .and_then(|d| d.parse::<u32>().ok())
        .unwrap_or(1);
    let time = created_at.get(11..16).unwrap_or("00:00");
    format!("{month} {day:>2} {time}")
}
