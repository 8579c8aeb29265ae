import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { LocalRedisCluster, TestApp } from '@aero/testing';
import { createTestApp, createUser, startLocalRedisCluster } from '@aero/testing';
import { SESSIONS_ENDED_CHANNEL } from '@aero/auth';

// Redis Cluster: 3 primaries + 3 replicas started by scripts/redis-cluster.sh, two API instances on it
// (REDIS_CLUSTER_NODES). Under continuous load a replica takes over by CLUSTER FAILOVER, then a primary is
// killed: no request answers 500, a staff user's rate limit stays within the bound documented for a
// Redis failover ((instances + 1) × limit per window), and an ended session still reaches the other
// instance through sharded pub/sub before and after.
jest.setTimeout(90_000);

const STAFF_LIMIT = 30;
const INSTANCES = 2;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 50));
  }
}

/** One command on the node at `port`, on a connection of its own; `undefined` when the node does not answer. */
async function ask(port: number, ...command: [string, ...string[]]): Promise<unknown> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(...command);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

async function role(port: number): Promise<string | undefined> {
  const reply = (await ask(port, 'ROLE')) as [string, ...unknown[]] | undefined;
  return reply?.[0];
}

/** Whether the node on `port` is a replica of the node on `primaryPort` with its link up. */
async function replicating(port: number, primaryPort: number): Promise<boolean> {
  const info = String((await ask(port, 'INFO', 'replication')) ?? '');
  return (
    /^role:slave\r?$/m.test(info) &&
    new RegExp(`^master_port:${primaryPort}\\r?$`, 'm').test(info) &&
    /^master_link_status:up\r?$/m.test(info)
  );
}

/** The client port of a replica of the shard that owns `channel`'s slot (from CLUSTER SHARDS, Redis 7). */
async function replicaOfTheShardOwning(seedPort: number, channel: string): Promise<number> {
  const client = new Redis({ host: '127.0.0.1', port: seedPort });
  try {
    const slot = Number(await client.call('CLUSTER', 'KEYSLOT', channel));
    const shards = (await client.call('CLUSTER', 'SHARDS')) as unknown[][];
    for (const shard of shards) {
      const fields = new Map<string, unknown>();
      for (let i = 0; i < shard.length; i += 2) fields.set(String(shard[i]), shard[i + 1]);
      const slots = (fields.get('slots') as Array<number | string>).map(Number);
      let owns = false;
      for (let i = 0; i < slots.length; i += 2) owns ||= slot >= slots[i] && slot <= slots[i + 1];
      if (!owns) continue;
      for (const node of fields.get('nodes') as unknown[][]) {
        const entry = new Map<string, unknown>();
        for (let i = 0; i < node.length; i += 2) entry.set(String(node[i]), node[i + 1]);
        if (entry.get('role') === 'replica') return Number(entry.get('port'));
      }
    }
    throw new Error(`no replica found for slot ${slot}`);
  } finally {
    client.disconnect();
  }
}

describe('Redis Cluster: failovers under load', () => {
  let cluster: LocalRedisCluster;
  let apps: TestApp[];
  let admin: { email: string; password: string; authHeader: Record<string, string> };
  let staff: Record<string, string>;
  const statuses = { admin: new Map<number | string, number>(), staff: new Map<number | string, number>() };

  beforeAll(async () => {
    cluster = await startLocalRedisCluster();
    const env = {
      REDIS_CLUSTER_NODES: cluster.nodes,
      JWT_SIGNING_KEY: randomBytes(32).toString('hex'),
      API_KEY_PEPPER: randomBytes(32).toString('hex'),
      RATE_LIMIT_REDIS_KEY_PREFIX: `cluster:${randomBytes(4).toString('hex')}:`,
      RATE_LIMIT_STAFF_PER_MINUTE: String(STAFF_LIMIT),
      RATE_LIMIT_STAFF_BURST: String(STAFF_LIMIT),
      // Only pub/sub can tell the other instance about an ended session within the test's bounded wait.
      AUTH_REVOCATIONS_POLL_SECONDS: '300',
      RATE_LIMIT_REDIS_TIMEOUT_MS: '200',
      RATE_LIMIT_REDIS_BREAKER_SECONDS: '1',
    };
    const first = await createTestApp({ shareableDatabase: true, env });
    apps = [
      first,
      await createTestApp({ database: first.database, env: { ...env, DB_MIGRATIONS_RUN: 'false' } }),
    ];
    admin = await createUser(first, { role: 'admin' });
    staff = (await createUser(first, { role: 'staff' })).authHeader;
    for (const app of apps) {
      await until('rate limits shared through the cluster', async () =>
        /^rate_limit_shared 1$/m.test((await app.http.get('/metrics')).text) ? true : undefined,
      );
    }
  });

  afterAll(async () => {
    await apps?.[1]?.close();
    await apps?.[0]?.close();
    await cluster?.dispose();
    const line = (m: Map<number | string, number>) => [...m].map(([status, n]) => `${status}×${n}`).join(' ');
    console.log(
      `redis cluster under load: admin reads ${line(statuses.admin)}; staff (limit ${STAFF_LIMIT}/min) ${line(statuses.staff)}`,
    );
  });

  /** Signs in on instance 0, ends the session there, and waits for instance 1 to refuse its access token. */
  const revocationReachesTheOtherInstance = async (): Promise<void> => {
    const login = await apps[0].http
      .post('/v1/auth/login')
      .send({ email: admin.email, password: admin.password });
    expect(login.status).toBe(200);
    const { accessToken, refreshToken } = login.body as { accessToken: string; refreshToken: string };
    const bearer = { Authorization: `Bearer ${accessToken}` };
    expect((await apps[1].http.get('/v1/auth/me').set(bearer)).status).toBe(200);
    expect((await apps[0].http.post('/v1/auth/logout').send({ refreshToken })).status).toBe(204);
    await until(
      'instance 1 to refuse the ended session',
      async () => ((await apps[1].http.get('/v1/auth/me').set(bearer)).status === 401 ? true : undefined),
      5_000,
    );
  };

  it('an ended session reaches the other instance through the cluster', async () => {
    await revocationReachesTheOtherInstance();
  });

  it('CLUSTER FAILOVER and a killed primary under load: 0 × 500, limits within their bound, revocations still arrive', async () => {
    let running = true;
    let turn = 0;
    const count = (map: Map<number | string, number>, status: number | string) =>
      map.set(status, (map.get(status) ?? 0) + 1);
    const loop = async (who: 'admin' | 'staff', headers: Record<string, string>): Promise<void> => {
      while (running) {
        const app = apps[turn++ % INSTANCES];
        const status = await app.http
          .get('/v1/auth/me')
          .set(headers)
          .then((response) => response.status)
          .catch(() => 'network');
        count(statuses[who], status);
      }
    };
    const started = Date.now();
    const load = [loop('admin', admin.authHeader), loop('admin', admin.authHeader), loop('staff', staff)];
    try {
      // A graceful takeover: a replica asks its primary to hand over. The shard chosen is the one that
      // carries the ended-sessions channel, so its subscribers and publishers must all follow the failover.
      const replica = await replicaOfTheShardOwning(cluster.ports[0], SESSIONS_ENDED_CHANNEL);
      const redis = new Redis({ host: '127.0.0.1', port: replica });
      await redis.call('CLUSTER', 'FAILOVER');
      redis.disconnect();
      await until('the replica to be promoted', async () =>
        (await role(replica)) === 'master' ? true : undefined,
      );
      // The ended-sessions channel now lives on another node: the instances' subscriptions must follow it.
      await revocationReachesTheOtherInstance();

      // A crash: the primary just promoted is killed; its old primary (now its replica) takes over again
      // once it has synced with it (a replica that never synced with its primary cannot be elected).
      await until('the old primary to replicate from the promoted one', async () =>
        (
          await Promise.all(
            cluster.ports.map(async (port) => (port === replica ? undefined : replicating(port, replica))),
          )
        ).some(Boolean)
          ? true
          : undefined,
      );
      await cluster.kill(replica);
      await until(
        'the cluster to fail over the killed primary',
        async () => {
          const status = await cluster.status();
          const alive = status.split('\n').filter((line) => line && !line.endsWith(' down'));
          return alive.length === 5 &&
            alive.every((line) => line.includes('cluster_state:ok')) &&
            alive.filter((line) => line.includes(' master ')).length === 3
            ? true
            : undefined;
        },
        30_000,
      );
      for (const app of apps) {
        await until('rate limits shared again', async () =>
          /^rate_limit_shared 1$/m.test((await app.http.get('/metrics')).text) ? true : undefined,
        );
      }
      await revocationReachesTheOtherInstance();
    } finally {
      running = false;
      await Promise.all(load);
    }
    const windows = Math.floor((Date.now() - started) / 60_000) + 1;

    const all = [...statuses.admin, ...statuses.staff];
    expect(all.filter(([status]) => status === 500 || status === 'network')).toEqual([]);
    expect([...statuses.admin.keys()]).toEqual([200]);
    const allowedStaff = statuses.staff.get(200) ?? 0;
    expect(allowedStaff).toBeGreaterThan(0);
    expect(allowedStaff).toBeLessThanOrEqual((INSTANCES + 1) * STAFF_LIMIT * windows);
    expect([...statuses.staff.keys()].every((status) => status === 200 || status === 429)).toBe(true);
  });
});
