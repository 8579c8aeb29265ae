import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { MembershipStatus } from '../member.entity';

export const MEMBERSHIP_STATUSES: MembershipStatus[] = ['active', 'paused', 'cancelled'];

/** Sets the membership plan and status. Allowed: none → active; active ↔ paused; either → cancelled; cancelled → active. */
export class MembershipUpdateDto {
  /** The new status. */
  @ApiProperty({ enum: MEMBERSHIP_STATUSES, example: 'active' })
  @IsIn(MEMBERSHIP_STATUSES)
  status: MembershipStatus;

  /** Plan name; required when a membership starts. */
  @ApiPropertyOptional({ example: 'Unlimited Monthly' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  plan?: string;

  /** Last day the membership is valid, `YYYY-MM-DD`. */
  @ApiPropertyOptional({ example: '2027-11-30', format: 'date' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'validUntil must be a date as YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'validUntil must be a valid calendar date' })
  validUntil?: string;
}
