#!/usr/bin/env bash
# Starts a throw-away OpenSSH server for the CliAccess integration tests (tests/access_cli.rs).
#
#   scripts/test-sshd.sh [KEY_DIR]      (default KEY_DIR: /tmp/calipso-sshd-test)
#
# Idempotent: installs openssh-server and sudo only when missing, creates the user `calipsotest`
# (password below, passwordless sudo, an authorized ed25519 key generated into KEY_DIR) and starts
# sshd on 127.0.0.1:2322 unless something already listens there. The last line printed is the
# path of the private key. Exit status 3 means "apt-get is not available" (tests then skip).
set -euo pipefail

KEY_DIR="${1:-/tmp/calipso-sshd-test}"
PORT=2322
TEST_USER=calipsotest
TEST_PASSWORD='calipso-test-pw'
CONF=/etc/ssh/sshd_config_calipso_test
PIDFILE=/run/sshd_calipso_test.pid

log() { echo "test-sshd: $*" >&2; }

need_root() {
    if [ "$(id -u)" != 0 ]; then
        log "must run as root (user creation, sshd)"
        exit 2
    fi
}

apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        log "apt-get not available, cannot install $*"
        exit 3
    fi
    log "installing $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null 2>&1 || {
        DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null 2>&1 || { log "apt-get install $* failed"; exit 3; }
    }
}

listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

need_root
# Serialise concurrent runs (several test binaries may start this script at once).
exec 9>/run/calipso_test_sshd.lock
flock 9

[ -x /usr/sbin/sshd ] || apt_install openssh-server
command -v sudo >/dev/null 2>&1 || apt_install sudo
command -v ssh-keygen >/dev/null 2>&1 || apt_install openssh-client

if ! id "$TEST_USER" >/dev/null 2>&1; then
    useradd -m -s /bin/bash "$TEST_USER"
fi
echo "$TEST_USER:$TEST_PASSWORD" | chpasswd
echo "$TEST_USER ALL=(ALL) NOPASSWD: ALL" >/etc/sudoers.d/calipsotest
chmod 440 /etc/sudoers.d/calipsotest

mkdir -p "$KEY_DIR"
KEY="$KEY_DIR/id_ed25519"
[ -f "$KEY" ] || ssh-keygen -q -t ed25519 -N '' -C calipso-test -f "$KEY"
HOME_DIR="$(getent passwd "$TEST_USER" | cut -d: -f6)"
install -d -m 700 -o "$TEST_USER" -g "$TEST_USER" "$HOME_DIR/.ssh"
if ! grep -qF "$(cut -d' ' -f2 "$KEY.pub")" "$HOME_DIR/.ssh/authorized_keys" 2>/dev/null; then
    cat "$KEY.pub" >>"$HOME_DIR/.ssh/authorized_keys"
fi
chown "$TEST_USER:$TEST_USER" "$HOME_DIR/.ssh/authorized_keys"
chmod 600 "$HOME_DIR/.ssh/authorized_keys"

cat >"$CONF" <<CONF
Port $PORT
ListenAddress 127.0.0.1
PasswordAuthentication yes
PubkeyAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
PidFile $PIDFILE
AllowUsers $TEST_USER
MaxSessions 64
MaxStartups 64:30:100
CONF

mkdir -p /run/sshd
[ -f /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -A >/dev/null
/usr/sbin/sshd -t -f "$CONF"
if listening; then
    log "sshd already listening on 127.0.0.1:$PORT"
else
    /usr/sbin/sshd -f "$CONF"
    for _ in $(seq 1 50); do listening && break; sleep 0.1; done
    listening || { log "sshd did not start on port $PORT"; exit 1; }
    log "sshd started on 127.0.0.1:$PORT"
fi
echo "$KEY"
