#!/usr/bin/env bash
# npm run test:compat: expand/contract, checked. The previous release's API (the ref in
# deploy/previous-release, checked out with `git worktree add` and built against this checkout's
# node_modules) is started against a database migrated by THIS release, and its smoke suite
# (test/compat/smoke.js: booking flow, API-key auth, usage) must pass. Then the same with a deliberately
# incompatible migration fixture on top (test/compat/fixtures: a column the old code reads, renamed in one
# step), and there the smoke suite must FAIL: a check that cannot fail proves nothing.
#
# Needs the shared PostgreSQL of scripts/test-services.sh (it creates and drops databases of its own there).
# COMPAT_KEEP=1 keeps the old release's worktree (and its build) for the next run.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REF="$(grep -Ev '^\s*(#|$)' "$ROOT/deploy/previous-release" | head -n 1 | tr -d '[:space:]')"
OLD="${TMPDIR:-/tmp}/aero-compat-$REF"
PG=(-h 127.0.0.1 -p "${DB_PORT:-5432}" -U aero_test -d aero_test)
export PGPASSWORD=aero_test

log() { printf '[compat %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[compat] error: %s\n' "$*" >&2; exit 1; }

cd "$ROOT"
git cat-file -e "$REF^{commit}" 2>/dev/null || die "the previous release $REF is not in this clone (CI needs a full clone)"

API_PID=''
DATABASES=()
cleanup() {
  [ -z "$API_PID" ] || kill -KILL "$API_PID" 2>/dev/null || true
  for db in "${DATABASES[@]}"; do psql -X -q "${PG[@]}" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
  if [ "${COMPAT_KEEP:-0}" != 1 ] && [ -d "$OLD" ]; then git worktree remove --force "$OLD" 2>/dev/null || rm -rf "$OLD"; fi
}
trap cleanup EXIT

# --- the previous release, built with today's node_modules -----------------------------------------------
if [ ! -f "$OLD/dist/apps/api/apps/api/src/main.js" ]; then
  rm -rf "$OLD"; git worktree prune
  log "checking out the previous release $REF into $OLD"
  git worktree add --detach --force "$OLD" "$REF" >/dev/null 2>&1
  ln -s "$ROOT/node_modules" "$OLD/node_modules"
  log "building its API (nest build api) against the current node_modules"
  (cd "$OLD" && node_modules/.bin/nest build api >"$OLD/build.log" 2>&1) || { cat "$OLD/build.log" >&2; die "the previous release does not build against the current node_modules"; }
fi

# Environment of both releases' processes: production settings, throwaway secrets, rate limits out of the way.
base_env() {
  printf '%s\n' "PATH=$PATH" NODE_ENV=production LOG_LEVEL=warn HOST=127.0.0.1 DB_TYPE=postgres DB_HOST=127.0.0.1 \
    "DB_PORT=${DB_PORT:-5432}" DB_USERNAME=aero_test DB_PASSWORD=aero_test "DB_DATABASE=$1" \
    "JWT_SIGNING_KEY=$SECRET_JWT" "API_KEY_PEPPER=$SECRET_PEPPER" "WEBHOOKS_SECRET_KEY=$SECRET_PEPPER" RATE_LIMIT_ENABLED=false DOCS_ENABLED=false
}
SECRET_JWT="$(openssl rand -hex 32)"
SECRET_PEPPER="$(openssl rand -hex 32)"
current() { # current DB COMMAND...: this release's CLI, from source
  local db="$1" lines=(); shift
  mapfile -t lines < <(base_env "$db")
  env -i "${lines[@]}" node -r ts-node/register/transpile-only -r tsconfig-paths/register apps/cli/src/main.ts "$@"
}

# The schema of this release, once: migrated by this release's CLI, with an admin key and a staff user;
# each case gets a copy of it (CREATE DATABASE … TEMPLATE), which is much faster than migrating again.
TEMPLATE_DB="aero_compat_$(openssl rand -hex 6)"
DATABASES+=("$TEMPLATE_DB")
psql -X -q "${PG[@]}" -c "CREATE DATABASE $TEMPLATE_DB" >/dev/null
log "migrating $TEMPLATE_DB with this release's migrations"
current "$TEMPLATE_DB" db:migrate >/dev/null
KEY="$(current "$TEMPLATE_DB" api-keys:create --name compat-smoke --app internal --scopes admin --json |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key))')"
PASSWORD="$(openssl rand -hex 12)"
current "$TEMPLATE_DB" users:create --email compat-staff@example.com --password "$PASSWORD" --role staff --json >/dev/null

# run_case NAME FIXTURE(0|1): a copy of this release's schema (+ the fixture), the old API on it, its smoke.
run_case() {
  local name="$1" fixture="$2" db port lines=() key="$KEY" password="$PASSWORD" rc
  db="aero_compat_$(openssl rand -hex 6)"
  DATABASES+=("$db")
  psql -X -q "${PG[@]}" -c "CREATE DATABASE $db TEMPLATE $TEMPLATE_DB" >/dev/null
  if [ "$fixture" = 1 ]; then
    log "$name: applying the incompatible fixture migration"
    mapfile -t lines < <(base_env "$db")
    env -i "${lines[@]}" node -r ts-node/register/transpile-only -r tsconfig-paths/register test/compat/apply-fixture.ts
  fi
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  mapfile -t lines < <(base_env "$db")
  log "$name: starting the previous release's API on :$port (DB_MIGRATIONS_RUN=false)"
  (cd "$OLD" && exec env -i "${lines[@]}" DB_MIGRATIONS_RUN=false "PORT=$port" node dist/apps/api/apps/api/src/main.js \
    >"$OLD/api-$name.log" 2>&1) &
  API_PID=$!
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/live" 2>/dev/null)" = 200 ] && break
    kill -0 "$API_PID" 2>/dev/null || break
    sleep 0.1
  done
  rc=0
  SMOKE_ADMIN_KEY="$key" SMOKE_STAFF_EMAIL=compat-staff@example.com SMOKE_STAFF_PASSWORD="$password" \
    node test/compat/smoke.js "http://127.0.0.1:$port" || rc=$?
  kill -TERM "$API_PID" 2>/dev/null || true
  wait "$API_PID" 2>/dev/null || true
  API_PID=''
  return "$rc"
}

if ! run_case current-schema 0; then
  log "last lines of the old API's log:"; tail -n 20 "$OLD/api-current-schema.log" >&2 || true
  die "the previous release ($REF) breaks on this release's schema: a migration is not expand/contract (docs/operations.md)"
fi
log "the previous release ($REF) passes its smoke suite on this release's schema"
if run_case incompatible-fixture 1; then
  die "the smoke suite passed on a schema the old code cannot read: the compat check has lost its teeth"
fi
log "and it fails, as it must, once the incompatible fixture renames a column the old code reads"
