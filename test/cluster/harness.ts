import { execFile } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { retryingFetch } from '@aero/client';

export const REPO_ROOT = resolve(__dirname, '../..');

/** What `scripts/cluster.sh seed` prints (bench/seed.js): ids and credentials of the local cluster. */
export interface ClusterSeed {
  kioskKey: string;
  kioskKeyId: string;
  adminKey: string;
  staff: { email: string; password: string };
  sessionIds: string[];
  memberIds: string[];
}

export interface ClusterOptions {
  /** Extra settings for every instance (KEY → value), e.g. raised rate limits for a load test. */
  env?: Record<string, string>;
  /** CLUSTER_REDIS / CLUSTER_PG of scripts/cluster.sh (defaults here: a Redis Cluster, a primary with a streaming replica). */
  redis?: 'single' | 'cluster';
  pg?: 'shared' | 'replica';
}

/** Rate limits far above what a test's load reaches: the limiter still counts, it never refuses. */
export const UNLIMITED: Record<string, string> = Object.fromEntries(
  ['API_KEY', 'ADMIN', 'STAFF', 'MEMBER', 'ANONYMOUS'].flatMap((tier) => [
    [`RATE_LIMIT_${tier}_PER_MINUTE`, '1000000000'],
    [`RATE_LIMIT_${tier}_BURST`, '1000000000'],
  ]),
);

/** Offsets from CLUSTER_PORT that scripts/cluster.sh listens on (HAProxy, 3 instances, stats, Redis,
 * the Redis Cluster's six nodes and their bus ports at + 10000, the PostgreSQL primary and replica). */
const CLUSTER_PORT_OFFSETS = [0, 1, 2, 3, 50, 60, 61, 62, 63, 64, 65, 66, 70, 71].flatMap((offset) =>
  offset >= 61 && offset <= 66 ? [offset, offset + 10000] : [offset],
);

/** Whether nothing listens on, or is bound to, this loopback port right now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

/**
 * A CLUSTER_PORT whose every derived port is free. All of them stay below the kernel's ephemeral range
 * (32768 and up), where an outgoing connection of any test may hold the very port a server then fails to
 * bind: CLUSTER_PORT is taken from 10000-21999, so the highest, the Redis bus at + 10066, is below 32100.
 */
async function clusterBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 10000 + randomInt(12000);
    const free = await Promise.all(CLUSTER_PORT_OFFSETS.map((offset) => portIsFree(base + offset)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free CLUSTER_PORT found in 10000-21999 after 50 tries');
}

/**
 * The topology of `scripts/cluster.sh` (HAProxy + N production instances + Redis + PostgreSQL), in a state
 * directory, ports and database of its own: the same script a developer runs, driven from a test.
 */
export class Cluster {
  readonly base: string;
  private constructor(
    readonly stateDir: string,
    readonly port: number,
    readonly dbName: string,
    private readonly env: Record<string, string>,
  ) {
    this.base = `http://127.0.0.1:${port}`;
  }

  static async up(options: ClusterOptions = {}): Promise<Cluster> {
    const stateDir = mkdtempSync(join(tmpdir(), 'aero-cluster-'));
    const port = await clusterBasePort();
    const dbName = `aero_cluster_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const envFile = join(stateDir, 'extra.env');
    writeFileSync(
      envFile,
      Object.entries(options.env ?? {})
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    const cluster = new Cluster(stateDir, port, dbName, {
      CLUSTER_STATE_DIR: stateDir,
      CLUSTER_PORT: String(port),
      CLUSTER_DB_NAME: dbName,
      CLUSTER_ENV_FILE: envFile,
      CLUSTER_REDIS: options.redis ?? 'cluster',
      CLUSTER_PG: options.pg ?? 'replica',
    });
    try {
      await cluster.script('up');
    } catch (error) {
      await cluster.down();
      throw error;
    }
    return cluster;
  }

  /** Runs `scripts/cluster.sh ARGS` for this cluster; resolves with its stdout, rejects with its output. */
  script(...args: string[]): Promise<string> {
    return new Promise((resolveRun, reject) => {
      execFile(
        'bash',
        [join(REPO_ROOT, 'scripts/cluster.sh'), ...args],
        { cwd: REPO_ROOT, env: { ...process.env, ...this.env }, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error
            ? reject(new Error(`cluster.sh ${args.join(' ')} failed:\n${stderr}\n${stdout}`))
            : resolveRun(stdout),
      );
    });
  }

  async seed(): Promise<ClusterSeed> {
    const out = await this.script('seed');
    return JSON.parse(out.trim().split('\n').pop() ?? '{}') as ClusterSeed;
  }

  /** SQL on the cluster's database (the primary), to check what was stored. */
  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    // The primary's settings as the instances got them: pg-replica.sh's (pg.env), else the shared server's.
    const file = join(this.stateDir, 'pg.env');
    const env: Record<string, string> = existsSync(file)
      ? Object.fromEntries(
          readFileSync(file, 'utf8')
            .split('\n')
            .filter((line) => line.includes('='))
            .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
        )
      : { DB_PORT: '5432', DB_USERNAME: 'aero_test', DB_PASSWORD: 'aero_test', DB_DATABASE: this.dbName };
    const client = new Client({
      host: '127.0.0.1',
      port: Number(env.DB_PORT),
      user: env.DB_USERNAME,
      password: env.DB_PASSWORD,
      database: env.DB_DATABASE,
    });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async down(): Promise<void> {
    await this.script('down', '--drop-db').catch((error: unknown) =>
      process.stderr.write(`${String(error)}\n`),
    );
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** What the clients saw, counted per kind of request. */
export interface LoadCounts {
  /** Logical operations (a booking with its retries is one). */
  operations: number;
  /** Operations whose final answer was not the expected 2xx, or that threw after their retries. */
  failed: number;
  /** HTTP attempts that came back with a retryable status (429/503) and were retried. */
  retriedStatuses: number;
  /** Every answer written by the API (it carries X-Request-Id), per API key, for the usage check. */
  answeredByKey: Map<string, number>;
  /** The booking id each acknowledged booking (201, or its idempotent replay) returned, by Idempotency-Key. */
  bookingsByKey: Map<string, string>;
  byKind: Record<'booking' | 'read' | 'login', { ok: number; failed: number }>;
  failures: string[];
}

export interface LoadOptions {
  base: string;
  seed: ClusterSeed;
  /** Concurrent clients. */
  clients: number;
}

/**
 * Continuous load like the apps send it, through the SDK's own retry policy (`retryingFetch`: an
 * Idempotency-Key on every write, network errors, 429 and 503 retried with backoff): bookings, member reads
 * and staff logins, until `stop()`. Each booking books a (member, session) pair no other booking uses, so a
 * duplicate is visible in the table.
 */
export function startLoad(options: LoadOptions): { counts: LoadCounts; stop(): Promise<LoadCounts> } {
  const counts: LoadCounts = {
    operations: 0,
    failed: 0,
    retriedStatuses: 0,
    answeredByKey: new Map(),
    bookingsByKey: new Map(),
    byKind: { booking: { ok: 0, failed: 0 }, read: { ok: 0, failed: 0 }, login: { ok: 0, failed: 0 } },
    failures: [],
  };
  const { seed } = options;
  const counted = async (request: Request): Promise<Response> => {
    const response = await fetch(request);
    if (response.headers.has('x-request-id')) {
      const key = request.headers.get('x-api-key') ?? '(none)';
      counts.answeredByKey.set(key, (counts.answeredByKey.get(key) ?? 0) + 1);
    }
    if (response.status === 429 || response.status === 503) counts.retriedStatuses++;
    return response;
  };
  const send = retryingFetch(counted, {
    maxAttempts: 8,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    deadlineMs: 20_000,
  });
  let stopping = false;
  let next = 0;

  const one = async (): Promise<void> => {
    const n = next++;
    const kind = (['booking', 'read', 'booking', 'login'] as const)[n % 4];
    counts.operations++;
    try {
      let response: Response;
      if (kind === 'booking') {
        const b = Math.floor(n / 2);
        const memberId = seed.memberIds[b % seed.memberIds.length];
        const sessionId = seed.sessionIds[Math.floor(b / seed.memberIds.length) % seed.sessionIds.length];
        const key = randomUUID();
        response = await send(
          new Request(`${options.base}/v1/bookings`, {
            method: 'POST',
            headers: {
              'x-api-key': seed.kioskKey,
              'content-type': 'application/json',
              'idempotency-key': key,
            },
            body: JSON.stringify({ sessionId, memberId, quantity: 1 }),
          }),
        );
        if (response.status === 201) {
          counts.bookingsByKey.set(key, ((await response.json()) as { id: string }).id);
          counts.byKind.booking.ok++;
          return;
        }
      } else if (kind === 'read') {
        const memberId = seed.memberIds[n % seed.memberIds.length];
        response = await send(
          new Request(`${options.base}/v1/members/${memberId}`, { headers: { 'x-api-key': seed.kioskKey } }),
        );
        if (response.status === 200) {
          await response.arrayBuffer();
          counts.byKind.read.ok++;
          return;
        }
      } else {
        response = await send(
          new Request(`${options.base}/v1/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(seed.staff),
          }),
        );
        if (response.status === 200 || response.status === 201) {
          await response.arrayBuffer();
          counts.byKind.login.ok++;
          return;
        }
      }
      counts.failed++;
      counts.byKind[kind].failed++;
      counts.failures.push(`${kind}: ${response.status} ${(await response.text()).slice(0, 300)}`);
    } catch (error) {
      counts.failed++;
      counts.byKind[kind].failed++;
      counts.failures.push(
        `${kind}: ${error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error)}`,
      );
    }
  };

  const worker = async (): Promise<void> => {
    while (!stopping) await one();
  };
  const workers = Array.from({ length: options.clients }, () => worker());
  return {
    counts,
    stop: async () => {
      stopping = true;
      await Promise.all(workers);
      return counts;
    },
  };
}

/** Polls `read` until `done(value)` or `seconds` pass; resolves with the last value either way. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  seconds = 20,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    value = await read();
  }
  return value;
}
