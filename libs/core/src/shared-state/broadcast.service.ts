import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { RedisClient } from './redis-client';
import { createRedisClient, isCluster } from './redis-client';

type MessageListener = (message: string) => void;
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
    try {
      if (this.sharded) await this.publisher.spublish(channel, message);
      else await this.publisher.publish(channel, message);
    } catch (error) {
      this.logger.warn(`could not publish on ${channel}: ${(error as Error).message}`);
    }
  }

  async onModuleInit(): Promise<void> {
    this.publisher = createRedisClient(this.config, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    if (!this.publisher) return;
    this.sharded = isCluster(this.publisher);
    this.subscriber = createRedisClient(this.config, { lazyConnect: true, maxRetriesPerRequest: 1, shardedSubscribers: this.sharded });
    if (!this.subscriber) return;
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => this.logger.warn(`redis: ${error.message}`));
    }
    const deliver = (channel: string, message: string): void => {
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
    const sharing = !this.closing && this.subscriberReady && this.publisherReady;
    if (this.sharing === sharing) return;
    this.sharing = sharing;
    for (const listener of this.connectionListeners) listener(sharing);
  }
}
