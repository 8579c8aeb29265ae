import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { IsDateOrInstant, IsInstant, PageQueryDto } from '@aero/core';
import type { SessionStatus } from '../session.entity';

export const SESSION_STATUSES: SessionStatus[] = ['scheduled', 'cancelled'];
export const SESSION_UNBOOKABLE_REASONS = ['cancelled', 'ended', 'full'] as const;
export type SessionUnbookableReason = (typeof SESSION_UNBOOKABLE_REASONS)[number];
export const MAX_CAPACITY = 10000;

/** A bookable slot at a venue. */
export class SessionCreateDto {
  @ApiProperty({ example: '0b6f3c1a-5d2e-4c8f-9a7b-1e2d3c4b5a69', format: 'uuid' })
  @IsUUID()
  venueId: string;

  /** What happens in the slot. */
  @ApiProperty({ example: 'Open Jump' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 100)
  activity: string;

  /** Start, an instant with offset. */
  @ApiProperty({ example: '2026-03-08T10:00:00-04:00', format: 'date-time' })
  @IsInstant()
  startsAt: string;

  /** End, after the start. */
  @ApiProperty({ example: '2026-03-08T11:00:00-04:00', format: 'date-time' })
  @IsInstant()
  endsAt: string;

  /** Places for sale. */
  @ApiProperty({ example: 40, type: 'integer', minimum: 1, maximum: MAX_CAPACITY })
  @IsInt()
  @Min(1)
  @Max(MAX_CAPACITY)
  capacity: number;
}

/** Change capacity (never below the places taken) or cancel / reinstate the session. */
export class SessionUpdateDto {
  @ApiPropertyOptional({ example: 50, type: 'integer', minimum: 0, maximum: MAX_CAPACITY })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_CAPACITY)
  capacity?: number;

  /** `cancelled` stops new holds and bookings; existing bookings stay for the front desk to handle. */
  @ApiPropertyOptional({ enum: SESSION_STATUSES, example: 'cancelled' })
  @IsOptional()
  @IsIn(SESSION_STATUSES)
  status?: SessionStatus;
}

/** Availability of a venue: sessions starting in [from, to]. Dates are venue-local days, `to` inclusive. */
export class SessionQueryDto extends PageQueryDto {
  @ApiProperty({ example: '0b6f3c1a-5d2e-4c8f-9a7b-1e2d3c4b5a69', format: 'uuid' })
  @IsUUID()
  venueId: string;

  /** First venue-local day (`2026-03-07`) or an instant; default: today at the venue. */
  @ApiPropertyOptional({ example: '2026-03-07' })
  @IsOptional()
  @IsDateOrInstant()
  from?: string;

  /** Last venue-local day, inclusive (`2026-03-09`), or an exclusive instant; default: a week after `from`. At most 62 days after `from`. */
  @ApiPropertyOptional({ example: '2026-03-09' })
  @IsOptional()
  @IsDateOrInstant()
  to?: string;

  /** Only this activity. */
  @ApiPropertyOptional({ example: 'Open Jump' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  activity?: string;

  /** Also list cancelled sessions (staff views). */
  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeCancelled?: boolean;

  /**
   * Leave out sessions that cannot be booked now (ended or full; cancelled ones unless `includeCancelled`).
   * Filtered within each page, so a page may hold fewer than `limit` sessions: keep following `nextCursor`.
   */
  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  bookableOnly?: boolean;
}

export class SessionResponseDto {
  @ApiProperty({ example: '5d9c2e4f-7a1b-4c3d-8e6f-0a1b2c3d4e5f', format: 'uuid' })
  id: string;
  @ApiProperty({ example: '0b6f3c1a-5d2e-4c8f-9a7b-1e2d3c4b5a69', format: 'uuid' })
  venueId: string;
  @ApiProperty({ example: 'Open Jump' })
  activity: string;
  @ApiProperty({ enum: SESSION_STATUSES, example: 'scheduled' })
  status: SessionStatus;
  /** Start in UTC. */
  @ApiProperty({ example: '2026-03-08T14:00:00.000Z', format: 'date-time' })
  startsAt: string;
  /** End in UTC. */
  @ApiProperty({ example: '2026-03-08T15:00:00.000Z', format: 'date-time' })
  endsAt: string;
  /** Start in the venue's local time, with its offset on that day. */
  @ApiProperty({ example: '2026-03-08T10:00:00-04:00' })
  startsAtLocal: string;
  /** End in the venue's local time, with its offset. */
  @ApiProperty({ example: '2026-03-08T11:00:00-04:00' })
  endsAtLocal: string;
  /** The venue's IANA time zone. */
  @ApiProperty({ example: 'America/Toronto' })
  timeZone: string;
  @ApiProperty({ example: 40, type: 'integer' })
  capacity: number;
  /** Places in confirmed bookings. */
  @ApiProperty({ example: 31, type: 'integer' })
  booked: number;
  /** Places in unexpired holds (checkouts in progress). */
  @ApiProperty({ example: 2, type: 'integer' })
  held: number;
  /** Places still for sale (0 when cancelled or ended). */
  @ApiProperty({ example: 7, type: 'integer' })
  remaining: number;
  /** Whether a hold or booking can be made now; sessions already under way take bookings until they end. */
  @ApiProperty({ example: true })
  bookable: boolean;
  /** Why not, when `bookable` is false: `cancelled`, `ended` or `full`; null when bookable. */
  @ApiProperty({ enum: [...SESSION_UNBOOKABLE_REASONS, null], nullable: true, example: null, type: String })
  unbookableReason: SessionUnbookableReason | null;
}

export class SessionPageDto {
  @ApiProperty({ type: [SessionResponseDto] })
  data: SessionResponseDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ example: null, nullable: true, type: String })
  nextCursor: string | null;
}
