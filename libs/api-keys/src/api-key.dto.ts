import { ApiProperty } from '@nestjs/swagger';
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
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { IsInstant, PageQueryDto } from '@aero/core';
import type { Scope } from '@aero/auth';
import { SCOPES } from '@aero/auth';

export const API_KEY_STATUSES = ['active', 'grace', 'rotated', 'revoked', 'expired', 'disabled'] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

/** Longest grace period a rotation may leave the old key working: 30 days. */
export const MAX_GRACE_SECONDS = 30 * 24 * 3600;

export class ApiKeyCreateDto {
  /** What the key is for, e.g. `Front desk kiosk 3`. */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  /** The app the key belongs to: `kiosk`, `pos`, `web`, `partner`, `internal`, … (lower case). */
  @ApiProperty({ example: 'kiosk', pattern: '^[a-z][a-z0-9-]{1,31}$' })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{1,31}$/, { message: 'app must be 2–32 lower-case letters, digits or dashes' })
  app: string;

  /** What the key may do. */
  @ApiProperty({ enum: SCOPES, isArray: true, example: ['members:read', 'bookings:write'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(SCOPES, { each: true })
  scopes: Scope[];

  /** When the key stops working (ISO 8601 instant with offset, in the future, before 2101); omit for no expiry. */
  @ApiProperty({ required: false, format: 'date-time' })
  @IsOptional()
  @IsInstant()
  expiresAt?: string;

  /** Requests per minute this key may make; omit for the tier default. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rateLimitPerMinute?: number;

  /** Requests this key may make per calendar month (UTC); past it, 429 `quota-exceeded` until next month. Omit for none. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_000_000_000)
  monthlyQuota?: number;

  /** Open holds this key may have at once, across sessions; past it, 409 `hold-cap-reached`. Omit for HOLDS_MAX_OPEN_PER_PRINCIPAL. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxOpenHolds?: number;

  /** Restricts the key to these venues; omit for every venue. */
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  venueIds?: string[];
}

export class ApiKeyUpdateDto {
  /** New name. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  /** Replaces the scopes (takes effect at once, in every instance within seconds). */
  @ApiProperty({ enum: SCOPES, isArray: true, required: false })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(SCOPES, { each: true })
  scopes?: Scope[];

  /** New expiry; null removes it. */
  @ApiProperty({ required: false, nullable: true, type: String, format: 'date-time' })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsInstant()
  expiresAt?: string | null;

  /** false disables the key until enabled again. */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** New per-minute limit; null means the tier default. */
  @ApiProperty({ required: false, nullable: true, type: Number })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rateLimitPerMinute?: number | null;

  /** New monthly quota (takes effect within seconds, counting what was used this month); null removes it. */
  @ApiProperty({ required: false, nullable: true, type: Number })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(2_000_000_000)
  monthlyQuota?: number | null;

  /** New cap on open holds (holds already open stay); null means HOLDS_MAX_OPEN_PER_PRINCIPAL. */
  @ApiProperty({ required: false, nullable: true, type: Number })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxOpenHolds?: number | null;

  /** New venue restriction; null means every venue. */
  @ApiProperty({ required: false, nullable: true, type: [String] })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  venueIds?: string[] | null;
}

export class ApiKeyRotateDto {
  /** How long the old key keeps working, in seconds (0 = stops at once; at most 30 days). Default 3600. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_SECONDS)
  gracePeriodSeconds?: number;
}

export class ApiKeyListQueryDto extends PageQueryDto {}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  name: string;
  app: string;
  @ApiProperty({ enum: SCOPES, isArray: true })
  scopes: Scope[];
  /** Venues the key is restricted to; null means every venue. */
  @ApiProperty({ type: [String], nullable: true })
  venueIds: string[] | null;
  /** The start of the key (`aero_<id>`), to recognise it. */
  @ApiProperty({ example: 'aero_3f2a…' })
  prefix: string;
  /** Last four characters of the key. */
  last4: string;
  /** Derived: active, grace (rotated, still working), rotated, revoked, expired or disabled. */
  @ApiProperty({ enum: API_KEY_STATUSES })
  status: ApiKeyStatus;
  enabled: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt: string | null;
  @ApiProperty({ type: Number, nullable: true })
  rateLimitPerMinute: number | null;
  /** Requests per calendar month (UTC); null means no quota. */
  @ApiProperty({ type: Number, nullable: true })
  monthlyQuota: number | null;
  /** Open holds the key may have at once; null means HOLDS_MAX_OPEN_PER_PRINCIPAL. */
  @ApiProperty({ type: Number, nullable: true })
  maxOpenHolds: number | null;
  /** Who created it: `user:<id>`, `apiKey:<id>` or `cli`. */
  createdBy: string;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
  /** Last use, to within a minute. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastUsedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt: string | null;
  /** The key that replaced this one by rotation. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  replacedById: string | null;
  /** Until when a rotated key still works. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  graceEndsAt: string | null;
}

/** Returned once, at creation or rotation: `key` is never shown again. */
export class ApiKeyCreatedDto extends ApiKeyDto {
  /** The API key. Store it now: only a keyed hash of it is kept. */
  @ApiProperty({ example: 'aero_…' })
  key: string;
}

export class ApiKeyPageDto {
  @ApiProperty({ type: [ApiKeyDto] })
  data: ApiKeyDto[];
  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}
