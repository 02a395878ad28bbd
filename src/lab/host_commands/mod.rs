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
pub mod faults;
mod fileops;
mod files;
pub mod filesystem;
mod ip;
mod ls;
mod lxb;
mod ovs;
mod programs;
mod services;
pub mod shell;
mod virsh;
mod vppctl;
pub mod wiring;

use crate::lab::live::LiveModel;
use crate::lab::model::{Host, Model};
use crate::lab::ssh_server::{CommandHandler, CommandReply};
use faults::{FaultKind, Faults};
use filesystem::HostFiles;
use shell::{Connector, SimpleCommand, GLOB_STAR};
use std::sync::Arc;
use std::time::Duration;

/// What one program (or a whole line) printed and returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub status: u32,
    /// A `hang` fault was hit: the line never answers.
    pub hang: bool,
    /// A `garbage` or `truncated` fault was hit on this host (its name): the answer is spoiled.
    pub garbled: Option<(FaultKind, String)>,
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

/// The lab's state a command sees: the model and the files written on the hosts.
#[derive(Clone, Copy)]
pub struct World<'a> {
    pub model: &'a Model,
    pub fs: &'a HostFiles,
    pub faults: &'a Faults,
}

/// Where a program runs, as whom, and what it can see.
pub struct Context<'a> {
    pub model: &'a Model,
    pub fs: &'a HostFiles,
    pub faults: &'a Faults,
    pub host: &'a Host,
    pub user: &'a str,
    pub stdin: &'a str,
}

impl<'a> Context<'a> {
    pub fn world(&self) -> World<'a> {
        World {
            model: self.model,
            fs: self.fs,
            faults: self.faults,
        }
    }
}

/// The SSH command responder of the lab.
pub struct HostCommands {
    live: LiveModel,
    files: Arc<HostFiles>,
    faults: Faults,
    latency: Duration,
}

/// The default login of [`HostCommands::run`].
pub const DEFAULT_USER: &str = "calipso";

/// How long a hanging command holds its answer: longer than any client waits.
const HANG: Duration = Duration::from_secs(24 * 3600);

impl HostCommands {
    pub fn new(model: Arc<Model>, latency: Duration) -> Self {
        Self::live(LiveModel::new(model), latency)
    }

    /// Answers from whatever topology `live` holds when a command arrives.
    pub fn live(live: LiveModel, latency: Duration) -> Self {
        HostCommands {
            live,
            files: Arc::new(HostFiles::default()),
            faults: Faults::default(),
            latency,
        }
    }

    /// The same hosts, misbehaving as `faults` say.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Runs `line` in the gateway's shell as the lab's login user.
    pub fn run(&self, line: &str) -> Output {
        self.run_as(DEFAULT_USER, line)
    }

    pub fn run_as(&self, user: &str, line: &str) -> Output {
        let model = self.live.current();
        let world = World {
            model: &model,
            fs: &self.files,
            faults: &self.faults,
        };
        run_line(world, model.gateway(), user, line, "")
    }

    /// The hosts' files (what SFTP reads and writes on the gateway).
    pub fn files(&self) -> Arc<HostFiles> {
        self.files.clone()
    }
}

impl CommandHandler for HostCommands {
    fn file_store(&self) -> Option<Arc<dyn crate::lab::ssh_server::FileStore>> {
        Some(Arc::new(filesystem::HostStore {
            files: self.files.clone(),
            host: self.live.current().gateway().name.clone(),
        }))
    }

    fn handle(&self, user: &str, command: &str) -> CommandReply {
        let output = self.run_as(user, command);
        let stdout = match &output.garbled {
            Some((kind, host)) => faults::spoil(
                *kind,
                output.stdout.as_bytes(),
                &format!("{host} {command}"),
            ),
            None => output.stdout.into_bytes(),
        };
        CommandReply {
            stdout,
            stderr: output.stderr.into_bytes(),
            exit_status: output.status,
            delay: if output.hang { HANG } else { self.latency },
        }
    }
}

/// Interprets a command line in `host`'s shell.
pub fn run_line(world: World, host: &Host, user: &str, line: &str, stdin: &str) -> Output {
    let mut substitute = |inner: &str| run_line(world, host, user, inner, "").stdout;
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
            let out = run_simple(world, host, user, command, &input);
            total.stderr.push_str(&out.stderr);
            input = out.stdout;
            status = out.status;
            total.garbled = total.garbled.or(out.garbled);
            if out.hang {
                // Nothing after a command that never ends runs, nothing is answered.
                total.hang = true;
                return total;
            }
        }
        total.stdout.push_str(&input);
        total.status = status;
    }
    total
}

fn run_simple(
    world: World,
    host: &Host,
    user: &str,
    command: &SimpleCommand,
    stdin: &str,
) -> Output {
    let words = expand(world.fs, host, &command.words);
    let mut out = run_words(world, host, user, &words, stdin);
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

/// Pathname expansion of the words holding an unquoted `*`.
fn expand(fs: &HostFiles, host: &Host, words: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    for word in words {
        if !word.contains(GLOB_STAR) {
            out.push(word.clone());
            continue;
        }
        let pattern = word.replace(GLOB_STAR, "*");
        let matches = fs.glob(&host.name, &pattern);
        if matches.is_empty() {
            out.push(pattern);
        } else {
            out.extend(matches);
        }
    }
    out
}

fn run_words(world: World, host: &Host, user: &str, words: &[String], stdin: &str) -> Output {
    let Some((program, args)) = words.split_first() else {
        return Output::default();
    };
    match program.as_str() {
        "sudo" => run_sudo(world, host, args, stdin),
        "ssh" => run_ssh(world, user, args, stdin),
        _ => {
            let ctx = Context {
                model: world.model,
                fs: world.fs,
                faults: world.faults,
                host,
                user,
                stdin,
            };
            let mut out = match programs::lookup(program) {
                Some(handler) => handler(&ctx, args),
                None => Output::fail(format!("bash: {program}: command not found\n"), 127),
            };
            let command = words.join(" ");
            let kinds = [FaultKind::Hang, FaultKind::Garbage, FaultKind::Truncated];
            match world.faults.hit(&host.name, &command, &kinds) {
                Some(FaultKind::Hang) => out.hang = true,
                Some(kind) => out.garbled = Some((kind, host.name.clone())),
                None => {}
            }
            out
        }
    }
}

fn run_sudo(world: World, host: &Host, args: &[String], stdin: &str) -> Output {
    let faults = world.faults;
    let Some(program) = args.first() else {
        return Output::fail("usage: sudo -h | -K | -k | -V\n", 1);
    };
    let command = args.join(" ");
    if faults
        .hit(&host.name, &command, &[FaultKind::SudoRefused])
        .is_some()
    {
        return Output::fail(faults::SUDO_REFUSAL, 1);
    }
    if program != "ssh" && program != "sudo" && programs::lookup(program).is_none() {
        return Output::fail(format!("sudo: {program}: command not found\n"), 1);
    }
    run_words(world, host, "root", args, stdin)
}

/// `ssh [-q] [-o option] [-p port] [-t] <host> <command...>`: the command runs in the target's
/// shell. Only hosts of the model resolve (by name, short name or management address).
fn run_ssh(world: World, user: &str, args: &[String], stdin: &str) -> Output {
    let (model, faults) = (world.model, world.faults);
    let mut rest = args.iter();
    let (mut quiet, mut port) = (false, "22".to_string());
    let destination = loop {
        match rest.next().map(String::as_str) {
            Some("-p") => {
                if let Some(p) = rest.next() {
                    port = p.clone();
                }
            }
            Some("-o" | "-i" | "-l") => {
                rest.next();
            }
            Some(flag) if flag.starts_with('-') => quiet |= flag.contains('q'),
            Some(dest) => break dest,
            None => return Output::fail(ssh_usage(), 255),
        }
    };
    let (login, name) = match destination.rsplit_once('@') {
        Some((login, name)) => (login, name),
        None => (user, destination),
    };
    // ssh's errors are log lines (CR LF) that `-q` silences: OpenSSH 9.2 prints nothing there.
    let Some(target) = resolve(model, name) else {
        let message = match quiet {
            true => String::new(),
            false => {
                format!("ssh: Could not resolve hostname {name}: Name or service not known\r\n")
            }
        };
        return Output::fail(message, 255);
    };
    if faults.unreachable(&target.name) {
        let message = if quiet {
            String::new()
        } else {
            faults::no_route(name, &port)
        };
        return Output::fail(message, 255);
    }
    let remote: Vec<&str> = rest.map(String::as_str).collect();
    if remote.is_empty() {
        // An interactive login: nothing to answer on an exec channel.
        return Output::fail(
            "Pseudo-terminal will not be allocated because stdin is not a terminal.\n",
            255,
        );
    }
    run_line(world, target, login, &remote.join(" "), stdin)
}

pub(crate) fn resolve<'a>(model: &'a Model, name: &str) -> Option<&'a Host> {
    model.hosts.iter().find(|h| {
        h.name == name || h.management_ip == name || h.name.split('.').next() == Some(name)
    })
}

fn ssh_usage() -> String {
    "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-b bind_address] [-c cipher_spec]\n           [-D [bind_address:]port] [-E log_file] [-e escape_char]\n           [-F configfile] [-I pkcs11] [-i identity_file]\n           [-J [user@]host[:port]] [-L address] [-l login_name] [-m mac_spec]\n           [-O ctl_cmd] [-o option] [-p port] [-Q query_option] [-R address]\n           [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n           destination [command]\n".into()
}
