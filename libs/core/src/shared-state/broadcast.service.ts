import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';

type MessageListener = (message: string) => void;
type ConnectionListener = (shared: boolean) => void;

/**
 * Fire-and-forget messages between instances (cache invalidations, ended sessions) over Redis pub/sub when
 * REDIS_URL is set: one publishing and one subscribing connection per process, shared by every feature.
 * Without Redis, or while it is unreachable, messages stay local and `shared` is false, so features fall
 * back to short lifetimes; a request never fails because Redis did.
 */
@Injectable()
export class BroadcastService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(BroadcastService.name);
  private readonly listeners = new Map<string, Set<MessageListener>>();
  private readonly connectionListeners = new Set<ConnectionListener>();
  private publisher?: Redis;
  private subscriber?: Redis;
  private subscribed = false;

  constructor(private readonly config: AppConfig) {}

  /** Whether messages reach (and arrive from) other instances right now. */
  get shared(): boolean {
    return this.subscribed;
  }

  /** Calls `listener` with every message published on `channel` by any instance (this one included). */
  subscribe(channel: string, listener: MessageListener): void {
    const set = this.listeners.get(channel) ?? new Set<MessageListener>();
    const isNew = !this.listeners.has(channel);
    set.add(listener);
    this.listeners.set(channel, set);
    if (isNew && this.subscriber?.status === 'ready') {
      this.subscriber
        .subscribe(channel)
        .catch((error: Error) => this.logger.warn(`redis subscribe: ${error.message}`));
    }
  }

  /**
   * Told when sharing starts or stops. Messages may have been missed while disconnected, so listeners
   * typically drop what they cached.
   */
  onConnectionChange(listener: ConnectionListener): void {
    this.connectionListeners.add(listener);
  }

  /** Publishes to the other instances; a no-op without Redis, a logged warning when Redis fails. */
  async publish(channel: string, message: string): Promise<void> {
    if (!this.publisher) return;
    try {
      await this.publisher.publish(channel, message);
    } catch (error) {
      this.logger.warn(`could not publish on ${channel}: ${(error as Error).message}`);
    }
  }

  async onModuleInit(): Promise<void> {
    const url = this.config.redisUrl;
    if (!url) return;
    this.publisher = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
    this.subscriber = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => this.logger.warn(`redis: ${error.message}`));
    }
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.listeners.get(channel) ?? []) listener(message);
    });
    this.subscriber.on('close', () => this.setShared(false));
    this.subscriber.on('ready', () => this.setShared(true));
    try {
      await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
      if (this.listeners.size > 0) await this.subscriber.subscribe(...this.listeners.keys());
      this.setShared(true);
    } catch (error) {
      this.logger.warn(
        `redis unavailable, instance-to-instance messages stay local: ${(error as Error).message}`,
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.subscribed = false;
    for (const client of [this.subscriber, this.publisher]) {
      if (!client) continue;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    }
  }

  private setShared(shared: boolean): void {
    if (this.subscribed === shared) return;
    this.subscribed = shared;
    for (const listener of this.connectionListeners) listener(shared);
  }
}
