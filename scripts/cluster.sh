#!/usr/bin/env bash
# A local scale-out topology for development and tests, all on 127.0.0.1: N instances of the production
# build (`node dist/apps/api/apps/api/src/main.js`, NODE_ENV=production) behind HAProxy (deploy/haproxy.cfg),
# sharing one Redis and one PostgreSQL database. The machine's shared Redis (:6379) is never used, and on
# the shared PostgreSQL (:5432) only a database of its own is created (and dropped by `down --drop-db`).
#
# Usage: bash scripts/cluster.sh up|down [--drop-db]|status|restart N|rolling-restart|seed|env
#   up               builds when dist/ is missing, starts Redis, migrates (instance 1 first), starts the
#                    instances and HAProxy; waits until HAProxy reports every instance UP. Idempotent.
#   down [--drop-db] SIGTERMs everything (instances drain), removes pid files; --drop-db drops the database.
#   status           each process: pid, alive, /health/ready of each instance, HAProxy's view; exit 1 if any is down.
#   restart N        one instance: SIGTERM (it drains: readiness 503, serves on, exits 0), start it again,
#                    wait until HAProxy has it UP again.
#   rolling-restart  restart 1..N, one at a time: what a deploy does.
#   seed             a few venues, sessions, members, two API keys and a staff user through the app's own
#                    services (bench/seed.js); prints them as JSON (secrets: for the local cluster only).
#   env              prints the instances' settings, secrets masked.
#
# Settings (environment; `up` records them in the state dir, the other commands read them back):
#   CLUSTER_STATE_DIR   pid files, logs, rendered haproxy.cfg, secrets (default: .cluster in the repo)
#   CLUSTER_PORT        HAProxy's port (default 18080); instance i listens on CLUSTER_PORT + i, the stats
#                       page on CLUSTER_PORT + 50, the cluster's own Redis on CLUSTER_PORT + 60
#   CLUSTER_INSTANCES   how many API instances (default 3)
#   CLUSTER_DB_NAME     the database on the PostgreSQL server (default aero_cluster)
#   CLUSTER_ENV_FILE    extra KEY=VALUE lines for the instances (e.g. raised rate limits for a load test)
#   CLUSTER_REDIS       single (a redis-server of its own, default) | cluster (scripts/redis-cluster.sh: 3
#                       primaries + 3 replicas on CLUSTER_PORT + 61..66, passed as REDIS_CLUSTER_NODES)
#   CLUSTER_PG          shared (a database on DB_HOST:DB_PORT, default 127.0.0.1:5432 as aero_test) |
#                       replica (scripts/pg-replica.sh: a primary and a streaming replica of their own on
#                       CLUSTER_PORT + 70 and + 71)
#   CLUSTER_CHECK_INTER_MS  HAProxy's check interval (default 1000); HTTP_DRAIN_DELAY_MS is 2 × it
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${CLUSTER_STATE_DIR:-$ROOT/.cluster}"
MAIN="$ROOT/dist/apps/api/apps/api/src/main.js"

log() { printf '[cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

# --- settings: fresh on `up`, read back from the state dir otherwise -------------------------------------
load_settings() {
  if [ -f "$STATE/cluster.env" ]; then
    # shellcheck disable=SC1091
    . "$STATE/cluster.env"
  fi
  PORT="${CLUSTER_PORT:-${PORT:-18080}}"
  INSTANCES="${CLUSTER_INSTANCES:-${INSTANCES:-3}}"
  DB_NAME="${CLUSTER_DB_NAME:-${DB_NAME:-aero_cluster}}"
  REDIS_MODE="${CLUSTER_REDIS:-${REDIS_MODE:-single}}"
  PG_MODE="${CLUSTER_PG:-${PG_MODE:-shared}}"
  CHECK_INTER_MS="${CLUSTER_CHECK_INTER_MS:-${CHECK_INTER_MS:-1000}}"
  EXTRA_ENV_FILE="${CLUSTER_ENV_FILE:-${EXTRA_ENV_FILE:-}}"
  STATS_PORT=$((PORT + 50))
  REDIS_PORT=$((PORT + 60))
  # Ports of scripts/redis-cluster.sh (CLUSTER_PORT + 61..66) and scripts/pg-replica.sh (+ 70, + 71), so that
  # several clusters (and those scripts' own tests on their default ports) never meet.
  export REDIS_CLUSTER_DIR="$STATE/redis-cluster" PG_REPLICA_DIR="$STATE/pg-replica"
  export REDIS_CLUSTER_PORTS="$((PORT + 61)),$((PORT + 62)),$((PORT + 63)),$((PORT + 64)),$((PORT + 65)),$((PORT + 66))"
  export PG_PRIMARY_PORT=$((PORT + 70)) PG_REPLICA_PORT=$((PORT + 71))
  [[ "$INSTANCES" =~ ^[1-9][0-9]?$ ]] || die "CLUSTER_INSTANCES must be 1-99"
  for p in "$PORT" "$REDIS_PORT"; do
    [ "$p" != 5432 ] && [ "$p" != 6379 ] || die "port $p belongs to a shared service; pick another CLUSTER_PORT"
  done
}

save_settings() {
  mkdir -p "$STATE/pids" "$STATE/logs"
  # pg-replica.sh runs its servers as the postgres user, which must reach its directory in here; the files
  # with secrets are 0600 of their own.
  chmod 0711 "$STATE"
  cat >"$STATE/cluster.env" <<EOF
PORT=$PORT
INSTANCES=$INSTANCES
DB_NAME=$DB_NAME
REDIS_MODE=$REDIS_MODE
PG_MODE=$PG_MODE
CHECK_INTER_MS=$CHECK_INTER_MS
EXTRA_ENV_FILE=$EXTRA_ENV_FILE
EOF
}

# --- processes -------------------------------------------------------------------------------------------
pid_of() { cat "$STATE/pids/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid="$(pid_of "$1")"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 100 ms until it succeeds.
wait_for() {
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || die "timed out after ${seconds}s waiting for ${what}"
    sleep 0.1
  done
}

# launch NAME COMMAND...: in its own session (it outlives this script), output appended to logs/NAME.log.
launch() {
  local name="$1"; shift
  setsid "$@" >>"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/$name.pid"
}

# stop NAME SECONDS: SIGTERM, wait for the exit, SIGKILL after SECONDS.
stop() {
  local name="$1" seconds="$2" pid
  pid="$(pid_of "$name")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + seconds))
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        log "$name did not exit within ${seconds}s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      sleep 0.1
    done
  fi
  rm -f "$STATE/pids/$name.pid"
}

http_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$1" 2>/dev/null || true; }
ready() { [ "$(http_status "http://127.0.0.1:$1/health/ready")" = 200 ]; }

# --- the instances' environment --------------------------------------------------------------------------
secrets() {
  if [ ! -f "$STATE/secrets.env" ]; then
    (umask 077 && printf 'JWT_SIGNING_KEY=%s\nAPI_KEY_PEPPER=%s\nWEBHOOKS_SECRET_KEY=%s\n' "$(openssl rand -hex 32)" "$(openssl rand -hex 32)" "$(openssl rand -hex 32)" \
      >"$STATE/secrets.env")
  fi
  cat "$STATE/secrets.env"
}

# One KEY=VALUE a line; later lines win. Every instance gets the same, so tokens and keys work on all.
api_env() {
  local drain=$((2 * CHECK_INTER_MS))
  cat <<EOF
PATH=$PATH
NODE_ENV=production
LOG_LEVEL=info
LOG_FORMAT=json
HOST=127.0.0.1
DOCS_ENABLED=false
HTTP_TRUST_PROXY=127.0.0.1
HTTP_DRAIN_DELAY_MS=$drain
EOF
  secrets
  if [ "$PG_MODE" = replica ]; then
    cat "$STATE/pg.env"
  else
    cat <<EOF
DB_TYPE=postgres
DB_HOST=${DB_HOST:-127.0.0.1}
DB_PORT=${DB_PORT:-5432}
DB_USERNAME=${DB_USERNAME:-aero_test}
DB_PASSWORD=${DB_PASSWORD:-aero_test}
DB_DATABASE=$DB_NAME
EOF
  fi
  if [ "$REDIS_MODE" = cluster ]; then
    echo "REDIS_CLUSTER_NODES=$(bash "$ROOT/scripts/redis-cluster.sh" nodes)"
  else
    echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
  fi
  if [ -n "$EXTRA_ENV_FILE" ]; then grep -E '^[A-Z][A-Z0-9_]*=' "$EXTRA_ENV_FILE" || true; fi
}

# The value the instances run with for KEY (their default when unset).
api_setting() {
  local value
  value="$(api_env | grep -E "^$1=" | tail -n 1 | cut -d= -f2-)"
  echo "${value:-$2}"
}

start_api() {
  local i="$1" port=$((PORT + $1)) env_lines=()
  mapfile -t env_lines < <(api_env)
  log "starting api$i on 127.0.0.1:$port"
  launch "api$i" env -i "${env_lines[@]}" "PORT=$port" node "$MAIN"
  wait_for 90 "api$i to be ready on :$port" api_ready_or_dead "$i"
  alive "api$i" || die "api$i exited while starting; see $STATE/logs/api$i.log"
}
api_ready_or_dead() { ready $((PORT + $1)) || ! alive "api$1"; }

# --- HAProxy ---------------------------------------------------------------------------------------------
render_haproxy() {
  local servers='' i keep_alive
  for i in $(seq 1 "$INSTANCES"); do servers+="    server api$i 127.0.0.1:$((PORT + i))"$'\n'; done
  keep_alive="$(api_setting HTTP_KEEP_ALIVE_TIMEOUT_MS 5000)"
  SERVERS="${servers%$'\n'}" BIND="127.0.0.1:$PORT" STATS_BIND="127.0.0.1:$STATS_PORT" \
    HEADERS_TIMEOUT_MS="$(api_setting HTTP_HEADERS_TIMEOUT_MS 10000)" \
    RECEIVE_TIMEOUT_MS="$(api_setting HTTP_RECEIVE_TIMEOUT_MS 30000)" \
    SERVER_TIMEOUT_MS=$(($(api_setting HTTP_REQUEST_TIMEOUT_MS 30000) + 5000)) \
    KEEP_ALIVE_TIMEOUT_MS="$keep_alive" POOL_PURGE_MS=$((keep_alive / 2)) CHECK_INTER_MS="$CHECK_INTER_MS" \
    node -e '
      const fs = require("node:fs");
      // Fields are filled outside comments only (the header lists them by name).
      const fill = (line) => line.trimStart().startsWith("#") ? line : line.replace(/\{\{([A-Z_]+)\}\}/g, (m, name) => {
        if (process.env[name] === undefined) throw new Error(`haproxy.cfg: no value for {{${name}}}`);
        return process.env[name];
      });
      const out = fs.readFileSync(process.argv[1], "utf8").split("\n").map(fill).join("\n");
      fs.writeFileSync(process.argv[2], out);
    ' "$ROOT/deploy/haproxy.cfg" "$STATE/haproxy.cfg"
  haproxy -c -q -f "$STATE/haproxy.cfg" || die "the rendered $STATE/haproxy.cfg is invalid"
}

# HAProxy's view of one server: UP, DOWN, MAINT, "UP 1/2"... from the stats CSV (field 18 is status).
server_state() {
  curl -s --max-time 3 "http://127.0.0.1:$STATS_PORT/stats;csv" 2>/dev/null |
    awk -F, -v sv="$1" '$1 == "api" && $2 == sv { print $18 }'
}
server_up() { [ "$(server_state "$1")" = UP ]; }

ensure_haproxy() {
  if ! command -v haproxy >/dev/null 2>&1; then
    log "installing Debian's haproxy"
    local sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null
  fi
}

# --- data services ---------------------------------------------------------------------------------------
start_redis() {
  if [ "$REDIS_MODE" = cluster ]; then
    bash "$ROOT/scripts/redis-cluster.sh" up >/dev/null
    return
  fi
  if ! alive redis; then
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    launch redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --protected-mode yes
  fi
  wait_for 20 "Redis on :$REDIS_PORT" redis_answers
}
redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

psql_shared() {
  PGPASSWORD="${DB_PASSWORD:-aero_test}" psql -X -q -At -v ON_ERROR_STOP=1 -h "${DB_HOST:-127.0.0.1}" \
    -p "${DB_PORT:-5432}" -U "${DB_USERNAME:-aero_test}" -d "${DB_ADMIN_DATABASE:-aero_test}" "$@"
}

start_postgres() {
  if [ "$PG_MODE" = replica ]; then
    bash "$ROOT/scripts/pg-replica.sh" up >/dev/null
    bash "$ROOT/scripts/pg-replica.sh" env | grep -E '^[A-Z_]+=' >"$STATE/pg.env"
    chmod 600 "$STATE/pg.env"
    return
  fi
  [[ "$DB_NAME" =~ ^[a-z_][a-z0-9_]*$ ]] || die "CLUSTER_DB_NAME must be a plain lower-case identifier"
  if [ "$(psql_shared -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    log "creating database $DB_NAME on ${DB_HOST:-127.0.0.1}:${DB_PORT:-5432}"
    psql_shared -c "CREATE DATABASE $DB_NAME"
  fi
}

# --- commands --------------------------------------------------------------------------------------------
cmd_up() {
  load_settings
  save_settings
  ensure_haproxy
  if [ ! -f "$MAIN" ] || [ ! -f "$ROOT/dist/apps/cli/apps/cli/src/main.js" ]; then
    log "building (npm run build)"
    (cd "$ROOT" && npm run -s build >"$STATE/logs/build.log" 2>&1) || die "build failed; see $STATE/logs/build.log"
  fi
  start_redis
  start_postgres
  # Instance 1 runs the migrations alone (DB_MIGRATIONS_RUN), the others start once it is ready.
  local i
  for i in $(seq 1 "$INSTANCES"); do alive "api$i" || start_api "$i"; done
  render_haproxy
  if ! alive haproxy; then
    log "starting HAProxy on 127.0.0.1:$PORT (stats on :$STATS_PORT)"
    launch haproxy haproxy -W -db -f "$STATE/haproxy.cfg"
  fi
  for i in $(seq 1 "$INSTANCES"); do wait_for 30 "HAProxy to see api$i UP" server_up "api$i"; done
  log "up: http://127.0.0.1:$PORT (instances :$((PORT + 1))-:$((PORT + INSTANCES)), stats http://127.0.0.1:$STATS_PORT/stats)"
}

cmd_down() {
  load_settings
  local i drain grace
  drain=$((2 * CHECK_INTER_MS))
  grace="$(api_setting HTTP_SHUTDOWN_GRACE_MS 10000 2>/dev/null || echo 10000)"
  for i in $(seq 1 "$INSTANCES"); do stop "api$i" $(((drain + grace) / 1000 + 5)) & done
  wait
  stop haproxy 10
  stop redis 10
  if [ "$REDIS_MODE" = cluster ]; then bash "$ROOT/scripts/redis-cluster.sh" down || true; fi
  if [ "$PG_MODE" = replica ]; then bash "$ROOT/scripts/pg-replica.sh" down || true; fi
  if [ "${1:-}" = --drop-db ] && [ "$PG_MODE" = shared ]; then
    log "dropping database $DB_NAME"
    psql_shared -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)"
  fi
  log "down"
}

cmd_status() {
  load_settings
  local failed=0 i name pid
  printf '%-8s %-8s %-6s %s\n' process pid state health
  for i in $(seq 1 "$INSTANCES"); do
    name="api$i"; pid="$(pid_of "$name")"
    if alive "$name"; then
      printf '%-8s %-8s %-6s ready=%s haproxy=%s\n' "$name" "$pid" up "$(http_status "http://127.0.0.1:$((PORT + i))/health/ready")" \
        "$(server_state "$name" | tr ' ' '_')"
      [ "$(server_state "$name")" = UP ] || failed=1
    else
      printf '%-8s %-8s %-6s\n' "$name" "${pid:--}" down; failed=1
    fi
  done
  if alive haproxy; then
    printf '%-8s %-8s %-6s front=%s\n' haproxy "$(pid_of haproxy)" up "$(http_status "http://127.0.0.1:$PORT/health/ready")"
  else
    printf '%-8s %-8s %-6s\n' haproxy - down; failed=1
  fi
  if [ "$REDIS_MODE" = cluster ]; then
    bash "$ROOT/scripts/redis-cluster.sh" status || failed=1
  elif redis_answers; then
    printf '%-8s %-8s %-6s ping=PONG\n' redis "$(pid_of redis)" up
  else
    printf '%-8s %-8s %-6s\n' redis - down; failed=1
  fi
  if [ "$PG_MODE" = replica ]; then
    bash "$ROOT/scripts/pg-replica.sh" status || failed=1
  elif psql_shared -c 'SELECT 1' >/dev/null 2>&1; then
    printf '%-8s %-8s %-6s database=%s\n' postgres - up "$DB_NAME"
  else
    printf '%-8s %-8s %-6s\n' postgres - down; failed=1
  fi
  return "$failed"
}

cmd_restart() {
  load_settings
  local i="$1" drain grace
  [[ "$i" =~ ^[0-9]+$ ]] && [ "$i" -ge 1 ] && [ "$i" -le "$INSTANCES" ] || die "restart: N must be 1..$INSTANCES"
  drain=$((2 * CHECK_INTER_MS))
  grace="$(api_setting HTTP_SHUTDOWN_GRACE_MS 10000)"
  log "restarting api$i: SIGTERM (drains ${drain} ms, then up to ${grace} ms for in-flight requests)"
  stop "api$i" $(((drain + grace) / 1000 + 5))
  start_api "$i"
  wait_for 30 "HAProxy to see api$i UP again" server_up "api$i"
  log "api$i is back in rotation"
}

cmd_rolling_restart() {
  load_settings
  local i
  for i in $(seq 1 "$INSTANCES"); do cmd_restart "$i"; done
}

cmd_seed() {
  load_settings
  local env_lines=()
  mapfile -t env_lines < <(api_env)
  (cd "$ROOT" && env -i "${env_lines[@]}" DB_MIGRATIONS_RUN=false LOG_LEVEL=error node bench/seed.js "${SEED_MEMBERS:-200}" 2 0 0)
}

cmd_env() {
  load_settings
  api_env | sed -E 's/^((JWT_SIGNING_KEY|API_KEY_PEPPER|WEBHOOKS_SECRET_KEY|DB_PASSWORD)=).*/\1***/' | grep -v '^PATH='
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down "${2:-}" ;;
  status) cmd_status ;;
  restart) cmd_restart "${2:-}" ;;
  rolling-restart) cmd_rolling_restart ;;
  seed) cmd_seed ;;
  env) cmd_env ;;
  *) die "usage: $0 up|down [--drop-db]|status|restart N|rolling-restart|seed|env" ;;
esac
