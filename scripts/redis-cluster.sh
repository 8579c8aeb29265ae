#!/usr/bin/env bash
# A local Redis Cluster for development and tests: 3 primaries + 3 replicas of `redis-server
# --cluster-enabled yes`, on 127.0.0.1 only, in a state directory of its own. The machine's shared Redis
# (127.0.0.1:6379) is never touched.
#
# Usage: bash scripts/redis-cluster.sh up|down|status|nodes|kill PORT|start PORT
#   up       starts the six servers, creates the cluster (once) and waits until every node says
#            cluster_state:ok; prints REDIS_CLUSTER_NODES=... for the API. Idempotent.
#   down     shuts every node down and removes the state directory.
#   status   cluster_state and role of each node; exit 1 when any node is down or the cluster is not ok.
#   nodes    prints the REDIS_CLUSTER_NODES value (host:port,...).
#   kill P   SIGKILLs the node on port P (a crash, for failover tests); start P starts it again.
#
# Settings (environment):
#   REDIS_CLUSTER_DIR        state directory (default: $TMPDIR/aero-redis-cluster)
#   REDIS_CLUSTER_PORTS      six comma-separated client ports (default 7101..7106)
#   REDIS_CLUSTER_BUS_PORTS  six comma-separated cluster-bus ports (default: each client port + 10000)
#   REDIS_CLUSTER_TIMEOUT_MS cluster-node-timeout (default 2000: a killed primary is failed over in ~2-4 s)
set -euo pipefail

DIR="${REDIS_CLUSTER_DIR:-${TMPDIR:-/tmp}/aero-redis-cluster}"
IFS=',' read -r -a PORTS <<<"${REDIS_CLUSTER_PORTS:-7101,7102,7103,7104,7105,7106}"
if [ -n "${REDIS_CLUSTER_BUS_PORTS:-}" ]; then
  IFS=',' read -r -a BUS_PORTS <<<"$REDIS_CLUSTER_BUS_PORTS"
else
  BUS_PORTS=()
  for port in "${PORTS[@]}"; do BUS_PORTS+=("$((port + 10000))"); done
fi
NODE_TIMEOUT="${REDIS_CLUSTER_TIMEOUT_MS:-2000}"

log() { printf '[redis-cluster] %s\n' "$*" >&2; }
die() { printf '[redis-cluster] error: %s\n' "$*" >&2; exit 1; }

[ "${#PORTS[@]}" -eq 6 ] || die "REDIS_CLUSTER_PORTS must list 6 ports (3 primaries + 3 replicas)"
[ "${#BUS_PORTS[@]}" -eq 6 ] || die "REDIS_CLUSTER_BUS_PORTS must list 6 ports"
command -v redis-server >/dev/null 2>&1 || die "redis-server not found (run scripts/test-services.sh)"
command -v redis-cli >/dev/null 2>&1 || die "redis-cli not found (run scripts/test-services.sh)"

cli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }
answers() { [ "$(cli "$1" ping 2>/dev/null)" = "PONG" ]; }
silent() { ! answers "$1"; }
node_list() { local out=() port; for port in "${PORTS[@]}"; do out+=("127.0.0.1:${port}"); done; (IFS=','; echo "${out[*]}"); }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 100 ms until it succeeds.
wait_for() {
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || die "timed out after ${seconds}s waiting for ${what}"
    sleep 0.1
  done
}

start_node() {
  local port="${PORTS[$1]}" bus="${BUS_PORTS[$1]}"
  answers "$port" && return 0
  mkdir -p "$DIR/$port"
  redis-server --port "$port" --cluster-port "$bus" --bind 127.0.0.1 --protected-mode yes \
    --cluster-enabled yes --cluster-config-file "$DIR/$port/nodes.conf" --cluster-node-timeout "$NODE_TIMEOUT" \
    --dir "$DIR/$port" --save '' --appendonly no --daemonize yes \
    --pidfile "$DIR/$port/redis.pid" --logfile "$DIR/$port/redis.log" >/dev/null
  wait_for 10 "redis-server on port ${port}" answers "$port"
}

index_of() {
  local i
  for i in "${!PORTS[@]}"; do [ "${PORTS[$i]}" = "$1" ] && { echo "$i"; return 0; }; done
  die "port $1 is not one of ${PORTS[*]}"
}

cluster_ok() { cli "$1" cluster info 2>/dev/null | tr -d '\r' | grep -qx 'cluster_state:ok'; }
all_ok() {
  local port
  for port in "${PORTS[@]}"; do cluster_ok "$port" || return 1; done
}
# Every node knows all six and the slots are all covered.
all_known() {
  local port
  for port in "${PORTS[@]}"; do
    [ "$(cli "$port" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')" = "6" ] || return 1
  done
}

# Every replica has finished its first sync (a replica that never synced cannot be failed over to).
all_synced() {
  local port info
  for port in "${PORTS[@]}"; do
    info="$(cli "$port" info replication 2>/dev/null | tr -d '\r')"
    if grep -qx 'role:slave' <<<"$info"; then grep -qx 'master_link_status:up' <<<"$info" || return 1; fi
  done
}

cmd_up() {
  mkdir -p "$DIR"
  local i
  for i in "${!PORTS[@]}"; do start_node "$i"; done
  if [ "$(cli "${PORTS[0]}" cluster info | tr -d '\r' | sed -n 's/^cluster_slots_assigned://p')" = "0" ]; then
    log "creating the cluster on $(node_list)"
    local addresses=() port
    for port in "${PORTS[@]}"; do addresses+=("127.0.0.1:${port}"); done
    redis-cli --cluster create "${addresses[@]}" --cluster-replicas 1 --cluster-yes >"$DIR/create.log" 2>&1 ||
      { cat "$DIR/create.log" >&2; die "redis-cli --cluster create failed"; }
  fi
  wait_for 30 "every node to know the other five" all_known
  wait_for 30 "cluster_state:ok on every node" all_ok
  wait_for 30 "every replica to finish its first sync" all_synced
  log "cluster ok: $(node_list)"
  echo "REDIS_CLUSTER_NODES=$(node_list)"
}

cmd_down() {
  local port
  for port in "${PORTS[@]}"; do
    if [ -f "$DIR/$port/redis.pid" ]; then
      local pid
      pid="$(cat "$DIR/$port/redis.pid")"
      if answers "$port"; then cli "$port" shutdown nosave >/dev/null 2>&1 || true; fi
      # A node that does not answer SHUTDOWN is stopped by its own pid.
      kill -0 "$pid" 2>/dev/null && { sleep 0.2; kill -9 "$pid" 2>/dev/null || true; }
    fi
  done
  rm -rf "$DIR"
  log "stopped; removed ${DIR}"
}

cmd_status() {
  local port failed=0
  for port in "${PORTS[@]}"; do
    if answers "$port"; then
      local state role
      state="$(cli "$port" cluster info | tr -d '\r' | sed -n 's/^cluster_state://p')"
      role="$(cli "$port" role | head -n 1 | tr -d '\r')"
      printf '127.0.0.1:%s %s cluster_state:%s\n' "$port" "$role" "$state"
      [ "$state" = "ok" ] || failed=1
    else
      printf '127.0.0.1:%s down\n' "$port"
      failed=1
    fi
  done
  return "$failed"
}

cmd_kill() {
  local port="$1" pidfile
  index_of "$port" >/dev/null
  pidfile="$DIR/$port/redis.pid"
  [ -f "$pidfile" ] || die "no pid file for port ${port}"
  kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
  wait_for 10 "port ${port} to stop answering" silent "$port"
  log "killed 127.0.0.1:${port}"
}

cmd_start() {
  start_node "$(index_of "$1")"
  log "started 127.0.0.1:$1"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  nodes) node_list ;;
  kill) [ -n "${2:-}" ] || die "usage: $0 kill PORT"; cmd_kill "$2" ;;
  start) [ -n "${2:-}" ] || die "usage: $0 start PORT"; cmd_start "$2" ;;
  *) die "usage: $0 up|down|status|nodes|kill PORT|start PORT" ;;
esac
