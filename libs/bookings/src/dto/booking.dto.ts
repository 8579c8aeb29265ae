import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';
import { IsDateOrInstant, PageQueryDto } from '@aero/core';
import type { BookingStatus } from '../booking.entity';
import { MAX_QUANTITY } from './hold.dto';

export const BOOKING_STATUSES: BookingStatus[] = ['confirmed', 'cancelled'];

/** Books places on a session for a member, optionally converting a hold. */
export class BookingCreateDto {
  @ApiProperty({ example: '5d9c2e4f-7a1b-4c3d-8e6f-0a1b2c3d4e5f', format: 'uuid' })
  @IsUUID()
  sessionId: string;

  /** The member the booking is for (a member user: themself or a dependant). */
  @ApiProperty({ example: '8e1d2b7c-4d0a-4f43-9a59-2f1e6c3b9d01', format: 'uuid' })
  @IsUUID()
  memberId: string;

  /** Places, 1–20. */
  @ApiProperty({ example: 2, type: 'integer', minimum: 1, maximum: MAX_QUANTITY })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity: number;

  /** A hold from POST /v1/holds on the same session: its places become the booking's. */
  @ApiPropertyOptional({ example: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  holdId?: string;

  /** Your own id for this booking (order number); unique per app, so a retry cannot book twice. */
  @ApiPropertyOptional({ example: 'web-order-100234' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]{1,100}$/, { message: 'externalRef must be 1–100 letters, digits, or . _ : -' })
  externalRef?: string;
}

/** Filters for the booking list; dates are UTC days or instants over the session start. */
export class BookingQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  memberId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  sessionId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  venueId?: string;

  @ApiPropertyOptional({ enum: BOOKING_STATUSES })
  @IsOptional()
  @IsIn(BOOKING_STATUSES)
  status?: BookingStatus;

  /** Sessions starting on or after this UTC day or instant. */
  @ApiPropertyOptional({ example: '2026-03-07' })
  @IsOptional()
  @IsDateOrInstant()
  from?: string;

  /** Sessions starting before the end of this UTC day, or before this instant. */
  @ApiPropertyOptional({ example: '2026-03-09' })
  @IsOptional()
  @IsDateOrInstant()
  to?: string;
}

export class BookingResponseDto {
  @ApiProperty({ example: '2c4e6a8b-0d1f-4a3c-9e5b-7d9f1a3c5e7b', format: 'uuid' })
  id: string;
  /** Short code for the front desk. */
  @ApiProperty({ example: 'K7Q2-M9XD' })
  reference: string;
  @ApiProperty({ enum: BOOKING_STATUSES, example: 'confirmed' })
  status: BookingStatus;
  @ApiProperty({ example: '5d9c2e4f-7a1b-4c3d-8e6f-0a1b2c3d4e5f', format: 'uuid' })
  sessionId: string;
  @ApiProperty({ example: '0b6f3c1a-5d2e-4c8f-9a7b-1e2d3c4b5a69', format: 'uuid' })
  venueId: string;
  @ApiProperty({ example: '8e1d2b7c-4d0a-4f43-9a59-2f1e6c3b9d01', format: 'uuid' })
  memberId: string;
  @ApiProperty({ example: 2, type: 'integer' })
  quantity: number;
  /** Session start in UTC. */
  @ApiProperty({ example: '2026-03-08T14:00:00.000Z', format: 'date-time' })
  sessionStartsAt: string;
  /** Session start in the venue's local time. */
  @ApiProperty({ example: '2026-03-08T10:00:00-04:00' })
  sessionStartsAtLocal: string;
  @ApiProperty({
    example: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    format: 'uuid',
    nullable: true,
    type: String,
  })
  holdId: string | null;
  @ApiProperty({ example: 'web-order-100234', nullable: true, type: String })
  externalRef: string | null;
  @ApiProperty({ example: '2026-03-01T12:00:00.000Z', format: 'date-time' })
  createdAt: string;
  @ApiProperty({ example: null, format: 'date-time', nullable: true, type: String })
  cancelledAt: string | null;
  @ApiProperty({ example: null, format: 'date-time', nullable: true, type: String })
  checkedInAt: string | null;
}

export class BookingPageDto {
  @ApiProperty({ type: [BookingResponseDto] })
  data: BookingResponseDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ example: null, nullable: true, type: String })
  nextCursor: string | null;
}
