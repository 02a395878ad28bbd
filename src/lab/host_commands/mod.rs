//! The hosts' command line, as seen through the SSH gateway (the controller). A scanner's command
//! arrives as the gateway shell would receive it: `sudo <cmd>` for the gateway itself,
//! `ssh -q -o StrictHostKeyChecking=no <host> sudo <cmd>` for another host, possibly followed by
//! pipes or `&&` that run on the gateway. [`HostCommands`] interprets that line with a small shell
//! ([`shell`]) and answers each program from a table of handlers ([`programs`]), all rendered from
//! the model.

mod bonding;
mod brctl;
mod docker;
mod ethtool;
mod files;
mod ip;
mod ls;
mod lxb;
mod ovs;
mod programs;
pub mod shell;
mod virsh;
mod vppctl;
pub mod wiring;

use crate::lab::live::LiveModel;
use crate::lab::model::{Host, Model};
use crate::lab::ssh_server::{CommandHandler, CommandReply};
use shell::{Connector, SimpleCommand};
use std::sync::Arc;
use std::time::Duration;

/// What one program (or a whole line) printed and returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub status: u32,
}

impl Output {
    pub fn ok(stdout: impl Into<String>) -> Output {
        Output {
            stdout: stdout.into(),
            ..Output::default()
        }
    }

    pub fn fail(stderr: impl Into<String>, status: u32) -> Output {
        Output {
            stderr: stderr.into(),
            status,
            ..Output::default()
        }
    }
}

/// Where a program runs and what it can see.
pub struct Context<'a> {
    pub model: &'a Model,
    pub host: &'a Host,
    pub stdin: &'a str,
}

/// The SSH command responder of the lab.
pub struct HostCommands {
    live: LiveModel,
    latency: Duration,
}

impl HostCommands {
    pub fn new(model: Arc<Model>, latency: Duration) -> Self {
        Self::live(LiveModel::new(model), latency)
    }

    /// Answers from whatever topology `live` holds when a command arrives.
    pub fn live(live: LiveModel, latency: Duration) -> Self {
        HostCommands { live, latency }
    }

    /// Runs `line` in the gateway's shell.
    pub fn run(&self, line: &str) -> Output {
        let model = self.live.current();
        run_line(&model, model.gateway(), line, "")
    }
}

impl CommandHandler for HostCommands {
    fn handle(&self, _user: &str, command: &str) -> CommandReply {
        let output = self.run(command);
        CommandReply {
            stdout: output.stdout.into_bytes(),
            stderr: output.stderr.into_bytes(),
            exit_status: output.status,
            delay: self.latency,
        }
    }
}

/// Interprets a command line in `host`'s shell.
pub fn run_line(model: &Model, host: &Host, line: &str, stdin: &str) -> Output {
    let mut substitute = |inner: &str| run_line(model, host, inner, "").stdout;
    let parsed = shell::tokenize(line, &mut substitute).and_then(shell::parse);
    let list = match parsed {
        Ok(list) => list,
        Err(e) => return Output::fail(format!("bash: -c: line 0: {e}\n"), 2),
    };
    let mut total = Output::default();
    for (connector, pipeline) in list {
        let skip = match connector {
            Connector::And => total.status != 0,
            Connector::Or => total.status == 0,
            Connector::First | Connector::Then => false,
        };
        if skip {
            continue;
        }
        let mut input = stdin.to_string();
        let mut status = 0;
        for command in &pipeline {
            let out = run_simple(model, host, command, &input);
            total.stderr.push_str(&out.stderr);
            input = out.stdout;
            status = out.status;
        }
        total.stdout.push_str(&input);
        total.status = status;
    }
    total
}

fn run_simple(model: &Model, host: &Host, command: &SimpleCommand, stdin: &str) -> Output {
    let mut out = run_words(model, host, &command.words, stdin);
    if command.stderr_to_stdout {
        let stderr = std::mem::take(&mut out.stderr);
        out.stdout.push_str(&stderr);
    }
    if command.stderr_to_null {
        out.stderr.clear();
    }
    if command.stdout_to_null {
        out.stdout.clear();
    }
    out
}

fn run_words(model: &Model, host: &Host, words: &[String], stdin: &str) -> Output {
    let Some((program, args)) = words.split_first() else {
        return Output::default();
    };
    match program.as_str() {
        "sudo" => run_sudo(model, host, args, stdin),
        "ssh" => run_ssh(model, args, stdin),
        _ => match programs::lookup(program) {
            Some(handler) => handler(&Context { model, host, stdin }, args),
            None => Output::fail(format!("bash: {program}: command not found\n"), 127),
        },
    }
}

fn run_sudo(model: &Model, host: &Host, args: &[String], stdin: &str) -> Output {
    let Some(program) = args.first() else {
        return Output::fail("usage: sudo -h | -K | -k | -V\n", 1);
    };
    if program != "ssh" && program != "sudo" && programs::lookup(program).is_none() {
        return Output::fail(format!("sudo: {program}: command not found\n"), 1);
    }
    run_words(model, host, args, stdin)
}

/// `ssh [-q] [-o option] [-p port] [-t] <host> <command...>`: the command runs in the target's
/// shell. Only hosts of the model resolve (by name, short name or management address).
fn run_ssh(model: &Model, args: &[String], stdin: &str) -> Output {
    let mut rest = args.iter();
    let destination = loop {
        match rest.next().map(String::as_str) {
            Some("-o" | "-p" | "-i" | "-l") => {
                rest.next();
            }
            Some(flag) if flag.starts_with('-') => {}
            Some(dest) => break dest,
            None => return Output::fail(ssh_usage(), 255),
        }
    };
    let name = destination.rsplit('@').next().unwrap_or(destination);
    let Some(target) = resolve(model, name) else {
        return Output::fail(
            format!("ssh: Could not resolve hostname {name}: Name or service not known\n"),
            255,
        );
    };
    let remote: Vec<&str> = rest.map(String::as_str).collect();
    if remote.is_empty() {
        // An interactive login: nothing to answer on an exec channel.
        return Output::fail(
            "Pseudo-terminal will not be allocated because stdin is not a terminal.\n",
            255,
        );
    }
    run_line(model, target, &remote.join(" "), stdin)
}

fn resolve<'a>(model: &'a Model, name: &str) -> Option<&'a Host> {
    model.hosts.iter().find(|h| {
        h.name == name || h.management_ip == name || h.name.split('.').next() == Some(name)
    })
}

fn ssh_usage() -> String {
    "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-b bind_address] [-c cipher_spec]\n           [-D [bind_address:]port] [-E log_file] [-e escape_char]\n           [-F configfile] [-I pkcs11] [-i identity_file]\n           [-J [user@]host[:port]] [-L address] [-l login_name] [-m mac_spec]\n           [-O ctl_cmd] [-o option] [-p port] [-Q query_option] [-R address]\n           [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n           destination [command]\n".into()
}
