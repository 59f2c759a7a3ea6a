#!/usr/bin/env bash
# Runs a command with a PostgreSQL server the tests may use, and exits with the command's exit code.
#
#   scripts/private-postgres.sh COMMAND [ARGS...]
#
# - If ACTORTRADING_TEST_POSTGRES is set (an Npgsql connection string of a server where the tests
#   may CREATE DATABASE), the command runs as is, against that server.
# - Otherwise a private, throwaway PostgreSQL is started for the duration of the command: a fresh
#   cluster in a temp dir, listening only on 127.0.0.1 on a free port, trust auth (loopback only),
#   fsync on, max_connections=300. When PostgreSQL is missing it is installed with apt-get if we
#   are root or ACTORTRADING_INSTALL_DEPS=1. On exit, whatever the outcome, the server is stopped
#   and the temp dir removed.
#
# Exported for the command (private server only):
#   ACTORTRADING_TEST_POSTGRES  Host=127.0.0.1;Port=<port>;Username=postgres;Database=postgres
#   ACTORTRADING_TEST_PG_BIN    the directory of pg_ctl, initdb, pg_isready
#   ACTORTRADING_TEST_PG_DATA   the data directory (for `pg_ctl -D ... stop/start` in outage tests)
#   ACTORTRADING_TEST_PG_LOG    the server log file (pass it to `pg_ctl start -l`)
#   ACTORTRADING_TEST_PG_USER   the OS user that runs the server (run pg_ctl as that user)
set -euo pipefail

me="private-postgres"
die() { echo "$me: $*" >&2; exit 1; }

[[ $# -gt 0 ]] || die "usage: scripts/private-postgres.sh COMMAND [ARGS...]"

if [[ -n "${ACTORTRADING_TEST_POSTGRES:-}" ]]; then
    echo "$me: using the server of ACTORTRADING_TEST_POSTGRES"
    exec "$@"
fi

# --- find PostgreSQL's server programs -----------------------------------------------------------
find_pg_bin() {
    local d
    # Debian: /usr/lib/postgresql/<version>/bin, newest version first.
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x $d/initdb && -x $d/pg_ctl && -x $d/pg_isready ]]; then echo "$d"; return 0; fi
    done
    # Elsewhere: on the PATH (resolving symbolic links to the real bin dir).
    if command -v initdb >/dev/null 2>&1; then
        d=$(dirname "$(readlink -f "$(command -v initdb)")")
        if [[ -x $d/pg_ctl && -x $d/pg_isready ]]; then echo "$d"; return 0; fi
    fi
    return 1
}

pg_bin=$(find_pg_bin || true)
if [[ -z $pg_bin ]]; then
    if [[ $(id -u) -eq 0 || "${ACTORTRADING_INSTALL_DEPS:-}" == 1 ]]; then
        sudo=()
        [[ $(id -u) -eq 0 ]] || sudo=(sudo)
        echo "$me: PostgreSQL is not installed; installing Debian's postgresql package"
        # Debian's own cluster (if the package starts one) is not used: we run our own, on another port.
        "${sudo[@]}" apt-get update -qq
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
        pg_bin=$(find_pg_bin || true)
        [[ -n $pg_bin ]] || die "postgresql was installed but initdb/pg_ctl/pg_isready were not found in /usr/lib/postgresql/*/bin"
    else
        die "PostgreSQL is not installed: set ACTORTRADING_TEST_POSTGRES to an Npgsql connection string of a server where the tests may CREATE DATABASE, or install Debian's postgresql package (or rerun as root or with ACTORTRADING_INSTALL_DEPS=1 to let this script install it)"
    fi
fi

# --- who runs the server: initdb refuses to run as root --------------------------------------------
if [[ $(id -u) -eq 0 ]]; then
    pg_user=postgres
    id -u "$pg_user" >/dev/null 2>&1 || die "running as root, but there is no '$pg_user' system user to run PostgreSQL as (Debian's postgresql package creates it)"
    as_pg() { (cd "$tmp" && runuser -u "$pg_user" -- "$@"); }
else
    pg_user=$(id -un)
    as_pg() { (cd "$tmp" && "$@"); }
fi

# --- a free loopback port ---------------------------------------------------------------------------
free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    local p i
    for i in $(seq 1 200); do
        p=$((20000 + RANDOM % 30000))
        # Nothing listening when the connection is refused.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
    die "found no free port on 127.0.0.1"
}

# --- start ------------------------------------------------------------------------------------------
tmp=$(mktemp -d /tmp/actortrading-pg.XXXXXX)
data="$tmp/data"
log="$tmp/postgres.log"
started=false

cleanup() {
    if [[ $started == true && -f $data/postmaster.pid ]]; then
        as_pg "$pg_bin/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || {
            # pg_ctl could not stop it: kill the postmaster by its pid (first line of postmaster.pid).
            local pid
            pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
            [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null || true
            echo "$me: warning: pg_ctl stop failed; killed postmaster $pid" >&2
        }
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

[[ $(id -u) -ne 0 ]] || chown "$pg_user:" "$tmp"
chmod 700 "$tmp"

t0=$(date +%s%N)
as_pg "$pg_bin/initdb" -D "$data" -U postgres -A trust --encoding=UTF8 --locale=C --no-sync --no-instructions \
    >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; die "initdb failed (output above)"; }

port=$(free_port)
# Settings live in the data dir, so that a plain `pg_ctl -D $ACTORTRADING_TEST_PG_DATA start`
# (outage tests) brings the server back with the same port and socket dir.
as_pg tee -a "$data/postgresql.conf" >/dev/null <<EOF

# --- private test server (scripts/private-postgres.sh) ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$tmp'
max_connections = 300
fsync = on
synchronous_commit = on
full_page_writes = on
EOF
as_pg tee "$data/pg_hba.conf" >/dev/null <<EOF
# A private throwaway cluster reachable only on loopback: trust.
local all         all                trust
host  all         all  127.0.0.1/32  trust
EOF

started=true
as_pg "$pg_bin/pg_ctl" -D "$data" -l "$log" -W start >/dev/null \
    || { cat "$log" >&2 2>/dev/null || true; die "pg_ctl start failed (log above)"; }

deadline=$(($(date +%s) + 30))
until "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; do
    if [[ $(date +%s) -ge $deadline ]]; then
        cat "$log" >&2 2>/dev/null || true
        die "PostgreSQL on 127.0.0.1:$port was not ready within 30 s (server log above)"
    fi
    # The postmaster writes its pid file at once and removes it when it exits: fail fast, not at the deadline.
    pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null || [[ -z $pid && $(date +%s) -ge $((deadline - 25)) ]]; then
        cat "$log" >&2 2>/dev/null || true
        die "PostgreSQL exited during start-up (server log above)"
    fi
    sleep 0.1
done
t1=$(date +%s%N)

export ACTORTRADING_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
export ACTORTRADING_TEST_PG_BIN="$pg_bin"
export ACTORTRADING_TEST_PG_DATA="$data"
export ACTORTRADING_TEST_PG_LOG="$log"
export ACTORTRADING_TEST_PG_USER="$pg_user"
version=$("$pg_bin/pg_ctl" --version | awk '{print $3}')
printf '%s: PostgreSQL %s ready on 127.0.0.1:%s in %d ms (data %s, run by %s)\n' \
    "$me" "$version" "$port" $(((t1 - t0) / 1000000)) "$data" "$pg_user"

set +e
"$@"
rc=$?
set -e
exit "$rc"
