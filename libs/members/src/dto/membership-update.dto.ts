import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { IsCalendarDate } from '@aero/core';
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

  /** Last day the membership is valid, `YYYY-MM-DD`, in 2000–2100. */
  @ApiPropertyOptional({ example: '2027-11-30', format: 'date' })
  @IsOptional()
  @IsCalendarDate()
  validUntil?: string;
}
