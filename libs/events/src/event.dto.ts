import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import type { EventActor } from './event-types';
import { EVENT_TYPES } from './event-types';

/** Who caused the event. */
export class EventActorDto implements EventActor {
  /** `user` or `apiKey` for a request; `system` for a background job or the admin CLI. */
  @ApiProperty({ enum: ['user', 'apiKey', 'system'], example: 'apiKey' })
  kind: EventActor['kind'];

  /** The user id or API key id (never a secret); the job's name for `system`. */
  @ApiProperty({ example: '6a1f0c1e-3f4b-4d9c-9a43-6c2f1b7e8d10' })
  id: string;
}

/** One event: what changed, when, by whom, and the resource as its GET returned it at that moment. */
export class EventResponseDto {
  /** Stable id: the same in the feed and in every webhook delivery of this event. */
  @ApiProperty({ example: 'evt_Q2hhbmdlZEJvb2tpbmcxMjM', pattern: '^evt_[A-Za-z0-9_-]{22}$' })
  id: string;

  @ApiProperty({ enum: EVENT_TYPES, example: 'booking.created' })
  type: string;

  /** When the change was made (UTC). */
  @ApiProperty({ format: 'date-time', example: '2026-12-07T15:04:05.123Z' })
  occurredAt: string;

  /** The venue the resource belongs to; null for venue-less resources (API keys, users, members). */
  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: '0b7e5c4a-2d1f-4e3a-9b8c-7d6e5f4a3b2c' })
  venueId: string | null;

  @ApiProperty({ type: EventActorDto })
  actor: EventActorDto;

  /** The resource as its GET returns it at the moment of the change. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  data: object;
}

/** `GET /v1/events` filters. */
export class EventQueryDto {
  /** How many events to return (1–100). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20, example: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number = 20;

  /** The previous page's `nextCursor`; omit to start from the oldest event kept. */
  @ApiPropertyOptional({
    maxLength: 512,
    description: "Opaque cursor: the previous page's `nextCursor`; omit to start at the oldest event kept",
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  after?: string;

  /** Comma-separated event types to include (default: every type the caller may see). */
  @ApiPropertyOptional({ maxLength: 1000, example: 'booking.created,booking.cancelled' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  types?: string;

  /** Only events of this venue. */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  venueId?: string;
}

/** A page of the feed, oldest first. */
export class EventPageDto {
  @ApiProperty({ type: [EventResponseDto] })
  data: EventResponseDto[];

  /**
   * Where to continue: always present, also on the last page (then it points after the newest event
   * shown, or stays where you were). Store it and pass it as `after` next time.
   */
  @ApiProperty({ example: 'eyJwIjoiNDIifQ.c2lnbmF0dXJlLXRhZy1leGFtcGxl' })
  nextCursor: string;

  /** True when more events are already waiting after this page: ask again at once. */
  @ApiProperty({ example: false })
  hasMore: boolean;
}
