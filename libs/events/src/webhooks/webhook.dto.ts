import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { PageQueryDto } from '@aero/core';
import { EVENT_TYPES } from '../event-types';

/** What an endpoint may subscribe to: event types, or `*` for all of them. */
export const SUBSCRIBABLE_TYPES = ['*', ...EVENT_TYPES] as const;
export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'failed'] as const;

export class WebhookEndpointCreateDto {
  /** Where deliveries are POSTed: `https://` (plain http only outside production); no credentials, no private address. */
  @ApiProperty({ example: 'https://pos.partner.example/aero/webhooks', maxLength: 2000 })
  @IsString()
  @MinLength(8)
  @MaxLength(2000)
  url: string;

  /** Event types to receive, or `["*"]` for every type the caller may see. */
  @ApiProperty({ enum: SUBSCRIBABLE_TYPES, isArray: true, example: ['booking.created', 'booking.cancelled'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(50)
  @IsIn(SUBSCRIBABLE_TYPES, { each: true })
  types: string[];

  /** Only events of these venues; omit for every venue the caller may see (a venue key: its own venues). */
  @ApiProperty({ required: false, type: [String], format: 'uuid', maxItems: 100 })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  venueIds?: string[];

  /** What the endpoint is for. */
  @ApiProperty({ required: false, maxLength: 500, example: 'Front-desk POS at Northside' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  /** Deliveries are made only while enabled (default true). */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookEndpointUpdateDto {
  @ApiProperty({ required: false, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(2000)
  url?: string;

  @ApiProperty({ required: false, enum: SUBSCRIBABLE_TYPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(50)
  @IsIn(SUBSCRIBABLE_TYPES, { each: true })
  types?: string[];

  /** null: every venue the owner may see. */
  @ApiProperty({ required: false, type: [String], format: 'uuid', nullable: true, maxItems: 100 })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  venueIds?: string[] | null;

  @ApiProperty({ required: false, maxLength: 500, nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(500)
  description?: string | null;

  /** Re-enabling an endpoint the API disabled for failing resumes its pending deliveries. */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookRotateSecretDto {
  /** Hours the old secret keeps being sent alongside the new one (0–720); default WEBHOOKS_ROTATION_GRACE_HOURS. */
  @ApiProperty({ required: false, type: 'integer', minimum: 0, maximum: 720, example: 24 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(720)
  gracePeriodHours?: number;
}

export class WebhookOwnerDto {
  @ApiProperty({ enum: ['user', 'apiKey'] })
  kind: 'user' | 'apiKey';
  @ApiProperty({ format: 'uuid' })
  id: string;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  url: string;
  @ApiProperty({ enum: SUBSCRIBABLE_TYPES, isArray: true })
  types: string[];
  /** Venues it is restricted to; null: every venue its owner may see. */
  @ApiProperty({ type: [String], nullable: true })
  venueIds: string[] | null;
  @ApiProperty({ type: String, nullable: true })
  description: string | null;
  enabled: boolean;
  /** `failing`: disabled by the API after failing for WEBHOOKS_DISABLE_AFTER_HOURS; `owner_disabled`: its API key was disabled or revoked. */
  @ApiProperty({ type: String, nullable: true, example: 'failing' })
  disabledReason: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabledAt: string | null;
  /** The first failure since the last success (null while healthy). */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  failingSince: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastSuccessAt: string | null;
  /** While a rotated-out secret is still sent (two signatures), until when. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  previousSecretExpiresAt: string | null;
  @ApiProperty({ type: WebhookOwnerDto })
  owner: WebhookOwnerDto;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class WebhookEndpointCreatedDto extends WebhookEndpointDto {
  /** The signing secret (`whsec_…`): shown in this response only. Verify deliveries with it. */
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  secret: string;
}

export class WebhookEndpointPageDto {
  @ApiProperty({ type: [WebhookEndpointDto] })
  data: WebhookEndpointDto[];
  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

export class WebhookEndpointListQueryDto extends PageQueryDto {}

export class WebhookAttemptDto {
  /** 1 for the first attempt. */
  @ApiProperty({ type: 'integer' })
  number: number;
  @ApiProperty({ format: 'date-time' })
  startedAt: string;
  /** succeeded: 2xx in time; failed: anything else (retried); refused: the target address is not allowed. */
  @ApiProperty({ enum: ['succeeded', 'failed', 'refused'] })
  outcome: string;
  @ApiProperty({ type: 'integer', nullable: true })
  statusCode: number | null;
  @ApiProperty({ type: 'integer' })
  latencyMs: number;
  /** The first 1 kB of the receiver's answer. */
  @ApiProperty({ type: String, nullable: true })
  responseExcerpt: string | null;
  @ApiProperty({ type: String, nullable: true })
  error: string | null;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  endpointId: string;
  /** The event id, sent as `webhook-id` on every attempt. */
  eventId: string;
  eventType: string;
  @ApiProperty({ enum: DELIVERY_STATUSES })
  status: string;
  @ApiProperty({ type: 'integer' })
  attemptCount: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  nextAttemptAt: string | null;
  @ApiProperty({ type: 'integer', nullable: true })
  lastStatusCode: number | null;
  @ApiProperty({ type: String, nullable: true })
  lastError: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  deliveredAt: string | null;
  @ApiProperty({ type: [WebhookAttemptDto] })
  attempts: WebhookAttemptDto[];
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto] })
  data: WebhookDeliveryDto[];
  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

export class WebhookDeliveryListQueryDto extends PageQueryDto {
  @ApiProperty({ required: false, enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: string;
}
