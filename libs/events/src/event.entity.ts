import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { dialectAtImport, UtcDateTimeColumn, UuidColumn } from '@aero/core';
import type { EventActor } from './event-types';

const UNBOUNDED_TEXT =
  dialectAtImport() === 'mssql' ? ({ type: 'nvarchar', length: 'MAX' } as const) : ({ type: 'text' } as const);

/** bigint arrives as a string from PostgreSQL and SQL Server; positions stay far below 2^53. */
const bigintNumber = {
  to: (value: number | null | undefined): number | null | undefined => value,
  from: (value: string | number | null): number | null => (value === null ? null : Number(value)),
};

/** One outbox row: written in the transaction of the change it records. */
@Entity('events')
export class EventEntity {
  /** Insert order (identity): assigned at insert, so NOT commit order. Never shown. */
  @PrimaryGeneratedColumn('increment', { type: dialectAtImport() === 'sqlite' ? 'integer' : 'bigint' })
  seq: number | string;

  /** Feed position, stamped by the sequencer after commit; null until then. */
  @Column({ type: dialectAtImport() === 'sqlite' ? 'integer' : 'bigint', nullable: true, transformer: bigintNumber })
  position: number | null;

  /** Public id, `evt_` + 22 base64url characters. */
  @Column({ type: 'varchar', length: 32 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  @UtcDateTimeColumn({ name: 'occurred_at' })
  occurredAt: Date;

  @UuidColumn({ name: 'venue_id', nullable: true })
  venueId: string | null;

  @Column({ name: 'actor_kind', type: 'varchar', length: 10 })
  actorKind: EventActor['kind'];

  @Column({ name: 'actor_id', type: 'varchar', length: 36 })
  actorId: string;

  /** The resource as JSON text. */
  @Column({ ...UNBOUNDED_TEXT })
  data: string;
}

/** The sequencer's one row: locked while stamping, so stamps only ever grow. */
@Entity('events_sequencer')
export class EventSequencerEntity {
  @Column({ type: 'int', primary: true })
  id: number;

  @Column({ name: 'last_position', type: dialectAtImport() === 'sqlite' ? 'integer' : 'bigint', transformer: bigintNumber })
  lastPosition: number;
}
