import type { ClusterOptions, RedisOptions } from 'ioredis';
import { Cluster, Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config';

/** A single Redis (or a primary with replicas) or a Redis Cluster: every Redis user takes either. */
export type RedisClient = Redis | Cluster;

/** What a caller tunes; the rest (cluster retries, redirections, offline queue) is decided here. */
export type RedisClientOptions = Pick<
  RedisOptions,
  'lazyConnect' | 'enableOfflineQueue' | 'maxRetriesPerRequest' | 'commandTimeout' | 'connectTimeout' | 'retryStrategy'
> & {
  /** Cluster only: one subscriber connection per primary, for SSUBSCRIBE (sharded pub/sub, Redis 7). */
  shardedSubscribers?: boolean;
};

/** Whether REDIS_URL or REDIS_CLUSTER_NODES is set. */
export function redisConfigured(config: Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>): boolean {
  return Boolean(config.redisUrl || config.redisClusterNodes?.length);
}

/**
 * The one place a Redis connection is made. REDIS_URL: an ioredis `Redis`. REDIS_CLUSTER_NODES: an ioredis
 * `Cluster` seeded with those nodes, which learns the slot map, follows MOVED/ASK and, when a primary fails
 * over, refreshes the map and retries on the promoted replica. `undefined` when Redis is not configured.
 *
 * Cluster choices: a redirection or a failover is retried a few times over ~1 s (`retryDelayOnFailover`,
 * `retryDelayOnClusterDown`), well inside the callers' own timeouts; the whole cluster unreachable is
 * retried every 500 ms for ever (`clusterRetryStrategy`), so it comes back by itself; the offline queue
 * follows the caller (off for the limiter, whose calls must fail fast rather than wait for a reconnect).
 */
export function createRedisClient(
  config: Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>,
  options: RedisClientOptions = {},
): RedisClient | undefined {
  if (config.redisClusterNodes?.length) {
    const redisOptions: RedisOptions = {
      connectTimeout: options.connectTimeout ?? 5000,
      commandTimeout: options.commandTimeout,
      maxRetriesPerRequest: options.maxRetriesPerRequest,
    };
    const clusterOptions: ClusterOptions = {
      lazyConnect: options.lazyConnect,
      enableOfflineQueue: options.enableOfflineQueue ?? true,
      enableReadyCheck: true,
      redisOptions,
      clusterRetryStrategy: () => 500,
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 100,
      retryDelayOnMoved: 0,
      maxRedirections: 16,
      slotsRefreshTimeout: 2000,
      slotsRefreshInterval: 5000,
      // Reads and writes on primaries: a counter must never be read from a lagging replica.
      scaleReads: 'master',
      shardedSubscribers: options.shardedSubscribers,
    };
    return new Cluster(config.redisClusterNodes, clusterOptions);
  }
  if (!config.redisUrl) return undefined;
  const { shardedSubscribers: _sharded, ...single } = options;
  return new Redis(config.redisUrl, single);
}

/** True for an ioredis Cluster client. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}
