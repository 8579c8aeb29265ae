import { Column, Entity } from 'typeorm';
import { UtcDateTimeColumn, UuidColumn, UuidPrimaryColumn } from '@aero/core';

export type SessionStatus = 'scheduled' | 'cancelled';

/**
 * A bookable time slot. `booked` counts every place taken (confirmed bookings and active holds); it only
 * ever changes through one conditional UPDATE, and a CHECK keeps it within 0..capacity.
 */
@Entity('sessions')
export class SessionEntity {
  @UuidPrimaryColumn()
  id: string;

  @UuidColumn({ name: 'venue_id' })
  venueId: string;

  @Column({ type: String, length: 100 })
  activity: string;

  @UtcDateTimeColumn({ name: 'starts_at' })
  startsAt: Date;

  @UtcDateTimeColumn({ name: 'ends_at' })
  endsAt: Date;

  @Column({ type: 'int' })
  capacity: number;

  @Column({ type: 'int' })
  booked: number;

  @Column({ type: 'varchar', length: 16 })
  status: SessionStatus;

  @UtcDateTimeColumn({ name: 'created_at' })
  createdAt: Date;

  @UtcDateTimeColumn({ name: 'updated_at' })
  updatedAt: Date;
}
