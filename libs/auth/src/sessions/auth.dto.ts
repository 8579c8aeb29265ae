import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { ROLES, SCOPES } from '../principal';
import type { Role, Scope } from '../principal';

export class LoginDto {
  /** The user's email (case-insensitive). */
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  email: string;

  /** The user's password. */
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}

export class RefreshDto {
  /** The refresh token from the last login or refresh. It is single use. */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  refreshToken: string;
}

export class LogoutDto extends RefreshDto {}

export class PasswordChangeDto {
  /** The password in use now. */
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  currentPassword: string;

  /** 8–128 characters, not a common password, not the email. */
  @IsString()
  @MaxLength(1024)
  newPassword: string;
}

export class TokenPairDto {
  /** JWT for `Authorization: Bearer`; short-lived. */
  accessToken: string;
  /** Opaque, single-use token for `POST /v1/auth/refresh`. */
  refreshToken: string;
  @ApiProperty({ enum: ['Bearer'] })
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  @ApiProperty({ example: 900 })
  expiresIn: number;
}

/** A sign-in's answer: the token pair, and this device's token for the sign-in throttle. */
export class LoginResponseDto extends TokenPairDto {
  /**
   * Marks this device as known to the account for 30 days: send it back on later sign-ins in the
   * `X-Device-Token` header (apps) — browsers get it as the HttpOnly `aero_device` cookie — and failures from
   * other addresses never lock this device out. Store it like a refresh token.
   */
  deviceToken: string;
}

/** Who the caller is, whichever credential they used. */
export class MeDto {
  @ApiProperty({ enum: ['user', 'apiKey'] })
  kind: 'user' | 'apiKey';
  /** User id or API key id. */
  @ApiProperty({ format: 'uuid' })
  id: string;
  /** Roles of a user (empty for API keys). */
  @ApiProperty({ enum: ROLES, isArray: true })
  roles: Role[];
  /** Scopes of an API key (empty for users). */
  @ApiProperty({ enum: SCOPES, isArray: true })
  scopes: Scope[];
  /** A user's email. */
  @ApiProperty({ required: false })
  email?: string;
  /** The member profile a member user acts as. */
  @ApiProperty({ required: false, format: 'uuid' })
  memberId?: string;
  /** Venues the caller is restricted to; absent means every venue. */
  @ApiProperty({ required: false, type: [String] })
  venueIds?: string[];
  /** The app an API key belongs to. */
  @ApiProperty({ required: false })
  app?: string;
  /** Per-minute limit of an API key, if set. */
  @ApiProperty({ required: false })
  rateLimitPerMinute?: number;
  /** Monthly request quota of an API key, if set. */
  @ApiProperty({ required: false })
  monthlyQuota?: number;
}
