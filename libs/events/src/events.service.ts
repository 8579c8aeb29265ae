import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig, ReadDataSource, TransactionService } from '@aero/core';
import type { EventEntity } from './event.entity';
import type { EventResponseDto } from './event.dto';
import type { EventActor, EventData, EventType } from './event-types';
import type { EventRowFilter } from './events.repository';
import { EventsRepository } from './events.repository';

export interface RecordEventInput<T extends EventType> {
  /** The venue the resource belongs to, if it has one (feed and webhook scoping use it). */
  venueId?: string | null;
  /** The acting principal; only `kind` and `id` are kept. */
  actor: EventActor;
  /** The resource as its GET returns it now. Never a secret. */
  data: EventData<T>;
}

/** An event with its feed position (for the feed's cursor and the dispatcher's checkpoint). */
export interface PositionedEvent {
  position: number;
  event: EventResponseDto;
}

export type EventsFilter = EventRowFilter;

/** `evt_` + 16 random bytes, base64url (22 characters). */
export function newEventId(): string {
  return `evt_${randomBytes(16).toString('base64url')}`;
}

/**
 * The outbox writer and reader. `record` joins the caller's transaction, so an event exists exactly when
 * its change committed; `listAfter` reads in feed (commit) order.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly repo: EventsRepository,
    private readonly tx: TransactionService,
    private readonly config: AppConfig,
    private readonly reader: ReadDataSource,
  ) {}

  /**
   * Appends one event in the current transaction (one INSERT, no commit of its own). Called outside a
   * transaction it throws: an event without its change's transaction could outlive a rollback.
   */
  async record<T extends EventType>(type: T, input: RecordEventInput<T>): Promise<EventResponseDto> {
    if (!this.tx.inTransaction) {
      throw new Error(`event ${type} recorded outside a transaction: call it inside TransactionService.run`);
    }
    const row = {
      id: newEventId(),
      type,
      occurredAt: new Date(),
      venueId: input.venueId ?? null,
      actorKind: input.actor.kind,
      actorId: input.actor.id,
      data: JSON.stringify(input.data),
    };
    await this.repo.insert(row);
    return toEventResponse(row);
  }

  /**
   * Gives every committed event not yet in the feed its position. Runs before each read, so a reader sees
   * every event committed before it asked; safe to call from any number of instances at once.
   */
  async sequence(): Promise<number> {
    if (!(await this.tx.read(() => this.repo.unstampedRange()))) return 0;
    return this.tx.run(async () => {
      // Under the sequencer's lock: every earlier run has committed, and none runs until this one ends.
      const last = await this.repo.lockSequencer();
      const range = await this.repo.unstampedRange();
      if (!range) return 0;
      const offset = last + 1 - range.min;
      const stamped = await this.repo.stamp(range, offset);
      await this.repo.saveLastPosition(range.max + offset);
      return stamped;
    });
  }

  /**
   * Up to `limit` events after feed position `position` (0: from the oldest kept), in feed order. Every
   * event committed before this call is included once its turn comes; none is ever inserted behind a
   * position already returned.
   */
  async listAfter(position: number, limit: number, filter: EventsFilter = {}): Promise<PositionedEvent[]> {
    await this.sequence();
    // The replica may answer (bounded staleness). Its feed is a prefix of the primary's: positions are handed
    // out under the sequencer's lock and committed in that order, and a replica replays commits in order, so
    // a page from it is the primary's page of a moment ago, shorter perhaps, never with a hole. A cursor from
    // a fresher page (the primary's, another instance's) can lie past everything the replica has: an empty
    // page there would send the caller back in time, so the primary answers it.
    const rows = await this.reader.read(
      () => this.tx.read(() => this.repo.listAfter(position, limit, filter)),
      async (page) => page.length > 0 || position === 0 || (await this.repo.highestPosition()) >= position,
    );
    return rows.map((row) => ({ position: row.position as number, event: toEventResponse(row) }));
  }

  /**
   * Deletes events older than EVENTS_RETENTION_DAYS, `batch` rows per statement pair, each batch its own
   * short transaction, so a large backlog never holds locks for long. Returns how many went.
   */
  async purgeExpired(now = new Date(), batch = 1000): Promise<number> {
    const before = new Date(now.getTime() - this.config.events.retentionDays * 86_400_000);
    let purged = 0;
    for (;;) {
      const deleted = await this.tx.run(() => this.repo.purgeBatch(before, batch));
      purged += deleted;
      if (deleted < batch) return purged;
    }
  }
}

export function toEventResponse(row: Omit<EventEntity, 'seq' | 'position'>): EventResponseDto {
  return {
    id: row.id,
    type: row.type,
    occurredAt: new Date(row.occurredAt).toISOString(),
    venueId: row.venueId,
    actor: { kind: row.actorKind, id: row.actorId },
    data: JSON.parse(row.data) as object,
  };
}
