#!/usr/bin/env bash
# Throwaway PostgreSQL 15 and Redis 7 on free loopback ports, for tests and benchmarks.
#
#   bash scripts/services.sh install        install the Debian packages if missing (needs root), pgbouncer included
#                                           (tests start their own PgBouncer with test-support's startPgBouncer)
#   bash scripts/services.sh start          start both; prints KEY=VALUE lines (DATABASE_URL, REDIS_URL, SERVICES_DIR, ...)
#   bash scripts/services.sh start postgres start only PostgreSQL (DATABASE_URL, PGPORT, SERVICES_DIR)
#   bash scripts/services.sh start redis    start only Redis (REDIS_URL, REDIS_PORT, SERVICES_DIR)
#   bash scripts/services.sh stop DIR       stop what was started in DIR and remove it
#   source scripts/services.sh start        same as start, and exports the variables into the calling shell
#
# The test suite's global setup (test-support/global-setup.ts) starts each one separately, the first time a test
# asks for it: a suite that needs neither starts neither.
#
# PostgreSQL's initdb refuses to run as root, so as root the server runs as the `postgres` OS user
# (created by the Debian package). As another user it runs as that user.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
PGBIN="${PGBIN:-/usr/lib/postgresql/$PG_MAJOR/bin}"

_free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

services_install() {
  local need=()
  [ -x "$PGBIN/postgres" ] || need+=("postgresql-$PG_MAJOR")
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  [ -x "${PGBOUNCER:-/usr/sbin/pgbouncer}" ] || need+=(pgbouncer)
  command -v openssl >/dev/null 2>&1 || need+=(openssl) # the TLS tests make their CA with it
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "services.sh: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
      return 1
    fi
    echo "services.sh: installing ${need[*]} from Debian packages..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

_as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

_start_postgres() {
  PGDATA="$SERVICES_DIR/pgdata"
  mkdir -p "$PGDATA"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGDATA"; fi
  chmod 700 "$PGDATA"
  PGPORT=$(_free_port)
  _as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$SERVICES_DIR/initdb.log" 2>&1
  _as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
    -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null
  "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qAtc "CREATE DATABASE tickstock_test" >/dev/null
  export PGDATA PGPORT
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/tickstock_test"
  printf 'PGPORT=%s\nDATABASE_URL=%s\n' "$PGPORT" "$DATABASE_URL" >>"$SERVICES_DIR/env"
}

_start_redis() {
  REDIS_PORT=$(_free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$SERVICES_DIR/redis.pid" --logfile "$SERVICES_DIR/redis.log" --dir "$SERVICES_DIR"
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  redis-cli -p "$REDIS_PORT" ping | grep -q PONG
  export REDIS_PORT
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  printf 'REDIS_PORT=%s\nREDIS_URL=%s\n' "$REDIS_PORT" "$REDIS_URL" >>"$SERVICES_DIR/env"
}

# services_start [all|postgres|redis]: the named ones, in a new SERVICES_DIR (its `env` file holds what was printed).
services_start() {
  local which="${1:-all}"
  case "$which" in
    all | postgres | redis) ;;
    *) echo "services.sh: start all|postgres|redis, not '$which'" >&2; return 2 ;;
  esac
  services_install
  SERVICES_DIR=$(mktemp -d /tmp/tickstock-services.XXXXXX)
  chmod 755 "$SERVICES_DIR"
  export SERVICES_DIR
  printf 'SERVICES_DIR=%s\n' "$SERVICES_DIR" >"$SERVICES_DIR/env"
  if [ "$which" != redis ]; then _start_postgres; fi
  if [ "$which" != postgres ]; then _start_redis; fi
}

services_stop() {
  local dir="${1:-${SERVICES_DIR:-}}"
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  if [ -f "$dir/pgdata/postmaster.pid" ]; then
    _as_pg "$PGBIN/pg_ctl" -D "$dir/pgdata" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/redis.pid" ]; then
    local pid; pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  install) services_install ;;
  start) services_start "${2:-all}"; cat "$SERVICES_DIR/env" ;;
  stop) services_stop "${2:-}" ;;
  "") ;;
  *) echo "usage: services.sh install|start [all|postgres|redis]|stop DIR" >&2; exit 2 ;;
esac
