//! CliAccess against a real OpenSSH server on 127.0.0.1:2322, started by scripts/test-sshd.sh
//! (user `calipsotest`, password and ed25519 key, passwordless sudo).

use bson::{doc, Document};
use calipso::access::cli::CliAccess;
use calipso::config::Environment;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const PORT: u16 = 2322;
const USER: &str = "calipsotest";
const PASSWORD: &str = "calipso-test-pw";

/// The key path, or `None` when the server cannot be installed here (no apt).
fn sshd() -> Option<&'static str> {
    static KEY: OnceLock<Option<String>> = OnceLock::new();
    KEY.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-sshd.sh");
        let out = std::process::Command::new("bash")
            .arg(script)
            .output()
            .expect("cannot run scripts/test-sshd.sh");
        match out.status.code() {
            Some(0) => Some(
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .last()
                    .expect("script printed no key path")
                    .trim()
                    .to_string(),
            ),
            Some(3) => {
                eprintln!(
                    "SKIPPED: test sshd unavailable (apt-get missing): {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                None
            }
            _ => panic!(
                "scripts/test-sshd.sh failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    })
    .as_deref()
}

fn env_with(cli: Document) -> Environment {
    let mut section = doc! {"name": "CLI"};
    section.extend(cli);
    Environment::from_document(doc! {
        "name": "ssh-test",
        "distribution": "Mirantis",
        "distribution_version": "8.0",
        "configuration": [section],
    })
    .unwrap()
}

fn password_access(port: u16, pwd: &str) -> CliAccess {
    CliAccess::new(&env_with(
        doc! {"host": "127.0.0.1", "port": port as i32, "user": USER, "pwd": pwd},
    ))
    .unwrap()
}

fn local_hostname() -> String {
    let out = std::process::Command::new("uname")
        .arg("-n")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[tokio::test]
async fn password_auth_runs_with_sudo_on_the_gateway() {
    let Some(_) = sshd() else { return };
    let cli = password_access(PORT, PASSWORD);
    // `sudo echo hello` is sent: whoami under sudo proves the prefix
    assert_eq!(cli.run("echo hello", None).await.unwrap(), "hello\n");
    assert_eq!(cli.run("whoami", None).await.unwrap(), "root\n");
    assert_eq!(cli.commands_sent(), 2);
    assert_eq!(
        cli.run_lines("printf 'a\\nb\\n'", None).await.unwrap(),
        vec!["a", "b"]
    );
}

#[tokio::test]
async fn target_equal_to_uname_is_the_gateway_no_hop() {
    let Some(_) = sshd() else { return };
    let cli = password_access(PORT, PASSWORD);
    let me = local_hostname();
    assert_eq!(cli.run("echo via-gw", Some(&me)).await.unwrap(), "via-gw\n");
    // uname -n once, then the command
    assert_eq!(cli.commands_sent(), 2);
    assert_eq!(cli.run("echo again", Some(&me)).await.unwrap(), "again\n");
    assert_eq!(cli.commands_sent(), 3);
}

#[tokio::test]
async fn key_auth() {
    let Some(key) = sshd() else { return };
    let cli = CliAccess::new(&env_with(
        doc! {"host": "127.0.0.1", "port": PORT as i32, "user": USER, "key": key},
    ))
    .unwrap();
    assert_eq!(cli.run("echo key", None).await.unwrap(), "key\n");
}

#[tokio::test]
async fn missing_key_file_is_a_clear_error() {
    let err = CliAccess::new(&env_with(
        doc! {"host": "127.0.0.1", "user": USER, "key": "/nonexistent/id_rsa"},
    ))
    .err()
    .expect("must fail");
    assert!(
        err.to_string()
            .contains("key file /nonexistent/id_rsa does not exist"),
        "{err}"
    );
}

#[tokio::test]
async fn wrong_password_fails_without_showing_it() {
    let Some(_) = sshd() else { return };
    let cli = password_access(PORT, "Wrong-Pw-4711");
    let err = cli.run("echo x", None).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("authentication failed for user calipsotest"),
        "{text}"
    );
    assert!(!text.contains("Wrong-Pw-4711"), "{text}");
}

#[tokio::test]
async fn stderr_output_is_an_error_naming_host_and_command() {
    let Some(_) = sshd() else { return };
    let cli = password_access(PORT, PASSWORD);
    let err = cli
        .run("ls /nonexistent-calipso-dir", None)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("127.0.0.1"), "{text}");
    assert!(text.contains("sudo ls /nonexistent-calipso-dir"), "{text}");
    assert!(text.contains("No such file"), "{text}");
    // `Loaded plugin: ` lines are ignorable, and the session still works after an error
    assert_eq!(
        cli.run("sh -c 'echo Loaded plugin: x >&2; echo ok'", None)
            .await
            .unwrap(),
        "ok\n"
    );
}

#[tokio::test]
async fn invalid_utf8_output_is_an_error() {
    let Some(_) = sshd() else { return };
    let cli = password_access(PORT, PASSWORD);
    let err = cli.run("printf '\\377\\376'", None).await.unwrap_err();
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
}

/// The gateway's real `ssh -q` to a host it cannot reach prints nothing and exits 255: an SSH
/// error naming host and command, not an empty answer.
#[tokio::test]
async fn failed_hop_is_an_error_naming_host_and_command() {
    let Some(_) = sshd() else { return };
    let cli = password_access(PORT, PASSWORD);
    let err = cli
        .run("brctl show", Some("calipso-nowhere.invalid"))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("ssh calipso-nowhere.invalid: command 'ssh -q -o StrictHostKeyChecking=no calipso-nowhere.invalid sudo brctl show'"),
        "{text}"
    );
    assert!(
        text.ends_with("the ssh hop to calipso-nowhere.invalid failed (exit status 255)"),
        "{text}"
    );
}

#[tokio::test]
async fn multi_host_form_routes_listed_hosts_only() {
    let Some(key) = sshd() else { return };
    let me = local_hostname();
    let mut hosts = Document::new();
    hosts.insert(
        &me,
        doc! {"host": "127.0.0.1", "port": PORT as i32, "user": USER, "key": key},
    );
    let cli = CliAccess::new(&env_with(doc! {"hosts": hosts})).unwrap();
    assert_eq!(cli.run("echo multi", Some(&me)).await.unwrap(), "multi\n");
    let err = cli.run("echo x", Some("other-host")).await.unwrap_err();
    assert!(err.to_string().contains("other-host"), "{err}");
    assert!(err.to_string().contains("not listed"), "{err}");
    assert!(cli.run("echo x", None).await.is_err());
}

#[tokio::test]
async fn slow_command_times_out_after_15_s() {
    let Some(_) = sshd() else { return };
    let cli = password_access(PORT, PASSWORD);
    let start = Instant::now();
    let err = cli.run("sleep 20", None).await.unwrap_err();
    let elapsed = start.elapsed();
    assert!(
        err.to_string().contains("command timed out after 15 s"),
        "{err}"
    );
    assert!(elapsed < Duration::from_secs(18), "{elapsed:?}");
    assert!(elapsed >= Duration::from_secs(14), "{elapsed:?}");
    // the connection is rebuilt for the next command
    assert_eq!(cli.run("echo after", None).await.unwrap(), "after\n");
}

#[tokio::test]
async fn unreachable_port_names_host_and_port() {
    let cli = password_access(2399, PASSWORD);
    let err = cli.run("echo x", None).await.unwrap_err();
    assert!(err.to_string().contains("127.0.0.1:2399"), "{err}");
}

#[tokio::test]
async fn identical_command_within_60_s_comes_from_the_cache() {
    let Some(_) = sshd() else { return };
    let cli = password_access(PORT, PASSWORD);
    let first = cli.run("date +%N", None).await.unwrap();
    let sent = cli.commands_sent();
    let second = cli.run("date +%N", None).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(cli.commands_sent(), sent);
}

#[tokio::test]
async fn parallel_runs_share_one_access() {
    let Some(_) = sshd() else { return };
    let cli = password_access(PORT, PASSWORD);
    let runs = (0..10).map(|i| {
        let cli = &cli;
        async move { (i, cli.run(&format!("echo run-{i}"), None).await) }
    });
    for (i, result) in futures::future::join_all(runs).await {
        assert_eq!(result.unwrap(), format!("run-{i}\n"));
    }
    assert_eq!(cli.commands_sent(), 10);
}

// ---- host-level fetchers end to end: inventory in MongoDB, commands over the test sshd ----

mod fetchers_over_ssh {
    use super::*;
    use calipso::config::MongoConf;
    use calipso::fetchers::{registry, ScanContext};
    use calipso::store::Store;

    /// A scan context whose CLI gateway is the test sshd and whose inventory (a fresh database)
    /// holds this machine as a Network+Compute host. Returns the host id too.
    async fn context(test: &str) -> (ScanContext, String) {
        let conf = MongoConf::parse(
            std::path::Path::new("test"),
            &format!(
                "server 127.0.0.1\nport 27017\nauth_db calipso_ssh_{test}_{}\n",
                std::process::id()
            ),
        )
        .unwrap();
        let store = Store::connect(&conf, "inventory").await.unwrap();
        let host = local_hostname();
        let mut host_doc = doc! {
            "environment": "ssh-test", "type": "host", "id": &host, "name": &host,
            "host_type": ["Network", "Compute"],
        };
        store.upsert_object(&mut host_doc).await.unwrap();
        let env = env_with(
            doc! {"host": "127.0.0.1", "port": PORT as i32, "user": USER, "pwd": PASSWORD},
        );
        (ScanContext::new(env, store), host)
    }

    async fn drop_database(ctx: &ScanContext) {
        let _ = ctx
            .store
            .collection(calipso::store::Logical::Inventory)
            .drop()
            .await;
    }

    #[tokio::test]
    async fn bonds_of_a_host_without_bonding_are_none() {
        let Some(_) = sshd() else { return };
        let (ctx, host) = context("bonds").await;
        let fetcher = registry::create("CliFetchBondHostPnics").unwrap();
        let result = fetcher.get(&format!("{host}-host_pnics"), &ctx).await;
        drop_database(&ctx).await;
        assert_eq!(result.unwrap(), Vec::<bson::Document>::new());
    }

    #[tokio::test]
    async fn missing_tool_is_an_ssh_error_of_the_fetcher() {
        let Some(_) = sshd() else { return };
        let (ctx, host) = context("vpp").await;
        let fetcher = registry::create("DbFetchVedgesVpp").unwrap();
        let result = fetcher.get(&format!("{host}-vedges"), &ctx).await;
        drop_database(&ctx).await;
        let err = result.unwrap_err();
        assert!(err.is_ssh(), "{err}");
        assert!(err.to_string().contains("sudo vppctl show ver"), "{err}");
    }

    #[tokio::test]
    async fn unknown_host_gives_no_objects() {
        let Some(_) = sshd() else { return };
        let (ctx, _) = context("unknown").await;
        let fetcher = registry::create("CliFetchHostPnics").unwrap();
        let result = fetcher.get("no-such-host-host_pnics", &ctx).await;
        drop_database(&ctx).await;
        assert!(result.unwrap().is_empty());
        assert_eq!(ctx.cli().await.unwrap().commands_sent(), 0);
    }
}

// ---- command adaptation and reconnection, against the lab's embedded SSH server ----

mod against_lab_server {
    use super::*;
    use calipso::lab::ssh_server::{
        serve, CommandHandler, CommandReply, RunningSshServer, SshServerConfig, SshUser,
    };
    use calipso::secret::Secret;
    use std::sync::{Arc, Mutex};

    /// Records every command line; `uname -n` answers `gw-lab`, anything else `out:<cmd>`.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl CommandHandler for Recorder {
        fn handle(&self, _user: &str, command: &str) -> CommandReply {
            self.0.lock().unwrap().push(command.to_string());
            let stdout = if command == "uname -n" {
                "gw-lab\n".to_string()
            } else {
                format!("out:{command}\n")
            };
            CommandReply {
                stdout: stdout.into_bytes(),
                ..CommandReply::default()
            }
        }
    }

    async fn start(dir: &std::path::Path, bind: &str, recorder: Arc<Recorder>) -> RunningSshServer {
        let config = SshServerConfig {
            bind: bind.parse().unwrap(),
            users: vec![SshUser {
                name: "calipso".into(),
                password: Some(Secret::new("lab-pw")),
                authorized_keys: vec![],
            }],
            host_key_path: dir.join("host_key"),
        };
        serve(config, recorder).await.unwrap()
    }

    fn access(port: u16, distribution: &str, version: &str) -> CliAccess {
        let env = Environment::from_document(doc! {
            "name": "lab",
            "distribution": distribution,
            "distribution_version": version,
            "configuration": [{"name": "CLI", "host": "127.0.0.1", "port": port as i32,
                               "user": "calipso", "pwd": "lab-pw"}],
        })
        .unwrap();
        CliAccess::new(&env).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hop_sudo_and_mercury_translation_as_sent() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Arc::new(Recorder::default());
        let server = start(dir.path(), "127.0.0.1:0", recorder.clone()).await;
        let port = server.local_addr.port();

        let cli = access(port, "Mirantis", "8.0");
        assert_eq!(
            cli.run("ip netns list", Some("node-1")).await.unwrap(),
            "out:ssh -q -o StrictHostKeyChecking=no node-1 sudo ip netns list\n"
        );
        cli.run("brctl show", Some("gw-lab")).await.unwrap();
        let mercury = access(port, "Mercury", "10209");
        let out = mercury.run("ip netns list", Some("node-1")).await.unwrap();
        // two commands, outputs concatenated
        assert_eq!(out.lines().count(), 2, "{out}");
        server.shutdown().await;

        let sent = recorder.0.lock().unwrap().clone();
        assert_eq!(
            sent,
            vec![
                "uname -n",
                "ssh -q -o StrictHostKeyChecking=no node-1 sudo ip netns list",
                "uname -n",
                "sudo brctl show",
                "uname -n",
                "ssh -q -o StrictHostKeyChecking=no node-1 docker exec --user root \
                 neutron_l3_agent_10209 ip netns list",
                "ssh -q -o StrictHostKeyChecking=no node-1 docker exec --user root \
                 neutron_dhcp_agent_10209 ip netns list",
            ]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dead_session_is_replaced_once() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Arc::new(Recorder::default());
        let server = start(dir.path(), "127.0.0.1:0", recorder.clone()).await;
        let addr = server.local_addr;
        let cli = access(addr.port(), "Mirantis", "8.0");
        assert_eq!(cli.run("first", None).await.unwrap(), "out:sudo first\n");
        server.shutdown().await;
        let server = start(dir.path(), &addr.to_string(), recorder.clone()).await;
        assert_eq!(cli.run("second", None).await.unwrap(), "out:sudo second\n");
        server.shutdown().await;
        // and with no server at all, a clear error naming the address
        let err = cli.run("third", None).await.unwrap_err();
        assert!(err.to_string().contains(&addr.to_string()), "{err}");
    }
}
