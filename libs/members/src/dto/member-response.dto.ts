import { ApiProperty } from '@nestjs/swagger';
import type { MembershipStatus } from '../member.entity';
import { MEMBERSHIP_STATUSES } from './membership-update.dto';

export class MembershipDto {
  /** Plan name. */
  @ApiProperty({ example: 'Unlimited Monthly', nullable: true, type: String })
  plan: string | null;
  /** `none` until a membership starts. */
  @ApiProperty({ enum: ['none', ...MEMBERSHIP_STATUSES], example: 'active' })
  status: MembershipStatus | 'none';
  /** Last day the membership is valid. */
  @ApiProperty({ example: '2027-11-30', format: 'date', nullable: true, type: String })
  validUntil: string | null;
}

/** A member profile as clients see it. */
export class MemberResponseDto {
  @ApiProperty({ example: '8e1d2b7c-4d0a-4f43-9a59-2f1e6c3b9d01', format: 'uuid' })
  id: string;
  @ApiProperty({ example: 'Maya' })
  firstName: string;
  @ApiProperty({ example: 'Singh' })
  lastName: string;
  @ApiProperty({ example: '2014-06-21', format: 'date' })
  dateOfBirth: string;
  /** Under 18 today. */
  @ApiProperty({ example: true })
  isMinor: boolean;
  @ApiProperty({ example: 'maya.singh@example.com', nullable: true, type: String })
  email: string | null;
  @ApiProperty({ example: '+1 416-555-0134', nullable: true, type: String })
  phone: string | null;
  /** The adult member responsible for this minor. */
  @ApiProperty({
    example: '3f6c1f9e-8a59-4c53-9a34-7d0b7e9b2a10',
    format: 'uuid',
    nullable: true,
    type: String,
  })
  guardianId: string | null;
  /** The venue that registered the member; null when registered platform-wide. */
  @ApiProperty({
    example: '0b8f5c1e-2d3a-4e5f-9a6b-7c8d9e0f1a2b',
    format: 'uuid',
    nullable: true,
    type: String,
  })
  homeVenueId: string | null;
  /** When the latest signed waiver expires; null when none was signed. */
  @ApiProperty({ example: '2027-11-25T18:30:00.000Z', format: 'date-time', nullable: true, type: String })
  waiverValidUntil: string | null;
  /** Whether a waiver is valid right now. */
  @ApiProperty({ example: true })
  waiverValid: boolean;
  /** Plan and status; status `none` when the member never had a membership. */
  @ApiProperty({ type: MembershipDto })
  membership: MembershipDto;
  /** Changes on every update; the `ETag` header carries it for `If-Match`. */
  @ApiProperty({ example: 3, type: 'integer' })
  version: number;
  @ApiProperty({ example: '2026-11-25T18:30:00.000Z', format: 'date-time' })
  createdAt: string;
  @ApiProperty({ example: '2026-11-25T18:30:00.000Z', format: 'date-time' })
  updatedAt: string;
}

export class MemberPageDto {
  @ApiProperty({ type: [MemberResponseDto] })
  data: MemberResponseDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ example: 'eyJzb3J0S2V5Ijoic2luZ2ggbWF5YSJ9', nullable: true, type: String })
  nextCursor: string | null;
}

export class WaiverResponseDto {
  @ApiProperty({ example: 'c2a4f7e1-3b6d-4e8a-9f10-5d7c8b9a0e12', format: 'uuid' })
  id: string;
  @ApiProperty({ example: '8e1d2b7c-4d0a-4f43-9a59-2f1e6c3b9d01', format: 'uuid' })
  memberId: string;
  /** The member, or their guardian for a minor. */
  @ApiProperty({ example: '3f6c1f9e-8a59-4c53-9a34-7d0b7e9b2a10', format: 'uuid' })
  signedByMemberId: string;
  @ApiProperty({ example: '2026-11-25T18:30:00.000Z', format: 'date-time' })
  signedAt: string;
  @ApiProperty({ example: '2027-11-25T18:30:00.000Z', format: 'date-time' })
  validUntil: string;
}
