import { Column, Entity } from 'typeorm';
import { UtcDateTimeColumn, UuidColumn, UuidPrimaryColumn } from '@aero/core';

export type MembershipStatus = 'active' | 'paused' | 'cancelled';

/** A person who jumps: guests, members with a plan, and minors under a guardian. */
@Entity('members')
export class MemberEntity {
  @UuidPrimaryColumn()
  id: string;

  @Column({ name: 'first_name', type: String, length: 100 })
  firstName: string;

  @Column({ name: 'last_name', type: String, length: 100 })
  lastName: string;

  /** lower(first name): the first-name search key (`firstNameKeyOf`), so the search never runs LOWER(). */
  @Column({ name: 'first_name_key', type: String, length: 100, default: '' })
  firstNameKey: string;

  /** lower("last first"): the alphabetical sort and search key. */
  @Column({ name: 'sort_key', type: String, length: 201 })
  sortKey: string;

  /** Calendar date, `YYYY-MM-DD`. */
  @Column({ name: 'date_of_birth', type: 'date' })
  dateOfBirth: string;

  @Column({ type: String, length: 254, nullable: true })
  email: string | null;

  /** Lowercased email, unique (case-insensitive uniqueness on every dialect). */
  @Column({ name: 'email_normalized', type: String, length: 254, nullable: true })
  emailNormalized: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  phone: string | null;

  @UuidColumn({ name: 'guardian_id', nullable: true })
  guardianId: string | null;

  /** The venue that registered the member; null for members registered platform-wide. */
  @UuidColumn({ name: 'home_venue_id', nullable: true })
  homeVenueId: string | null;

  @Column({ name: 'membership_plan', type: String, length: 100, nullable: true })
  membershipPlan: string | null;

  @Column({ name: 'membership_status', type: 'varchar', length: 16, nullable: true })
  membershipStatus: MembershipStatus | null;

  @Column({ name: 'membership_valid_until', type: 'date', nullable: true })
  membershipValidUntil: string | null;

  /** Latest expiry of the member's signed waivers (denormalised from `waivers`). */
  @UtcDateTimeColumn({ name: 'waiver_valid_until', nullable: true })
  waiverValidUntil: Date | null;

  /** Bumped on every change; exposed as the ETag. */
  @Column({ type: 'int' })
  version: number;

  @UtcDateTimeColumn({ name: 'created_at' })
  createdAt: Date;

  @UtcDateTimeColumn({ name: 'updated_at' })
  updatedAt: Date;

  @UtcDateTimeColumn({ name: 'deleted_at', nullable: true })
  deletedAt: Date | null;
}
