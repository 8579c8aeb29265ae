import { Entity } from 'typeorm';
import { UtcDateTimeColumn, UuidColumn, UuidPrimaryColumn } from '@aero/core';

/** A signed liability waiver: by the member, or by their guardian for a minor. */
@Entity('waivers')
export class WaiverEntity {
  @UuidPrimaryColumn()
  id: string;

  @UuidColumn({ name: 'member_id' })
  memberId: string;

  @UuidColumn({ name: 'signed_by_member_id' })
  signedByMemberId: string;

  @UtcDateTimeColumn({ name: 'signed_at' })
  signedAt: Date;

  @UtcDateTimeColumn({ name: 'valid_until' })
  validUntil: Date;
}
