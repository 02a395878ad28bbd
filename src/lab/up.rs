//! `calipso-lab up` in the foreground: build the model, bind the ports, take the MariaDB lock,
//! fill the schemas, start HTTP and SSH, write the lab files; then serve until stopped.

use crate::lab::aci::{self, RunningAci};
use crate::lab::cli::UpArgs;
use crate::lab::events::{ControlServer, Exchanges, LabEvents};
use crate::lab::files::{self, EnvironmentSpec, LabInfo, LabPorts};
use crate::lab::host_commands::{faults::Faults, HostCommands};
use crate::lab::http::{self, ApiState, HttpPorts, RunningApis};
use crate::lab::kube::{self, RunningKube};
use crate::lab::live::LiveModel;
use crate::lab::model::{self, Model};
use crate::lab::process::{alive, new_password};
use crate::lab::sql::{self, lock, MysqlTarget, LAB_DB_USER};
use crate::lab::ssh_server::{self, RunningSshServer, SshServerConfig, SshUser};
use crate::secret::Secret;
use anyhow::{anyhow, bail, Context};
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub const SSH_USER: &str = "calipso";

pub struct RunningLab {
    apis: RunningApis,
    ssh: Option<RunningSshServer>,
    aci: Option<RunningAci>,
    kube: Option<RunningKube>,
    control: ControlServer,
    _lock: Option<lock::SchemaLock>,
    dir: PathBuf,
    summary: String,
}

struct Secrets {
    admin: Secret,
    mysql: Secret,
    ssh: Secret,
    aci: Secret,
    kube: Secret,
}

pub async fn start(args: &UpArgs) -> anyhow::Result<RunningLab> {
    let mut model = model::build(args.sizes.sizes())?;
    sql::pin_standard_attr_ids(&mut model);
    let model = Arc::new(model);
    let hosts: Vec<&str> = model.hosts.iter().map(|h| h.name.as_str()).collect();
    let faults = Faults::new(args.faults.clone(), &hosts)?;
    let target = MysqlTarget::parse(&args.mysql)?;
    let (mongo_host, mongo_port) = parse_host_port(&args.mongo, "--mongo")?;
    let (amqp_host, amqp_port) = parse_host_port(&args.amqp, "--amqp")?;
    prepare_dir(&args.dir)?;
    crate::lab::daemon::ensure_no_running_lab(&args.dir)?;
    let ports = HttpPorts {
        keystone_public: args.keystone_port,
        keystone_admin: args.keystone_admin_port,
        nova: args.nova_port,
        neutron: args.neutron_port,
    };
    let bound = http::bind(args.bind, &ports).await?;
    if !args.no_ssh {
        // Fail before touching MariaDB if the SSH port is taken.
        let addr = SocketAddr::new(args.bind, args.ssh_port);
        std::net::TcpListener::bind(addr)
            .map_err(|e| anyhow!("cannot listen on {addr} (SSH): {e}"))?;
    }
    let aci_listener = match args.aci {
        true => {
            Some(crate::lab::tls::bind(SocketAddr::new(args.bind, args.aci_port), "ACI").await?)
        }
        false => None,
    };
    let kube_listener = match args.kubernetes {
        true => Some(
            crate::lab::tls::bind(SocketAddr::new(args.bind, args.kube_port), "Kubernetes").await?,
        ),
        false => None,
    };
    let secrets = Secrets {
        admin: new_password(),
        mysql: new_password(),
        ssh: new_password(),
        aci: new_password(),
        kube: new_password(),
    };
    let live = LiveModel::new(model.clone());
    let heartbeat = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let schema_lock = if args.no_mysql {
        None
    } else {
        Some(install_schemas(args, &target, &model, &secrets.mysql, &heartbeat).await?)
    };
    let latency = Duration::from_millis(args.latency_ms);
    let (ssh, key_path) = if args.no_ssh {
        (None, None)
    } else {
        let (server, key) = start_ssh(args, &live, faults, &secrets.ssh, latency).await?;
        (Some(server), Some(key))
    };
    let events = LabEvents::new(
        live.clone(),
        (!args.no_mysql).then(|| (target.clone(), heartbeat.clone())),
        crate::lab::events::notify::Notifier::new(
            &amqp_host,
            amqp_port,
            Exchanges {
                nova: args.nova_exchange.clone(),
                neutron: args.neutron_exchange.clone(),
            },
        ),
    );
    let control = ControlServer::start(args.bind, Arc::new(events)).await?;
    let state = ApiState::new(
        live.clone(),
        secrets.admin.clone(),
        args.bind.to_string(),
        ports.clone(),
        latency,
    );
    let apis = http::serve(bound, Arc::new(state));
    let aci_host = match args.aci_port {
        443 => args.bind.to_string(),
        port => format!("{}:{port}", args.bind),
    };
    let aci = match aci_listener {
        Some(tcp) => {
            let fabric = aci::fabric::build(&model);
            let state = aci::api::AciState::new(fabric, aci::ACI_USER, secrets.aci.clone());
            Some(aci::serve(tcp, &args.bind.to_string(), state)?)
        }
        None => None,
    };
    let kube = match kube_listener {
        Some(tcp) => Some(kube::serve(
            tcp,
            &args.bind.to_string(),
            &model,
            secrets.kube.clone(),
        )?),
        None => None,
    };
    let summary = summary(args, &model, &target);
    let spec = EnvironmentSpec {
        name: &args.env_name,
        distribution: &args.distribution,
        distribution_version: &args.distribution_version,
        sizes: &model.sizes,
        bind: &args.bind.to_string(),
        keystone_port: args.keystone_port,
        admin_password: &secrets.admin,
        mysql_host: &target.host,
        mysql_port: target.port,
        mysql_user: LAB_DB_USER,
        mysql_password: &secrets.mysql,
        mysql_enabled: !args.no_mysql,
        ssh_port: args.ssh_port,
        ssh_user: SSH_USER,
        ssh_password: &secrets.ssh,
        ssh_key: key_path.as_deref(),
        amqp_host: &amqp_host,
        amqp_port,
        aci: args.aci.then(|| (aci_host.clone(), &secrets.aci)),
    };
    let info = LabInfo {
        pid: std::process::id(),
        bind: args.bind.to_string(),
        ports: LabPorts {
            keystone_public: ports.keystone_public,
            keystone_admin: ports.keystone_admin,
            nova: ports.nova,
            neutron: ports.neutron,
            ssh: (!args.no_ssh).then_some(args.ssh_port),
            aci: args.aci.then_some(args.aci_port),
            kubernetes: args.kubernetes.then_some(args.kube_port),
        },
        mysql: (!args.no_mysql).then(|| target.addr()),
        sizes: serde_json::to_value(&model.sizes)?,
        env_name: args.env_name.clone(),
        summary: summary.clone(),
        control_port: Some(control.port),
    };
    if args.kubernetes {
        let kube_env = files::kubernetes_environment_document(&spec, args.kube_port, &secrets.kube);
        let path = args.dir.join(files::KUBE_ENVIRONMENT_FILE);
        files::write_json(&path, &kube_env)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    write_files(
        &args.dir,
        &spec,
        (&mongo_host, mongo_port, &args.mongo_db),
        &info,
    )?;
    Ok(RunningLab {
        apis,
        ssh,
        aci,
        kube,
        control,
        _lock: schema_lock,
        dir: args.dir.clone(),
        summary,
    })
}

/// Takes the MariaDB lock (waiting for it with --wait-lock while the watched process lives),
/// then (re)creates and fills the schemas and the scanner's user.
async fn install_schemas(
    args: &UpArgs,
    target: &MysqlTarget,
    model: &Arc<Model>,
    password: &Secret,
    heartbeat: &str,
) -> anyhow::Result<lock::SchemaLock> {
    let (host, port, wait) = (target.host.clone(), target.port, args.wait_lock);
    let watch_pid = args.watch_pid;
    let keep_waiting = move || watch_pid.is_none_or(alive);
    let schema_lock =
        tokio::task::spawn_blocking(move || lock::acquire(&host, port, wait, keep_waiting))
            .await??;
    let (m, t, pwd, hb) = (
        model.clone(),
        target.clone(),
        password.clone(),
        heartbeat.to_string(),
    );
    tokio::task::spawn_blocking(move || sql::install(&t, &m, &pwd, &hb)).await??;
    Ok(schema_lock)
}

fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating lab directory {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("setting permissions of {}", dir.display()))
}

async fn start_ssh(
    args: &UpArgs,
    live: &LiveModel,
    faults: Faults,
    password: &Secret,
    latency: Duration,
) -> anyhow::Result<(RunningSshServer, PathBuf)> {
    let dir = absolute(&args.dir)?;
    let key_path = dir.join(files::CLIENT_KEY_FILE);
    let public_key = ssh_server::generate_client_key(&key_path)?;
    let config = SshServerConfig {
        bind: SocketAddr::new(args.bind, args.ssh_port),
        users: vec![SshUser {
            name: SSH_USER.into(),
            password: Some(password.clone()),
            authorized_keys: vec![public_key],
        }],
        host_key_path: dir.join(files::HOST_KEY_FILE),
    };
    let handler = Arc::new(HostCommands::live(live.clone(), latency).with_faults(faults));
    let server = ssh_server::serve(config, handler).await?;
    Ok((server, key_path))
}

fn absolute(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.is_absolute() {
        return Ok(dir.to_path_buf());
    }
    Ok(std::env::current_dir()?.join(dir))
}

fn write_files(
    dir: &Path,
    spec: &EnvironmentSpec,
    (mongo_host, mongo_port, mongo_db): (&str, u16, &str),
    info: &LabInfo,
) -> anyhow::Result<()> {
    let write = |name: &str, result: std::io::Result<()>| {
        result.with_context(|| format!("writing {}", dir.join(name).display()))
    };
    let env = files::environment_document(spec);
    write(
        files::ENVIRONMENT_FILE,
        files::write_json(&dir.join(files::ENVIRONMENT_FILE), &env),
    )?;
    let conf = files::mongo_conf(mongo_host, mongo_port, mongo_db);
    write(
        files::MONGO_CONF_FILE,
        files::write_private(&dir.join(files::MONGO_CONF_FILE), conf.as_bytes()),
    )?;
    let pid = format!("{}\n", info.pid);
    write(
        files::PID_FILE,
        files::write_private(&dir.join(files::PID_FILE), pid.as_bytes()),
    )?;
    // Written last: its presence tells `up --daemon` that everything is up.
    write(
        files::LAB_FILE,
        files::write_json(&dir.join(files::LAB_FILE), info),
    )
}

fn summary(args: &UpArgs, model: &Model, target: &MysqlTarget) -> String {
    let b = args.bind;
    let ssh = if args.no_ssh {
        "SSH off".to_string()
    } else {
        format!("SSH {b}:{} (user {SSH_USER})", args.ssh_port)
    };
    let mysql = if args.no_mysql {
        "MariaDB off".to_string()
    } else {
        format!(
            "MariaDB {} (nova, neutron, keystone; user {LAB_DB_USER})",
            target.addr()
        )
    };
    let mut aci = if args.aci {
        format!(", APIC https://{b}:{}", args.aci_port)
    } else {
        String::new()
    };
    if args.kubernetes {
        aci.push_str(&format!(", Kubernetes API https://{b}:{}", args.kube_port));
    }
    if !args.faults.is_empty() {
        aci.push_str(&format!(", {} host fault(s)", args.faults.len()));
    }
    format!(
        "calipso-lab '{}' up: Keystone http://{b}:{} (admin :{}), Nova :{}, Neutron :{}, {ssh}, {mysql}{aci}; {} hosts, {} instances, {}/{}; files in {}",
        args.env_name,
        args.keystone_port,
        args.keystone_admin_port,
        args.nova_port,
        args.neutron_port,
        model.hosts.len(),
        model.instances.len(),
        model.sizes.mechanism_driver.calipso_name(),
        model.sizes.type_driver.name(),
        args.dir.display()
    )
}

pub fn parse_host_port(text: &str, flag: &str) -> anyhow::Result<(String, u16)> {
    let Some((host, port)) = text.rsplit_once(':') else {
        bail!("{flag} '{text}' must be host:port");
    };
    let port = port
        .parse()
        .map_err(|_| anyhow!("{flag} '{text}': '{port}' is not a port number"))?;
    Ok((host.to_string(), port))
}

impl RunningLab {
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// Serves until SIGINT or SIGTERM (or until `watch_pid` exits), then stops everything and
    /// removes the pid and lab files.
    pub async fn run_until_stopped(self, watch_pid: Option<u32>) {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => Some(s),
            Err(e) => {
                log::error!("cannot watch SIGTERM: {e}");
                None
            }
        };
        let terminated = async {
            match term.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        let watched = async {
            match watch_pid {
                Some(pid) => {
                    while alive(pid) {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => log::info!("SIGINT: stopping the lab"),
            _ = terminated => log::info!("SIGTERM: stopping the lab"),
            _ = watched => log::info!("watched process exited: stopping the lab"),
        }
        self.control.stop();
        self.apis.shutdown().await;
        if let Some(ssh) = self.ssh {
            ssh.shutdown().await;
        }
        if let Some(aci) = self.aci {
            aci.shutdown().await;
        }
        if let Some(kube) = self.kube {
            kube.shutdown().await;
        }
        for name in [files::PID_FILE, files::LAB_FILE] {
            let _ = std::fs::remove_file(self.dir.join(name));
        }
    }
}
