//! The programs a lab host knows, by name. Add a program: write its handler (here or in a new
//! file of this module) and list it in [`lookup`].

use super::{files, Context, Output};

pub type Handler = fn(&Context, &[String]) -> Output;

pub fn lookup(program: &str) -> Option<Handler> {
    let handler: Handler = match program {
        "uname" => uname,
        "hostname" => hostname,
        "arch" => arch,
        "echo" => echo,
        "cat" => cat,
        "grep" => grep,
        "true" => |_, _| Output::ok(""),
        "ip" => super::ip::ip,
        "ls" => super::ls::ls,
        "ethtool" => super::ethtool::ethtool,
        "brctl" => super::brctl::brctl,
        "bridge" => super::brctl::bridge,
        "virsh" => super::virsh::virsh,
        "ovs-vsctl" => super::ovs::ovs_vsctl,
        "ovs-dpctl" => super::ovs::ovs_dpctl,
        "vppctl" => super::vppctl::vppctl,
        "docker" => super::docker::docker,
        "mkdir" => super::fileops::mkdir,
        "chown" => super::fileops::chown,
        "chmod" => super::fileops::chmod,
        "cp" => super::fileops::cp,
        "scp" => super::fileops::scp,
        "service" => super::services::service,
        "systemctl" => super::services::systemctl,
        _ => return None,
    };
    Some(handler)
}

const KERNEL: &str = "4.4.0-116-generic";

fn uname(ctx: &Context, args: &[String]) -> Output {
    let host = &ctx.host.name;
    let arch = &ctx.host.os.architecture;
    let mut parts = Vec::new();
    for arg in args {
        let flags = match arg.strip_prefix('-') {
            Some(f) if arg != "-" => f,
            _ => {
                return Output::fail(
                    format!(
                        "uname: extra operand '{arg}'\nTry 'uname --help' for more information.\n"
                    ),
                    1,
                )
            }
        };
        for flag in flags.chars() {
            match flag {
                's' => parts.push("Linux".to_string()),
                'n' => parts.push(host.clone()),
                'r' => parts.push(KERNEL.into()),
                'm' | 'p' | 'i' => parts.push(arch.clone()),
                'o' => parts.push("GNU/Linux".into()),
                'a' => parts.push(format!(
                    "Linux {host} {KERNEL} #140-Ubuntu SMP Mon Feb 12 21:23:04 UTC 2018 {arch} {arch} {arch} GNU/Linux"
                )),
                _ => return Output::fail(format!("uname: invalid option -- '{flag}'\nTry 'uname --help' for more information.\n"), 1),
            }
        }
    }
    if parts.is_empty() {
        parts.push("Linux".into());
    }
    Output::ok(format!("{}\n", parts.join(" ")))
}

fn hostname(ctx: &Context, _args: &[String]) -> Output {
    Output::ok(format!("{}\n", ctx.host.name))
}

fn arch(ctx: &Context, _args: &[String]) -> Output {
    Output::ok(format!("{}\n", ctx.host.os.architecture))
}

fn echo(_ctx: &Context, args: &[String]) -> Output {
    let (newline, words) = match args.first().map(String::as_str) {
        Some("-n") => (false, &args[1..]),
        _ => (true, args),
    };
    let mut text = words.join(" ");
    if newline {
        text.push('\n');
    }
    Output::ok(text)
}

fn cat(ctx: &Context, args: &[String]) -> Output {
    if args.is_empty() {
        return Output::ok(ctx.stdin);
    }
    let mut out = Output::default();
    for path in args {
        match ctx.fs.read(&ctx.host.name, ctx.user, path) {
            Ok(data) => {
                out.stdout.push_str(&String::from_utf8_lossy(&data));
                continue;
            }
            Err(super::filesystem::FsError::NotFound) => {}
            Err(e) => {
                out.stderr.push_str(&format!("cat: {path}: {}\n", e.text()));
                out.status = 1;
                continue;
            }
        }
        match files::read(ctx.host, path)
            .or_else(|| super::bonding::read(ctx.model, ctx.host, path))
        {
            Some(text) => out.stdout.push_str(&text),
            None => {
                out.stderr
                    .push_str(&format!("cat: {path}: No such file or directory\n"));
                out.status = 1;
            }
        }
    }
    out
}

/// `grep [-v] [-i] PATTERN`, on stdin (basic regular expressions as the scanner uses them).
fn grep(ctx: &Context, args: &[String]) -> Output {
    let mut invert = false;
    let mut ignore_case = false;
    let mut pattern = None;
    for arg in args {
        match arg.as_str() {
            "-v" => invert = true,
            "-i" => ignore_case = true,
            a if a.starts_with('-') && pattern.is_none() => {
                return Output::fail(format!("grep: invalid option -- '{}'\n", &a[1..]), 2)
            }
            a if pattern.is_none() => pattern = Some(a),
            a => return Output::fail(format!("grep: {a}: No such file or directory\n"), 2),
        }
    }
    let Some(pattern) = pattern else {
        return Output::fail(
            "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n",
            2,
        );
    };
    let regex = match regex::RegexBuilder::new(pattern)
        .case_insensitive(ignore_case)
        .build()
    {
        Ok(r) => r,
        Err(_) => return Output::fail("grep: Unmatched ( or \\(\n", 2),
    };
    let selected: String = ctx
        .stdin
        .lines()
        .filter(|line| regex.is_match(line) != invert)
        .map(|line| format!("{line}\n"))
        .collect();
    let status = if selected.is_empty() { 1 } else { 0 };
    Output {
        stdout: selected,
        status,
        ..Output::default()
    }
}
