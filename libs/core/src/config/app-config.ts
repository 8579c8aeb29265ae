import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { ValidationError } from 'class-validator';
import type { DbType } from './env.dto';
import { EnvDto, NodeEnv } from './env.dto';

/** The typed, validated settings of one process. Built once at boot; nothing else reads `process.env`. */
export class AppConfig {
  readonly env!: NodeEnv;
  readonly isProduction!: boolean;
  readonly logLevel!: string;
  readonly logFormat!: 'pretty' | 'json';
  readonly http!: {
    port: number;
    host: string;
    bodyLimitBytes: number;
    jsonMaxDepth: number;
    jsonMaxElements: number;
    corsOrigins: string[];
    /** The HTTP framework the app runs on (HTTP_ADAPTER). */
    adapter: 'express' | 'fastify';
    trustProxy: boolean | number | string;
    requestTimeoutMs: number;
    shutdownGraceMs: number;
    /** SIGTERM → readiness 503 → this long still serving → stop accepting, drain (shutdownGraceMs). */
    drainDelayMs: number;
    docsEnabled: boolean;
    /** Socket limits of the Node HTTP server (slow clients, idle keep-alive, connection cap). */
    headersTimeoutMs: number;
    receiveTimeoutMs: number;
    /** How long the body may take to arrive once the headers are in (408 after that). */
    bodyReadTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnections: number;
  };
  readonly db!: {
    type: DbType;
    database: string;
    host?: string;
    port?: number;
    username?: string;
    password?: string;
    migrationsRun: boolean;
    logging: boolean;
    poolSize: number;
    connectTimeoutMs: number;
    requestTimeoutMs: number;
    mssqlEncrypt: boolean;
    mssqlTrustServerCertificate: boolean;
    transactionMaxRetries: number;
    breakerFailureThreshold: number;
    breakerHalfOpenAfterMs: number;
    poolAcquireTimeoutMs: number;
    /** A streaming read replica (postgres) or a read-only availability-group listener (mssql); see ReadDataSource. */
    replica?: { host: string; port?: number; username?: string; password?: string };
    /** Replica lag above which reads go to the primary. */
    replicaMaxLagMs: number;
    /** How often the replica's lag (and whether it answers) is measured. */
    replicaCheckIntervalMs: number;
    /**
     * Not from the environment: false lets a process that only prints (CLI `--help`, `--version`) build the
     * app without opening the database. Undefined means true.
     */
    openAtStart?: boolean;
  };
  readonly idempotency!: { retentionHours: number; inFlightTimeoutSeconds: number };
  readonly redisUrl?: string;
  /** Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES); set instead of redisUrl. */
  readonly redisClusterNodes?: { host: string; port: number }[];
  readonly jwt!: {
    signingKey: string;
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
    /** How many verified access tokens each instance remembers (0: verify every time). */
    verifiedCacheSize: number;
    refreshTtlSeconds: number;
    /** How often each instance reads new session revocations from the database. */
    revocationsPollSeconds: number;
  };
  readonly apiKeys!: { pepper: string; cacheTtlSeconds: number };
  readonly login!: { maxFailures: number; lockoutSeconds: number; accountMaxFailures: number };
  readonly rateLimit!: RateLimitConfig;
  readonly bookings!: {
    holdTtlSeconds: number;
    holdSweepIntervalSeconds: number;
    maxActivePerMemberSession: number;
    /** Places a member user may hold at once on one session (and so in one hold). */
    maxHeldPlacesPerMemberSession: number;
    /** Holds a member user may make on one session in all (renewals included). */
    maxHoldsPerMemberSession: number;
    /** Open holds one caller may have at once, across sessions, unless its API key sets its own. */
    maxOpenPerPrincipal: number;
  };
  readonly members!: { waiverValidityDays: number };
  readonly webhooks!: {
    secretKey: string;
    timeoutMs: number;
    disableAfterHours: number;
    dispatchEnabled: boolean;
    dispatchIntervalMs: number;
    maxInFlight: number;
    allowPrivateTargets: boolean;
    rotationGraceHours: number;
    /** Seconds a claimed delivery stays with its instance; a crashed instance's claim is taken over after it. */
    claimLeaseSeconds: number;
  };
  readonly usage!: {
    bufferSize: number;
    flushIntervalMs: number;
    flushBatchSize: number;
    rawRetentionDays: number;
    rollupRetentionDays: number;
    rollupIntervalSeconds: number;
  };
  readonly events!: { retentionDays: number };
  /** Warnings to log once the logger exists (e.g. a generated development secret). */
  readonly warnings!: string[];
}

/** A policy's two windows: a short burst and a sustained minute. */
export interface RateLimitTier {
  perMinute: number;
  burst: number;
}

export interface RateLimitConfig {
  enabled: boolean;
  burstWindowSeconds: number;
  apiKey: RateLimitTier;
  admin: RateLimitTier;
  staff: RateLimitTier;
  member: RateLimitTier;
  anonymous: RateLimitTier;
  /** Failed credentials per client IP per minute. */
  authFailuresPerMinute: number;
  redisKeyPrefix: string;
  /** A Redis call not answered within this counts as Redis being down. */
  redisTimeoutMs: number;
  /** How long the breaker stays open (local counting) before Redis is tried again. */
  redisBreakerSeconds: number;
  /** Consecutive failed or late Redis calls that open the breaker (one slow answer does not). */
  redisBreakerFailures: number;
  /** Instances to share each limit between while Redis is unreachable, at least (the heartbeat may know more). */
  expectedInstances: number;
  /** How often each instance writes the monthly quotas' counts to the database. */
  quotaFlushMs: number;
  /** Length of the `minute` window in ms (60 s; shorter only in test harnesses). */
  minuteWindowMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Where development secrets are generated once, outside production (relative to the working directory). */
export const DEV_SECRETS_FILE = 'data/dev-secrets.json';

/** Secrets the service needs; outside production a missing one is generated once and kept under data/. */
const SECRET_VARS = ['JWT_SIGNING_KEY', 'API_KEY_PEPPER', 'WEBHOOKS_SECRET_KEY'] as const;
type SecretVar = (typeof SECRET_VARS)[number];

function resolveSecrets(
  env: EnvDto,
  cwd: string,
  warnings: string[],
  problems: string[],
): Record<SecretVar, string> {
  const missing = SECRET_VARS.filter((name) => !env[name]);
  const out = {} as Record<SecretVar, string>;
  for (const name of SECRET_VARS) if (env[name]) out[name] = env[name] as string;
  if (missing.length === 0) return out;
  if (env.NODE_ENV === NodeEnv.Production) {
    for (const name of missing) problems.push(`${name}: required when NODE_ENV=production (at least 32 characters)`);
    return out;
  }
  const file = resolve(cwd, DEV_SECRETS_FILE);
  const stored = readDevSecrets(file);
  let changed = false;
  for (const name of missing) {
    if (!stored[name]) {
      stored[name] = randomBytes(48).toString('base64url');
      changed = true;
    }
    out[name] = stored[name];
  }
  if (changed) writeDevSecrets(file, stored);
  warnings.push(
    `${missing.join(', ')} not set: using development value(s) from ${DEV_SECRETS_FILE} (never do this in production)`,
  );
  return out;
}

function readDevSecrets(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
}

function writeDevSecrets(file: string, secrets: Record<string, string>): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
}

/** Constraints that say "wrong kind of value"; when one fails, range messages about it would only confuse. */
const TYPE_CONSTRAINTS = ['isInt', 'isBoolean', 'isEnum', 'isIn', 'isString', 'isUrl'];

/** One line per bad variable, e.g. `PORT: must be an integer number` (never echoing the value: it may be a secret). */
function describeInvalidVariable(error: ValidationError): string {
  const constraints = error.constraints ?? {};
  const typeFailure = Object.keys(constraints).find((name) => TYPE_CONSTRAINTS.includes(name));
  const messages = typeFailure ? [constraints[typeFailure]] : Object.values(constraints);
  return `${error.property}: ${messages.map((m) => m.replace(`${error.property} `, '')).join('; ')}`;
}

/** `host:port,host:port` → seed nodes; each malformed entry is a problem naming it. */
function parseClusterNodes(value: string | undefined, problems: string[]): { host: string; port: number }[] | undefined {
  if (!value) return undefined;
  const nodes: { host: string; port: number }[] = [];
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65535) {
      problems.push(`REDIS_CLUSTER_NODES: "${entry}" is not host:port`);
      continue;
    }
    nodes.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
  }
  if (nodes.length === 0 && !problems.some((p) => p.startsWith('REDIS_CLUSTER_NODES'))) problems.push('REDIS_CLUSTER_NODES: lists no host:port');
  return nodes.length > 0 ? nodes : undefined;
}

function parseTrustProxy(value: string): boolean | number | string {
  const v = value.trim();
  if (v === 'true') return true;
  if (v === 'false' || v === '') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

/**
 * Validates an environment (by default `process.env`, plus `.env` when present) into an AppConfig.
 * Throws ConfigError naming every bad variable.
 */
export function loadConfig(source: NodeJS.ProcessEnv = readProcessEnv(), cwd = process.cwd()): AppConfig {
  // Empty strings in env files mean "unset", so the default applies.
  const plain = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const env = plainToInstance(EnvDto, plain, { exposeDefaultValues: true });
  const problems = validateSync(env, { whitelist: false }).map(describeInvalidVariable);
  const warnings: string[] = [];
  if (env.DB_TYPE === 'postgres' || env.DB_TYPE === 'mssql') {
    for (const name of ['DB_HOST', 'DB_USERNAME', 'DB_DATABASE'] as const) {
      if (!env[name]) problems.push(`${name}: required when DB_TYPE=${env.DB_TYPE}`);
    }
  }
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_RECEIVE_TIMEOUT_MS) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS: must not be greater than HTTP_RECEIVE_TIMEOUT_MS');
  }
  if (env.HTTP_BODY_READ_TIMEOUT_MS >= env.HTTP_RECEIVE_TIMEOUT_MS) {
    problems.push('HTTP_BODY_READ_TIMEOUT_MS: must be less than HTTP_RECEIVE_TIMEOUT_MS (or a slow body is reset, not answered 408)');
  }
  const redisClusterNodes = parseClusterNodes(env.REDIS_CLUSTER_NODES, problems);
  if (redisClusterNodes && env.REDIS_URL) problems.push('REDIS_CLUSTER_NODES: set either REDIS_URL or REDIS_CLUSTER_NODES, not both');
  if (env.DB_REPLICA_HOST && env.DB_TYPE === 'sqlite') problems.push('DB_REPLICA_HOST: a read replica needs DB_TYPE=postgres or mssql');
  if (env.NODE_ENV === NodeEnv.Production && env.WEBHOOKS_ALLOW_PRIVATE_TARGETS) {
    problems.push('WEBHOOKS_ALLOW_PRIVATE_TARGETS: must not be true when NODE_ENV=production');
  }
  const secrets = resolveSecrets(env, cwd, warnings, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === NodeEnv.Production,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT ?? (env.NODE_ENV === NodeEnv.Development ? 'pretty' : 'json'),
    http: {
      port: env.PORT,
      host: env.HOST,
      bodyLimitBytes: env.HTTP_BODY_LIMIT_KB * 1024,
      jsonMaxDepth: env.HTTP_JSON_MAX_DEPTH,
      jsonMaxElements: env.HTTP_JSON_MAX_ELEMENTS,
      corsOrigins: env.HTTP_CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      adapter: env.HTTP_ADAPTER,
      trustProxy: parseTrustProxy(env.HTTP_TRUST_PROXY),
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      shutdownGraceMs: env.HTTP_SHUTDOWN_GRACE_MS,
      drainDelayMs: env.HTTP_DRAIN_DELAY_MS,
      docsEnabled: env.DOCS_ENABLED,
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      receiveTimeoutMs: env.HTTP_RECEIVE_TIMEOUT_MS,
      bodyReadTimeoutMs: env.HTTP_BODY_READ_TIMEOUT_MS,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: env.HTTP_MAX_CONNECTIONS,
    },
    db: {
      type: env.DB_TYPE,
      database: env.DB_DATABASE ?? (env.DB_TYPE === 'sqlite' ? 'data/aero.sqlite' : 'aero'),
      host: env.DB_HOST,
      port: env.DB_PORT,
      username: env.DB_USERNAME,
      password: env.DB_PASSWORD,
      migrationsRun: env.DB_MIGRATIONS_RUN,
      logging: env.DB_LOGGING,
      poolSize: env.DB_POOL_SIZE,
      connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: env.DB_REQUEST_TIMEOUT_MS,
      mssqlEncrypt: env.DB_MSSQL_ENCRYPT,
      mssqlTrustServerCertificate: env.DB_MSSQL_TRUST_SERVER_CERTIFICATE,
      transactionMaxRetries: env.DB_TRANSACTION_MAX_RETRIES,
      breakerFailureThreshold: env.DB_BREAKER_FAILURE_THRESHOLD,
      breakerHalfOpenAfterMs: env.DB_BREAKER_HALF_OPEN_AFTER_MS,
      poolAcquireTimeoutMs: env.DB_POOL_ACQUIRE_TIMEOUT_MS,
      replica: env.DB_REPLICA_HOST
        ? { host: env.DB_REPLICA_HOST, port: env.DB_REPLICA_PORT, username: env.DB_REPLICA_USERNAME, password: env.DB_REPLICA_PASSWORD }
        : undefined,
      replicaMaxLagMs: env.DB_REPLICA_MAX_LAG_MS,
      replicaCheckIntervalMs: env.DB_REPLICA_CHECK_INTERVAL_MS,
    },
    idempotency: {
      retentionHours: env.IDEMPOTENCY_RETENTION_HOURS,
      inFlightTimeoutSeconds: env.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS,
    },
    redisUrl: env.REDIS_URL,
    redisClusterNodes,
    jwt: {
      signingKey: secrets.JWT_SIGNING_KEY,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTtlSeconds: env.JWT_ACCESS_TTL_SECONDS,
      verifiedCacheSize: env.AUTH_JWT_CACHE_SIZE,
      refreshTtlSeconds: env.JWT_REFRESH_TTL_SECONDS,
      revocationsPollSeconds: env.AUTH_REVOCATIONS_POLL_SECONDS,
    },
    apiKeys: { pepper: secrets.API_KEY_PEPPER, cacheTtlSeconds: env.API_KEY_CACHE_TTL_SECONDS },
    login: {
      maxFailures: env.AUTH_LOGIN_MAX_FAILURES,
      lockoutSeconds: env.AUTH_LOGIN_LOCKOUT_SECONDS,
      accountMaxFailures: env.AUTH_LOGIN_ACCOUNT_MAX_FAILURES,
    },
    rateLimit: {
      enabled: env.RATE_LIMIT_ENABLED,
      burstWindowSeconds: env.RATE_LIMIT_BURST_WINDOW_SECONDS,
      apiKey: { perMinute: env.RATE_LIMIT_API_KEY_PER_MINUTE, burst: env.RATE_LIMIT_API_KEY_BURST },
      admin: { perMinute: env.RATE_LIMIT_ADMIN_PER_MINUTE, burst: env.RATE_LIMIT_ADMIN_BURST },
      staff: { perMinute: env.RATE_LIMIT_STAFF_PER_MINUTE, burst: env.RATE_LIMIT_STAFF_BURST },
      member: { perMinute: env.RATE_LIMIT_MEMBER_PER_MINUTE, burst: env.RATE_LIMIT_MEMBER_BURST },
      anonymous: { perMinute: env.RATE_LIMIT_ANONYMOUS_PER_MINUTE, burst: env.RATE_LIMIT_ANONYMOUS_BURST },
      authFailuresPerMinute: env.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
      redisKeyPrefix: env.RATE_LIMIT_REDIS_KEY_PREFIX,
      redisTimeoutMs: env.RATE_LIMIT_REDIS_TIMEOUT_MS,
      redisBreakerSeconds: env.RATE_LIMIT_REDIS_BREAKER_SECONDS,
      redisBreakerFailures: env.RATE_LIMIT_REDIS_BREAKER_FAILURES,
      expectedInstances: env.RATE_LIMIT_EXPECTED_INSTANCES,
      quotaFlushMs: env.RATE_LIMIT_QUOTA_FLUSH_MS,
      minuteWindowMs: env.RATE_LIMIT_MINUTE_WINDOW_SECONDS * 1000,
    },
    bookings: {
      holdTtlSeconds: env.BOOKINGS_HOLD_TTL_SECONDS,
      holdSweepIntervalSeconds: env.BOOKINGS_HOLD_SWEEP_INTERVAL_SECONDS,
      maxActivePerMemberSession: env.BOOKINGS_MAX_ACTIVE_PER_MEMBER_SESSION,
      maxHeldPlacesPerMemberSession: env.BOOKINGS_MAX_HELD_PLACES_PER_MEMBER_SESSION,
      maxHoldsPerMemberSession: env.BOOKINGS_MAX_HOLDS_PER_MEMBER_SESSION,
      maxOpenPerPrincipal: env.HOLDS_MAX_OPEN_PER_PRINCIPAL,
    },
    members: { waiverValidityDays: env.MEMBERS_WAIVER_VALIDITY_DAYS },
    webhooks: {
      secretKey: secrets.WEBHOOKS_SECRET_KEY,
      timeoutMs: env.WEBHOOKS_TIMEOUT_MS,
      disableAfterHours: env.WEBHOOKS_DISABLE_AFTER_HOURS,
      dispatchEnabled: env.WEBHOOKS_DISPATCH_ENABLED,
      dispatchIntervalMs: env.WEBHOOKS_DISPATCH_INTERVAL_MS,
      maxInFlight: env.WEBHOOKS_MAX_IN_FLIGHT,
      allowPrivateTargets: env.WEBHOOKS_ALLOW_PRIVATE_TARGETS,
      rotationGraceHours: env.WEBHOOKS_ROTATION_GRACE_HOURS,
      claimLeaseSeconds: Math.ceil(env.WEBHOOKS_TIMEOUT_MS / 1000) * 2 + 30,
    },
    usage: {
      bufferSize: env.USAGE_BUFFER_SIZE,
      flushIntervalMs: env.USAGE_FLUSH_INTERVAL_MS,
      flushBatchSize: env.USAGE_FLUSH_BATCH_SIZE,
      rawRetentionDays: env.USAGE_RAW_RETENTION_DAYS,
      rollupRetentionDays: env.USAGE_ROLLUP_RETENTION_DAYS,
      rollupIntervalSeconds: env.USAGE_ROLLUP_INTERVAL_SECONDS,
    },
    events: { retentionDays: env.EVENTS_RETENTION_DAYS },
    warnings,
  };
}

/** process.env merged over `.env` (process values win), the only place the environment is read. */
export function readProcessEnv(cwd = process.cwd()): NodeJS.ProcessEnv {
  const file = resolve(cwd, '.env');
  const fromFile: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
      const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
      if (match) fromFile[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
    }
  }
  return { ...fromFile, ...process.env };
}

/**
 * The database dialect, read at import time for column decorators that differ per dialect
 * (UTC timestamp types). It reads the same variable the validated config does.
 */
export function dialectAtImport(): DbType {
  const value = process.env.DB_TYPE;
  return value === 'postgres' || value === 'mssql' ? value : 'sqlite';
}
