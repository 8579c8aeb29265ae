import { ApiPropertyOptional } from '@nestjs/swagger';
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
import { DATE_OF_BIRTH_YEARS } from './member-create.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Fields to change; omitted fields stay. `email`, `phone` and `guardianId` may be set to null to clear them. */
export class MemberUpdateDto {
  /** Given name. */
  @ApiPropertyOptional({ example: 'Maya' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  firstName?: string;

  /** Family name. */
  @ApiPropertyOptional({ example: 'Singh-Patel' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  lastName?: string;

  /** Calendar date of birth, `YYYY-MM-DD`, in 1900–2100. */
  @ApiPropertyOptional({ example: '2014-06-21', format: 'date' })
  @IsOptional()
  @IsCalendarDate(DATE_OF_BIRTH_YEARS)
  dateOfBirth?: string;

  /** New email, or null to remove it. */
  @ApiPropertyOptional({ example: 'maya@example.com', format: 'email', nullable: true, type: String })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @Transform(trim)
  @IsEmail()
  @MaxLength(254)
  email?: string | null;

  /** New phone, or null to remove it. */
  @ApiPropertyOptional({ example: '+1 416-555-0199', nullable: true, type: String })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @Transform(trim)
  @Matches(/^\+?[0-9 ().-]{5,32}$/, { message: 'phone must be a phone number' })
  @MaxLength(32) // the column's length, the leading + included
  phone?: string | null;

  /** New guardian, or null to remove the guardian. */
  @ApiPropertyOptional({
    example: '3f6c1f9e-8a59-4c53-9a34-7d0b7e9b2a10',
    format: 'uuid',
    nullable: true,
    type: String,
  })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsUUID()
  guardianId?: string | null;

  /** Moves the member's home venue; venue-restricted callers may name only their own venues. Not null. */
  @ApiPropertyOptional({ example: '0b8f5c1e-2d3a-4e5f-9a6b-7c8d9e0f1a2b', format: 'uuid' })
  @ValidateIf((_o, v) => v !== undefined)
  @IsUUID()
  homeVenueId?: string;
}
