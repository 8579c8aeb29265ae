import { Entity, PrimaryColumn } from 'typeorm';

/** A venue a member is known at: their home venue, and every venue they booked at. */
@Entity('member_venues')
export class MemberVenueEntity {
  @PrimaryColumn({ name: 'member_id', type: 'varchar', length: 36 })
  memberId: string;

  @PrimaryColumn({ name: 'venue_id', type: 'varchar', length: 36 })
  venueId: string;
}
