#!/usr/bin/env bash
# Throwaway test services on loopback only: a PostgreSQL server from Debian's packages and a Ray
# head from the project venv (token auth, no dashboard). Both are stopped by their own pids, never
# by name (`ray stop` would kill every Ray on the machine).
#
#   source .ci/services.sh; services_up; trap services_down EXIT   # what .ci/run does
#   eval "$(.ci/services.sh up)"; ...; .ci/services.sh down         # by hand, from a shell
#
# `services_up` exports LEPTON_TEST_DB_URL (database lepton_test), LEPTON_TEST_RAY_ADDRESS,
# RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 (node IP 127.0.0.1: every Ray server binds loopback; the
# client needs it too), RAY_AUTH_MODE=token, RAY_AUTH_TOKEN_PATH (a fresh random token) and
# LEPTON_SERVICES_DIR (pids, logs, data; removed by `services_down`). It fails if any of their
# processes listens on an address other than loopback (checked with `ss -ltnp`). Messages go to
# stderr; run as a script, `up` prints only the export lines.

LEPTON_SERVICES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

_svc_log() { echo "services: $*" >&2; }

_svc_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

_svc_now() { date +%s.%N; }

_svc_since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(_svc_now)"; }

# Run a PostgreSQL binary as the `postgres` user when we are root (it refuses to run as root).
_svc_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_svc_pgbin() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)
  if [ -z "$initdb" ]; then
    _svc_log "installing postgresql (Debian package)"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || return 1
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 || return 1
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)
  fi
  dirname "$initdb"
}

# PostgreSQL in $dir/pg: trust auth, listening on 127.0.0.1:$port only, socket in the temp dir.
_svc_pg_up() {
  local dir=$1 bin port
  bin=$(_svc_pgbin) || return 1
  port=$(_svc_free_port)
  mkdir -p "$dir/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir/pg"
  _svc_pg "$bin/initdb" -D "$dir/pg/data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 --no-sync >"$dir/pg/initdb.log" 2>&1 || { cat "$dir/pg/initdb.log" >&2; return 1; }
  # initdb's --auth=trust also trusts ::1 and the unix socket; keep only 127.0.0.1 (and the socket
  # in our own 0700 temp dir, which pg_ctl needs).
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$dir/pg/data/pg_hba.conf"
  _svc_pg "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/pg -c fsync=off" start >/dev/null \
    || { cat "$dir/pg/server.log" >&2; return 1; }
  head -1 "$dir/pg/data/postmaster.pid" >"$dir/pg.pid"
  echo "$bin" >"$dir/pg.bin"
  _svc_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres lepton_test || return 1
  export LEPTON_TEST_DB_URL="postgresql://postgres@127.0.0.1:$port/lepton_test"
}

# A Ray head from the project venv, in the background with --block: $! is the pid to stop.
_svc_ray_up() {
  local dir=$1 port
  port=$(_svc_free_port)
  export RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 RAY_AUTH_MODE=token
  export RAY_AUTH_TOKEN_PATH="$dir/ray_token"
  (umask 077 && python3 -c 'import secrets; print(secrets.token_hex(32), end="")' >"$RAY_AUTH_TOKEN_PATH")
  : >"$dir/ray.log" # created before the background redirection, so the readiness grep cannot race
  (cd "$LEPTON_SERVICES_ROOT" && PYTHONPATH="$LEPTON_SERVICES_ROOT" exec \
    "$LEPTON_SERVICES_ROOT/.venv/bin/ray" start --head --block --port="$port" --num-cpus=2 \
    --include-dashboard=false --disable-usage-stats --temp-dir="$dir/ray" \
    </dev/null >"$dir/ray.log" 2>&1) &
  echo $! >"$dir/ray.pid"
  local i
  for i in $(seq 1 240); do
    grep -q "block forever" "$dir/ray.log" && break
    kill -0 "$(cat "$dir/ray.pid")" 2>/dev/null || { cat "$dir/ray.log" >&2; return 1; }
    sleep 0.25
  done
  grep -q "block forever" "$dir/ray.log" || { _svc_log "ray head did not start"; return 1; }
  export LEPTON_TEST_RAY_ADDRESS="127.0.0.1:$port"
}

# Both answer: a query on lepton_test, and a Ray client that connects with the token.
_svc_answer() {
  "$LEPTON_SERVICES_ROOT/.venv/bin/python" - <<'EOF' >&2
import os
import psycopg
import ray

with psycopg.connect(os.environ["LEPTON_TEST_DB_URL"], connect_timeout=10) as conn:
    version = conn.execute("SELECT version()").fetchone()[0].split(" on ")[0]
ray.init(address=os.environ["LEPTON_TEST_RAY_ADDRESS"], logging_level="ERROR")
cpus = ray.cluster_resources().get("CPU")
ray.shutdown()
print(f"services: answering: {version}; Ray {ray.__version__} with {cpus:g} CPUs")
EOF
}

# Pids of $1 and all its descendants.
_svc_tree() {
  local todo=("$@") pid
  while [ ${#todo[@]} -gt 0 ]; do
    pid=${todo[0]}
    todo=("${todo[@]:1}")
    echo "$pid"
    # shellcheck disable=SC2207
    todo+=($(cat /proc/"$pid"/task/*/children 2>/dev/null || true))
  done
}

# Every TCP listener of our services must be on loopback (127.0.0.1 or ::ffff:127.0.0.1).
services_check_loopback() {
  local dir=${LEPTON_SERVICES_DIR:?services are not up} roots=() pids listeners bad
  command -v ss >/dev/null || { _svc_log "ss (iproute2) is missing: cannot check the addresses"; return 1; }
  for f in "$dir/pg.pid" "$dir/ray.pid"; do [ -s "$f" ] && roots+=("$(cat "$f")"); done
  pids=$(_svc_tree "${roots[@]}" | paste -sd'|')
  listeners=$(ss -ltnpH | grep -E "pid=($pids)," | awk '{print $4}' | sort -u || true)
  bad=$(echo "$listeners" | grep -vE '^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):[0-9]+$' | grep . || true)
  if [ -z "$listeners" ]; then
    _svc_log "ss -ltnp shows no listening socket of ours: cannot check the addresses"
    return 1
  fi
  if [ -n "$bad" ]; then
    _svc_log "NOT loopback-only; listening on: $(echo "$bad" | paste -sd' ')"
    return 1
  fi
  _svc_log "ss -ltnp: $(echo "$listeners" | grep -c .) listening sockets of PostgreSQL and Ray, all on 127.0.0.1"
}

services_up() {
  local t0 dir
  t0=$(_svc_now)
  dir=$(mktemp -d /tmp/lsvc.XXXXXX) || return 1 # short: Ray's unix sockets must stay < 108 bytes
  chmod 755 "$dir"
  export LEPTON_SERVICES_DIR=$dir
  if ! { _svc_pg_up "$dir" && _svc_ray_up "$dir" && _svc_answer && services_check_loopback; }; then
    _svc_log "start failed; stopping what did start"
    services_down
    return 1
  fi
  _svc_log "up in $(_svc_since "$t0") s: PostgreSQL $LEPTON_TEST_DB_URL (pid $(cat "$dir/pg.pid")), Ray head $LEPTON_TEST_RAY_ADDRESS (pid $(cat "$dir/ray.pid"))"
}

services_down() {
  local dir=${LEPTON_SERVICES_DIR:-} t0 pid tree left
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  t0=$(_svc_now)
  services_check_loopback || true # once more, after the tests started Ray workers
  if [ -s "$dir/ray.pid" ]; then
    pid=$(cat "$dir/ray.pid")
    tree=$(_svc_tree "$pid") # known before the drain: its processes may be reparented after
    if kill -TERM "$pid" 2>/dev/null; then # `ray start --block` drains and stops its processes
      for _ in $(seq 1 $((${LEPTON_SERVICES_DRAIN_S:-40} * 10))); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
    left=$(for p in $tree; do kill -0 "$p" 2>/dev/null && echo "$p"; done || true)
    if [ -n "$left" ]; then # the drain took too long: the head's own processes are stopped
      _svc_log "ray head still draining: SIGKILL to $(echo "$left" | wc -l) processes"
      # shellcheck disable=SC2086
      kill -KILL $left 2>/dev/null || true
    fi
  fi
  if [ -s "$dir/pg.pid" ]; then
    _svc_pg "$(cat "$dir/pg.bin")/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 \
      || kill -INT "$(cat "$dir/pg.pid")" 2>/dev/null || true
  fi
  rm -rf "$dir"
  unset LEPTON_SERVICES_DIR LEPTON_TEST_DB_URL LEPTON_TEST_RAY_ADDRESS RAY_AUTH_TOKEN_PATH
  _svc_log "down in $(_svc_since "$t0") s"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    up)
      services_up
      for v in LEPTON_SERVICES_DIR LEPTON_TEST_DB_URL LEPTON_TEST_RAY_ADDRESS \
        RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER RAY_AUTH_MODE RAY_AUTH_TOKEN_PATH; do
        printf 'export %s=%q\n' "$v" "${!v}"
      done
      ;;
    down) services_down ;;
    *)
      echo "usage: $0 up|down   (up prints export lines: eval \"\$($0 up)\")" >&2
      exit 2
      ;;
  esac
fi
