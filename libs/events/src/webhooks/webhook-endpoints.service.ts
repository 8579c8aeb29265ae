import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { AppConfig, AppError, ReadDataSource, TransactionService, ValidationProblem } from '@aero/core';
import type { Page } from '@aero/core';
import type { Principal } from '@aero/auth';
import { isAdmin } from '@aero/auth';
import { EVENT_RESOURCES, isEventType } from '../event-types';
import type { EventsFilter } from '../events.service';
import { EventsService } from '../events.service';
import { webhookUrlProblem } from './address-guard';
import { CredentialLifecycle } from './credential-lifecycle';
import type {
  WebhookAttemptDto,
  WebhookDeliveryDto,
  WebhookEndpointCreateDto,
  WebhookEndpointCreatedDto,
  WebhookEndpointDto,
  WebhookEndpointUpdateDto,
} from './webhook.dto';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from './webhook-endpoint.entity';
import type { WebhookAttemptEntity } from './webhook-endpoint.entity';
import { WebhookSecretBox } from './webhook-secret-box';
import { generateWebhookSecret } from './webhook-signature';
import { WebhookProblems } from './webhooks.errors';
import { WebhooksRepository } from './webhooks.repository';

/** The caller of a management operation: a principal over HTTP, or the admin CLI (sees everything). */
export type WebhookCaller = Principal | 'cli';

/**
 * Webhook endpoints: who may create and see which, their URLs' safety rules, their signing secrets
 * (sealed at rest, shown once), and the delivery log. The dispatcher does the sending.
 */
@Injectable()
export class WebhookEndpointsService implements OnModuleInit {
  private readonly logger = new Logger(WebhookEndpointsService.name);
  readonly box: WebhookSecretBox;

  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly repo: WebhooksRepository,
    private readonly events: EventsService,
    private readonly credentials: CredentialLifecycle,
    private readonly reader: ReadDataSource,
  ) {
    this.box = new WebhookSecretBox(config.webhooks.secretKey);
  }

  onModuleInit(): void {
    // Disabling or revoking an API key disables the endpoints it created, in the same transaction.
    this.credentials.onEnded(async (credential) => {
      const ids = await this.repo.disableOwnedBy(credential.kind, credential.id, 'owner_disabled', new Date());
      if (ids.length > 0) this.logger.warn(`disabled ${ids.length} webhook endpoint(s) of ${credential.kind} ${credential.id}`);
    });
    // A rotated key's endpoints belong to its successor: they stay enabled, and the new key lists and edits them.
    this.credentials.onSucceeded(async (predecessor, successor) => {
      await this.repo.transferOwnership(predecessor.kind, predecessor.id, successor.id, new Date());
    });
  }

  async create(input: WebhookEndpointCreateDto, caller: WebhookCaller): Promise<WebhookEndpointCreatedDto> {
    const now = new Date();
    const owner = ownerOf(caller);
    this.checkUrl(input.url);
    const types = this.checkTypes(input.types, owner.isAdmin);
    const venueIds = checkVenues(input.venueIds ?? null, owner.venueIds);
    const id = randomUUID();
    const secret = generateWebhookSecret();
    // New endpoints receive events from now on, not the feed's history (replay brings history on request).
    await this.events.sequence();
    const entity = await this.tx.run(async () => {
      const endpoint = Object.assign(new WebhookEndpointEntity(), {
        id,
        url: input.url,
        description: input.description ?? null,
        types,
        venueIds,
        enabled: input.enabled ?? true,
        disabledReason: null,
        disabledAt: input.enabled === false ? now : null,
        secretSealed: this.box.seal(secret, id),
        previousSecretSealed: null,
        previousSecretExpiresAt: null,
        ownerKind: owner.kind,
        ownerId: owner.id,
        ownerVenueIds: owner.venueIds,
        ownerIsAdmin: owner.isAdmin,
        fanoutPosition: await this.repo.feedHead(),
        fanoutClaimedUntil: null,
        failingSince: null,
        lastSuccessAt: null,
        createdAt: now,
        updatedAt: now,
      });
      await this.repo.insertEndpoint(endpoint);
      return endpoint;
    });
    return { ...toEndpointDto(entity), secret };
  }

  async list(caller: WebhookCaller, limit: number, cursor?: string): Promise<Page<WebhookEndpointDto>> {
    const after = cursor ? this.tx.cursors.decode(cursor, { createdAt: 'instant', id: 'id' }) : undefined;
    const owner = ownerOf(caller);
    const filter = owner.seesAll ? {} : { ownerKind: owner.kind, ownerIds: owner.ids };
    // Listings tolerate the replica's bounded staleness; one endpoint (get, and every write) stays on the primary.
    const rows = await this.reader.read(() => this.tx.read(() => this.repo.listEndpoints(filter, limit, after)));
    return this.tx.cursors.page(rows, limit, toEndpointDto, (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }));
  }

  /** Every endpoint (CLI). */
  async listAll(): Promise<WebhookEndpointDto[]> {
    const all: WebhookEndpointDto[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.list('cli', 100, cursor);
      all.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }

  async get(id: string, caller: WebhookCaller): Promise<WebhookEndpointDto> {
    return toEndpointDto(await this.visible(id, caller));
  }

  async update(id: string, patch: WebhookEndpointUpdateDto, caller: WebhookCaller): Promise<WebhookEndpointDto> {
    const owner = ownerOf(caller);
    if (patch.url !== undefined) this.checkUrl(patch.url);
    const entity = await this.tx.run(async () => {
      const found = await this.visible(id, caller);
      const now = new Date();
      if (patch.url !== undefined) found.url = patch.url;
      if (patch.types !== undefined) found.types = this.checkTypes(patch.types, found.ownerIsAdmin);
      if (patch.venueIds !== undefined) found.venueIds = checkVenues(patch.venueIds, owner.seesAll ? found.ownerVenueIds : owner.venueIds);
      if (patch.description !== undefined) found.description = patch.description;
      if (patch.enabled !== undefined && patch.enabled !== found.enabled) {
        found.enabled = patch.enabled;
        found.disabledReason = null;
        found.disabledAt = patch.enabled ? null : now;
        // A fresh start: the disable clock counts failures from the re-enabling on.
        if (patch.enabled) found.failingSince = null;
      }
      found.updatedAt = now;
      await this.repo.saveEndpoint(found);
      return found;
    });
    return toEndpointDto(entity);
  }

  async remove(id: string, caller: WebhookCaller): Promise<void> {
    await this.tx.run(async () => {
      await this.visible(id, caller);
      await this.repo.deleteEndpoint(id);
    });
  }

  /** A new secret, shown once; the old one is still sent (a second signature) for the grace period. */
  async rotateSecret(id: string, caller: WebhookCaller, graceHours?: number): Promise<WebhookEndpointCreatedDto> {
    const secret = generateWebhookSecret();
    const hours = graceHours ?? this.config.webhooks.rotationGraceHours;
    const entity = await this.tx.run(async () => {
      const found = await this.visible(id, caller);
      const now = new Date();
      found.previousSecretSealed = hours > 0 ? this.box.seal(this.box.open(found.secretSealed, id), id) : null;
      found.previousSecretExpiresAt = hours > 0 ? new Date(now.getTime() + hours * 3_600_000) : null;
      found.secretSealed = this.box.seal(secret, id);
      found.updatedAt = now;
      await this.repo.saveEndpoint(found);
      return found;
    });
    return { ...toEndpointDto(entity), secret };
  }

  async deliveries(id: string, caller: WebhookCaller, limit: number, cursor?: string, status?: string): Promise<Page<WebhookDeliveryDto>> {
    await this.visible(id, caller);
    const after = cursor ? this.tx.cursors.decode(cursor, { createdAt: 'instant', id: 'id' }) : undefined;
    // The delivery log is a listing: the replica may answer it, deliveries and their attempts from one server.
    const { rows, attempts } = await this.reader.read(() =>
      this.tx.read(async () => {
        const page = await this.repo.listDeliveries(id, limit, after, status);
        return { rows: page, attempts: await this.repo.attemptsOf(page.slice(0, limit).map((d) => d.id)) };
      }),
    );
    const byDelivery = new Map<string, WebhookAttemptEntity[]>();
    for (const attempt of attempts) byDelivery.set(attempt.deliveryId, [...(byDelivery.get(attempt.deliveryId) ?? []), attempt]);
    return this.tx.cursors.page(
      rows,
      limit,
      (row) => toDeliveryDto(row, byDelivery.get(row.id) ?? []),
      (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }),
    );
  }

  /** Makes a delivery due now (a failed one too); the dispatcher sends it on its next round. */
  async retry(endpointId: string, deliveryId: string, caller: WebhookCaller): Promise<WebhookDeliveryDto> {
    await this.visible(endpointId, caller);
    const delivery = await this.tx.read(() => this.repo.findDelivery(endpointId, deliveryId));
    if (!delivery) throw new AppError(WebhookProblems.deliveryNotFound, `No delivery ${deliveryId} for endpoint ${endpointId}.`);
    const now = new Date();
    if (!(await this.tx.write(() => this.repo.makeDue(deliveryId, now)))) {
      throw new AppError(WebhookProblems.deliveryInFlight, `Delivery ${deliveryId} is being sent right now.`);
    }
    const [updated] = await this.tx.read(() => this.repo.findDeliveriesByIds([deliveryId]));
    const attempts = await this.tx.read(() => this.repo.attemptsOf([deliveryId]));
    return toDeliveryDto(updated, attempts);
  }

  /**
   * Delivers again every event since `since` that this endpoint subscribes to and had already been fanned
   * out to it (delivered or not); later events arrive anyway. Returns how many deliveries were made due.
   */
  async replay(endpointId: string, since: Date): Promise<number> {
    const endpoint = await this.visible(endpointId, 'cli');
    const filter = eventFilterOf(endpoint);
    const now = new Date();
    let position = 0;
    let count = 0;
    for (;;) {
      const batch = await this.events.listAfter(position, 500, filter);
      if (batch.length === 0) break;
      for (const { position: at, event } of batch) {
        if (at > endpoint.fanoutPosition) return count;
        position = at;
        if (new Date(event.occurredAt) < since || !mayReceive(endpoint, event.type)) continue;
        await this.tx.run(async () => {
          const existing = await this.repo.deliveryIdFor(endpointId, event.id);
          if (existing) await this.repo.makeDue(existing, now);
          else await this.repo.insertDeliveryIfAbsent(newDelivery(endpointId, event, now));
        });
        count++;
      }
    }
    return count;
  }

  /** The endpoint, if this caller may see it (a 404 otherwise, never a 403 that confirms it exists). */
  async visible(id: string, caller: WebhookCaller): Promise<WebhookEndpointEntity> {
    const found = await this.tx.read(() => this.repo.findEndpoint(id));
    const owner = ownerOf(caller);
    if (!found || (!owner.seesAll && (found.ownerKind !== owner.kind || !owner.ids.includes(found.ownerId)))) {
      throw new AppError(WebhookProblems.endpointNotFound, `No webhook endpoint ${id}.`);
    }
    return found;
  }

  private checkUrl(url: string): void {
    const problem = webhookUrlProblem(url, {
      requireHttps: this.config.isProduction,
      allowPrivate: this.config.webhooks.allowPrivateTargets,
    });
    if (problem) {
      throw new AppError(WebhookProblems.targetRefused, `url ${problem}.`, { errors: [{ field: 'url', message: problem }] });
    }
  }

  private checkTypes(types: string[], ownerIsAdmin: boolean): string[] {
    if (types.includes('*')) {
      if (types.length > 1) throw new ValidationProblem([{ field: 'types', message: '`*` stands alone: it already means every type' }]);
      return ['*'];
    }
    const adminOnly = types.filter((t) => isEventType(t) && EVENT_RESOURCES[t].adminOnly);
    if (!ownerIsAdmin && adminOnly.length > 0) {
      throw new ValidationProblem([{ field: 'types', message: `only admins may subscribe to ${adminOnly.join(', ')}` }]);
    }
    return types;
  }
}

interface Owner {
  kind: 'user' | 'apiKey';
  /** Who owns what this caller creates: a rotated key's successor, else the caller itself. */
  id: string;
  /** Whose endpoints this caller manages: its own, and a rotated key's (in its grace period) its successor's. */
  ids: string[];
  isAdmin: boolean;
  /** Admins (and the CLI) see and manage every endpoint; others only their own. */
  seesAll: boolean;
  venueIds: string[] | null;
}

function ownerOf(caller: WebhookCaller): Owner {
  if (caller === 'cli') return { kind: 'user', id: 'cli', ids: ['cli'], isAdmin: true, seesAll: true, venueIds: null };
  const admin = isAdmin(caller);
  const ids = caller.successorId ? [caller.successorId, caller.id] : [caller.id];
  return { kind: caller.kind, id: ids[0], ids, isAdmin: admin, seesAll: admin && !caller.venueIds, venueIds: caller.venueIds ?? null };
}

/** A venue-restricted owner may only ask for its own venues; omitted means all of them. */
function checkVenues(requested: string[] | null, ownerVenues: string[] | null): string[] | null {
  if (!ownerVenues) return requested;
  if (!requested) return null;
  const foreign = requested.filter((v) => !ownerVenues.includes(v));
  if (foreign.length > 0) {
    throw new ValidationProblem([{ field: 'venueIds', message: `not venues this API key may see: ${foreign.join(', ')}` }]);
  }
  return requested;
}

/** What the fan-out reads from the feed for this endpoint. */
export function eventFilterOf(endpoint: WebhookEndpointEntity): EventsFilter {
  const filter: EventsFilter = {};
  if (!endpoint.types.includes('*')) filter.types = endpoint.types;
  // An owner restricted to venues never sees events outside them, whatever the endpoint asks for.
  const venues = endpoint.venueIds ?? endpoint.ownerVenueIds;
  if (venues) filter.venueIds = endpoint.ownerVenueIds ? venues.filter((v) => endpoint.ownerVenueIds?.includes(v)) : venues;
  return filter;
}

/** Admin-only events (API keys, users) go only to endpoints that admins created. */
export function mayReceive(endpoint: WebhookEndpointEntity, type: string): boolean {
  if (!isEventType(type)) return false;
  return !EVENT_RESOURCES[type].adminOnly || endpoint.ownerIsAdmin;
}

export function newDelivery(
  endpointId: string,
  event: { id: string; type: string; occurredAt: string },
  now: Date,
  payload: string = JSON.stringify(event),
): WebhookDeliveryEntity {
  return Object.assign(new WebhookDeliveryEntity(), {
    id: randomUUID(),
    endpointId,
    eventId: event.id,
    eventType: event.type,
    eventOccurredAt: new Date(event.occurredAt),
    payload,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    claimedUntil: null,
    claimToken: null,
    lastStatusCode: null,
    lastError: null,
    firstAttemptAt: null,
    deliveredAt: null,
    createdAt: now,
    updatedAt: now,
  });
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

export function toEndpointDto(e: WebhookEndpointEntity): WebhookEndpointDto {
  return {
    id: e.id,
    url: e.url,
    types: e.types,
    venueIds: e.venueIds,
    description: e.description,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    disabledAt: iso(e.disabledAt),
    failingSince: iso(e.failingSince),
    lastSuccessAt: iso(e.lastSuccessAt),
    previousSecretExpiresAt: e.previousSecretExpiresAt && e.previousSecretExpiresAt > new Date() ? e.previousSecretExpiresAt.toISOString() : null,
    owner: { kind: e.ownerKind, id: e.ownerId },
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

function toAttemptDto(a: WebhookAttemptEntity): WebhookAttemptDto {
  return {
    number: a.number,
    startedAt: a.startedAt.toISOString(),
    outcome: a.outcome,
    statusCode: a.statusCode,
    latencyMs: a.latencyMs,
    responseExcerpt: a.responseExcerpt,
    error: a.error,
  };
}

export function toDeliveryDto(d: WebhookDeliveryEntity, attempts: WebhookAttemptEntity[]): WebhookDeliveryDto {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attemptCount: d.attempts,
    nextAttemptAt: d.status === 'pending' || d.status === 'delivering' ? iso(d.nextAttemptAt) : null,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: iso(d.deliveredAt),
    attempts: attempts.map(toAttemptDto),
  };
}
