import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { insertIfAbsent, ReadDataSource, TransactionService, whereAfter } from '@aero/core';
import { EventSequencerEntity } from '../event.entity';
import { claimDueSql, lockEndpointSql } from './webhook-claim-sql';
import { WebhookAttemptEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from './webhook-endpoint.entity';

/** Whose endpoints a caller sees: everyone's (admins) or one user's / API key's own (a rotated key's: its successor's too). */
export interface EndpointOwnerFilter {
  ownerKind?: 'user' | 'apiKey';
  ownerIds?: string[];
}

export interface KeysetAfter {
  createdAt: Date;
  id: string;
}

/** The only code that knows the webhook tables. */
@Injectable()
export class WebhooksRepository {
  constructor(
    private readonly tx: TransactionService,
    private readonly reader: ReadDataSource,
  ) {}

  private get m(): EntityManager {
    return this.tx.manager;
  }

  private get dialect(): 'sqlite' | 'postgres' | 'mssql' {
    const type = this.m.connection.options.type;
    return type === 'postgres' ? 'postgres' : type === 'mssql' ? 'mssql' : 'sqlite';
  }

  // --- endpoints ------------------------------------------------------------------

  async insertEndpoint(endpoint: WebhookEndpointEntity): Promise<void> {
    await this.m.createQueryBuilder().insert().into(WebhookEndpointEntity).values(endpoint).updateEntity(false).execute();
  }

  findEndpoint(id: string): Promise<WebhookEndpointEntity | null> {
    return this.m.getRepository(WebhookEndpointEntity).findOneBy({ id });
  }

  async saveEndpoint(endpoint: WebhookEndpointEntity): Promise<void> {
    const { id, fanoutPosition: _p, fanoutClaimedUntil: _c, ...fields } = endpoint;
    // The fan-out checkpoint belongs to the dispatcher: an edit never moves it back.
    await this.m.createQueryBuilder().update(WebhookEndpointEntity).set(fields).where('id = :id', { id }).execute();
  }

  async deleteEndpoint(id: string): Promise<void> {
    await this.m.createQueryBuilder().delete().from(WebhookAttemptEntity).where('endpoint_id = :id', { id }).execute();
    await this.m.createQueryBuilder().delete().from(WebhookDeliveryEntity).where('endpoint_id = :id', { id }).execute();
    await this.m.createQueryBuilder().delete().from(WebhookEndpointEntity).where('id = :id', { id }).execute();
  }

  /** Keyset page (listings, on the read replica inside `reader.read`). */
  listEndpoints(owner: EndpointOwnerFilter, limit: number, after?: KeysetAfter): Promise<WebhookEndpointEntity[]> {
    const qb = this.reader.manager
      .createQueryBuilder(WebhookEndpointEntity, 'w')
      .orderBy('w.created_at', 'ASC')
      .addOrderBy('w.id', 'ASC')
      .take(limit + 1);
    if (owner.ownerKind) qb.andWhere('w.owner_kind = :kind AND w.owner_id IN (:...ownerIds)', { kind: owner.ownerKind, ownerIds: owner.ownerIds });
    whereAfter(qb, 'w.created_at', 'w.id', after && { sort: after.createdAt, id: after.id });
    return qb.getMany();
  }

  async enabledEndpointIds(limit: number): Promise<string[]> {
    const rows = await this.m
      .createQueryBuilder(WebhookEndpointEntity, 'w')
      .select('w.id', 'id')
      .where('w.enabled = :enabled', { enabled: true })
      .orderBy('w.fanout_claimed_until', 'ASC')
      .addOrderBy('w.id', 'ASC')
      .limit(limit)
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  /** Takes the fan-out lease of one endpoint, unless another instance holds it. */
  async claimFanout(id: string, now: Date, until: Date): Promise<boolean> {
    const result = await this.m
      .createQueryBuilder()
      .update(WebhookEndpointEntity)
      .set({ fanoutClaimedUntil: until })
      .where('id = :id AND enabled = :enabled', { id, enabled: true })
      .andWhere('(fanout_claimed_until IS NULL OR fanout_claimed_until < :now)', { now })
      .execute();
    return result.affected === 1;
  }

  /** Moves the checkpoint and gives the lease back, if this instance still holds it. */
  async finishFanout(id: string, position: number, heldUntil: Date): Promise<boolean> {
    const result = await this.m
      .createQueryBuilder()
      .update(WebhookEndpointEntity)
      .set({ fanoutPosition: position, fanoutClaimedUntil: null })
      .where('id = :id AND fanout_claimed_until = :heldUntil', { id, heldUntil })
      .execute();
    return result.affected === 1;
  }

  /** Disables every enabled endpoint this credential created; returns their ids. */
  async disableOwnedBy(kind: 'user' | 'apiKey', ownerId: string, reason: string, now: Date): Promise<string[]> {
    const rows = await this.m
      .createQueryBuilder(WebhookEndpointEntity, 'w')
      .select('w.id', 'id')
      .where('w.owner_kind = :kind AND w.owner_id = :ownerId AND w.enabled = :enabled', { kind, ownerId, enabled: true })
      .getRawMany<{ id: string }>();
    if (rows.length === 0) return [];
    await this.m
      .createQueryBuilder()
      .update(WebhookEndpointEntity)
      .set({ enabled: false, disabledReason: reason, disabledAt: now, updatedAt: now })
      .where('id IN (:...ids)', { ids: rows.map((r) => r.id) })
      .execute();
    return rows.map((r) => r.id);
  }

  /** Hands every endpoint this credential created to its successor (a rotated API key); returns how many. */
  async transferOwnership(kind: 'user' | 'apiKey', fromId: string, toId: string, now: Date): Promise<number> {
    const result = await this.m
      .createQueryBuilder()
      .update(WebhookEndpointEntity)
      .set({ ownerId: toId, updatedAt: now })
      .where('owner_kind = :kind AND owner_id = :fromId', { kind, fromId })
      .execute();
    return result.affected ?? 0;
  }

  /** Records a success or failure on the endpoint; returns the endpoint as it is now. */
  async recordEndpointOutcome(id: string, succeeded: boolean, now: Date): Promise<void> {
    const qb = this.m.createQueryBuilder().update(WebhookEndpointEntity).where('id = :id', { id });
    if (succeeded) {
      await qb.set({ failingSince: null, lastSuccessAt: now }).execute();
    } else {
      await qb.set({ failingSince: () => 'COALESCE(failing_since, :now)' }).setParameter('now', now).execute();
    }
  }

  /** Disables an endpoint that has been failing since before `cutoff`; true when this call disabled it. */
  async disableIfFailingSince(id: string, cutoff: Date, now: Date): Promise<boolean> {
    const result = await this.m
      .createQueryBuilder()
      .update(WebhookEndpointEntity)
      .set({ enabled: false, disabledReason: 'failing', disabledAt: now, updatedAt: now })
      .where('id = :id AND enabled = :enabled AND failing_since IS NOT NULL AND failing_since <= :cutoff', { id, enabled: true, cutoff })
      .execute();
    return result.affected === 1;
  }

  async countDisabledForFailing(): Promise<number> {
    return this.m.getRepository(WebhookEndpointEntity).countBy({ enabled: false, disabledReason: 'failing' });
  }

  /** The feed's head: the last position the sequencer handed out. */
  async feedHead(): Promise<number> {
    const row = await this.m.createQueryBuilder(EventSequencerEntity, 's').where('s.id = 1').getOne();
    return row?.lastPosition ?? 0;
  }

  // --- deliveries -----------------------------------------------------------------

  async insertDeliveryIfAbsent(delivery: WebhookDeliveryEntity): Promise<void> {
    await insertIfAbsent(this.m, this.tx.errors, WebhookDeliveryEntity, delivery);
  }

  /** Endpoints (enabled) with at least one delivery due now. */
  async dueEndpointIds(now: Date, limit: number): Promise<string[]> {
    const rows = await this.m
      .createQueryBuilder(WebhookDeliveryEntity, 'd')
      .innerJoin(WebhookEndpointEntity, 'w', 'w.id = d.endpoint_id')
      .select('d.endpoint_id', 'endpointId')
      .where("d.status IN ('pending', 'delivering')")
      .andWhere('d.next_attempt_at <= :now AND (d.claimed_until IS NULL OR d.claimed_until < :now)', { now })
      .andWhere('w.enabled = :enabled', { enabled: true })
      .groupBy('d.endpoint_id')
      .orderBy('MIN(d.next_attempt_at)', 'ASC')
      .limit(limit)
      .getRawMany<{ endpointId: string }>();
    return rows.map((r) => r.endpointId);
  }

  /**
   * In the caller's transaction: locks the endpoint (skipping it when another instance is claiming for it),
   * counts its attempts in flight on every instance, and claims due deliveries up to `maxInFlight`.
   */
  async claimDue(endpointId: string, maxInFlight: number, now: Date, until: Date, token: string): Promise<string[]> {
    const lock = lockEndpointSql(this.dialect);
    if (lock) {
      const locked = await this.query<{ id: string }>(lock, { endpointId });
      if (locked.length === 0) return [];
    }
    const inFlight = await this.m
      .createQueryBuilder(WebhookDeliveryEntity, 'd')
      .where("d.endpoint_id = :endpointId AND d.status = 'delivering' AND d.claimed_until >= :now", { endpointId, now })
      .getCount();
    const slots = maxInFlight - inFlight;
    if (slots <= 0) return [];
    const rows = await this.query<{ id: string }>(claimDueSql(this.dialect), { endpointId, now, until, token, slots });
    return rows.map((r) => r.id);
  }

  private async query<T>(sql: string, parameters: Record<string, unknown>): Promise<T[]> {
    const [statement, values] = this.m.connection.driver.escapeQueryWithParameters(sql, parameters);
    const result: unknown = await this.m.query(statement, values);
    // PostgreSQL answers an UPDATE … RETURNING with [rows, count]
    if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
      return result[0] as T[];
    }
    return result as T[];
  }

  findDeliveriesByIds(ids: string[]): Promise<WebhookDeliveryEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.m.createQueryBuilder(WebhookDeliveryEntity, 'd').where('d.id IN (:...ids)', { ids }).getMany();
  }

  findDelivery(endpointId: string, id: string): Promise<WebhookDeliveryEntity | null> {
    return this.m.getRepository(WebhookDeliveryEntity).findOneBy({ endpointId, id });
  }

  /** Ends this instance's claim with the attempt's result, if the claim is still this instance's. */
  async finishAttempt(id: string, token: string, patch: Partial<WebhookDeliveryEntity>): Promise<boolean> {
    const result = await this.m
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ ...patch, claimedUntil: null, claimToken: null })
      .where('id = :id AND claim_token = :token', { id, token })
      .execute();
    return result.affected === 1;
  }

  async insertAttempt(attempt: WebhookAttemptEntity): Promise<void> {
    await this.m.createQueryBuilder().insert().into(WebhookAttemptEntity).values(attempt).updateEntity(false).execute();
  }

  /** Keyset page, newest first (listings, on the read replica inside `reader.read`). */
  listDeliveries(endpointId: string, limit: number, after?: KeysetAfter, status?: string): Promise<WebhookDeliveryEntity[]> {
    const qb = this.reader.manager
      .createQueryBuilder(WebhookDeliveryEntity, 'd')
      .where('d.endpoint_id = :endpointId', { endpointId })
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .take(limit + 1);
    if (status) qb.andWhere('d.status = :status', { status });
    whereAfter(qb, 'd.created_at', 'd.id', after && { sort: after.createdAt, id: after.id }, 'DESC');
    return qb.getMany();
  }

  attemptsOf(deliveryIds: string[]): Promise<WebhookAttemptEntity[]> {
    if (deliveryIds.length === 0) return Promise.resolve([]);
    return this.reader.manager
      .createQueryBuilder(WebhookAttemptEntity, 'a')
      .where('a.delivery_id IN (:...deliveryIds)', { deliveryIds })
      .orderBy('a.number', 'ASC')
      .getMany();
  }

  /** Makes a delivery due now again (manual retry, replay), unless an instance is sending it right now. */
  async makeDue(id: string, now: Date): Promise<boolean> {
    const result = await this.m
      .createQueryBuilder()
      .update(WebhookDeliveryEntity)
      .set({ status: 'pending', nextAttemptAt: now, updatedAt: now })
      .where('id = :id', { id })
      .andWhere("(status <> 'delivering' OR claimed_until IS NULL OR claimed_until < :now)", { now })
      .execute();
    return result.affected === 1;
  }

  async deliveryIdFor(endpointId: string, eventId: string): Promise<string | undefined> {
    const row = await this.m
      .createQueryBuilder(WebhookDeliveryEntity, 'd')
      .select('d.id', 'id')
      .where('d.endpoint_id = :endpointId AND d.event_id = :eventId', { endpointId, eventId })
      .getRawOne<{ id: string }>();
    return row?.id;
  }

  /** Per enabled endpoint, when its oldest undelivered event happened. */
  async oldestUndelivered(): Promise<{ endpointId: string; oldest: Date }[]> {
    const rows = await this.m
      .createQueryBuilder(WebhookDeliveryEntity, 'd')
      .innerJoin(WebhookEndpointEntity, 'w', 'w.id = d.endpoint_id')
      .select('d.endpoint_id', 'endpointId')
      .addSelect('MIN(d.event_occurred_at)', 'oldest')
      .where("d.status IN ('pending', 'delivering')")
      .andWhere('w.enabled = :enabled', { enabled: true })
      .groupBy('d.endpoint_id')
      .getRawMany<{ endpointId: string; oldest: string | Date }>();
    return rows.map((r) => ({ endpointId: r.endpointId, oldest: toDate(r.oldest) }));
  }
}

/** Raw reads of timestamps: a Date (PostgreSQL, SQL Server) or SQLite's UTC text. */
function toDate(value: string | Date): Date {
  if (value instanceof Date) return value;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}
