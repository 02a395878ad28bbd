#!/usr/bin/env bash
# Installs (when missing) and starts the services the tests talk to, each on 127.0.0.1 only:
#   mongodb-wire  SecantusDB (secantusd-rs)       127.0.0.1:27017, no auth
#   mariadb       MariaDB, root without password  127.0.0.1:3306
#   rabbitmq      RabbitMQ, guest/guest           127.0.0.1:5672
# plus the OpenSSH client. Idempotent: a service whose port already answers is left alone.
# Debian 12, run as root. Daemons are started by hand (no systemd; policy-rc.d may block
# packages from starting them on install). Exit status non-zero with a one-line reason when a
# service cannot be made available.
set -euo pipefail

SECANTUS_ROOT=/opt/secantus
SECANTUS_BIN=$SECANTUS_ROOT/bin/secantusd-rs
SECANTUS_VERSION=0.5.3-beta.196
SECANTUS_DATA=/var/lib/secantus
SECANTUS_LOG=/var/log/secantus.log

fail() {
    echo "services.sh: $*" >&2
    exit 1
}

say() { echo "$*"; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port PORT SECONDS: true once the port answers.
wait_port() {
    local port=$1 deadline=$((SECONDS + $2))
    while ((SECONDS < deadline)); do
        listening "$port" && return 0
        sleep 0.5
    done
    listening "$port"
}

need_root() {
    [ "$(id -u)" -eq 0 ] || fail "$1: must run as root to install or start it"
}

APT_UPDATED=
apt_install() {
    need_root "apt-get install $*"
    if [ -z "$APT_UPDATED" ]; then
        apt-get update -q || fail "apt-get update failed"
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" ||
        fail "apt-get install $* failed"
}

# Debian packages the tests use as clients: ssh (the lab's host hops), dot (graph rendering).
ensure_package() {
    if dpkg -s "$1" >/dev/null 2>&1; then
        say "$1: installed"
    else
        apt_install "$1"
        say "$1: installed now"
    fi
}

ensure_mongodb_wire() {
    if listening 27017; then
        say "mongodb-wire: already listening on 127.0.0.1:27017"
        return
    fi
    need_root mongodb-wire
    if [ ! -x "$SECANTUS_BIN" ]; then
        command -v cargo >/dev/null || fail "mongodb-wire: cargo is needed to install SecantusDB"
        command -v cmake >/dev/null || apt_install cmake
        say "mongodb-wire: installing secantus-mdb $SECANTUS_VERSION into $SECANTUS_ROOT (several minutes)"
        cargo install secantus-mdb --version "$SECANTUS_VERSION" --ignore-rust-version --locked \
            --root "$SECANTUS_ROOT" || fail "mongodb-wire: cargo install secantus-mdb failed"
        [ -x "$SECANTUS_BIN" ] || fail "mongodb-wire: $SECANTUS_BIN missing after cargo install"
    fi
    mkdir -p "$SECANTUS_DATA"
    # setsid + nohup: the server must outlive this script and the CI step that ran it.
    setsid nohup "$SECANTUS_BIN" --host 127.0.0.1 --port 27017 --storage-path "$SECANTUS_DATA" \
        --cache-size 256M >>"$SECANTUS_LOG" 2>&1 </dev/null &
    wait_port 27017 30 ||
        fail "mongodb-wire: secantusd-rs did not open 127.0.0.1:27017 within 30 s (see $SECANTUS_LOG)"
    say "mongodb-wire: started secantusd-rs on 127.0.0.1:27017 (log $SECANTUS_LOG)"
}

mariadb_tcp_ok() {
    mariadb -uroot -h127.0.0.1 --protocol=TCP -e 'select 1' >/dev/null 2>&1
}

ensure_mariadb() {
    if listening 3306; then
        command -v mariadb >/dev/null || apt_install mariadb-client
        mariadb_tcp_ok ||
            fail "mariadb: 127.0.0.1:3306 is listening but root without password over TCP is refused"
        say "mariadb: already listening on 127.0.0.1:3306"
        return
    fi
    need_root mariadb
    if [ ! -x /usr/sbin/mariadbd ] || [ ! -x /etc/init.d/mariadb ]; then
        apt_install mariadb-server
    fi
    # Loopback only, whatever the packaged defaults say.
    mkdir -p /etc/mysql/mariadb.conf.d
    printf '[mysqld]\nbind-address = 127.0.0.1\n' >/etc/mysql/mariadb.conf.d/99-loopback.cnf
    /etc/init.d/mariadb start >/dev/null || fail "mariadb: /etc/init.d/mariadb start failed"
    wait_port 3306 30 || fail "mariadb: 127.0.0.1:3306 not listening 30 s after start"
    if ! mariadb_tcp_ok; then
        # Debian's root@localhost is socket-only: allow TCP without password (over the socket).
        mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');" ||
            fail "mariadb: cannot enable root over TCP (ALTER USER failed)"
    fi
    mariadb_tcp_ok || fail "mariadb: root without password over TCP still refused after setup"
    say "mariadb: started on 127.0.0.1:3306"
}

# Appends LINE to FILE unless a line matching PATTERN is already there.
ensure_line() {
    local file=$1 pattern=$2 line=$3
    grep -qE "$pattern" "$file" 2>/dev/null || echo "$line" >>"$file"
}

ensure_rabbitmq() {
    if listening 5672; then
        say "rabbitmq: already listening on 127.0.0.1:5672"
        return
    fi
    need_root rabbitmq
    # Loopback configuration before the first start (and before install, in case the package
    # starts the broker itself).
    mkdir -p /etc/rabbitmq
    local env=/etc/rabbitmq/rabbitmq-env.conf conf=/etc/rabbitmq/rabbitmq.conf
    ensure_line "$env" '^NODENAME=' 'NODENAME=rabbit@localhost'
    ensure_line "$env" '^NODE_IP_ADDRESS=' 'NODE_IP_ADDRESS=127.0.0.1'
    ensure_line "$env" '^NODE_PORT=' 'NODE_PORT=5672'
    ensure_line "$env" 'ERL_EPMD_ADDRESS=' 'export ERL_EPMD_ADDRESS=127.0.0.1'
    ensure_line "$conf" '^listeners\.tcp\.' 'listeners.tcp.default = 127.0.0.1:5672'
    if [ ! -x /etc/init.d/rabbitmq-server ]; then
        apt_install rabbitmq-server
    fi
    if ! listening 5672; then
        /etc/init.d/rabbitmq-server start >/dev/null ||
            fail "rabbitmq: /etc/init.d/rabbitmq-server start failed"
    fi
    wait_port 5672 60 || fail "rabbitmq: 127.0.0.1:5672 not listening 60 s after start"
    # The AMQP port opens late in the boot; await_startup only confirms it (a cookie or
    # permission problem of rabbitmqctl must not fail a broker that answers).
    rabbitmqctl -q await_startup --timeout 60 >/dev/null 2>&1 ||
        echo "rabbitmq: note: rabbitmqctl await_startup failed, but 127.0.0.1:5672 answers" >&2
    say "rabbitmq: started on 127.0.0.1:5672 (guest/guest)"
}

ensure_package openssh-client
ensure_package graphviz
ensure_mongodb_wire
ensure_mariadb
ensure_rabbitmq
