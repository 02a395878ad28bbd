//! The lab SSH server against the real libssh2 client (`ssh2`), over TCP on 127.0.0.1.

use calipso::lab::ssh_server::{
    generate_client_key, serve, CommandHandler, CommandReply, RunningSshServer, SshServerConfig,
    SshUser,
};
use calipso::secret::Secret;
use ssh2::Session;
use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const USER: &str = "calipso";
const PASSWORD: &str = "lab-password";
/// More than libssh2's 2 MiB channel window, so the server must wait for window adjustments.
const BIG_SIZE: usize = 3 * 1024 * 1024;

/// Answers a few fixed commands, and echoes anything else.
struct TestCommands;

impl CommandHandler for TestCommands {
    fn handle(&self, _user: &str, command: &str) -> CommandReply {
        let out = |stdout: &[u8]| CommandReply {
            stdout: stdout.to_vec(),
            ..CommandReply::default()
        };
        match command {
            "uname -n" => out(b"node-1.lab\n"),
            "mixed" => CommandReply {
                stdout: b"col1\tcol2\n\tindented\n\n\n".to_vec(),
                stderr: b"warning:\tsomething\nlast line without newline".to_vec(),
                exit_status: 3,
                delay: Duration::ZERO,
            },
            "no-newline" => out(b"a\tb"),
            "big" => out(&big_output()),
            "slow" => CommandReply {
                delay: Duration::from_secs(3),
                ..out(b"late\n")
            },
            other => out(format!("echo: {other}\n").as_bytes()),
        }
    }
}

fn big_output() -> Vec<u8> {
    (0..BIG_SIZE).map(|i| (i % 251) as u8).collect()
}

async fn start(key_dir: &Path, authorized_keys: Vec<String>) -> RunningSshServer {
    let config = SshServerConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        users: vec![SshUser {
            name: USER.into(),
            password: Some(Secret::new(PASSWORD)),
            authorized_keys,
        }],
        host_key_path: key_dir.join("host_key"),
    };
    serve(config, Arc::new(TestCommands)).await.unwrap()
}

fn connect(addr: SocketAddr) -> Session {
    let mut session = Session::new().unwrap();
    session.set_tcp_stream(TcpStream::connect(addr).unwrap());
    session.handshake().unwrap();
    session
}

fn login(addr: SocketAddr) -> Session {
    let session = connect(addr);
    session.userauth_password(USER, PASSWORD).unwrap();
    assert!(session.authenticated());
    session
}

struct Output {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    exit_status: i32,
}

fn run(session: &Session, command: &str) -> Output {
    run_keeping_channel(session, command).0
}

fn run_keeping_channel(session: &Session, command: &str) -> (Output, ssh2::Channel) {
    let mut channel = session.channel_session().unwrap();
    channel.exec(command).unwrap();
    let mut stdout = Vec::new();
    channel.read_to_end(&mut stdout).unwrap();
    let mut stderr = Vec::new();
    channel.stderr().read_to_end(&mut stderr).unwrap();
    channel.wait_close().unwrap();
    let exit_status = channel.exit_status().unwrap();
    let output = Output {
        stdout,
        stderr,
        exit_status,
    };
    (output, channel)
}

/// Runs blocking client code off the runtime that drives the server.
async fn client<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_login_and_exec() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), vec![]).await;
    let addr = server.local_addr;
    let out = client(move || run(&login(addr), "uname -n")).await;
    assert_eq!(out.stdout, b"node-1.lab\n");
    assert_eq!(out.stderr, b"");
    assert_eq!(out.exit_status, 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_or_unknown_user_is_an_auth_failure() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), vec![]).await;
    let addr = server.local_addr;
    client(move || {
        for (user, password) in [(USER, "wrong"), ("nobody", PASSWORD), (USER, "")] {
            let session = connect(addr);
            session.set_timeout(10_000); // a hang would show as a timeout, not pass
            let err = session.userauth_password(user, password).unwrap_err();
            assert_eq!(
                err.code(),
                ssh2::ErrorCode::Session(-18), // LIBSSH2_ERROR_AUTHENTICATION_FAILED
                "{user}: {err}"
            );
            assert!(!session.authenticated());
        }
    })
    .await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_login_with_a_generated_key() {
    let dir = tempfile::tempdir().unwrap();
    let listed = dir.path().join("id_listed");
    let unlisted = dir.path().join("id_unlisted");
    let listed_line = generate_client_key(&listed).unwrap();
    generate_client_key(&unlisted).unwrap();
    assert!(listed_line.ends_with(" calipso-lab"), "{listed_line}");
    assert_eq!(mode_of(&listed), 0o600);

    let server = start(dir.path(), vec![listed_line]).await;
    let addr = server.local_addr;
    client(move || {
        let session = connect(addr);
        session
            .userauth_pubkey_file(USER, None, &listed, None)
            .unwrap();
        assert!(session.authenticated());
        assert_eq!(run(&session, "uname -n").stdout, b"node-1.lab\n");

        let session = connect(addr);
        session.set_timeout(10_000);
        assert!(session
            .userauth_pubkey_file(USER, None, &unlisted, None)
            .is_err());
        assert!(!session.authenticated());
    })
    .await;
    server.shutdown().await;
}

fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_and_stderr_are_byte_exact() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), vec![]).await;
    let addr = server.local_addr;
    let (mixed, no_newline) = client(move || {
        let session = login(addr);
        (run(&session, "mixed"), run(&session, "no-newline"))
    })
    .await;
    assert_eq!(mixed.stdout, b"col1\tcol2\n\tindented\n\n\n");
    assert_eq!(
        mixed.stderr,
        b"warning:\tsomething\nlast line without newline"
    );
    assert_eq!(mixed.exit_status, 3);
    assert_eq!(no_newline.stdout, b"a\tb");
    assert_eq!(no_newline.exit_status, 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_channels_on_one_session() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), vec![]).await;
    let addr = server.local_addr;
    client(move || {
        let session = login(addr);
        let expected = |command: &str| format!("echo: {command}\n").into_bytes();
        for i in 0..10 {
            let command = format!("seq {i}");
            assert_eq!(run(&session, &command).stdout, expected(&command));
        }

        // Several channels open at once, read in the reverse order of their requests.
        let mut open: Vec<_> = (0..5)
            .map(|i| {
                let mut channel = session.channel_session().unwrap();
                channel.exec(&format!("open {i}")).unwrap();
                (i, channel)
            })
            .collect();
        while let Some((i, mut channel)) = open.pop() {
            let mut stdout = Vec::new();
            channel.read_to_end(&mut stdout).unwrap();
            assert_eq!(stdout, expected(&format!("open {i}")));
        }

        // Several threads at once. ssh2 0.9 frees a channel without holding the session lock,
        // so the channels are handed back and dropped only once every thread is done.
        let threads: Vec<_> = (0..6)
            .map(|i| {
                let session = session.clone();
                std::thread::spawn(move || run_keeping_channel(&session, &format!("thread {i}")))
            })
            .collect();
        let finished: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        for (i, (out, _channel)) in finished.iter().enumerate() {
            assert_eq!(out.stdout, expected(&format!("thread {i}")));
            assert_eq!(out.exit_status, 0);
        }
    })
    .await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_command_times_out_and_other_sessions_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), vec![]).await;
    let addr = server.local_addr;
    client(move || {
        let session = login(addr);
        session.set_timeout(1000);
        let mut channel = session.channel_session().unwrap();
        channel.exec("slow").unwrap();
        let started = Instant::now();
        let mut stdout = String::new();
        assert!(channel.read_to_string(&mut stdout).is_err());
        assert!(started.elapsed() < Duration::from_millis(2900));

        let other = login(addr);
        assert_eq!(run(&other, "uname -n").stdout, b"node-1.lab\n");
    })
    .await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_output_arrives_complete() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), vec![]).await;
    let addr = server.local_addr;
    let out = client(move || run(&login(addr), "big")).await;
    assert_eq!(out.stdout.len(), BIG_SIZE);
    assert!(out.stdout == big_output());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_key_is_kept_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let host_key = |addr| client(move || connect(addr).host_key().unwrap().0.to_vec());

    let first = start(dir.path(), vec![]).await;
    let key1 = host_key(first.local_addr).await;
    first.shutdown().await;
    assert_eq!(mode_of(&dir.path().join("host_key")), 0o600);

    let second = start(dir.path(), vec![]).await;
    let key2 = host_key(second.local_addr).await;
    second.shutdown().await;
    assert_eq!(key1, key2);

    let other_dir = tempfile::tempdir().unwrap();
    let third = start(other_dir.path(), vec![]).await;
    assert_ne!(host_key(third.local_addr).await, key1);
    third.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_in_use_and_bad_key_file_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(dir.path(), vec![]).await;
    let config = |bind: SocketAddr, host_key_path| SshServerConfig {
        bind,
        users: vec![],
        host_key_path,
    };

    let busy = config(running.local_addr, dir.path().join("host_key"));
    let err = serve(busy, Arc::new(TestCommands)).await.err().unwrap();
    assert!(
        err.to_string().contains(&running.local_addr.to_string()),
        "{err}"
    );

    let garbage = dir.path().join("garbage_key");
    std::fs::write(&garbage, "not a key").unwrap();
    let bad = config("127.0.0.1:0".parse().unwrap(), garbage.clone());
    let err = serve(bad, Arc::new(TestCommands)).await.err().unwrap();
    assert!(
        err.to_string().contains(&garbage.display().to_string()),
        "{err}"
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_open_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), vec![]).await;
    let addr = server.local_addr;
    let session = client(move || login(addr)).await;
    server.shutdown().await;
    client(move || {
        session.set_timeout(10_000);
        assert!(session.channel_session().is_err());
        assert!(TcpStream::connect(addr).is_err());
    })
    .await;
}
