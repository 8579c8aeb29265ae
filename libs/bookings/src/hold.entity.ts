import { Column, Entity } from 'typeorm';
import { UtcDateTimeColumn, UuidColumn, UuidPrimaryColumn } from '@aero/core';

export type HoldStatus = 'active' | 'released' | 'expired' | 'converted';

/** Places set aside for a caller while they finish checkout; they come back when it lapses. */
@Entity('holds')
export class HoldEntity {
  @UuidPrimaryColumn()
  id: string;

  @UuidColumn({ name: 'session_id' })
  sessionId: string;

  @UuidColumn({ name: 'venue_id' })
  venueId: string;

  @Column({ type: 'int' })
  quantity: number;

  @Column({ type: 'varchar', length: 16 })
  status: HoldStatus;

  /** `<kind>:<id>` of the principal that made it; only they (or venue staff) may use or release it. */
  @Column({ name: 'owner_key', type: 'varchar', length: 80 })
  ownerKey: string;

  @UtcDateTimeColumn({ name: 'expires_at' })
  expiresAt: Date;

  @UtcDateTimeColumn({ name: 'created_at' })
  createdAt: Date;
}
