//! File tools over the hosts' written files ([`super::filesystem`]): `mkdir`, `chown`, `chmod`,
//! `cp` and `scp` (to another host of the lab), with GNU coreutils' / OpenSSH's messages.

use super::filesystem::{base_name, normalize, FsError, Kind};
use super::{Context, Output};

/// Splits `-abc` style flags from operands (`--` ends the flags).
fn split_flags(args: &[String]) -> (String, Vec<String>) {
    let mut flags = String::new();
    let mut operands = Vec::new();
    let mut only_operands = false;
    for arg in args {
        match arg.strip_prefix('-') {
            Some("-") if !only_operands => only_operands = true,
            Some(f) if !only_operands && !f.is_empty() => flags.push_str(f),
            _ => operands.push(arg.clone()),
        }
    }
    (flags, operands)
}

fn missing_operand(tool: &str) -> Output {
    Output::fail(
        format!("{tool}: missing operand\nTry '{tool} --help' for more information.\n"),
        1,
    )
}

pub fn mkdir(ctx: &Context, args: &[String]) -> Output {
    let (flags, dirs) = split_flags(args);
    if dirs.is_empty() {
        return missing_operand("mkdir");
    }
    let parents = flags.contains('p');
    let mut out = Output::default();
    for dir in &dirs {
        if let Err((failed, e)) = ctx.fs.mkdir(&ctx.host.name, ctx.user, dir, parents) {
            out.stderr.push_str(&format!(
                "mkdir: cannot create directory '{failed}': {}\n",
                e.text()
            ));
            out.status = 1;
        }
    }
    out
}

pub fn chown(ctx: &Context, args: &[String]) -> Output {
    let (flags, operands) = split_flags(args);
    let Some((owner, paths)) = operands.split_first().filter(|(_, p)| !p.is_empty()) else {
        return missing_operand("chown");
    };
    let user = owner.split(':').next().unwrap_or(owner);
    let mut out = Output::default();
    for path in paths {
        match ctx
            .fs
            .chown(&ctx.host.name, ctx.user, path, user, flags.contains('R'))
        {
            Ok(()) => {}
            Err(FsError::NotFound) => {
                out.stderr.push_str(&format!(
                    "chown: cannot access '{path}': No such file or directory\n"
                ));
                out.status = 1;
            }
            Err(_) => {
                out.stderr.push_str(&format!(
                    "chown: changing ownership of '{path}': Operation not permitted\n"
                ));
                out.status = 1;
            }
        }
    }
    out
}

pub fn chmod(ctx: &Context, args: &[String]) -> Output {
    let (_, operands) = split_flags(args);
    let Some((mode, paths)) = operands.split_first().filter(|(_, p)| !p.is_empty()) else {
        return missing_operand("chmod");
    };
    let Ok(mode) = u32::from_str_radix(mode, 8) else {
        return Output::fail(format!("chmod: invalid mode: '{mode}'\n"), 1);
    };
    let mut out = Output::default();
    for path in paths {
        if let Err(e) = ctx.fs.chmod(&ctx.host.name, ctx.user, path, mode) {
            let text = match e {
                FsError::NotFound => format!("chmod: cannot access '{path}': {}\n", e.text()),
                _ => format!("chmod: changing permissions of '{path}': Operation not permitted\n"),
            };
            out.stderr.push_str(&text);
            out.status = 1;
        }
    }
    out
}

/// Where a copied file lands: inside `dst` when it is a directory (or names one with `/`).
fn destination(is_dir: bool, dst: &str, src: &str) -> String {
    if is_dir || dst.ends_with('/') {
        format!(
            "{}/{}",
            dst.trim_end_matches('/'),
            base_name(&normalize(src))
        )
    } else {
        dst.to_string()
    }
}

pub fn cp(ctx: &Context, args: &[String]) -> Output {
    let (_, operands) = split_flags(args);
    let Some((dst, sources)) = operands.split_last().filter(|(_, s)| !s.is_empty()) else {
        return missing_operand("cp");
    };
    let host = &ctx.host.name;
    let dst_is_dir = matches!(ctx.fs.stat(host, dst), Some(n) if n.kind == Kind::Dir);
    if sources.len() > 1 && !dst_is_dir {
        return Output::fail(format!("cp: target '{dst}' is not a directory\n"), 1);
    }
    let mut out = Output::default();
    for src in sources {
        let target = destination(dst_is_dir, dst, src);
        let result = match ctx.fs.stat(host, src).map(|n| n.kind) {
            None => Err(format!(
                "cp: cannot stat '{src}': No such file or directory\n"
            )),
            Some(Kind::Dir) => Err(format!(
                "cp: -r not specified; omitting directory '{src}'\n"
            )),
            Some(Kind::File(_)) if normalize(src) == normalize(&target) => {
                Err(format!("cp: '{src}' and '{target}' are the same file\n"))
            }
            Some(Kind::File(_)) => ctx
                .fs
                .read(host, ctx.user, src)
                .map_err(|e| format!("cp: cannot open '{src}' for reading: {}\n", e.text()))
                .and_then(|data| {
                    ctx.fs
                        .write(host, ctx.user, &target, data, 0o644)
                        .map_err(|e| {
                            format!("cp: cannot create regular file '{target}': {}\n", e.text())
                        })
                }),
        };
        if let Err(text) = result {
            out.stderr.push_str(&text);
            out.status = 1;
        }
    }
    out
}

/// `scp [-pqrv] [-o opt] [-P port] SOURCE... [user@]host:TARGET`: local files to a lab host.
pub fn scp(ctx: &Context, args: &[String]) -> Output {
    let mut operands = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "-o" | "-P" | "-i" | "-F" | "-l" => {
                rest.next();
            }
            a if a.starts_with('-') => {}
            a => operands.push(a.to_string()),
        }
    }
    let Some((remote, sources)) = operands.split_last().filter(|(_, s)| !s.is_empty()) else {
        return Output::fail(
            "usage: scp [-346ABCpqrTv] [-c cipher] [-F ssh_config] [-i identity_file]\n           [-J destination] [-l limit] [-o ssh_option] [-P port]\n           [-S program] source ... target\n",
            1,
        );
    };
    let Some((login_host, dst)) = remote.split_once(':') else {
        return cp(ctx, args);
    };
    let (login, name) = match login_host.rsplit_once('@') {
        Some((l, n)) => (l, n),
        None => (ctx.user, login_host),
    };
    let Some(target) = super::resolve(ctx.model, name) else {
        return Output::fail(
            format!("ssh: Could not resolve hostname {name}: Name or service not known\r\nlost connection\n"),
            1,
        );
    };
    let dst = if dst.is_empty() {
        format!("/home/{login}")
    } else {
        dst.to_string()
    };
    let dst_is_dir = matches!(ctx.fs.stat(&target.name, &dst), Some(n) if n.kind == Kind::Dir);
    let mut out = Output::default();
    for src in sources {
        let data = match ctx.fs.read(&ctx.host.name, ctx.user, src) {
            Ok(data) => data,
            Err(e) => {
                out.stderr.push_str(&format!("{src}: {}\n", e.text()));
                out.status = 1;
                continue;
            }
        };
        let file = destination(dst_is_dir, &dst, src);
        if let Err(e) = ctx.fs.write(&target.name, login, &file, data, 0o644) {
            out.stderr.push_str(&format!("scp: {file}: {}\n", e.text()));
            out.status = 1;
        }
    }
    out
}
