#!/usr/bin/env bash
# Starts the services the PostgreSQL/Redis test runs need, on 127.0.0.1 only:
#   PostgreSQL on 127.0.0.1:5432 with role aero_test / password aero_test (CREATEDB) and database aero_test,
#   Redis on 127.0.0.1:6379 without persistence.
# Installs Debian's `postgresql` and `redis-server` packages when they are missing. Idempotent: run it once
# per machine (or again after a reboot); a second run only checks that both answer.
# Usage: bash scripts/test-services.sh   (as root, or as a user with sudo)
set -euo pipefail

PG_ROLE=aero_test
PG_PASSWORD=aero_test
PG_DATABASE=aero_test
PG_PORT=5432
REDIS_PORT=6379

log() { printf '[test-services] %s\n' "$*"; }
die() { printf '[test-services] error: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
  as_postgres() { runuser -u postgres -- "$@"; }
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
  as_postgres() { sudo -u postgres -- "$@"; }
else
  die "run as root or install sudo"
fi

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  log "installing $*"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- install what is missing ---------------------------------------------------------------------------
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt_install postgresql
fi
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  apt_install redis-server
fi

# --- PostgreSQL ------------------------------------------------------------------------------------------
PG_VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
[ -n "$PG_VERSION" ] || die "no PostgreSQL server version found under /usr/lib/postgresql"
PG_CONF_DIR="/etc/postgresql/${PG_VERSION}/main"

if [ ! -d "$PG_CONF_DIR" ]; then
  log "creating PostgreSQL ${PG_VERSION} cluster 'main'"
  "${SUDO[@]}" pg_createcluster "$PG_VERSION" main --port "$PG_PORT" >/dev/null
fi

# Test settings live in their own conf.d file so the stock postgresql.conf stays untouched.
# max_connections: the e2e suites run one pool per test file plus concurrency tests with many clients.
PG_TEST_CONF="${PG_CONF_DIR}/conf.d/zz-aero-test.conf"
desired_conf="# written by aero-core-api scripts/test-services.sh (test machines only)
listen_addresses = '127.0.0.1'
port = ${PG_PORT}
max_connections = 200
timezone = 'UTC'"
needs_restart=0
if [ "$("${SUDO[@]}" cat "$PG_TEST_CONF" 2>/dev/null || true)" != "$desired_conf" ]; then
  log "writing ${PG_TEST_CONF}"
  "${SUDO[@]}" mkdir -p "${PG_CONF_DIR}/conf.d"
  printf '%s\n' "$desired_conf" | "${SUDO[@]}" tee "$PG_TEST_CONF" >/dev/null
  needs_restart=1
fi

# Password logins over TCP from 127.0.0.1 (Debian's default already has this line, as scram-sha-256).
PG_HBA="${PG_CONF_DIR}/pg_hba.conf"
if ! "${SUDO[@]}" grep -Eq '^[[:space:]]*host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+(md5|scram-sha-256)' "$PG_HBA"; then
  log "allowing password logins from 127.0.0.1 in ${PG_HBA}"
  printf 'host    all             all             127.0.0.1/32            md5\n' | "${SUDO[@]}" tee -a "$PG_HBA" >/dev/null
  needs_restart=1
fi

pg_status() { pg_lsclusters --no-header 2>/dev/null | awk -v v="$PG_VERSION" '$1 == v && $2 == "main" { print $4 }'; }
if [ "$(pg_status)" = "online" ]; then
  if [ "$needs_restart" -eq 1 ]; then
    log "restarting PostgreSQL ${PG_VERSION} to apply settings"
    "${SUDO[@]}" pg_ctlcluster "$PG_VERSION" main restart
  fi
else
  log "starting PostgreSQL ${PG_VERSION}"
  "${SUDO[@]}" pg_ctlcluster "$PG_VERSION" main start
fi

for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL is not answering on 127.0.0.1:${PG_PORT}"

psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"; }
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '${PG_ROLE}'")" != "1" ]; then
  log "creating role ${PG_ROLE}"
  psql_admin -c "CREATE ROLE ${PG_ROLE} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}'"
else
  psql_admin -c "ALTER ROLE ${PG_ROLE} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}'"
fi
# Each test file drops its database WITH (FORCE). PostgreSQL 15 then also signals an autovacuum worker that is
# in that database, and lets a non-superuser do so only with pg_signal_backend (without it the drop fails
# now and then, after a suite that wrote enough to wake autovacuum).
psql_admin -c "GRANT pg_signal_backend TO ${PG_ROLE}" 2>/dev/null
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '${PG_DATABASE}'")" != "1" ]; then
  log "creating database ${PG_DATABASE}"
  psql_admin -c "CREATE DATABASE ${PG_DATABASE} OWNER ${PG_ROLE}"
fi

# --- Redis -----------------------------------------------------------------------------------------------
if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  log "starting Redis on 127.0.0.1:${REDIS_PORT}"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
    --logfile /tmp/aero-test-redis.log >/dev/null
fi
for _ in $(seq 1 40); do
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" = "PONG" ] && break
  sleep 0.25
done
[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" = "PONG" ] \
  || die "Redis is not answering on 127.0.0.1:${REDIS_PORT}"

# A real login with the test credentials, the way the tests connect.
PGPASSWORD="$PG_PASSWORD" psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d "$PG_DATABASE" -tAc 'SELECT 1' >/dev/null \
  || die "cannot log in to PostgreSQL as ${PG_ROLE}"

log "ready: postgres://${PG_ROLE}:***@127.0.0.1:${PG_PORT}/${PG_DATABASE} (PostgreSQL ${PG_VERSION}), redis://127.0.0.1:${REDIS_PORT}"
