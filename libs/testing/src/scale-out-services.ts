import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from './free-port';

const run = promisify(execFile);
const SCRIPTS = resolve(__dirname, '..', '..', '..', 'scripts');

/**
 * Tests start the scale-out services with the project's own scripts (scripts/pg-replica.sh,
 * scripts/redis-cluster.sh), the ones developers and `scripts/cluster.sh` use, each on free loopback
 * ports and in a temporary state directory: the shared servers on :5432 and :6379 are never touched.
 */
async function script(name: string, env: Record<string, string>, ...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [join(SCRIPTS, name), ...args], {
    env: { ...process.env, ...env },
    timeout: 90_000,
    maxBuffer: 1 << 20,
  });
  return stdout;
}

function parseEnv(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line.trim()))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => [match[1], match[2]]),
  );
}

export interface PostgresWithReplica {
  /** DB_* settings of the primary and DB_REPLICA_* of the replica, as the API reads them. */
  env: Record<string, string>;
  primaryPort: number;
  replicaPort: number;
  /** Fast shutdown of the replica only; `startReplica` resolves once it streams again. */
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  /** pg_wal_replay_pause()/resume() on the replica: WAL still arrives, nothing new becomes visible. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  dispose(): Promise<void>;
}

/** A PostgreSQL primary with a streaming replica (scripts/pg-replica.sh up), ready once it streams. */
export async function startPostgresWithReplica(): Promise<PostgresWithReplica> {
  const dir = mkdtempSync(join(tmpdir(), 'aero-pg-replica-'));
  // The servers run as the postgres OS user when the tests run as root.
  chmodSync(dir, 0o777);
  const primaryPort = await freeLoopbackPort();
  let replicaPort = await freeLoopbackPort();
  while (replicaPort === primaryPort) replicaPort = await freeLoopbackPort();
  const env = {
    PG_REPLICA_DIR: join(dir, 'state'),
    PG_PRIMARY_PORT: String(primaryPort),
    PG_REPLICA_PORT: String(replicaPort),
  };
  const settings = parseEnv(await script('pg-replica.sh', env, 'up'));
  return {
    env: settings,
    primaryPort,
    replicaPort,
    stopReplica: async () => void (await script('pg-replica.sh', env, 'stop-replica')),
    startReplica: async () => void (await script('pg-replica.sh', env, 'start-replica')),
    pauseReplay: async () => void (await script('pg-replica.sh', env, 'pause-replay')),
    resumeReplay: async () => void (await script('pg-replica.sh', env, 'resume-replay')),
    dispose: async () => {
      await script('pg-replica.sh', env, 'down').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface LocalRedisCluster {
  /** host:port of the six nodes (REDIS_CLUSTER_NODES). */
  nodes: string;
  ports: number[];
  /** `scripts/redis-cluster.sh status` output (one line per node: role and cluster_state). */
  status(): Promise<string>;
  /** SIGKILLs one node (a crash) / starts it again. */
  kill(port: number): Promise<void>;
  start(port: number): Promise<void>;
  dispose(): Promise<void>;
}

/** 3 primaries + 3 replicas in cluster mode (scripts/redis-cluster.sh up), ready once every node is ok. */
export async function startLocalRedisCluster(): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'aero-redis-cluster-'));
  const ports: number[] = [];
  const bus: number[] = [];
  while (ports.length < 6 || bus.length < 6) {
    const port = await freeLoopbackPort();
    if (ports.includes(port) || bus.includes(port)) continue;
    if (ports.length < 6) ports.push(port);
    else bus.push(port);
  }
  const env = {
    REDIS_CLUSTER_DIR: join(dir, 'state'),
    REDIS_CLUSTER_PORTS: ports.join(','),
    REDIS_CLUSTER_BUS_PORTS: bus.join(','),
  };
  const settings = parseEnv(await script('redis-cluster.sh', env, 'up'));
  return {
    nodes: settings.REDIS_CLUSTER_NODES,
    ports,
    status: () =>
      script('redis-cluster.sh', env, 'status').catch((error: { stdout?: string }) => error.stdout ?? ''),
    kill: async (port) => void (await script('redis-cluster.sh', env, 'kill', String(port))),
    start: async (port) => void (await script('redis-cluster.sh', env, 'start', String(port))),
    dispose: async () => {
      await script('redis-cluster.sh', env, 'down').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
