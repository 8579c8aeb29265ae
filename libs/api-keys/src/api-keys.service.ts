import { randomUUID } from 'node:crypto';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig, AppError, ReadDataSource, TransactionService, ValidationProblem } from '@aero/core';
import type { Page } from '@aero/core';
import type { Principal, Scope } from '@aero/auth';
import { actorFromTag, CredentialLifecycle, EventsService } from '@aero/events';
import { ApiKeyCache } from './api-key-cache';
import type { ApiKeyCreatedDto, ApiKeyDto, ApiKeyStatus, ApiKeyUpdateDto } from './api-key.dto';
import { ApiKeyEntity } from './api-key.entity';
import { digestsEqual, generateApiKey, hashApiKey, parseApiKey } from './api-key-format';
import { ApiKeyProblems } from './api-keys.errors';
import { ApiKeysRepository } from './api-keys.repository';

export interface ApiKeyCreateInput {
  name: string;
  app: string;
  scopes: Scope[];
  /** ISO 8601 instant or Date; must be in the future. */
  expiresAt?: string | Date | null;
  rateLimitPerMinute?: number | null;
  monthlyQuota?: number | null;
  maxOpenHolds?: number | null;
  venueIds?: string[] | null;
}

/** lastUsedAt is written at most this often per key (never a write per request). */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;
export const DEFAULT_GRACE_SECONDS = 3600;
export const DEMO_KIOSK_KEY_NAME = 'Demo kiosk';

/**
 * API key lifecycle and verification. Verification of a cached key is CPU only: parse + checksum, one
 * HMAC-SHA-256, a constant-time compare and a few field checks (~µs), no database query.
 */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  /** When lastUsedAt was last written (or read) per key. */
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly keys: ApiKeysRepository,
    private readonly cache: ApiKeyCache,
    private readonly events: EventsService,
    private readonly reader: ReadDataSource,
    /** Told when a key stops acting (disabled, revoked), in the same transaction: its webhook endpoints are disabled. */
    @Optional() private readonly lifecycle?: CredentialLifecycle,
  ) {}

  /** Creates a key; the returned `key` is the only time it is ever shown. */
  async create(input: ApiKeyCreateInput, createdBy: string): Promise<ApiKeyCreatedDto> {
    const now = new Date();
    const entity = this.newEntity(input, createdBy, now);
    const key = this.assignSecret(entity);
    const data = toApiKeyDto(entity, now);
    await this.tx.run(async () => {
      await this.keys.insert(entity);
      await this.events.record('api_key.created', { actor: actorFromTag(createdBy), data });
    });
    return { ...data, key };
  }

  async list(limit: number, cursor?: string): Promise<Page<ApiKeyDto>> {
    const after = cursor ? this.tx.cursors.decode(cursor, { createdAt: 'instant', id: 'id' }) : undefined;
    // An admin listing tolerates the replica's bounded staleness; a single key (get) stays on the primary.
    const rows = await this.reader.read(() => this.tx.read(() => this.keys.listPage(limit, after)));
    const now = new Date();
    return this.tx.cursors.page(rows, limit, (row) => toApiKeyDto(row, now), (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }));
  }

  /** Every key, oldest first (CLI listing). */
  async listAll(): Promise<ApiKeyDto[]> {
    const all: ApiKeyDto[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.list(100, cursor);
      all.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }

  async get(id: string): Promise<ApiKeyDto> {
    const entity = await this.tx.read(() => this.keys.findById(id));
    if (!entity) throw notFound(id);
    return toApiKeyDto(entity, new Date());
  }

  async update(id: string, patch: ApiKeyUpdateDto): Promise<ApiKeyDto> {
    const now = new Date();
    const expiresAt = patch.expiresAt === undefined ? undefined : patch.expiresAt === null ? null : futureInstant(patch.expiresAt, now);
    const entity = await this.tx.run(async () => {
      const found = await this.keys.findById(id);
      if (!found) throw notFound(id);
      if (patch.name !== undefined) found.name = patch.name;
      if (patch.scopes !== undefined) found.scopes = patch.scopes;
      if (expiresAt !== undefined) found.expiresAt = expiresAt;
      if (patch.enabled === false && found.enabled) await this.stopsActing(found);
      if (patch.enabled !== undefined) found.enabled = patch.enabled;
      if (patch.rateLimitPerMinute !== undefined) found.rateLimitPerMinute = patch.rateLimitPerMinute;
      if (patch.monthlyQuota !== undefined) found.monthlyQuota = patch.monthlyQuota;
      if (patch.maxOpenHolds !== undefined) found.maxOpenHolds = patch.maxOpenHolds;
      if (patch.venueIds !== undefined) found.venueIds = patch.venueIds;
      found.updatedAt = now;
      await this.keys.save(found);
      return found;
    });
    await this.cache.invalidate(id);
    return toApiKeyDto(entity, now);
  }

  /** Revokes a key for good; the very next request with it fails. Revoking twice is harmless. */
  async revoke(id: string, revokedBy = 'cli'): Promise<void> {
    await this.tx.run(async () => {
      const found = await this.keys.findById(id);
      if (!found) throw notFound(id);
      if (found.revokedAt) return;
      const now = new Date();
      found.revokedAt = now;
      found.updatedAt = now;
      await this.keys.save(found);
      await this.events.record('api_key.revoked', { actor: actorFromTag(revokedBy), data: toApiKeyDto(found, now) });
      await this.stopsActing(found);
    });
    await this.cache.invalidate(id);
  }

  /**
   * Issues a new key with the same settings; the old one keeps working for `graceSeconds` (0: stops at
   * once), then fails with `api-key-rotated`.
   */
  async rotate(id: string, graceSeconds = DEFAULT_GRACE_SECONDS, rotatedBy = 'cli'): Promise<ApiKeyCreatedDto> {
    const now = new Date();
    const result = await this.tx.run(async () => {
      const old = await this.keys.findById(id);
      if (!old) throw notFound(id);
      if (old.revokedAt || old.replacedById) {
        throw new AppError(ApiKeyProblems.notRotatable, `API key ${id} is ${old.revokedAt ? 'revoked' : 'already rotated'}.`);
      }
      const successor = this.newEntity(
        {
          name: old.name,
          app: old.app,
          scopes: old.scopes,
          expiresAt: old.expiresAt,
          rateLimitPerMinute: old.rateLimitPerMinute,
          monthlyQuota: old.monthlyQuota,
          maxOpenHolds: old.maxOpenHolds,
          venueIds: old.venueIds,
        },
        rotatedBy,
        now,
        false,
      );
      successor.enabled = old.enabled;
      // The successor is the same caller for Idempotency-Key: a retry sent with it replays the first outcome.
      successor.lineageId = old.lineageId ?? old.id;
      const key = this.assignSecret(successor);
      await this.keys.insert(successor);
      old.replacedById = successor.id;
      old.graceEndsAt = new Date(now.getTime() + graceSeconds * 1000);
      old.updatedAt = now;
      await this.keys.save(old);
      // What the old key owns (its webhook endpoints) is the successor's from now on, grace period or not.
      await this.lifecycle?.succeeded({ kind: 'apiKey', id: old.id }, { kind: 'apiKey', id: successor.id });
      await this.events.record('api_key.rotated', { actor: actorFromTag(rotatedBy), data: toApiKeyDto(old, now) });
      return { successor, key };
    });
    await this.cache.invalidate(id);
    return { ...toApiKeyDto(result.successor, now), key: result.key };
  }

  /** db:seed: a demo kiosk key, created once (the key is returned only on creation). */
  async ensureDemoKioskKey(): Promise<{ apiKey: ApiKeyDto; key?: string }> {
    const existing = (await this.listAll()).find((k) => k.name === DEMO_KIOSK_KEY_NAME && k.status === 'active');
    if (existing) return { apiKey: existing };
    const created = await this.create(
      { name: DEMO_KIOSK_KEY_NAME, app: 'kiosk', scopes: ['members:read', 'bookings:read', 'bookings:write', 'venues:read'] },
      'seed',
    );
    const { key, ...apiKey } = created;
    return { apiKey, key };
  }

  /** Station 3 for API keys: the presented key → a Principal, or a 401 problem saying why. */
  async verify(presentedKey: string): Promise<Principal> {
    const id = parseApiKey(presentedKey);
    if (!id) throw invalid('The API key is malformed or mistyped (checksum mismatch).');
    let entity = this.cache.get(id);
    if (entity === undefined) {
      entity = await this.tx.read(() => this.keys.findById(id));
      this.cache.set(id, entity);
      if (entity?.lastUsedAt && !this.lastUsedWritten.has(id)) this.lastUsedWritten.set(id, entity.lastUsedAt.getTime());
    }
    // Only a key whose secret matches learns why it is refused; anything else is just invalid.
    if (!entity || !digestsEqual(hashApiKey(presentedKey, this.config.apiKeys.pepper), entity.secretHash)) {
      throw invalid('Unknown API key.');
    }
    const now = Date.now();
    switch (statusOf(entity, now)) {
      case 'revoked':
        throw new AppError(ApiKeyProblems.revoked);
      case 'rotated':
        throw new AppError(ApiKeyProblems.rotated, 'This key was rotated and its grace period is over.', {
          replacedById: entity.replacedById,
        });
      case 'disabled':
        throw new AppError(ApiKeyProblems.disabled);
      case 'expired':
        throw new AppError(ApiKeyProblems.expired);
      default:
        break;
    }
    this.recordUse(entity.id, now);
    const principal: Principal = {
      kind: 'apiKey',
      id: entity.id,
      lineageId: entity.lineageId ?? entity.id,
      roles: [],
      scopes: entity.scopes,
      app: entity.app,
    };
    if (entity.venueIds) principal.venueIds = entity.venueIds;
    if (entity.replacedById) principal.successorId = entity.replacedById;
    if (entity.rateLimitPerMinute !== null) principal.rateLimitPerMinute = entity.rateLimitPerMinute;
    if (entity.monthlyQuota !== null) principal.monthlyQuota = entity.monthlyQuota;
    if (entity.maxOpenHolds !== null) principal.maxOpenHolds = entity.maxOpenHolds;
    return principal;
  }

  /**
   * A key is disabled or revoked (inside the caller's transaction). The current key of a lineage takes its
   * webhook endpoints with it; a rotated predecessor does not: anything still in its name (endpoints created
   * before rotations handed them over) goes to the lineage's current key, unless that one no longer acts either.
   */
  private async stopsActing(key: ApiKeyEntity): Promise<void> {
    let successor: ApiKeyEntity | null = null;
    for (let next = key.replacedById, hops = 0; next && hops < 100; hops++) {
      successor = await this.keys.findById(next);
      next = successor?.replacedById ?? null;
    }
    if (successor && !successor.revokedAt && successor.enabled) {
      await this.lifecycle?.succeeded({ kind: 'apiKey', id: key.id }, { kind: 'apiKey', id: successor.id });
    } else {
      await this.lifecycle?.ended({ kind: 'apiKey', id: key.id });
    }
  }

  /** Writes lastUsedAt at most once a minute per key, after the response, never failing the request. */
  private recordUse(id: string, now: number): void {
    const last = this.lastUsedWritten.get(id);
    if (last !== undefined && now - last < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUsedWritten.set(id, now);
    setImmediate(() => {
      this.tx.write(() => this.keys.touchLastUsed(id, new Date(now))).catch((error: unknown) => {
        this.logger.warn(`could not record API key use: ${(error as Error).message}`);
      });
    });
  }

  private newEntity(input: ApiKeyCreateInput, createdBy: string, now: Date, checkExpiry = true): ApiKeyEntity {
    const expiresAt =
      input.expiresAt === undefined || input.expiresAt === null
        ? null
        : checkExpiry
          ? futureInstant(input.expiresAt, now)
          : new Date(input.expiresAt);
    const id = randomUUID();
    return Object.assign(new ApiKeyEntity(), {
      id,
      lineageId: id,
      name: input.name,
      app: input.app,
      scopes: [...new Set(input.scopes)],
      venueIds: input.venueIds ?? null,
      expiresAt,
      enabled: true,
      rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      monthlyQuota: input.monthlyQuota ?? null,
      maxOpenHolds: input.maxOpenHolds ?? null,
      createdBy,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
      revokedAt: null,
      replacedById: null,
      graceEndsAt: null,
    });
  }

  private assignSecret(entity: ApiKeyEntity): string {
    const key = generateApiKey(entity.id);
    entity.secretHash = hashApiKey(key, this.config.apiKeys.pepper);
    entity.last4 = key.slice(-4);
    return key;
  }
}

function invalid(detail: string): AppError {
  return new AppError(ApiKeyProblems.invalid, detail);
}

function notFound(id: string): AppError {
  return new AppError(ApiKeyProblems.notFound, `No API key ${id}.`);
}

function futureInstant(value: string | Date, now: Date): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || date.getTime() <= now.getTime()) {
    throw new ValidationProblem([{ field: 'expiresAt', message: 'must be an instant in the future' }]);
  }
  return date;
}

/** Why a key would be refused now, in order of precedence, or active/grace. */
export function statusOf(key: ApiKeyEntity, now: number): ApiKeyStatus {
  if (key.revokedAt) return 'revoked';
  if (key.graceEndsAt && key.graceEndsAt.getTime() <= now) return 'rotated';
  if (!key.enabled) return 'disabled';
  if (key.expiresAt && key.expiresAt.getTime() <= now) return 'expired';
  return key.graceEndsAt ? 'grace' : 'active';
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

export function toApiKeyDto(key: ApiKeyEntity, now: Date): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    app: key.app,
    scopes: key.scopes,
    venueIds: key.venueIds,
    prefix: `aero_${key.id.replace(/-/g, '')}`,
    last4: key.last4,
    status: statusOf(key, now.getTime()),
    enabled: key.enabled,
    expiresAt: iso(key.expiresAt),
    rateLimitPerMinute: key.rateLimitPerMinute,
    monthlyQuota: key.monthlyQuota,
    maxOpenHolds: key.maxOpenHolds,
    createdBy: key.createdBy,
    createdAt: key.createdAt.toISOString(),
    updatedAt: key.updatedAt.toISOString(),
    lastUsedAt: iso(key.lastUsedAt),
    revokedAt: iso(key.revokedAt),
    replacedById: key.replacedById,
    graceEndsAt: iso(key.graceEndsAt),
  };
}
