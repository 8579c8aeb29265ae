#!/usr/bin/env bash
# A PostgreSQL primary and a streaming read replica of it, for development and tests: two clusters of
# their own (initdb + pg_ctl in a state directory, on 127.0.0.1 only), the replica made with
# `pg_basebackup -R` and fed by streaming replication. The machine's shared PostgreSQL on :5432 is never
# touched. Runs the servers as the `postgres` OS user (via runuser) when run as root.
#
# Usage: bash scripts/pg-replica.sh up|down|status|env|stop-replica|start-replica|pause-replay|resume-replay
#   up             initdb + start the primary, create the app role and database, pg_basebackup the
#                  replica, start it and wait until the primary reports it `streaming`; prints the DB_*
#                  and DB_REPLICA_* settings for the API. Idempotent.
#   down           stops both and removes the state directory.
#   status         role, port and replication state; exit 1 unless both run and the replica streams.
#   env            prints the settings again.
#   stop-replica / start-replica      stop (fast) or start the replica only (for fallback tests).
#   pause-replay / resume-replay      pg_wal_replay_pause()/resume() on the replica (for lag tests).
#
# Settings (environment):
#   PG_REPLICA_DIR           state directory (default: $TMPDIR/aero-pg-replica)
#   PG_PRIMARY_PORT          primary's port (default 5442)
#   PG_REPLICA_PORT          replica's port (default 5443)
#   PG_REPLICA_DB            role, password and database the API uses (default aero_replica)
set -euo pipefail

DIR="${PG_REPLICA_DIR:-${TMPDIR:-/tmp}/aero-pg-replica}"
PRIMARY_PORT="${PG_PRIMARY_PORT:-5442}"
REPLICA_PORT="${PG_REPLICA_PORT:-5443}"
APP="${PG_REPLICA_DB:-aero_replica}"

log() { printf '[pg-replica] %s\n' "$*" >&2; }
die() { printf '[pg-replica] error: %s\n' "$*" >&2; exit 1; }

[ "$PRIMARY_PORT" != "5432" ] && [ "$REPLICA_PORT" != "5432" ] || die "port 5432 is the shared PostgreSQL's; pick others"
BIN=""
for version in $(ls /usr/lib/postgresql 2>/dev/null | sort -rV); do
  if [ -x "/usr/lib/postgresql/${version}/bin/initdb" ]; then BIN="/usr/lib/postgresql/${version}/bin"; break; fi
done
[ -n "$BIN" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql (run scripts/test-services.sh)"

if [ "$(id -u)" -eq 0 ]; then
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
pg() { as_pg "$BIN/$1" "${@:2}"; }
psql_at() { "$BIN/psql" -X -q -At -h 127.0.0.1 -p "$1" -U postgres -d postgres -v ON_ERROR_STOP=1 -c "$2"; }
answers() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$1" >/dev/null 2>&1; }

wait_for() {
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || die "timed out after ${seconds}s waiting for ${what}"
    sleep 0.1
  done
}

# Same server options as the tests' disposable clusters (libs/testing/src/postgres-cluster.ts).
options() { echo "-c port=$1 -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DIR -c fsync=off -c max_connections=60"; }
start_server() { # NAME PORT
  answers "$2" && return 0
  pg pg_ctl -D "$DIR/$1" -l "$DIR/$1.log" -o "$(options "$2")" -w -t 30 start >/dev/null
}
stop_server() { # NAME
  [ -f "$DIR/$1/postmaster.pid" ] || return 0
  pg pg_ctl -D "$DIR/$1" -m fast -w stop >/dev/null
}

streaming() { [ "$(psql_at "$PRIMARY_PORT" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null)" = "1" ]; }

print_env() {
  cat <<EOF
DB_TYPE=postgres
DB_HOST=127.0.0.1
DB_PORT=${PRIMARY_PORT}
DB_USERNAME=${APP}
DB_PASSWORD=${APP}
DB_DATABASE=${APP}
DB_REPLICA_HOST=127.0.0.1
DB_REPLICA_PORT=${REPLICA_PORT}
EOF
}

cmd_up() {
  mkdir -p "$DIR"
  chmod 0777 "$DIR"
  if [ ! -f "$DIR/primary/PG_VERSION" ]; then
    log "initdb primary in $DIR/primary"
    pg initdb -D "$DIR/primary" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
    # initdb's pg_hba.conf already trusts replication connections from 127.0.0.1 (test-only cluster).
    printf 'wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\nhot_standby_feedback = on\n' \
      | as_pg tee -a "$DIR/primary/postgresql.conf" >/dev/null
  fi
  start_server primary "$PRIMARY_PORT"
  if [ "$(psql_at "$PRIMARY_PORT" "SELECT count(*) FROM pg_roles WHERE rolname = '${APP}'")" = "0" ]; then
    psql_at "$PRIMARY_PORT" "CREATE ROLE ${APP} LOGIN PASSWORD '${APP}'"
    psql_at "$PRIMARY_PORT" "CREATE DATABASE ${APP} OWNER ${APP}"
  fi
  if [ ! -f "$DIR/replica/PG_VERSION" ]; then
    log "pg_basebackup replica into $DIR/replica"
    pg pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DIR/replica" -R -X stream --checkpoint=fast --no-sync >/dev/null
  fi
  start_server replica "$REPLICA_PORT"
  wait_for 30 "the replica on :${REPLICA_PORT} to stream from :${PRIMARY_PORT}" streaming
  log "primary 127.0.0.1:${PRIMARY_PORT}, replica 127.0.0.1:${REPLICA_PORT} streaming"
  print_env
}

cmd_down() {
  if [ -d "$DIR" ]; then
    stop_server replica || true
    stop_server primary || true
    rm -rf "$DIR"
  fi
  log "stopped; removed ${DIR}"
}

cmd_status() {
  local failed=0
  if answers "$PRIMARY_PORT"; then
    echo "primary 127.0.0.1:${PRIMARY_PORT} up recovery=$(psql_at "$PRIMARY_PORT" 'SELECT pg_is_in_recovery()')"
  else
    echo "primary 127.0.0.1:${PRIMARY_PORT} down"; failed=1
  fi
  if answers "$REPLICA_PORT"; then
    echo "replica 127.0.0.1:${REPLICA_PORT} up recovery=$(psql_at "$REPLICA_PORT" 'SELECT pg_is_in_recovery()') replay_paused=$(psql_at "$REPLICA_PORT" 'SELECT pg_is_wal_replay_paused()')"
  else
    echo "replica 127.0.0.1:${REPLICA_PORT} down"; failed=1
  fi
  if [ "$failed" -eq 0 ] && streaming; then echo "replication streaming"; else echo "replication not streaming"; failed=1; fi
  return "$failed"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) print_env ;;
  stop-replica) stop_server replica; log "replica stopped" ;;
  start-replica) start_server replica "$REPLICA_PORT"; wait_for 30 "the replica to stream" streaming; log "replica streaming" ;;
  pause-replay) psql_at "$REPLICA_PORT" 'SELECT pg_wal_replay_pause()' >/dev/null; log "replay paused" ;;
  resume-replay) psql_at "$REPLICA_PORT" 'SELECT pg_wal_replay_resume()' >/dev/null; log "replay resumed" ;;
  *) die "usage: $0 up|down|status|env|stop-replica|start-replica|pause-replay|resume-replay" ;;
esac
