# The API (and its CLI, for `db:migrate` as a release step) as a container: multi-stage, runs as the
# unprivileged `node` user, production dependencies only. Build: docker build -t aero-core-api .
# Run migrations once per release: docker run --rm --env-file prod.env aero-core-api node dist/apps/cli/apps/cli/src/main.js db:migrate --json

# --- build: all dependencies, compile TypeScript ---------------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- production dependencies only ------------------------------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ---------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 LOG_FORMAT=json DB_MIGRATIONS_RUN=false
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Read-only code owned by root; the process runs as `node` and writes nothing but stdout.
USER node
EXPOSE 3000
# Liveness only: readiness (/health/ready) is the load balancer's and the orchestrator's to check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM goes straight to node (no shell in between), which drains (docs/operations.md#shutdown).
STOPSIGNAL SIGTERM
CMD ["node", "dist/apps/api/apps/api/src/main.js"]
