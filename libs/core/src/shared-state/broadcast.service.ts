import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { RedisClient } from './redis-client';
import { createRedisClient, isCluster } from './redis-client';

type MessageListener = (message: string) => void;

/** How often, on a Redis Cluster, an instance checks that its sharded subscriptions still receive. */
export const SUBSCRIPTION_CHECK_MS = 1000;
/** How long a sharded publish that reached no subscriber is repeated while subscriptions recover. */
export const REPUBLISH_FOR_MS = 10_000;
const REPUBLISH_EVERY_MS = 250;
type ConnectionListener = (shared: boolean) => void;

/**
 * Fire-and-forget messages between instances (cache invalidations, ended sessions) over Redis pub/sub when
 * REDIS_URL is set: one publishing and one subscribing connection per process, shared by every feature.
 * Without Redis, or while it is unreachable, messages stay local and `shared` is false, so features fall
 * back to short lifetimes; a request never fails because Redis did.
 *
 * On a Redis Cluster (REDIS_CLUSTER_NODES) channels are sharded (SPUBLISH/SSUBSCRIBE, Redis 7): a message
 * travels only inside the shard that owns its channel, and ioredis keeps one subscriber per primary,
 * moving it to the promoted replica on failover. A cluster without sharded pub/sub (Redis 6) gets classic
 * PUBLISH/SUBSCRIBE, which the cluster bus forwards to every node.
 *
 * A sharded subscription does not follow a failover by itself: after a primary hands over (CLUSTER
 * FAILOVER) or dies, ioredis keeps listening on the old node until its next slot refresh, and messages
 * published meanwhile reach nobody. So on a cluster each instance checks its own subscriptions every
 * second (an empty SPUBLISH on each channel, ignored by listeners, must reach at least this instance's
 * own subscriber) and refreshes the slot map when one is lost. While a subscription is lost, `shared` is
 * false; when it is back, listeners hear that sharing restarted and re-read what they may have missed
 * (the ended sessions from the database), as after any reconnection. A publish that reached nobody is repeated
 * once the subscriptions are back (every message here is idempotent: an ended session, a dropped cache
 * entry), for up to `REPUBLISH_FOR_MS`.
 */
@Injectable()
export class BroadcastService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(BroadcastService.name);
  private readonly listeners = new Map<string, Set<MessageListener>>();
  private readonly connectionListeners = new Set<ConnectionListener>();
  private publisher?: RedisClient;
  private subscriber?: RedisClient;
  /** SPUBLISH/SSUBSCRIBE (cluster with Redis 7) rather than PUBLISH/SUBSCRIBE. */
  private sharded = false;
  private subscriberReady = false;
  private publisherReady = false;
  private sharing = false;
  private closing = false;
  private checkTimer?: NodeJS.Timeout;
  /** A sharded subscription found deaf by checkSubscriptions and not yet heard again. */
  private subscriptionsLost = false;

  constructor(private readonly config: AppConfig) {}

  /** Whether messages reach (and arrive from) other instances right now. */
  get shared(): boolean {
    return this.sharing;
  }

  /** Calls `listener` with every message published on `channel` by any instance (this one included). */
  subscribe(channel: string, listener: MessageListener): void {
    const set = this.listeners.get(channel) ?? new Set<MessageListener>();
    const isNew = !this.listeners.has(channel);
    set.add(listener);
    this.listeners.set(channel, set);
    if (isNew && this.subscriber?.status === 'ready') {
      this.listen([channel]).catch((error: Error) => this.logger.warn(`redis subscribe: ${error.message}`));
    }
  }

  /**
   * Told when sharing starts or stops, including when Redis first becomes reachable after a boot without
   * it. Messages may have been missed while disconnected, so listeners drop what they cached or re-read it.
   */
  onConnectionChange(listener: ConnectionListener): void {
    this.connectionListeners.add(listener);
  }

  /** Publishes to the other instances; a no-op without Redis, a logged warning when Redis fails. */
  async publish(channel: string, message: string): Promise<void> {
    if (!this.publisher) return;
    if (!this.sharded) {
      try {
        await this.publisher.publish(channel, message);
      } catch (error) {
        this.logger.warn(`could not publish on ${channel}: ${(error as Error).message}`);
      }
      return;
    }
    if ((await this.shardedPublish(channel, message)) > 0) return;
    // Nobody heard it, not even this instance's own subscriber: a failover moved the channel's shard.
    // Refresh the slot maps and repeat it in the background until it is heard (or give up, logged).
    this.refreshSubscriptions();
    void this.republish(channel, message, Date.now() + REPUBLISH_FOR_MS);
  }

  /** SPUBLISH's receiver count; 0 when it failed (logged). */
  private async shardedPublish(channel: string, message: string): Promise<number> {
    try {
      return Number(await this.publisher?.spublish(channel, message)) || 0;
    } catch (error) {
      this.logger.warn(`could not publish on ${channel}: ${(error as Error).message}`);
      return 0;
    }
  }

  private async republish(channel: string, message: string, until: number): Promise<void> {
    while (!this.closing && Date.now() < until) {
      await new Promise((resolveTick) => setTimeout(resolveTick, REPUBLISH_EVERY_MS).unref());
      if (this.closing) return;
      if ((await this.shardedPublish(channel, message)) > 0) return;
    }
    if (!this.closing)
      this.logger.warn(`a message on ${channel} reached no instance for ${REPUBLISH_FOR_MS} ms`);
  }

  /** Asks both cluster clients to re-read the slot map: the subscriber then moves to the new primaries. */
  private refreshSubscriptions(): void {
    for (const client of [this.subscriber, this.publisher]) {
      if (client && isCluster(client)) client.refreshSlotsCache();
    }
  }

  /** Every channel must reach at least this instance's own subscriber; one that does not is re-subscribed. */
  private async checkSubscriptions(): Promise<void> {
    if (!this.sharded || this.closing || this.publisher?.status !== 'ready') return;
    for (const channel of this.listeners.keys()) {
      if ((await this.shardedPublish(channel, '')) === 0) {
        if (!this.subscriptionsLost) {
          this.logger.warn(`sharded subscription to ${channel} lost (failover?): refreshing the slot map`);
        }
        this.subscriptionsLost = true;
        this.updateSharing();
        this.refreshSubscriptions();
        return;
      }
    }
    if (this.subscriptionsLost) {
      this.subscriptionsLost = false;
      this.logger.log('sharded subscriptions receive again');
      this.updateSharing();
    }
  }

  async onModuleInit(): Promise<void> {
    this.publisher = createRedisClient(this.config, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
    if (!this.publisher) return;
    this.sharded = isCluster(this.publisher);
    this.subscriber = createRedisClient(this.config, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      shardedSubscribers: this.sharded,
    });
    if (!this.subscriber) return;
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => this.logger.warn(`redis: ${error.message}`));
    }
    const deliver = (channel: string, message: string): void => {
      if (message === '') return; // a subscription check (see checkSubscriptions)
      for (const listener of this.listeners.get(channel) ?? []) listener(message);
    };
    this.subscriber.on('message', deliver);
    this.subscriber.on('smessage', deliver);
    this.subscriber.on('close', () => this.setReady('subscriber', false));
    // Every (re)connection, the first one included when Redis was down at boot, subscribes to every
    // channel before listeners hear that sharing (re)started.
    this.subscriber.on('ready', () => void this.subscribeAll());
    this.publisher.on('close', () => this.setReady('publisher', false));
    this.publisher.on('ready', () => this.setReady('publisher', true));
    if (this.sharded) {
      // Also when the cluster is down at boot: checks start to matter once it is reachable.
      this.checkTimer = setInterval(() => void this.checkSubscriptions(), SUBSCRIPTION_CHECK_MS);
      this.checkTimer.unref();
    }
    try {
      await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
      if (this.sharded) await this.detectShardedPubSub(this.publisher);
      await this.subscribeAll();
    } catch (error) {
      this.logger.warn(
        `redis unavailable, instance-to-instance messages stay local: ${(error as Error).message}`,
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    this.sharing = false;
    if (this.checkTimer) clearInterval(this.checkTimer);
    for (const client of [this.subscriber, this.publisher]) {
      if (!client) continue;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    }
  }

  private async subscribeAll(): Promise<void> {
    const subscriber = this.subscriber;
    if (!subscriber || subscriber.status !== 'ready') return;
    try {
      if (this.listeners.size > 0) await this.listen([...this.listeners.keys()]);
      this.setReady('subscriber', true);
    } catch (error) {
      this.logger.warn(`redis subscribe: ${(error as Error).message}`);
    }
  }

  /** Each sharded channel on its own: channels of one SSUBSCRIBE must share a slot. */
  private async listen(channels: string[]): Promise<void> {
    const subscriber = this.subscriber;
    if (!subscriber) return;
    if (!this.sharded) {
      await subscriber.subscribe(...channels);
      return;
    }
    for (const channel of channels) await subscriber.ssubscribe(channel);
  }

  /** A cluster of Redis 6 (no SPUBLISH) falls back to classic pub/sub, which its bus forwards everywhere. */
  private async detectShardedPubSub(publisher: RedisClient): Promise<void> {
    try {
      await publisher.spublish('aero:probe', '');
    } catch (error) {
      if (!/unknown command/i.test((error as Error).message)) return;
      this.sharded = false;
      this.logger.log('redis cluster without sharded pub/sub (Redis < 7): using PUBLISH/SUBSCRIBE');
      const old = this.subscriber;
      this.subscriber = createRedisClient(this.config, { lazyConnect: true, maxRetriesPerRequest: 1 });
      old?.disconnect();
      const subscriber = this.subscriber;
      if (!subscriber) return;
      subscriber.on('error', (e: Error) => this.logger.warn(`redis: ${e.message}`));
      subscriber.on('message', (channel: string, message: string) => {
        for (const listener of this.listeners.get(channel) ?? []) listener(message);
      });
      subscriber.on('close', () => this.setReady('subscriber', false));
      subscriber.on('ready', () => void this.subscribeAll());
      await subscriber.connect();
    }
  }

  /** Sharing needs both connections: one to hear the others, one to tell them. */
  private setReady(client: 'subscriber' | 'publisher', ready: boolean): void {
    if (client === 'subscriber') this.subscriberReady = ready;
    else this.publisherReady = ready;
    this.updateSharing();
  }

  private updateSharing(): void {
    const sharing = !this.closing && this.subscriberReady && this.publisherReady && !this.subscriptionsLost;
    if (this.sharing === sharing) return;
    this.sharing = sharing;
    for (const listener of this.connectionListeners) listener(sharing);
  }
}
