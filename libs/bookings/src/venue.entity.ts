import { Column, Entity } from 'typeorm';
import { UtcDateTimeColumn, UuidPrimaryColumn } from '@aero/core';

/** A park. Its IANA time zone turns UTC instants into the local times guests see. */
@Entity('venues')
export class VenueEntity {
  @UuidPrimaryColumn()
  id: string;

  @Column({ type: String, length: 200 })
  name: string;

  @Column({ name: 'time_zone', type: 'varchar', length: 64 })
  timeZone: string;

  @Column({ type: Boolean })
  active: boolean;

  @UtcDateTimeColumn({ name: 'created_at' })
  createdAt: Date;

  @UtcDateTimeColumn({ name: 'updated_at' })
  updatedAt: Date;
}
