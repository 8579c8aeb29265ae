import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, TransactionService } from '@aero/core';
import { EventsService } from '../events.service';
import { nextRetry } from './retry-schedule';
import { WebhookEndpointsService, eventFilterOf, mayReceive, newDelivery } from './webhook-endpoints.service';
import type { WebhookDeliveryEntity, WebhookEndpointEntity } from './webhook-endpoint.entity';
import type { WebhookMetrics } from './webhook-metrics';
import { WebhookSender } from './webhook-sender';
import type { AttemptResult } from './webhook-sender';
import { webhookHeaders } from './webhook-signature';
import { WebhooksRepository } from './webhooks.repository';

/** Events read from the feed per endpoint and round. */
const FANOUT_BATCH = 200;
/** Endpoints looked at per round (fan-out and claims). */
const ENDPOINTS_PER_ROUND = 50;
/** Attempts one instance runs at once, over all endpoints. */
const INSTANCE_MAX_IN_FLIGHT = 64;

/** What one dispatcher round did. */
export interface RoundResult {
  fannedOut: number;
  started: number;
}

/**
 * Turns the events feed into signed deliveries, on every API instance at once:
 *
 * 1. fan-out: per endpoint, the instance that takes the endpoint's fan-out lease reads the feed after the
 *    endpoint's checkpoint and inserts one delivery per matching event (insert-if-absent on the unique
 *    (endpoint, event) key, so even a lease lost mid-way never makes two), then moves the checkpoint;
 * 2. claim: due deliveries are claimed (FOR UPDATE SKIP LOCKED / UPDLOCK, READPAST / a conditional UPDATE),
 *    at most WEBHOOKS_MAX_IN_FLIGHT per endpoint counting every instance, each with a lease after which a
 *    crashed instance's claim is due again;
 * 3. send: each claimed delivery is signed for this attempt and POSTed; the attempt is recorded and the
 *    delivery finished, rescheduled or failed, only if the claim is still this instance's.
 *
 * At-least-once: an instance that dies after the receiver got the request but before recording it leaves a
 * claim that is retried after the lease (same webhook-id, so receivers drop the duplicate).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private round: Promise<RoundResult> | undefined;
  sender: WebhookSender;

  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly repo: WebhooksRepository,
    private readonly events: EventsService,
    private readonly endpoints: WebhookEndpointsService,
  ) {
    this.sender = new WebhookSender({ timeoutMs: config.webhooks.timeoutMs, allowPrivate: config.webhooks.allowPrivateTargets });
  }

  private metrics?: WebhookMetrics;

  /** Test seam: a sender with a stubbed name resolution (the address guard stays in it). */
  useSender(sender: WebhookSender): void {
    this.sender.close();
    this.sender = sender;
  }

  /** The API's /metrics counters (the CLI has none). */
  useMetrics(metrics: WebhookMetrics): void {
    this.metrics = metrics;
  }

  onApplicationBootstrap(): void {
    if (this.config.webhooks.dispatchEnabled) this.start();
  }

  /** Runs rounds on a timer: at once again while there is work, every WEBHOOKS_DISPATCH_INTERVAL_MS otherwise. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    this.schedule(0);
  }

  private reschedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.runOnce()
        .then((r) => this.schedule(r.fannedOut + r.started > 0 ? 0 : this.config.webhooks.dispatchIntervalMs))
        .catch((error: unknown) => {
          // A database outage or anything else: log, wait a round, go on. The dispatcher never dies of it.
          this.logger.warn(`webhook dispatch round failed: ${(error as Error).message}`);
          this.schedule(this.config.webhooks.dispatchIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One round: fan-out then claims; attempts go on in the background (see `idle`). */
  runOnce(): Promise<RoundResult> {
    this.round ??= this.doRound().finally(() => (this.round = undefined));
    return this.round;
  }

  /** Resolves once every attempt started so far has been recorded. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops claiming, then waits for the attempts in flight (each bounded by WEBHOOKS_TIMEOUT_MS). */
  async drain(): Promise<void> {
    this.running = false;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round?.catch(() => undefined);
    await this.idle();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
    this.sender.close();
  }

  get attemptsInFlight(): number {
    return this.inFlight.size;
  }

  private async doRound(): Promise<RoundResult> {
    if (this.stopped) return { fannedOut: 0, started: 0 };
    let fannedOut = 0;
    const ids = await this.tx.read(() => this.repo.enabledEndpointIds(ENDPOINTS_PER_ROUND));
    for (const id of ids) {
      try {
        fannedOut += await this.fanOut(id);
      } catch (error) {
        this.logger.warn(`webhook fan-out for endpoint ${id} failed: ${(error as Error).message}`);
      }
    }
    const started = await this.claimAndStart();
    await this.metrics?.refresh();
    return { fannedOut, started };
  }

  /** Fan-out of one endpoint, if this instance gets its lease. Returns the deliveries made. */
  private async fanOut(endpointId: string): Promise<number> {
    const now = new Date();
    const until = new Date(now.getTime() + this.config.webhooks.claimLeaseSeconds * 1000);
    if (!(await this.tx.write(() => this.repo.claimFanout(endpointId, now, until)))) return 0;
    const endpoint = await this.tx.read(() => this.repo.findEndpoint(endpointId));
    if (!endpoint) return 0;
    // Read before the feed: every event at or below it that matched is in the batch below.
    const headBefore = await this.tx.read(() => this.repo.feedHead());
    const batch = await this.events.listAfter(endpoint.fanoutPosition, FANOUT_BATCH, eventFilterOf(endpoint));
    const last = batch.length > 0 ? batch[batch.length - 1].position : endpoint.fanoutPosition;
    const checkpoint = batch.length < FANOUT_BATCH ? Math.max(last, headBefore) : last;
    const matching = batch.filter((e) => mayReceive(endpoint, e.event.type));
    const made = await this.tx.run(async () => {
      for (const { event } of matching) await this.repo.insertDeliveryIfAbsent(newDelivery(endpointId, event, now));
      if (!(await this.repo.finishFanout(endpointId, checkpoint, until))) throw new LeaseLostError();
      return matching.length;
    }).catch((error: unknown) => {
      if (error instanceof LeaseLostError) return 0;
      throw error;
    });
    if (made > 0) this.metrics?.fannedOut.inc(made);
    return made;
  }

  private async claimAndStart(): Promise<number> {
    const now = new Date();
    const endpointIds = await this.tx.read(() => this.repo.dueEndpointIds(now, ENDPOINTS_PER_ROUND));
    let started = 0;
    for (const endpointId of endpointIds) {
      const room = INSTANCE_MAX_IN_FLIGHT - this.inFlight.size;
      if (room <= 0 || this.stopped) break;
      const token = randomUUID();
      const until = new Date(now.getTime() + this.config.webhooks.claimLeaseSeconds * 1000);
      const maxInFlight = this.config.webhooks.maxInFlight;
      const ids = await this.tx.run(() => this.repo.claimDue(endpointId, maxInFlight, now, until, token));
      if (ids.length === 0) continue;
      const rows = await this.tx.read(() => this.repo.findDeliveriesByIds(ids));
      for (const row of rows) {
        this.track(this.attempt(row, token));
        started++;
      }
    }
    return started;
  }

  private track(work: Promise<unknown>): void {
    const tracked: Promise<void> = work
      .then(() => undefined)
      .catch((error: unknown) => this.logger.warn(`webhook attempt not recorded: ${(error as Error).message}`))
      .finally(() => {
        this.inFlight.delete(tracked);
        // A slot at this endpoint is free: look for the next due delivery now, not at the next tick.
        if (this.running && !this.round) this.reschedule();
      });
    this.inFlight.add(tracked);
  }

  /** The secrets live for this endpoint now: the current one, and the previous one during its grace period. */
  secretsOf(endpoint: WebhookEndpointEntity, now: Date): string[] {
    const secrets = [this.endpoints.box.open(endpoint.secretSealed, endpoint.id)];
    if (endpoint.previousSecretSealed && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
      secrets.push(this.endpoints.box.open(endpoint.previousSecretSealed, endpoint.id));
    }
    return secrets;
  }

  /** One attempt of one claimed delivery, recorded. */
  private async attempt(delivery: WebhookDeliveryEntity, token: string): Promise<void> {
    const endpoint = await this.tx.read(() => this.repo.findEndpoint(delivery.endpointId));
    if (!endpoint || !endpoint.enabled) {
      // Disabled meanwhile: give the claim back; it is sent when the endpoint is enabled again.
      await this.tx.write(() => this.repo.finishAttempt(delivery.id, token, { status: 'pending' }));
      return;
    }
    const started = new Date();
    const result = await this.send(endpoint, delivery, started);
    await this.record(endpoint, delivery, token, started, result);
  }

  private send(endpoint: WebhookEndpointEntity, delivery: WebhookDeliveryEntity, at: Date): Promise<AttemptResult> {
    let secrets: string[];
    try {
      secrets = this.secretsOf(endpoint, at);
    } catch {
      // Nothing is sent unsigned: the attempt fails (and is retried) until the instances share the key again.
      this.logger.error(`webhook endpoint ${endpoint.id}: its signing secret does not open with this instance's WEBHOOKS_SECRET_KEY`);
      return Promise.resolve({
        outcome: 'failed',
        statusCode: null,
        latencyMs: 0,
        responseExcerpt: null,
        error: 'signing secret unreadable on the sending instance (WEBHOOKS_SECRET_KEY differs); not sent',
        retryAfterMs: null,
        ambiguous: false,
      });
    }
    const timestamp = Math.floor(at.getTime() / 1000);
    const headers = webhookHeaders(secrets, delivery.eventId, timestamp, delivery.payload);
    return this.sender.send({ url: endpoint.url, headers, body: delivery.payload });
  }

  private async record(
    endpoint: WebhookEndpointEntity,
    delivery: WebhookDeliveryEntity,
    token: string,
    started: Date,
    result: AttemptResult,
    retry = true,
  ): Promise<void> {
    const now = new Date();
    const number = delivery.attempts + 1;
    const firstAttemptAt = delivery.firstAttemptAt ?? started;
    const succeeded = result.outcome === 'succeeded';
    const next = succeeded || !retry ? null : nextRetry(number, firstAttemptAt, now, result.retryAfterMs).nextAttemptAt;
    const status = succeeded ? 'succeeded' : next ? 'pending' : 'failed';
    await this.tx.run(async () => {
      await this.repo.insertAttempt({
        id: randomUUID(),
        deliveryId: delivery.id,
        endpointId: endpoint.id,
        number,
        startedAt: started,
        outcome: result.outcome,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        responseExcerpt: result.responseExcerpt,
        error: result.error,
      });
      await this.repo.finishAttempt(delivery.id, token, {
        status,
        attempts: number,
        firstAttemptAt,
        nextAttemptAt: next,
        lastStatusCode: result.statusCode,
        lastError: result.error,
        deliveredAt: succeeded ? now : null,
        updatedAt: now,
      });
      if (retry) await this.repo.recordEndpointOutcome(endpoint.id, succeeded, now);
    });
    this.metrics?.attempts.inc({ outcome: result.outcome });
    this.metrics?.latency.observe(result.latencyMs / 1000);
    if (status !== 'pending') this.metrics?.deliveries.inc({ outcome: status });
    if (!succeeded && retry) await this.disableIfFailingTooLong(endpoint, now);
  }

  private async disableIfFailingTooLong(endpoint: WebhookEndpointEntity, now: Date): Promise<void> {
    const cutoff = new Date(now.getTime() - this.config.webhooks.disableAfterHours * 3_600_000);
    if (await this.tx.write(() => this.repo.disableIfFailingSince(endpoint.id, cutoff, now))) {
      this.metrics?.autoDisabled.inc();
      await this.metrics?.refresh(true);
      this.logger.warn(
        `webhook endpoint ${endpoint.id} (${new URL(endpoint.url).host}) disabled: every delivery failed for ${this.config.webhooks.disableAfterHours} h; an admin can re-enable it (PATCH enabled=true)`,
      );
    }
  }

  /**
   * Sends a signed `webhook.ping` to an endpoint now (webhooks:test) and records it like any delivery.
   * Works on a disabled endpoint too, so its owner can check the receiver before enabling it.
   */
  async ping(endpointId: string): Promise<{ deliveryId: string; result: AttemptResult }> {
    const endpoint = await this.endpoints.visible(endpointId, 'cli');
    const now = new Date();
    const event = {
      id: `evt_ping_${randomUUID().replace(/-/g, '').slice(0, 18)}`,
      type: 'webhook.ping',
      occurredAt: now.toISOString(),
      venueId: null,
      actor: { kind: 'system', id: 'cli' },
      data: { endpointId },
    };
    const delivery = newDelivery(endpointId, event, now);
    const token = randomUUID();
    Object.assign(delivery, { status: 'delivering', claimToken: token, claimedUntil: new Date(now.getTime() + 60_000) });
    await this.tx.run(() => this.repo.insertDeliveryIfAbsent(delivery));
    const result = await this.send(endpoint, delivery, now);
    // A ping is tried once and does not count toward the endpoint's health.
    await this.record(endpoint, delivery, token, now, result, false);
    return { deliveryId: delivery.id, result };
  }
}

class LeaseLostError extends Error {}
