import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ReadDataSource, TransactionService } from '@aero/core';
import { EventEntity, EventSequencerEntity } from './event.entity';

export interface EventRowFilter {
  /** Only these types; undefined means every type. */
  types?: readonly string[];
  /** Only events of these venues (venue-less events excluded); undefined means every event. */
  venueIds?: readonly string[];
}

/**
 * The only code that knows the events tables. Writes go through the caller's transaction (the manager
 * TransactionService keeps in AsyncLocalStorage); feed reads through `reader`: the read replica inside
 * `ReadDataSource.read`, the primary elsewhere.
 */
@Injectable()
export class EventsRepository {
  constructor(
    private readonly tx: TransactionService,
    private readonly replica: ReadDataSource,
  ) {}

  private get manager(): EntityManager {
    return this.tx.manager;
  }

  /** Manager for feed reads: the replica's inside `ReadDataSource.read` while it serves, else the primary's. */
  private get reader(): EntityManager {
    return this.replica.manager;
  }

  /** One INSERT, in the current transaction; `seq` is left to the identity and not read back. */
  async insert(row: Omit<EventEntity, 'seq' | 'position'>): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .insert()
      .into(EventEntity)
      .values({ ...row, position: null })
      .updateEntity(false)
      .execute();
  }

  /** The insert-order range of committed rows that still wait for a feed position, if any. */
  async unstampedRange(): Promise<{ min: number; max: number } | undefined> {
    const raw = await this.manager
      .createQueryBuilder(EventEntity, 'e')
      .select('MIN(e.seq)', 'min')
      .addSelect('MAX(e.seq)', 'max')
      .where('e.position IS NULL')
      .getRawOne<{ min: string | number | null; max: string | number | null }>();
    if (!raw || raw.min === null || raw.max === null) return undefined;
    return { min: Number(raw.min), max: Number(raw.max) };
  }

  /**
   * Locks the sequencer's row until the transaction ends (an UPDATE that changes nothing), so sequencer
   * runs on different instances queue, and returns the last position handed out. Only inside a transaction.
   */
  async lockSequencer(): Promise<number> {
    await this.manager
      .createQueryBuilder()
      .update(EventSequencerEntity)
      .set({ lastPosition: () => 'last_position' })
      .where('id = 1')
      .execute();
    const raw = await this.manager
      .createQueryBuilder(EventSequencerEntity, 's')
      .select('s.last_position', 'last')
      .where('s.id = 1')
      .getRawOne<{ last: string | number }>();
    if (!raw) throw new Error('events_sequencer has no row: run the migrations');
    return Number(raw.last);
  }

  /**
   * Gives the unstamped rows with seq in [min, max] the positions seq + offset (insert order kept). A row
   * below `min` that committed meanwhile waits for the next run, which places it above these.
   */
  async stamp(range: { min: number; max: number }, offset: number): Promise<number> {
    const result = await this.manager
      .createQueryBuilder()
      .update(EventEntity)
      .set({ position: () => `seq + ${Math.trunc(offset)}` })
      .where('position IS NULL')
      .andWhere('seq >= :min AND seq <= :max', range)
      .execute();
    return result.affected ?? 0;
  }

  async saveLastPosition(lastPosition: number): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .update(EventSequencerEntity)
      .set({ lastPosition })
      .where('id = 1')
      .execute();
  }

  /** Stamped rows after `position`, in feed order, `limit` of them. */
  async listAfter(position: number, limit: number, filter: EventRowFilter = {}): Promise<EventEntity[]> {
    const qb = this.reader
      .createQueryBuilder(EventEntity, 'e')
      .where('e.position > :position', { position })
      .orderBy('e.position', 'ASC')
      .take(limit);
    if (filter.types) {
      if (filter.types.length === 0) return [];
      qb.andWhere('e.type IN (:...types)', { types: filter.types });
    }
    if (filter.venueIds) {
      if (filter.venueIds.length === 0) return [];
      qb.andWhere('e.venue_id IN (:...venueIds)', { venueIds: filter.venueIds });
    }
    return qb.getMany();
  }

  /** The highest feed position this server has (0 before any event): how far its feed reaches. */
  async highestPosition(): Promise<number> {
    const raw = await this.reader
      .createQueryBuilder(EventEntity, 'e')
      .select('MAX(e.position)', 'last')
      .getRawOne<{ last: string | number | null }>();
    return raw?.last === null || raw?.last === undefined ? 0 : Number(raw.last);
  }

  /** Deletes up to `batch` stamped rows that occurred before `before`; returns how many went. */
  async purgeBatch(before: Date, batch: number): Promise<number> {
    const rows = await this.manager
      .createQueryBuilder(EventEntity, 'e')
      .select('e.seq', 'seq')
      .where('e.occurred_at < :before', { before })
      .andWhere('e.position IS NOT NULL')
      .orderBy('e.occurred_at', 'ASC')
      .limit(batch)
      .getRawMany<{ seq: string | number }>();
    if (rows.length === 0) return 0;
    const result = await this.manager
      .createQueryBuilder()
      .delete()
      .from(EventEntity)
      .where('seq IN (:...seqs)', { seqs: rows.map((r) => Number(r.seq)) })
      .execute();
    return result.affected ?? rows.length;
  }
}
