import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';
import { IsTimeZone } from './validators';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** A new venue. */
export class VenueCreateDto {
  /** Display name. */
  @ApiProperty({ example: 'AeroSports Toronto' })
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  name: string;

  /** IANA time zone of the venue; local times of its sessions are shown in it. */
  @ApiProperty({ example: 'America/Toronto' })
  @IsString()
  @IsTimeZone()
  timeZone: string;

  /** Whether the venue takes bookings (default true). */
  @ApiPropertyOptional({ example: true, default: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

/** Fields to change. */
export class VenueUpdateDto {
  @ApiPropertyOptional({ example: 'AeroSports Toronto Downtown' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ example: 'America/Toronto' })
  @IsOptional()
  @IsString()
  @IsTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class VenueResponseDto {
  @ApiProperty({ example: '0b6f3c1a-5d2e-4c8f-9a7b-1e2d3c4b5a69', format: 'uuid' })
  id: string;
  @ApiProperty({ example: 'AeroSports Toronto' })
  name: string;
  @ApiProperty({ example: 'America/Toronto' })
  timeZone: string;
  @ApiProperty({ example: true })
  active: boolean;
  @ApiProperty({ example: '2026-11-25T18:30:00.000Z', format: 'date-time' })
  createdAt: string;
  @ApiProperty({ example: '2026-11-25T18:30:00.000Z', format: 'date-time' })
  updatedAt: string;
}

export class VenuePageDto {
  @ApiProperty({ type: [VenueResponseDto] })
  data: VenueResponseDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ example: null, nullable: true, type: String })
  nextCursor: string | null;
}
