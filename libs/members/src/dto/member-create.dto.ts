import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsEmail,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { IsCalendarDate } from '@aero/core';

/** A date of birth may lie before the years other dates are held to. */
export const DATE_OF_BIRTH_YEARS = { minYear: 1900 };

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** A new member profile. A minor may name a guardian (another, adult member). */
export class MemberCreateDto {
  /** Given name. */
  @ApiProperty({ example: 'Maya' })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  firstName: string;

  /** Family name. */
  @ApiProperty({ example: 'Singh' })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  lastName: string;

  /** Calendar date of birth, `YYYY-MM-DD`, in 1900–2100. */
  @ApiProperty({ example: '2014-06-21', format: 'date' })
  @IsCalendarDate(DATE_OF_BIRTH_YEARS)
  dateOfBirth: string;

  /** Unique (case-insensitively) across members. */
  @ApiPropertyOptional({ example: 'maya.singh@example.com', format: 'email' })
  @IsOptional()
  @Transform(trim)
  @IsEmail()
  @MaxLength(254)
  email?: string;

  /** Phone number, digits with optional `+`, spaces, dashes, dots and parentheses. */
  @ApiPropertyOptional({ example: '+1 416-555-0134' })
  @IsOptional()
  @Transform(trim)
  @Matches(/^\+?[0-9 ().-]{5,32}$/, { message: 'phone must be a phone number' })
  @MaxLength(32) // the column's length, the leading + included
  phone?: string;

  /** Id of the adult member responsible for this minor. */
  @ApiPropertyOptional({ example: '3f6c1f9e-8a59-4c53-9a34-7d0b7e9b2a10', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  guardianId?: string;

  /**
   * The venue registering the member. Venue-restricted callers must name one of their venues (it defaults
   * to their venue when they have exactly one); a dependant added by a member user inherits the guardian's.
   */
  @ApiPropertyOptional({ example: '0b8f5c1e-2d3a-4e5f-9a6b-7c8d9e0f1a2b', format: 'uuid' })
  @ValidateIf((_o, v) => v !== undefined)
  @IsUUID()
  homeVenueId?: string;
}
