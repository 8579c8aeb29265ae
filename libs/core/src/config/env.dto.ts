import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsEnum, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';

/** Parses "true"/"false"/"1"/"0" the way operators write booleans in env files. */
const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  return value;
};

export enum NodeEnv {
  Development = 'development',
  Test = 'test',
  Production = 'production',
}

export const DB_TYPES = ['sqlite', 'postgres', 'mssql'] as const;
export type DbType = (typeof DB_TYPES)[number];

/**
 * Every environment variable the service reads, declared once. Validated at boot;
 * `.env.example` documents each one and a unit test keeps the two in step.
 */
export class EnvDto {
  @IsEnum(NodeEnv)
  NODE_ENV: NodeEnv = NodeEnv.Development;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** `json` (one JSON object a line, for log collectors) or `pretty` (coloured, for people); unset: pretty in development, json otherwise. */
  @IsOptional()
  @IsIn(['pretty', 'json'])
  LOG_FORMAT?: 'pretty' | 'json';

  // --- database ---------------------------------------------------------------
  @IsIn(DB_TYPES)
  DB_TYPE: DbType = 'sqlite';

  @IsOptional()
  @IsString()
  DB_DATABASE?: string;

  @IsOptional()
  @IsString()
  DB_HOST?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  DB_PORT?: number;

  @IsOptional()
  @IsString()
  DB_USERNAME?: string;

  @IsOptional()
  @IsString()
  DB_PASSWORD?: string;

  @Transform(toBoolean)
  @IsBoolean()
  DB_MIGRATIONS_RUN = true;

  @Transform(toBoolean)
  @IsBoolean()
  DB_LOGGING = false;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  DB_POOL_SIZE = 10;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  DB_CONNECT_TIMEOUT_MS = 15000;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  DB_REQUEST_TIMEOUT_MS = 15000;

  @Transform(toBoolean)
  @IsBoolean()
  DB_MSSQL_ENCRYPT = true;

  @Transform(toBoolean)
  @IsBoolean()
  DB_MSSQL_TRUST_SERVER_CERTIFICATE = false;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10)
  DB_TRANSACTION_MAX_RETRIES = 3;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  DB_BREAKER_FAILURE_THRESHOLD = 5;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(300000)
  DB_BREAKER_HALF_OPEN_AFTER_MS = 5000;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  DB_POOL_ACQUIRE_TIMEOUT_MS = 5000;

  // --- read replica (postgres, mssql) -------------------------------------------------
  @IsOptional()
  @IsString()
  DB_REPLICA_HOST?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  DB_REPLICA_PORT?: number;

  @IsOptional()
  @IsString()
  DB_REPLICA_USERNAME?: string;

  @IsOptional()
  @IsString()
  DB_REPLICA_PASSWORD?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3600000)
  DB_REPLICA_MAX_LAG_MS = 5000;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60000)
  DB_REPLICA_CHECK_INTERVAL_MS = 1000;

  // --- idempotency ----------------------------------------------------------------
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(720)
  IDEMPOTENCY_RETENTION_HOURS = 24;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS = 60;

  // --- shared state -------------------------------------------------------------
  @IsOptional()
  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false })
  REDIS_URL?: string;

  /** `host:port,host:port,…`: seed nodes of a Redis Cluster (instead of REDIS_URL). */
  @IsOptional()
  @IsString()
  REDIS_CLUSTER_NODES?: string;

  // --- HTTP -----------------------------------------------------------------------
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10240)
  HTTP_BODY_LIMIT_KB = 100;

  /** Deepest nesting of arrays/objects a JSON body may have; deeper bodies get 400 json-too-complex. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  HTTP_JSON_MAX_DEPTH = 32;

  /** Most array elements plus object members, counted over the whole JSON body. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  HTTP_JSON_MAX_ELEMENTS = 10000;

  /** Comma-separated list of allowed browser origins; empty means no cross-origin access. */
  @IsString()
  HTTP_CORS_ORIGINS = '';

  /**
   * The HTTP framework under Nest: `express` (the default) or `fastify`. Both serve the same API; the
   * choice and its measured figures are recorded in docs/architecture.md.
   */
  @IsIn(['express', 'fastify'])
  HTTP_ADAPTER: 'express' | 'fastify' = 'express';

  /** Express `trust proxy`: `false`, `true`, a hop count, or a comma-separated list of subnets. */
  @IsString()
  HTTP_TRUST_PROXY = 'false';

  @Type(() => Number)
  @IsInt()
  @Min(100)
  HTTP_REQUEST_TIMEOUT_MS = 30000;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  HTTP_SHUTDOWN_GRACE_MS = 10000;

  /**
   * On SIGTERM/SIGINT, milliseconds `/health/ready` answers 503 while the instance keeps serving, before it
   * stops accepting connections: long enough for the load balancer to notice (2 × its check interval).
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600000)
  HTTP_DRAIN_DELAY_MS = 2000;

  /** Node's `server.headersTimeout`: a client must send all its request headers within this time. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600000)
  HTTP_HEADERS_TIMEOUT_MS = 10000;

  /** Node's `server.requestTimeout`: a client must send its whole request (headers and body) within this time. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600000)
  HTTP_RECEIVE_TIMEOUT_MS = 30000;

  /**
   * How long a client has to send its body once the headers are in; a slower body is answered 408
   * request-incomplete and its connection closed. Below HTTP_RECEIVE_TIMEOUT_MS, so that the client gets the
   * 408 rather than Node's reset; the handler's own HTTP_REQUEST_TIMEOUT_MS starts once the body is read.
   */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600000)
  HTTP_BODY_READ_TIMEOUT_MS = 10000;

  /** Node's `server.keepAliveTimeout`: an idle keep-alive connection is closed after this time. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 5000;

  /** Node's `server.maxConnections`: connections beyond this many open sockets are dropped at once. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000000)
  HTTP_MAX_CONNECTIONS = 1000;

  @Transform(toBoolean)
  @IsBoolean()
  DOCS_ENABLED = true;

  // --- identity -------------------------------------------------------------------
  @IsOptional()
  @IsString()
  @MinLength(32)
  JWT_SIGNING_KEY?: string;

  @IsString()
  JWT_ISSUER = 'aero-core-api';

  @IsString()
  JWT_AUDIENCE = 'aero-apps';

  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(3600)
  JWT_ACCESS_TTL_SECONDS = 900;

  /** Verified access tokens kept in memory (keyed by their SHA-256), so a repeat costs a lookup; 0 turns it off. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000000)
  AUTH_JWT_CACHE_SIZE = 10000;

  @Type(() => Number)
  @IsInt()
  @Min(300)
  JWT_REFRESH_TTL_SECONDS = 2592000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(300)
  AUTH_REVOCATIONS_POLL_SECONDS = 2;

  @IsOptional()
  @IsString()
  @MinLength(32)
  API_KEY_PEPPER?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(300)
  API_KEY_CACHE_TTL_SECONDS = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  AUTH_LOGIN_MAX_FAILURES = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  AUTH_LOGIN_LOCKOUT_SECONDS = 300;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  AUTH_LOGIN_ACCOUNT_MAX_FAILURES = 50;

  // --- traffic control ------------------------------------------------------------
  @Transform(toBoolean)
  @IsBoolean()
  RATE_LIMIT_ENABLED = true;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60)
  RATE_LIMIT_BURST_WINDOW_SECONDS = 10;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_API_KEY_PER_MINUTE = 600;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_API_KEY_BURST = 200;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_ADMIN_PER_MINUTE = 1200;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_ADMIN_BURST = 300;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_STAFF_PER_MINUTE = 600;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_STAFF_BURST = 200;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MEMBER_PER_MINUTE = 300;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MEMBER_BURST = 100;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_ANONYMOUS_PER_MINUTE = 120;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_ANONYMOUS_BURST = 40;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE = 30;

  @IsString()
  @MinLength(1)
  RATE_LIMIT_REDIS_KEY_PREFIX = 'aero:rl:';

  @Type(() => Number)
  @IsInt()
  @Min(5)
  @Max(1000)
  RATE_LIMIT_REDIS_TIMEOUT_MS = 250;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(300)
  RATE_LIMIT_REDIS_BREAKER_SECONDS = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  RATE_LIMIT_REDIS_BREAKER_FAILURES = 3;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  RATE_LIMIT_EXPECTED_INSTANCES = 1;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60000)
  RATE_LIMIT_QUOTA_FLUSH_MS = 1000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  RATE_LIMIT_MINUTE_WINDOW_SECONDS = 60;

  // --- venue domain ---------------------------------------------------------------
  @Type(() => Number)
  @IsInt()
  @Min(30)
  @Max(86400)
  BOOKINGS_HOLD_TTL_SECONDS = 600;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  BOOKINGS_HOLD_SWEEP_INTERVAL_SECONDS = 30;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  BOOKINGS_MAX_ACTIVE_PER_MEMBER_SESSION = 3;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  BOOKINGS_MAX_HELD_PLACES_PER_MEMBER_SESSION = 10;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  BOOKINGS_MAX_HOLDS_PER_MEMBER_SESSION = 6;

  /** Open holds one caller (user or API key) may have at once, across sessions; a key may set its own. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  HOLDS_MAX_OPEN_PER_PRINCIPAL = 20;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  MEMBERS_WAIVER_VALIDITY_DAYS = 365;

  // --- usage monitoring -----------------------------------------------------------
  /** Records held in memory awaiting a flush; beyond it new records are dropped and counted. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(1000000)
  USAGE_BUFFER_SIZE = 50000;

  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60000)
  USAGE_FLUSH_INTERVAL_MS = 1000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  USAGE_FLUSH_BATCH_SIZE = 500;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  USAGE_RAW_RETENTION_DAYS = 14;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  USAGE_ROLLUP_RETENTION_DAYS = 400;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  USAGE_ROLLUP_INTERVAL_SECONDS = 60;

  // --- events ---------------------------------------------------------------------
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  EVENTS_RETENTION_DAYS = 30;

  // --- webhooks ---------------------------------------------------------------------
  /** AES-256-GCM key material for webhook signing secrets at rest, 32+ characters; required in production. */
  @IsOptional()
  @IsString()
  @MinLength(32)
  WEBHOOKS_SECRET_KEY?: string;

  /** A delivery attempt without a 2xx within this time has failed (and may be retried). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60000)
  WEBHOOKS_TIMEOUT_MS = 10000;

  /** An endpoint whose deliveries fail without a success for this long is disabled. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(720)
  WEBHOOKS_DISABLE_AFTER_HOURS = 72;

  /** Whether this process runs the dispatcher (the API does; the CLI never does). */
  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOKS_DISPATCH_ENABLED = true;

  /** Milliseconds between dispatcher rounds when there is nothing to send. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60000)
  WEBHOOKS_DISPATCH_INTERVAL_MS = 1000;

  /** Attempts in flight at once to one endpoint, across every instance. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  WEBHOOKS_MAX_IN_FLIGHT = 4;

  /** Dev and tests only: let endpoints point at loopback and private addresses (refused in production). */
  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOKS_ALLOW_PRIVATE_TARGETS = false;

  /** Hours the previous signing secret keeps being sent after rotate-secret (both signatures). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(720)
  WEBHOOKS_ROTATION_GRACE_HOURS = 24;
}
