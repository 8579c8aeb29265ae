import { randomBytes } from 'node:crypto';
import type { DisposableRedis } from './redis-server';
import { startDisposableRedis } from './redis-server';
import type { TestApp } from './test-app';
import { createPeerApp, createTestApp } from './test-app';

export interface SharedInstances {
  redis: DisposableRedis;
  a: TestApp;
  b: TestApp;
  /** The settings both run with, for a further instance: `createPeerApp(a, { env })`. */
  env: Record<string, string>;
}

/**
 * Two instances of one deployment (see createPeerApp) sharing a disposable Redis of their own, for suites
 * about what instances share (limits, lockouts). `env` goes to both, over the Redis settings.
 */
export async function startSharedInstances(env: Record<string, string> = {}): Promise<SharedInstances> {
  const redis = await startDisposableRedis();
  const shared = {
    REDIS_URL: redis.url,
    RATE_LIMIT_REDIS_KEY_PREFIX: `test:rl:${randomBytes(6).toString('hex')}:`,
    // A loaded test machine must not trip the breaker on a slow answer: these suites are about sharing.
    RATE_LIMIT_REDIS_TIMEOUT_MS: '1000',
    ...env,
  };
  const started: Partial<SharedInstances> = { redis, env: shared };
  try {
    started.a = await createTestApp({ shareableDatabase: true, env: shared });
    started.b = await createPeerApp(started.a, { env: shared });
    return started as SharedInstances;
  } catch (error) {
    await stopSharedInstances(started);
    throw error;
  }
}

/** Ends what startSharedInstances started (whatever of it did start). */
export async function stopSharedInstances(started: Partial<SharedInstances>): Promise<void> {
  await started.b?.close();
  await started.a?.close();
  await started.redis?.dispose();
}
