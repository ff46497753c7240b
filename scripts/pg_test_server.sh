#!/usr/bin/env bash
# A throw-away PostgreSQL server on loopback for the storage tests.
#
#   scripts/pg_test_server.sh run -- CMD [ARGS...]
#
# installs Debian's PostgreSQL if it is missing (apt-get, as root), starts a server in a temporary
# directory on 127.0.0.1 (as the unprivileged 'postgres' user when run as root: initdb refuses
# root), exports KNEECHAIN_TEST_POSTGRES_URL, runs CMD, stops the server, removes the directory
# and exits with CMD's status. When no server can be had, it says why and runs CMD anyway: the
# tests marked `postgres` then skip with the reason printed.
set -uo pipefail

say() { echo "pg_test_server: $*" >&2; }

find_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -n "$dir" && -x "$dir/initdb" ]]; then echo "$dir"; return 0; fi
    return 1
}

install_postgres() {
    if [[ $(id -u) -ne 0 ]]; then say "PostgreSQL is not installed and we are not root to install it"; return 1; fi
    if ! command -v apt-get >/dev/null; then say "PostgreSQL is not installed and apt-get is not available"; return 1; fi
    say "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q postgresql >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q postgresql >/dev/null 2>&1; } \
        || { say "apt-get install postgresql failed"; return 1; }
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# as_owner CMD...: run CMD as the server's owner (postgres when we are root, else ourselves)
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_server() {   # sets PG_DIR, PG_BIN, KNEECHAIN_TEST_POSTGRES_URL; returns 1 with a reason
    PG_BIN=$(find_bindir) || { install_postgres && PG_BIN=$(find_bindir); } || return 1
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres \
            || { say "cannot create the postgres user"; return 1; }
    fi
    PG_DIR=$(mktemp -d /tmp/kneechain-pg.XXXXXX) || return 1
    [[ $(id -u) -eq 0 ]] && chown postgres "$PG_DIR"
    local port; port=$(free_port) || return 1
    if ! as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1; then
        say "initdb failed: $(tail -n 3 "$PG_DIR/initdb.log")"; return 1
    fi
    if ! as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c full_page_writes=off" \
        start >/dev/null; then
        say "the server did not start: $(tail -n 3 "$PG_DIR/server.log")"; return 1
    fi
    export KNEECHAIN_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($PG_DIR)"
}

stop_server() {
    if [[ -n "${PG_DIR:-}" && -d "$PG_DIR/data" ]]; then
        as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
    fi
    [[ -n "${PG_DIR:-}" ]] && rm -rf "$PG_DIR"
}

main() {
    if [[ "${1:-}" != "run" || "${2:-}" != "--" || $# -lt 3 ]]; then
        echo "usage: $0 run -- CMD [ARGS...]" >&2; exit 2
    fi
    shift 2
    PG_DIR=""
    if [[ -n "${KNEECHAIN_TEST_POSTGRES_URL:-}" ]]; then
        say "using the server already named by KNEECHAIN_TEST_POSTGRES_URL"
    elif ! start_server; then
        say "no PostgreSQL test server; tests marked 'postgres' will be skipped"
        stop_server; PG_DIR=""
        unset KNEECHAIN_TEST_POSTGRES_URL
    fi
    trap stop_server EXIT
    "$@"
}

main "$@"
