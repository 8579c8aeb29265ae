import { Column, Entity } from 'typeorm';
import { UtcDateTimeColumn, UuidColumn, UuidPrimaryColumn } from '@aero/core';

export type BookingStatus = 'confirmed' | 'cancelled';

/** Places on a session for a member. Venue and start are copied from the session for filtering. */
@Entity('bookings')
export class BookingEntity {
  @UuidPrimaryColumn()
  id: string;

  /** Short code read out at the front desk, e.g. `K7Q2-M9XD`. */
  @Column({ type: 'varchar', length: 16 })
  reference: string;

  @UuidColumn({ name: 'session_id' })
  sessionId: string;

  @UuidColumn({ name: 'venue_id' })
  venueId: string;

  @UtcDateTimeColumn({ name: 'session_starts_at' })
  sessionStartsAt: Date;

  @UuidColumn({ name: 'member_id' })
  memberId: string;

  @Column({ type: 'int' })
  quantity: number;

  @Column({ type: 'varchar', length: 16 })
  status: BookingStatus;

  @UuidColumn({ name: 'hold_id', nullable: true })
  holdId: string | null;

  /** The client's own id for this booking, unique per app (or per caller without an app). */
  @Column({ name: 'external_ref', type: 'varchar', length: 100, nullable: true })
  externalRef: string | null;

  /** Whose namespace `externalRef` lives in: `app:<app>` for API keys of an app, else the principal. */
  @Column({ name: 'external_scope', type: 'varchar', length: 80, nullable: true })
  externalScope: string | null;

  /** `<kind>:<id>` of the principal that made the booking. */
  @Column({ name: 'owner_key', type: 'varchar', length: 80 })
  ownerKey: string;

  @UtcDateTimeColumn({ name: 'created_at' })
  createdAt: Date;

  @UtcDateTimeColumn({ name: 'cancelled_at', nullable: true })
  cancelledAt: Date | null;

  @UtcDateTimeColumn({ name: 'checked_in_at', nullable: true })
  checkedInAt: Date | null;
}
